"""Rule complaints and violation points (规则类投诉与违规扣分)."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, days, hours, in_time, tmall
from simkit.rules.decision import Decision

_VIOLATION_OF_REASON = {
    "unkept_promise": "unkept_promise",
    "invoice": "invoice",
    "campaign_breach": "campaign_breach",
    "not_as_described": "not_as_described",
    "refuse_to_ship": "refuse_to_ship",
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
    closed_at: dt.datetime | None,
    at: dt.datetime,
    reason: str,
    complaints_filed: int = 0,
    withdrawn: bool = False,
    severity: str | None = None,
    paid_at: dt.datetime | None = None,
    placed_at: dt.datetime | None = None,
) -> Decision:
    """Whether a rule complaint may be filed; it goes straight to human intervention.

    Within the window after the transaction closes, or while the order waits for payment
    (within the waiting window after it was placed); one per order; a withdrawn complaint
    cannot be filed again. A refusal to trade or ship before payment costs points; after
    payment it is compensated instead (late-shipment compensation), without points. The
    points are those the merchant gets if the complaint is upheld.

    Args:
        policy: The policy in force.
        closed_at: When the trade closed (or succeeded), or None while it waits for payment.
        at: When the buyer complains.
        reason: The complaint's reason.
        complaints_filed: Complaints already filed on the order.
        withdrawn: Whether an earlier complaint was withdrawn.
        severity: For a description mismatch: ``severe``, ``serious`` or ``minor``.
        paid_at: Payment time, or None when the order was never paid.
        placed_at: When the order was placed (for an order waiting for payment).

    Raises:
        ValueError: When neither `closed_at` nor `placed_at` is given.
    """
    t = tmall(policy)
    if t is None:
        return Decision(False, "not_applicable", (), "No rule complaints on this platform.", "该平台无规则类投诉。")
    rc = t.rule_complaint
    start = closed_at or placed_at
    if start is None:
        raise ValueError("rule_complaint needs closed_at, or placed_at for an order waiting for payment")
    read = Reader(policy, paid_at or start, at)
    ids: tuple[str, ...] = ("tmall.rule_complaint",)
    if closed_at is not None:
        span = read.hours("tmall.rule_complaint.window", rc.window)
        when_en, when_zh = f"0-{days(span)} days after the trade closes", f"交易关闭后0-{days(span)}天内"
    else:
        span = read.hours("tmall.rule_complaint.awaiting_payment_window", rc.awaiting_payment_window)
        when_en, when_zh = (
            f"while the order waits for payment, within {hours(span)} h of the order",
            f"等待买家付款状态下({hours(span)}小时内)",
        )
    end = start + span

    def refuse(outcome: str, en: str, zh: str, more: tuple[str, ...] = ()) -> Decision:
        return Decision(
            False, outcome, (*ids, *more), en, zh, deadline=end, deadline_kind="file_by", versions=read.frozen()
        )

    if reason not in rc.reasons:
        return refuse("reason_not_covered", f"{reason!r} is not a rule-complaint reason.", "该原因不属于规则类投诉。")
    if reason == "refuse_to_ship" and paid_at is not None:
        comp = t.late_ship_comp
        rate, cap = read("tmall.late_ship_comp.rate", comp.rate), read("tmall.late_ship_comp.cap", comp.cap)
        return refuse(
            "compensation_instead",
            f"After payment a refusal to ship is compensated ({rate * 100:g}% of the price, at most {cap:g} CNY), "
            "not penalised with points.",
            f"买家付款后不能发货的,赔付价款的{rate * 100:g}%(最高{cap:g}元),不扣分。",
            ("tmall.late_ship_comp",),
        )
    if withdrawn and not rc.refile_after_withdrawal:
        return refuse("withdrawn", "A withdrawn complaint cannot be filed again.", "投诉撤销后不得再次发起。")
    per_order = int(read("tmall.rule_complaint.per_order", rc.per_order))
    if complaints_filed >= per_order:
        return refuse(
            "already_filed",
            f"Only {per_order} complaint{'' if per_order == 1 else 's'} per order.",
            f"每笔交易只有{per_order}次投诉机会。",
        )
    if at < start or not in_time(at, end):
        return refuse("outside_window", f"Complaints are allowed {when_en}.", f"{when_zh}可发起投诉。")
    points = penalty_points(policy, violation=_VIOLATION_OF_REASON[reason], severity=severity, paid_at=paid_at)
    return Decision(
        True,
        "intervention",
        (*ids, *points.rules),
        f"Complaint accepted ({when_en}): straight to human intervention; {points.points} points if upheld.",
        f"投诉成立({when_zh}),直接进入人工介入;成立扣{points.points}分。",
        deadline=end,
        deadline_kind="file_by",
        points=points.points,
        versions=read.frozen() + points.versions,
    )
