"""After-sale windows, the period that applies, over-period requests and attempt limits (售后期)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from simkit.policy.model import Policy
from simkit.rules._common import (
    NO_REASON_REASONS,
    Reader,
    channels,
    days,
    decision_day,
    get_category,
    in_time,
    terms,
    times,
    tmall,
)
from simkit.rules.decision import Decision
from simkit.rules.no_reason import Window, applied_window, legal_terms, legal_window


def after_sale_window(
    policy: Policy,
    *,
    category: str,
    completed_at: dt.datetime | None,
    at: dt.datetime,
    received_at: dt.datetime | None = None,
    paid_at: dt.datetime | None = None,
    extensions: int = 0,
    promised: dt.timedelta | None = None,
    extended_at: Sequence[dt.datetime] = (),
) -> Decision:
    """Whether an after-sale request may be filed at `at`, and until when.

    Tmall: 0–15 days after transaction success (longer for categories with a rights
    period). Video channel: the period `applicable_period` chooses, plus any merchant
    extensions. Before completion it is an in-sale refund. A merchant's promised after-sale
    period (counted from receipt) binds when it ends later, and is void when it ends earlier.
    """
    get_category(policy, category)  # an unknown category raises KeyError whatever the path
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
        day = decision_day(policy, paid_at or completed_at or at, at)
        span, en, zh, versions = terms(
            policy, ("tmall_after_sale", category, day), lambda: _tmall_terms(policy, category, day)
        )
        period = Window(completed_at + span, ("tmall.after_sale_window",), en, zh, versions)
        if promised is not None:
            period = _with_promise(policy, period, (received_at or completed_at) + promised, promised)
    elif c is not None:
        base = received_at or completed_at
        if base is None:
            return Decision(True, "onsale", ("channels.period_order",), "Refund before receipt.", "收货前申请退款。")
        period = _channel_period(policy, category, base, paid_at, extensions, promised, extended_at)
    else:
        base = received_at or completed_at or at
        period = applied_window(policy, received_at=base, paid_at=paid_at)
        if promised is not None:
            period = _with_promise(policy, period, base + promised, promised)
    if in_time(at, period.end):
        return period.decision("within_window", True, "Within the after-sale period. ", "在售后期内。")
    return period.decision("window_closed", False, "After the after-sale period. ", "已超过售后期。")


def _tmall_terms(
    policy: Policy, category: str, day: dt.date | None
) -> tuple[dt.timedelta, str, str, tuple[tuple[str, str], ...]]:
    """Tmall's after-sale period after transaction success for `category`: length, texts, versions."""
    cat = get_category(policy, category)
    read = Reader(policy, day, day)
    if cat.rights_period is not None:
        span = read.hours(f"categories.{category}.rights_period", cat.rights_period)
    else:
        t = tmall(policy)
        assert t is not None
        span = read.hours("tmall.after_sale_window.window", t.after_sale_window.window)
    return (
        span,
        f"The after-sale period is {days(span)} days after transaction success.",
        f"售后期为交易成功后{days(span)}天。",
        read.frozen(),
    )


def _with_promise(policy: Policy, standard: Window, promised_end: dt.datetime, promised: dt.timedelta) -> Window:
    """The standard period, or the merchant's promised one when it ends later; a shorter promise is void."""
    if promised_end > standard.end:
        return standard._replace(
            end=promised_end,
            rules=tuple(dict.fromkeys((*standard.rules, "national.favourable"))),
            en=f"{standard.en} The merchant promised {days(promised)} days after receipt, "
            "more favourable to the buyer: the promise binds.",
            zh=f"{standard.zh}商家承诺签收后{days(promised)}天售后,更有利于消费者,按承诺执行。",
        )
    if promised_end < standard.end:
        floor = ("channels.merchant_policy_floor",) if channels(policy) is not None else ()
        return standard._replace(
            rules=tuple(dict.fromkeys((*standard.rules, *floor, "national.favourable"))),
            en=f"{standard.en} The merchant's promised {days(promised)} days fall below the "
            "platform standard: void, the platform standard applies.",
            zh=f"{standard.zh}商家承诺的{days(promised)}天低于平台标准,视为无效,以平台标准为准。",
        )
    return standard


def applicable_period(
    policy: Policy,
    *,
    category: str,
    received_at: dt.datetime,
    paid_at: dt.datetime | None = None,
    extensions: int = 0,
    promised: dt.timedelta | None = None,
    extended_at: Sequence[dt.datetime] = (),
) -> Decision:
    """The video channel's after-sale period for an order, and which rule sets it.

    The platform standard is the later of the no-reason and the quality periods. Then, in
    the order 三包 → category rule → merchant promise, a period that ends later (more
    favourable to the buyer) wins; a promise that ends earlier is void (the platform
    standard applies). Merchant extensions move the end: with their times, each one from
    the later of the current end and the moment it was made; with a count only, back to back.

    Raises:
        ValueError: For a policy without the video channel's rules.
    """
    window = _channel_period(policy, category, received_at, paid_at, extensions, promised, extended_at)
    return window.decision("period")


def _channel_period(
    policy: Policy,
    category: str,
    received_at: dt.datetime,
    paid_at: dt.datetime | None,
    extensions: int,
    promised: dt.timedelta | None,
    extended_at: Sequence[dt.datetime],
) -> Window:
    """See `applicable_period`."""
    if channels(policy) is None:
        raise ValueError("period_end applies to video-channel policies only")
    day = decision_day(policy, paid_at or received_at, received_at)
    base = terms(policy, ("channel_period", category, day), lambda: _channel_terms(policy, category, day))
    end = received_at + base.quality
    if base.no_reason:
        end = max(end, legal_window(policy, received_at, paid_at)[0].end)
    period = Window(end, _CHANNEL_RULES, base.en, base.zh, base.versions)
    for rule, more_en, more_zh, span in base.candidates:
        if received_at + span > period.end:
            period = Window(
                received_at + span, (*period.rules, rule), period.en + more_en, period.zh + more_zh, period.versions
            )
    if promised is not None:
        period = _with_promise(policy, period, received_at + promised, promised)
    if not extended_at and not extensions:
        return period
    read = Reader(policy, day, day)
    read.versions.extend(base.read_versions)
    return _extended(policy, read, period, extensions, extended_at)


_CHANNEL_RULES = ("channels.period_order", "channels.over_period_scenarios")


class _ChannelTerms(NamedTuple):
    """The parts of a channel period that depend only on the policy, the category and the date."""

    quality: dt.timedelta
    no_reason: bool
    en: str
    zh: str
    versions: tuple[tuple[str, str], ...]
    candidates: tuple[tuple[str, str, str, dt.timedelta], ...]
    """(rule, text en, text zh, span) of 三包 and category periods, appended when one ends later."""
    read_versions: tuple[tuple[str, str], ...]


def _channel_terms(policy: Policy, category: str, day: dt.date | None) -> _ChannelTerms:
    """The quality period, whether the no-reason window counts, the candidates and their versions."""
    c = channels(policy)
    assert c is not None
    cat = get_category(policy, category)
    read = Reader(policy, day, day)
    quality = read.hours("channels.over_period_scenarios.quality_period", c.over_period_scenarios.quality_period)
    no_reason = cat.no_reason != "excluded" and not (cat.fresh and not c.fresh.no_reason)
    if no_reason:
        read.versions += legal_terms(policy, day)[4]
    versions = read.frozen()
    candidates = tuple(
        (
            rule,
            f" {label_en} {days(span)} days, more favourable: it applies.",
            f"{label_zh}{days(span)}天,更有利于消费者,适用。",
            span,
        )
        for rule, label_en, label_zh, span in _candidates(policy, category, read)
    )
    return _ChannelTerms(
        quality,
        no_reason,
        f"Platform standard: quality period {days(quality)} days after receipt.",
        f"平台标准:签收后品质售后期{days(quality)}天。",
        versions,
        candidates,
        read.frozen(),
    )


def _candidates(policy: Policy, category: str, read: Reader) -> list[tuple[str, str, str, dt.timedelta]]:
    """三包 and category periods in the channel's order, as (rule, label en, label zh, span)."""
    cat = get_category(policy, category)
    out = []
    if cat.three_guarantees:
        tg = policy.spec.national.three_guarantees
        span = read.hours("national.three_guarantees.exchange_within", tg.exchange_within)
        out.append(("national.three_guarantees", "三包 exchange period", "三包换货期", span))
    if cat.rights_period is not None:
        span = read.hours(f"categories.{category}.rights_period", cat.rights_period)
        out.append(("channels.period_order", f"{cat.name.en} rights period", f"{cat.name.zh}维权期", span))
    return out


def _extended(
    policy: Policy, read: Reader, period: Window, extensions: int, extended_at: Sequence[dt.datetime]
) -> Window:
    """The period moved by merchant extensions."""
    c = channels(policy)
    assert c is not None
    if not extended_at and not extensions:
        return period
    length = read.hours("channels.extend.length", c.extend.length)
    end = period.end
    if extended_at:
        for moment in sorted(extended_at):
            end = max(end, moment) + length
        count = len(extended_at)
    else:
        end += extensions * length
        count = extensions
    return Window(
        end,
        (*period.rules, "channels.extend"),
        f"{period.en} Extended {times(count)} by {days(length)} days.",
        f"{period.zh}商家已延长{count}次,每次{days(length)}天。",
        read.frozen(),
    )


def period_end(
    policy: Policy,
    *,
    category: str,
    received_at: dt.datetime,
    paid_at: dt.datetime | None = None,
    extensions: int = 0,
    promised: dt.timedelta | None = None,
    extended_at: Sequence[dt.datetime] = (),
) -> dt.datetime:
    """The video channel's after-sale period end (see `applicable_period`)."""
    period = applicable_period(
        policy,
        category=category,
        received_at=received_at,
        paid_at=paid_at,
        extensions=extensions,
        promised=promised,
        extended_at=extended_at,
    )
    assert period.deadline is not None
    return period.deadline


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
    promised: dt.timedelta | None = None,
    promised_window: dt.timedelta | None = None,
    extended_at: Sequence[dt.datetime] = (),
) -> Decision:
    """How a merchant must handle a request after its period (video channel, seed:003).

    A no-reason request is over period after the no-reason window (fresh goods: always);
    any other request after the applicable period. Never a bare refusal: a proven quality
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
    window_days = days(read.hours("national.no_reason_return.window", policy.spec.national.no_reason_return.window))
    if reason in NO_REASON_REASONS:
        window = applied_window(policy, received_at=received_at, paid_at=paid_at, promised_window=promised_window)
        end = _extended(policy, read, window, extensions, extended_at).end
        scenario_en = f"fresh, over {window_days} days" if cat.fresh else f"over {window_days} days"
        scenario_zh = f"超{window_days}天无理由售后期" + ("(生鲜绿植类)" if cat.fresh else "")
    else:
        end = _channel_period(policy, category, received_at, paid_at, extensions, promised, extended_at).end
        scenario_en, scenario_zh = "over the quality period", "超品质原因售后期"
    if in_time(at, end):
        return Decision(
            True,
            "within_period",
            ("channels.period_order",),
            "Within the after-sale period.",
            "在售后期内。",
            deadline=end,
            deadline_kind="window_end",
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
            deadline_kind="window_end",
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
    return alternative._replace(deadline=end, deadline_kind="window_end", versions=read.frozen() + alternative.versions)


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
    offer_en = f"offer a small compensation ({rate * 100:g}% of the price)"
    offer_zh = f"先协商小额补偿(价款的{rate * 100:g}%)"
    return Decision(
        True,
        "offer_alternative",
        tuple(dict.fromkeys((*rules, "channels.principle"))),
        f"{why_en} Do not refuse: {offer_en}, then other remedies.",
        f"{why_zh}不得直接拒绝:{offer_zh},再协商退款退货等方案。",
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
