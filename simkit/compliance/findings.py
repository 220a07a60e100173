"""What every compliance check reports: a `Finding`, with the clause it rests on and its evidence.

A finding names the clause (a policy rule id such as ``tmall.refund_auto_agree``, or one of
the platform state machines in `CLAUSES`), the clause's Chinese and English names, what the
rules expected against what happened, and where: the file and line of a policy value, or the
case in an event log with the events that prove it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from simkit.policy.model import Policy

Severity = Literal["violation", "warning"]
"""A violation fails the check; a warning is reported and does not."""

Family = Literal["floor", "playbook", "conformance", "log"]
"""Which check family produced a finding: the national floor, the playbook, log conformance,
or a problem with the log itself (a malformed row)."""

CLAUSES: dict[str, tuple[str, str, str]] = {
    "status.taobao.trade": ("淘宝交易状态", "Taobao trade state machine", "taobao:api"),
    "status.taobao.refund": ("淘宝退款状态", "Taobao refund state machine", "taobao:api"),
    "status.taobao.cs_status": ("淘宝客服介入状态", "Taobao intervention status (cs_status)", "taobao:api"),
    "status.tmall.exchange": ("天猫换货状态", "Tmall exchange-order state machine", "taobao:api"),
    "status.wechat.order": ("微信小店订单状态", "WeChat store order state machine", "wx:api"),
    "status.wechat.after_sale": ("微信小店售后单状态", "WeChat store after-sale state machine", "wx:api"),
    "status.repair": ("维修流程", "Repair steps (no platform status; simkit's neutral names)", "simkit"),
    "log.row": ("日志行", "Event log row", "simkit"),
}
"""Clauses that are not policy rules: the platforms' documented state machines (see
docs/statuses.md) and the log format itself. Each: (zh, en, source)."""


def clause_names(policy: Policy | None, clause: str) -> tuple[str, str]:
    """The Chinese and English names of a clause (a policy rule id, a category or a `CLAUSES` key)."""
    if clause in CLAUSES:
        zh, en, _ = CLAUSES[clause]
        return zh, en
    if policy is not None:
        if clause.startswith("categories."):
            category = policy.spec.categories.get(clause.split(".")[1])
            if category is not None:
                return category.name.zh, category.name.en
        try:
            names = policy.rule(clause).name
        except KeyError:
            pass
        else:
            return names.zh, names.en
    return clause, clause


@dataclass(frozen=True, slots=True)
class Step:
    """One event of a case, as evidence or in a timeline.

    Attributes:
        line: The line (CSV, JSON Lines) or row (Parquet, simulated runs) it came from.
        time: ISO 8601 in China local time.
        activity: The activity (``concept:name``).
        actor: Who acted.
        status: The platform status after the step ("" when it records none).
        amount: CNY (points for penalty points), or None.
        rule: The clause the log cites for the step ("" when none).
        case_id: The case the step belongs to.
    """

    line: int
    time: str
    activity: str
    actor: str = ""
    status: str = ""
    amount: float | None = None
    rule: str = ""
    case_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "line": self.line,
            "time": self.time,
            "activity": self.activity,
            "actor": self.actor,
            "status": self.status,
            "amount": self.amount,
            "rule": self.rule,
            "case_id": self.case_id,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found.

    Attributes:
        family: Which check family found it.
        clause: The rule id (or `CLAUSES` key) it rests on.
        check: A short id of the check within the clause, e.g. ``auto_approval``.
        severity: ``violation`` or ``warning``.
        name_zh: The clause's Chinese name.
        name_en: The clause's English name.
        expected: What the rules expected, in words and numbers.
        actual: What was found.
        where: ``FILE:LINE`` of a policy value, or the case id in a log.
        case_id: The case (log conformance), else "".
        order_id: The order (log conformance), else "".
        run_id: The run (log conformance), else "".
        evidence: The events that prove it.
    """

    family: Family
    clause: str
    check: str
    severity: Severity
    name_zh: str
    name_en: str
    expected: str
    actual: str
    where: str = ""
    case_id: str = ""
    order_id: str = ""
    run_id: str = ""
    evidence: tuple[Step, ...] = field(default=())

    def line(self) -> str:
        """One line: ``where: clause (en / zh): expected …, found …``."""
        head = f"{self.where}: " if self.where else ""
        return (
            f"{head}{self.severity} of {self.clause} ({self.name_en} / {self.name_zh}): "
            f"expected {self.expected}; found {self.actual}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "family": self.family,
            "clause": self.clause,
            "check": self.check,
            "severity": self.severity,
            "name": {"zh": self.name_zh, "en": self.name_en},
            "expected": self.expected,
            "actual": self.actual,
            "where": self.where,
            "case_id": self.case_id,
            "order_id": self.order_id,
            "run_id": self.run_id,
            "evidence": [step.to_dict() for step in self.evidence],
        }


def make_finding(
    policy: Policy | None,
    family: Family,
    clause: str,
    check: str,
    expected: str,
    actual: str,
    *,
    severity: Severity = "violation",
    where: str = "",
    case_id: str = "",
    order_id: str = "",
    run_id: str = "",
    evidence: Iterable[Step] = (),
) -> Finding:
    """A `Finding` with the clause's names looked up in `policy`."""
    zh, en = clause_names(policy, clause)
    return Finding(
        family,
        clause,
        check,
        severity,
        zh,
        en,
        expected,
        actual,
        where,
        case_id,
        order_id,
        run_id,
        tuple(evidence),
    )


def violations(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that fail a check."""
    return [f for f in findings if f.severity == "violation"]
