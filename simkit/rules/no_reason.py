"""7-day no-reason return (七日无理由退货): eligibility and deadline."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from simkit.policy.model import Policy
from simkit.rules._common import (
    Reader,
    channels,
    days,
    decision_day,
    get_category,
    in_time,
    start_of_next_day,
    terms,
)
from simkit.rules.decision import Decision


class Window(NamedTuple):
    """A window's end, the rules that set it, and why (the parts of a decision, built once)."""

    end: dt.datetime
    rules: tuple[str, ...]
    en: str
    zh: str
    versions: tuple[tuple[str, str], ...]

    def decision(self, outcome: str, allowed: bool = True, en: str = "", zh: str = "") -> Decision:
        """A decision whose deadline is this window's end; its reason is `en` (`zh`) followed by the window's."""
        return Decision.of_deadline(
            allowed,
            outcome,
            self.rules,
            _joined(en, self.en),
            _joined(zh, self.zh),
            self.end,
            "window_end",
            self.versions,
        )


_JOINED: dict[tuple[str, str], str] = {}
_JOINED_MAX = 4096
"""Reason texts `_joined` keeps (a few dozen in practice: a verdict's words times a window's)."""


def _joined(first: str, then: str) -> str:
    """``first + then``, composed once: the windows answer a simulation's every request with the same few texts."""
    key = (first, then)
    text = _JOINED.get(key)
    if text is None:
        if len(_JOINED) >= _JOINED_MAX:
            _JOINED.clear()
        text = _JOINED[key] = first + then
    return text


def legal_window(policy: Policy, received_at: dt.datetime, paid_at: dt.datetime | None) -> tuple[Window, dt.timedelta]:
    """The legal no-reason window and its length."""
    day = decision_day(policy, paid_at or received_at, received_at)
    span, after, en, zh, versions = legal_terms(policy, day)
    start = start_of_next_day(received_at) if after else received_at
    return Window(start + span, _LEGAL_RULES, en, zh, versions), span


_LEGAL_RULES = ("national.no_reason_return",)


def legal_terms(
    policy: Policy, day: dt.date | None
) -> tuple[dt.timedelta, bool, str, str, tuple[tuple[str, str], ...]]:
    """The legal window's length, whether it counts from the day after receipt, its texts and
    versions, on decision date `day` (built once per policy and date)."""
    return terms(policy, ("legal_window", day), lambda: _legal_terms(policy, day))


def _legal_terms(
    policy: Policy, day: dt.date | None
) -> tuple[dt.timedelta, bool, str, str, tuple[tuple[str, str], ...]]:
    rule = policy.spec.national.no_reason_return
    read = Reader(policy, day, day)
    span = read.hours("national.no_reason_return.window", rule.window)
    after = rule.counted_from == "day_after_receipt"
    n = days(span)
    return (
        span,
        after,
        f"No-reason window: {n} days from {'the day after receipt' if after else 'receipt'}.",
        f"{n}日无理由退货期限(自{'签收次日' if after else '签收'}起算)。",
        read.frozen(),
    )


def no_reason_deadline(policy: Policy, *, received_at: dt.datetime, paid_at: dt.datetime | None = None) -> Decision:
    """The end of the no-reason window (counted from the day after receipt by default)."""
    return legal_window(policy, received_at, paid_at)[0].decision("window")


def applied_window(
    policy: Policy,
    *,
    received_at: dt.datetime,
    paid_at: dt.datetime | None = None,
    promised_window: dt.timedelta | None = None,
    extended_to: dt.datetime | None = None,
) -> Window:
    """The no-reason window that applies: the legal one, lengthened by a more favourable promise or
    an extension; a shorter promise is void (national.favourable, channels.merchant_policy_floor)."""
    legal, span = legal_window(policy, received_at, paid_at)
    if promised_window is None and extended_to is None:
        return legal
    n = days(span)
    end, rules, en, zh = legal.end, list(legal.rules), [legal.en], [legal.zh]
    if promised_window is not None:
        start, promised = end - span, days(promised_window)
        rules.append("national.favourable")
        if start + promised_window > end:
            end = start + promised_window
            en.append(f"The merchant promised {promised} days, more favourable than the legal {n}: it binds.")
            zh.append(f"商家承诺{promised}天无理由退货,优于法定{n}天,按承诺执行。")
        elif start + promised_window < end:
            if channels(policy) is not None:
                rules.append("channels.merchant_policy_floor")
            en.append(f"The merchant's {promised}-day window is below the legal {n} days and void.")
            zh.append(f"商家{promised}天的无理由退货政策低于法定{n}天,视为无效。")
    if extended_to is not None and extended_to > end:
        end = extended_to
        rules.append("channels.extend")
        en.append("The merchant extended the after-sale period beyond it.")
        zh.append("商家已延长售后期。")
    return Window(end, tuple(dict.fromkeys(rules)), " ".join(en), "".join(zh), legal.versions)


def no_reason_window(
    policy: Policy,
    *,
    received_at: dt.datetime,
    paid_at: dt.datetime | None = None,
    promised_window: dt.timedelta | None = None,
    extended_to: dt.datetime | None = None,
) -> Decision:
    """The no-reason window that applies, as a decision (see `applied_window`)."""
    window = applied_window(
        policy, received_at=received_at, paid_at=paid_at, promised_window=promised_window, extended_to=extended_to
    )
    return window.decision("window")


def no_reason_return(
    policy: Policy,
    *,
    category: str,
    received_at: dt.datetime,
    at: dt.datetime,
    goods_used: bool = False,
    confirmed_at_purchase: bool = False,
    paid_at: dt.datetime | None = None,
    promised_window: dt.timedelta | None = None,
    extended_to: dt.datetime | None = None,
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
        promised_window: A no-reason window the merchant promised: it binds when longer than the
            legal one and is void when shorter (national.favourable).
        extended_to: The end of an after-sale period the merchant extended (video channel), when
            later than the window.
    """
    cat = get_category(policy, category)
    national = policy.spec.national
    c = channels(policy)
    excluded = cat.no_reason == "excluded" or (cat.no_reason == "confirm" and confirmed_at_purchase)
    if excluded or (cat.fresh and c is not None and not c.fresh.no_reason):
        read = Reader(policy, paid_at or received_at, received_at)
        n = days(read.hours("national.no_reason_return.window", national.no_reason_return.window))
    if cat.fresh and c is not None and not c.fresh.no_reason:
        return Decision(
            False,
            "excluded",
            ("channels.fresh", "national.no_reason_exclusions"),
            f"Fresh goods have no {n}-day no-reason return (quality problems excepted).",
            f"生鲜类商品不支持{n}天无理由退货(质量问题除外)。",
        )
    if cat.no_reason == "excluded":
        return Decision(
            False,
            "excluded",
            ("national.no_reason_exclusions",),
            f"{cat.name.en} is excluded from no-reason return ({cat.exclusion}).",
            f"{cat.name.zh}不适用{n}日无理由退货。",
        )
    if cat.no_reason == "confirm" and confirmed_at_purchase:
        return Decision(
            False,
            "excluded_confirmed",
            ("national.no_reason_confirm",),
            "The buyer confirmed at purchase that no-reason return does not apply.",
            f"消费者购买时已确认不适用{n}日无理由退货。",
        )
    window = applied_window(
        policy, received_at=received_at, paid_at=paid_at, promised_window=promised_window, extended_to=extended_to
    )
    if goods_used and not national.goods_intact.used_goods_accepted:
        return Decision(
            False,
            "goods_not_intact",
            ("national.goods_intact", *window.rules),
            "Used goods are not intact; no-reason return does not apply.",
            "商品已使用、不完好,不适用无理由退货。",
            deadline=window.end,
            deadline_kind="window_end",
            versions=window.versions,
        )
    if not in_time(at, window.end):
        return window.decision("window_passed", False, "The no-reason window has passed. ", "已超过无理由退货期限。")
    return window.decision("return_allowed", True, "No-reason return allowed. ", "可无理由退货。")
