"""Rule complaints and violation points (规则类投诉与违规扣分)."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, tmall
from simkit.rules.decision import Decision

_VIOLATION_OF_REASON = {
    "unkept_promise": "unkept_promise",
    "invoice": "invoice",
    "campaign_breach": "campaign_breach",
    "not_as_described": "not_as_described",
}
_SEVERITY_FIELD = {"severe": "mismatch_severe", "serious": "mismatch_serious", "minor": "mismatch_minor"}


def penalty_points(
    policy: Policy, *, violation: str, severity: str | None = None, paid_at: dt.datetime | None = None
) -> Decision:
    """Violation points for a proven violation.

    Args:
        policy: The policy in force.
        violation: ``refuse_to_ship``, ``unkept_promise``, ``campaign_breach``, ``invoice`` or
            ``not_as_described``.
        severity: For ``not_as_described``: ``severe``, ``serious`` or ``minor`` (default minor).
        paid_at: Payment time (picks dated values).
    """
    t = tmall(policy)
    if t is None:
        return Decision(False, "not_applicable", (), "No violation points on this platform.", "该平台无违规扣分规则。")
    field = _SEVERITY_FIELD[severity or "minor"] if violation == "not_as_described" else violation
    if field not in type(t.penalty_points).model_fields:
        return Decision(
            False,
            "unknown_violation",
            ("tmall.penalty_points",),
            f"Unknown violation {violation!r}.",
            f"未知违规类型{violation}。",
        )
    read = Reader(policy, paid_at, paid_at)
    points = int(read(f"tmall.penalty_points.{field}", getattr(t.penalty_points, field)))
    return Decision(
        True,
        "penalty",
        ("tmall.penalty_points",),
        f"{violation}: {points} points.",
        f"违规扣{points}分。",
        points=points,
        versions=read.frozen(),
    )


def rule_complaint(
    policy: Policy,
    *,
    closed_at: dt.datetime,
    at: dt.datetime,
    reason: str,
    complaints_filed: int = 0,
    withdrawn: bool = False,
    severity: str | None = None,
    paid_at: dt.datetime | None = None,
) -> Decision:
    """Whether a rule complaint may be filed; it goes straight to human intervention.

    Within the window after the transaction closes, one per order; a withdrawn complaint
    cannot be filed again. The points are those the merchant gets if it is upheld.
    """
    t = tmall(policy)
    if t is None:
        return Decision(False, "not_applicable", (), "No rule complaints on this platform.", "该平台无规则类投诉。")
    rc = t.rule_complaint
    read = Reader(policy, paid_at or closed_at, at)
    ids: tuple[str, ...] = ("tmall.rule_complaint",)
    end = closed_at + read.hours("tmall.rule_complaint.window", rc.window)
    if reason not in rc.reasons:
        return Decision(
            False,
            "reason_not_covered",
            ids,
            f"{reason!r} is not a rule-complaint reason.",
            "该原因不属于规则类投诉。",
            deadline=end,
            versions=read.frozen(),
        )
    if withdrawn and not rc.refile_after_withdrawal:
        return Decision(
            False,
            "withdrawn",
            ids,
            "A withdrawn complaint cannot be filed again.",
            "投诉撤销后不得再次发起。",
            deadline=end,
            versions=read.frozen(),
        )
    if complaints_filed >= read("tmall.rule_complaint.per_order", rc.per_order):
        return Decision(
            False,
            "already_filed",
            ids,
            "Only one complaint per order.",
            "每笔交易只有一次投诉机会。",
            deadline=end,
            versions=read.frozen(),
        )
    if not closed_at <= at < end:
        return Decision(
            False,
            "outside_window",
            ids,
            "Complaints are allowed 0–15 days after the close.",
            "交易关闭后0-15天内可发起投诉。",
            deadline=end,
            versions=read.frozen(),
        )
    points = penalty_points(policy, violation=_VIOLATION_OF_REASON[reason], severity=severity, paid_at=paid_at)
    return Decision(
        True,
        "intervention",
        (*ids, *points.rules),
        f"Complaint accepted: straight to human intervention; {points.points} points if upheld.",
        f"投诉成立直接进入人工介入;成立扣{points.points}分。",
        deadline=end,
        points=points.points,
        versions=read.frozen() + points.versions,
    )
