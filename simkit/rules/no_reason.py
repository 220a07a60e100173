"""7-day no-reason return (七日无理由退货): eligibility and deadline."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, channels, get_category, start_of_next_day
from simkit.rules.decision import Decision


def no_reason_deadline(policy: Policy, *, received_at: dt.datetime, paid_at: dt.datetime | None = None) -> Decision:
    """The end of the no-reason window (counted from the day after receipt by default)."""
    rule = policy.spec.national.no_reason_return
    read = Reader(policy, paid_at or received_at, received_at)
    span = read.hours("national.no_reason_return.window", rule.window)
    start = start_of_next_day(received_at) if rule.counted_from == "day_after_receipt" else received_at
    return Decision(
        True,
        "window",
        ("national.no_reason_return",),
        "No-reason window end.",
        "七日无理由期限。",
        deadline=start + span,
        versions=read.frozen(),
    )


def no_reason_return(
    policy: Policy,
    *,
    category: str,
    received_at: dt.datetime,
    at: dt.datetime,
    goods_used: bool = False,
    confirmed_at_purchase: bool = False,
    paid_at: dt.datetime | None = None,
) -> Decision:
    """Whether a no-reason return is allowed at `at`, and until when.

    Args:
        policy: The policy in force.
        category: The order's category.
        received_at: When the buyer signed for the goods.
        at: When the buyer asks.
        goods_used: Whether the goods were used beyond inspection.
        confirmed_at_purchase: Whether the buyer confirmed an exclusion when buying.
        paid_at: Payment time (picks dated values).
    """
    cat = get_category(policy, category)
    national = policy.spec.national
    window = no_reason_deadline(policy, received_at=received_at, paid_at=paid_at)
    c = channels(policy)
    if cat.fresh and c is not None and not c.fresh.no_reason:
        return Decision(
            False,
            "excluded",
            ("channels.fresh", "national.no_reason_exclusions"),
            "Fresh goods have no 7-day no-reason return (quality problems excepted).",
            "生鲜类商品不支持七天无理由退货(质量问题除外)。",
        )
    if cat.no_reason == "excluded":
        return Decision(
            False,
            "excluded",
            ("national.no_reason_exclusions",),
            f"{cat.name.en} is excluded from no-reason return ({cat.exclusion}).",
            f"{cat.name.zh}不适用七日无理由退货。",
        )
    if cat.no_reason == "confirm" and confirmed_at_purchase:
        return Decision(
            False,
            "excluded_confirmed",
            ("national.no_reason_confirm",),
            "The buyer confirmed at purchase that no-reason return does not apply.",
            "消费者购买时已确认不适用七日无理由退货。",
        )
    if goods_used and not national.goods_intact.used_goods_accepted:
        return Decision(
            False,
            "goods_not_intact",
            ("national.goods_intact", "national.no_reason_return"),
            "Used goods are not intact; no-reason return does not apply.",
            "商品已使用、不完好,不适用七日无理由退货。",
            deadline=window.deadline,
            versions=window.versions,
        )
    if window.deadline is not None and at >= window.deadline:
        return Decision(
            False,
            "window_passed",
            ("national.no_reason_return",),
            "The 7-day no-reason window has passed.",
            "已超过七日无理由退货期限。",
            deadline=window.deadline,
            versions=window.versions,
        )
    return Decision(
        True,
        "return_allowed",
        ("national.no_reason_return",),
        "No-reason return allowed within 7 days from the day after receipt.",
        "自签收次日起七日内可无理由退货。",
        deadline=window.deadline,
        versions=window.versions,
    )
