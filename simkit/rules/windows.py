"""After-sale windows, over-period requests and attempt limits (售后期)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import NO_REASON_REASONS, Reader, channels, get_category, tmall
from simkit.rules.decision import Decision
from simkit.rules.no_reason import no_reason_deadline


def after_sale_window(
    policy: Policy,
    *,
    category: str,
    completed_at: dt.datetime | None,
    at: dt.datetime,
    received_at: dt.datetime | None = None,
    paid_at: dt.datetime | None = None,
    extensions: int = 0,
) -> Decision:
    """Whether an after-sale request may be filed at `at`, and until when.

    Tmall: 0–15 days after transaction success (longer for categories with a rights
    period). Video channel: the no-reason or quality period after receipt, whichever
    ends later, plus any merchant extensions. Before completion it is an in-sale refund.
    """
    cat = get_category(policy, category)
    read = Reader(policy, paid_at or completed_at or at, at)
    t, c = tmall(policy), channels(policy)
    if t is not None:
        if completed_at is None:
            return Decision(
                True,
                "onsale",
                ("tmall.after_sale_window",),
                "Refund before transaction success.",
                "交易成功前申请退款(售中)。",
            )
        if cat.rights_period is not None:
            span = read.hours(f"categories.{category}.rights_period", cat.rights_period)
        else:
            span = read.hours("tmall.after_sale_window.window", t.after_sale_window.window)
        end = completed_at + span
        ids: tuple[str, ...] = ("tmall.after_sale_window",)
    elif c is not None:
        base = received_at or completed_at
        if base is None:
            return Decision(True, "onsale", ("channels.period_order",), "Refund before receipt.", "收货前申请退款。")
        end = period_end(policy, category=category, received_at=base, paid_at=paid_at, extensions=extensions)
        ids = ("channels.period_order", "channels.over_period_scenarios")
        if extensions:
            ids += ("channels.extend",)
    else:
        base = received_at or completed_at or at
        window = no_reason_deadline(policy, received_at=base, paid_at=paid_at)
        end = window.deadline or base
        ids = ("national.no_reason_return",)
    if at < end:
        return Decision(
            True,
            "within_window",
            ids,
            "Within the after-sale period.",
            "在售后期内。",
            deadline=end,
            versions=read.frozen(),
        )
    return Decision(
        False,
        "window_closed",
        ids,
        "The after-sale period has ended.",
        "已超过售后期。",
        deadline=end,
        versions=read.frozen(),
    )


def period_end(
    policy: Policy,
    *,
    category: str,
    received_at: dt.datetime,
    paid_at: dt.datetime | None = None,
    extensions: int = 0,
) -> dt.datetime:
    """The video channel's after-sale period end: the later of the no-reason and quality periods, extended."""
    c = channels(policy)
    if c is None:
        raise ValueError("period_end applies to video-channel policies only")
    cat = get_category(policy, category)
    read = Reader(policy, paid_at or received_at, received_at)
    ends = [
        received_at
        + read.hours("channels.over_period_scenarios.quality_period", c.over_period_scenarios.quality_period)
    ]
    if cat.no_reason != "excluded" and not (cat.fresh and not c.fresh.no_reason):
        deadline = no_reason_deadline(policy, received_at=received_at, paid_at=paid_at).deadline
        if deadline is not None:
            ends.append(deadline)
    return max(ends) + extensions * read.hours("channels.extend.length", c.extend.length)


def over_period_request(
    policy: Policy,
    *,
    category: str,
    received_at: dt.datetime,
    at: dt.datetime,
    goods_used: bool,
    reason: str = "quality",
    quality_proven: bool = False,
    price: float | None = None,
    paid_at: dt.datetime | None = None,
    extensions: int = 0,
) -> Decision:
    """How a merchant must handle a request after its period (video channel, seed:003).

    A no-reason request is over period after the 7-day window (fresh goods: always);
    any other request after the quality period. Never a bare refusal: a proven quality
    defect obliges the merchant to reopen after-sale (by extension); otherwise the merchant
    offers a small compensation, then other remedies.
    """
    c = channels(policy)
    if c is None:
        t = tmall(policy)
        rule = ("tmall.reopen_entry",) if t is not None else ("national.favourable",)
        return Decision(
            False,
            "window_closed",
            rule,
            "Outside the after-sale window; the merchant may reopen it.",
            "已过售后期,商家可打开售后入口。",
        )
    cat = get_category(policy, category)
    read = Reader(policy, paid_at or received_at, at)
    extended = extensions * read.hours("channels.extend.length", c.extend.length)
    if reason in NO_REASON_REASONS:
        window = no_reason_deadline(policy, received_at=received_at, paid_at=paid_at).deadline or received_at
        end = window + extended
        scenario_en, scenario_zh = (
            ("fresh, over 7 days", "超七无售后期(生鲜绿植类)") if cat.fresh else ("over 7 days", "超七无售后期")
        )
    else:
        end = period_end(policy, category=category, received_at=received_at, paid_at=paid_at, extensions=extensions)
        scenario_en, scenario_zh = "over the quality period", "超品质原因售后期"
    if at < end:
        return Decision(
            True,
            "within_period",
            ("channels.period_order",),
            "Within the after-sale period.",
            "在售后期内。",
            deadline=end,
            versions=read.frozen(),
        )
    used_en, used_zh = ("used", "已使用") if goods_used else ("unused", "未使用")
    ids = ("channels.over_period_scenarios", "channels.principle")
    if quality_proven and c.over_period_scenarios.quality_proven_requires_reopen:
        return Decision(
            True,
            "reopen_required",
            (*ids, "channels.extend"),
            f"{scenario_en.capitalize()} ({used_en}), defect proven: the merchant must reopen after-sale.",
            f"{scenario_zh}({used_zh}),质量问题举证属实:商家需主动打开售后入口。",
            deadline=end,
            versions=read.frozen(),
        )
    alternative = channel_alternative(
        policy,
        price=price,
        paid_at=paid_at or received_at,
        at=at,
        why_en=f"{scenario_en.capitalize()} ({used_en}).",
        why_zh=f"{scenario_zh}({used_zh})。",
        rules=("channels.over_period_scenarios",),
    )
    return dataclasses.replace(alternative, deadline=end, versions=read.frozen() + alternative.versions)


def channel_alternative(
    policy: Policy,
    *,
    price: float | None,
    paid_at: dt.datetime,
    at: dt.datetime,
    why_en: str,
    why_zh: str,
    rules: tuple[str, ...] = (),
) -> Decision:
    """Video channel: answer a request the rules do not oblige with an alternative, never a bare refusal.

    The merchant offers a small compensation first (seed:003), then other remedies.
    """
    c = channels(policy)
    if c is None:
        raise ValueError("channel_alternative applies to video-channel policies only")
    read = Reader(policy, paid_at, at)
    rate = read("channels.principle.small_compensation", c.principle.small_compensation)
    amount = None if price is None else round(rate * price, 2)
    return Decision(
        True,
        "offer_alternative",
        tuple(dict.fromkeys((*rules, "channels.principle"))),
        f"{why_en} Do not refuse: offer a small compensation, then other remedies.",
        f"{why_zh}不得直接拒绝:先协商小额补偿,再协商退款退货等方案。",
        amount=amount,
        amount_form="cash" if amount is not None else None,
        versions=read.frozen(),
    )


def after_sale_attempt(policy: Policy, *, attempts: int) -> Decision:
    """Whether the buyer may file another after-sale for the same item (video channel: at most 5).

    Raises:
        ValueError: For a policy without the video channel's attempt limit.
    """
    c = channels(policy)
    if c is None:
        raise ValueError("after_sale_attempt applies to video-channel policies only")
    limit = int(c.attempts.max_per_item.at(None))
    if attempts >= limit:
        return Decision(
            False,
            "attempts_exhausted",
            ("channels.attempts",),
            f"At most {limit} after-sales per item.",
            f"同一商品最多申请{limit}次售后。",
        )
    return Decision(
        True,
        "attempt_allowed",
        ("channels.attempts",),
        f"Attempt {attempts + 1} of {limit}.",
        f"第{attempts + 1}次申请(上限{limit}次)。",
    )
