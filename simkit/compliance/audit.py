"""The log audit: check every order of a log (read by `simkit.logs`) against the policy.

The log is read as whole orders in bounded memory (`simkit.logs.LogOrders`); each order is
checked on its own, and the findings, coverage and malformed rows are gathered here.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from simkit.compliance.calls import RuleCalls, iso, to_micros
from simkit.compliance.conformance import Context, OrderChecks
from simkit.compliance.coverage import Coverage
from simkit.compliance.findings import Finding, Step
from simkit.errors import Problem
from simkit.logs.orderlog import OrderLog
from simkit.logs.orders import LogOrders, canonical_events, conflict_problems, max_time, orders_in
from simkit.policy.model import Policy

DEFAULT_TOLERANCE = dt.timedelta(minutes=5)
"""How far a platform timer may be off before it counts (processing delays)."""


@dataclass
class AuditResult:
    """What an audit found.

    Attributes:
        source: The log file, or a description of the simulated runs.
        policy: The policy the log was checked against.
        fmt: The log shape (``simkit``, ``taobao``, ``wechat``).
        rows: Rows read.
        orders: Orders audited.
        cases: After-sale cases audited.
        problems: Malformed rows (each with its line), in line order.
        duplicates: Exact duplicate rows, counted once: each names its line and the line it repeats
            (reported, and no failure: polled exports repeat unchanged snapshots).
        detected: How the shape was recognised from the header ("" when it was given).
        findings: Violations and warnings, in the order found.
        coverage: Clause coverage.
        timelines: Case id → steps, for the cases with findings (the first `max_dossiers`).
        per_run: Run id → number of violations.
        as_of: The log's end (ISO 8601).
        seconds: Time taken.
    """

    source: str
    policy: Policy
    fmt: str
    rows: int = 0
    orders: int = 0
    cases: int = 0
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    detected: str = ""
    findings: list[Finding] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    timelines: dict[str, list[Step]] = field(default_factory=dict)
    per_run: Counter[str] = field(default_factory=Counter)
    as_of: str = ""
    seconds: float = 0.0

    @property
    def violations(self) -> list[Finding]:
        """The findings that fail the audit."""
        return [f for f in self.findings if f.severity == "violation"]

    @property
    def warnings(self) -> list[Finding]:
        """The findings reported without failing."""
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def passed(self) -> bool:
        """No violation and no malformed row."""
        return not self.violations and not self.problems

    def by_clause(self) -> dict[str, int]:
        """Violations per clause, most first."""
        counts = Counter(f.clause for f in self.violations)
        return dict(counts.most_common())

    def _repr_html_(self) -> str:
        """The verdict, counts, violations by clause and the first findings as HTML tables (notebooks)."""
        from simkit._html import fields, table

        verdict = "PASS" if self.passed else "FAIL"
        facts = fields(
            [
                ("verdict", verdict),
                ("log", self.source),
                ("policy", self.policy.id),
                ("rows", self.rows),
                ("orders", self.orders),
                ("after-sale cases", self.cases),
                ("violations", len(self.violations)),
                ("warnings", len(self.warnings)),
                ("malformed rows", len(self.problems)),
            ],
            f"audit {self.source}: {verdict}",
        )
        clauses = table(("clause", "violations"), self.by_clause().items(), "violations by clause")
        found = table(
            ("case", "severity", "clause", "expected", "found"),
            ((f.case_id or f.where, f.severity, f.clause, f.expected, f.actual) for f in self.findings),
            "findings",
        )
        return facts + clauses + found

    def to_dict(self, limit: int = 1000) -> dict[str, Any]:
        """JSON-ready form (at most `limit` findings and problems listed; counts are exact)."""
        return {
            "source": self.source,
            "policy": self.policy.id,
            "format": self.fmt,
            "format_detected": self.detected,
            "rows": self.rows,
            "orders": self.orders,
            "cases": self.cases,
            "as_of": self.as_of,
            "seconds": round(self.seconds, 3),
            "passed": self.passed,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "malformed_rows": len(self.problems),
            "duplicate_rows": len(self.duplicates),
            "by_clause": self.by_clause(),
            "findings": [f.to_dict() for f in self.findings[:limit]],
            "problems": [str(p) for p in self.problems[:limit]],
            "duplicates": [str(p) for p in self.duplicates[:limit]],
            "timelines": {case: [s.to_dict() for s in steps] for case, steps in self.timelines.items()},
            "coverage": self.coverage.to_dict(self.policy),
        }


def audit_log(
    path: str | Path,
    policy: Policy,
    *,
    fmt: str | None = None,
    maps: Mapping[str, str] | None = None,
    tolerance: dt.timedelta = DEFAULT_TOLERANCE,
    max_dossiers: int = 50,
    partition_rows: int = 250_000,
    batch_rows: int = 100_000,
) -> AuditResult:
    """Audit a log file against a policy, in bounded memory.

    Args:
        path: The log (``.csv``, ``.csv.gz``, ``.parquet``, ``.jsonl``).
        policy: The policy in force (variants applied).
        fmt: The shape: ``simkit``, ``taobao`` or ``wechat`` (docs/log-format.md); None recognises it
            from the header (`AuditResult.detected` says how).
        maps: Raw column → field mappings beyond the preset's (``--map``).
        tolerance: How far a timer may be off.
        max_dossiers: Case timelines kept for the report.
        partition_rows: About how many rows one partition holds (spilled to disk beyond it).
        batch_rows: Rows read per chunk.

    Raises:
        LogError: When the log cannot be read at all or lacks a required column.
    """
    started = time.perf_counter()
    with LogOrders(path, fmt, maps, partition_rows=partition_rows, batch_rows=batch_rows) as log:
        result = AuditResult(str(path), policy, log.fmt, detected=log.detected)
        ctx = Context(
            policy,
            RuleCalls(policy),
            _us(tolerance),
            log.as_of,
            max_dossiers=max_dossiers,
            shape=log.fmt,
            source=str(path),
        )
        for table in log.tables():
            orders, cases = _audit_orders(log.orders(table), ctx, result.duplicates)
            result.orders += orders
            result.cases += cases
    return _finish(result, ctx, log.rows, log.problems, log.as_of, started)


def audit_events(
    events: pd.DataFrame | pa.Table,
    policy: Policy,
    *,
    facts: pd.DataFrame | None = None,
    as_of: dt.datetime | None = None,
    source: str = "<events>",
    tolerance: dt.timedelta = DEFAULT_TOLERANCE,
    max_dossiers: int = 50,
) -> AuditResult:
    """Audit an event log held in memory (``simkit`` shape), e.g. `simkit.run(...).events`.

    Args:
        events: One row per event, with the simkit log columns.
        policy: The policy in force.
        facts: Order facts (``order_id`` and any of category, price, free_shipping, channel,
            paid_at, presale_ship_by), joined onto the events by order id.
        as_of: The log's end (naive China local time): timers due before it must have fired
            (default: the last event).
        source: Named in the result.
        tolerance: How far a timer may be off.
        max_dossiers: Case timelines kept.
    """
    started = time.perf_counter()
    canonical, problems, rows = canonical_events(events, facts=facts, source=source)
    end = to_micros(as_of) if as_of is not None else max_time(canonical)
    ctx = Context(policy, RuleCalls(policy), _us(tolerance), end, max_dossiers=max_dossiers, source=source)
    result = AuditResult(source, policy, "simkit")
    orders = list(orders_in(canonical, "simkit"))
    problems += [problem for order in orders for problem in conflict_problems(order, source)]
    result.orders, result.cases = _audit_orders(orders, ctx, result.duplicates)
    return _finish(result, ctx, rows, problems, end, started)


def _finish(
    result: AuditResult, ctx: Context, rows: int, problems: list[Problem], as_of: int | None, started: float
) -> AuditResult:
    result.rows = rows
    result.problems = sorted(problems, key=lambda p: (p.line, p.path))
    result.duplicates.sort(key=lambda p: p.line)
    result.findings = sorted(ctx.findings, key=_finding_order)
    result.coverage = ctx.coverage
    result.timelines = ctx.timelines
    result.per_run = ctx.per_run
    result.as_of = iso(as_of)
    result.seconds = time.perf_counter() - started
    return result


def _finding_order(f: Finding) -> tuple[Any, ...]:
    """Findings by run, order (numerically when the ids are numbers), case and line."""
    order: tuple[int, int | str] = (0, int(f.order_id)) if f.order_id.isdigit() else (1, f.order_id)
    line = f.evidence[0].line if f.evidence else 0
    return (f.run_id, order, f.case_id, line, f.clause)


def _us(delta: dt.timedelta) -> int:
    return delta // dt.timedelta(microseconds=1)


def _audit_orders(whole: Iterable[OrderLog], ctx: Context, duplicates: list[Problem]) -> tuple[int, int]:
    """Audit every order; returns (orders, cases); duplicate rows go to `duplicates`."""
    orders = cases = 0
    for order in whole:
        for line, first in order.duplicates:
            duplicates.append(Problem(ctx.source, line, "row", f"duplicate of line {first} (counted once)"))
        OrderChecks(ctx, order).run()
        orders += 1
        cases += len(order.cases)
    return orders, cases
