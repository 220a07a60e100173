"""Event logs written inline for the conformance tests (simkit shape, China local times)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simkit.compliance.audit import AuditResult, audit_events
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = [
    "case:concept:name",
    "order_id",
    "time:timestamp",
    "actor",
    "concept:name",
    "status",
    "cs_status",
    "kind",
    "reason",
    "amount",
    "rule",
]


def frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Rows of (case, time, actor, activity, status, cs_status, kind, reason, amount[, rule]).

    The order id is the number in the case id.
    """
    out = []
    for row in rows:
        case, time, actor, activity, status, cs, kind, reason, amount, *rule = row
        order = int(case[1:].split("-")[0])
        out.append([case, order, time, actor, activity, status, cs, kind, reason, amount, rule[0] if rule else ""])
    data = pd.DataFrame(out, columns=COLUMNS)
    data["time:timestamp"] = pd.to_datetime(data["time:timestamp"]).dt.tz_localize("Asia/Shanghai")
    return data


@pytest.fixture
def audit():
    """``audit(rows, policy=..., facts=..., as_of=...)`` → AuditResult."""

    def run(
        rows: list[tuple[Any, ...]],
        policy: str = "tmall.yaml",
        facts: dict[str, Any] | None = None,
        as_of: str | None = None,
        variants: tuple[str, ...] = (),
    ) -> AuditResult:
        loaded = load_policy(ROOT / "policies" / policy, [ROOT / "policies" / "variants" / v for v in variants])
        table = frame(rows)
        known = pd.DataFrame([{"order_id": order, **values} for order, values in (facts or {}).items()])
        end = dt.datetime.fromisoformat(as_of) if as_of else None
        return audit_events(table, loaded, facts=known if len(known) else None, as_of=end)

    return run


def brief(result: AuditResult) -> list[tuple[str, str, str, str]]:
    """(case, clause, check, severity) of every finding."""
    return [(f.case_id, f.clause, f.check, f.severity) for f in result.findings]
