"""Shipping promise, automatic receipt confirmation and settlement (发货、确认收货、结算)."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, channels, days, hours, platform_span, tmall
from simkit.rules.decision import Decision


def ship_deadline(
    policy: Policy, *, paid_at: dt.datetime, channel: str = "normal", presale_ship_by: dt.datetime | None = None
) -> Decision:
    """When the merchant must have shipped.

    Args:
        policy: The policy in force.
        paid_at: Payment time.
        channel: ``normal``, ``juhuasuan`` or ``presale``.
        presale_ship_by: The date a presale listing promises, if any.
    """
    read = Reader(policy, paid_at, paid_at)
    t, c = tmall(policy), channels(policy)
    if channel == "presale" and presale_ship_by is not None:
        rule = "tmall.ship_promise" if t else "channels.ship_promise" if c else "national.favourable"
        return Decision(
            True,
            "ship_by",
            (rule,),
            "Presale: ship by the date the listing promised.",
            "预售商品按页面承诺时间发货。",
            deadline=presale_ship_by,
            deadline_kind="ship_by",
        )
    if t is not None:
        rule, sp = "tmall.ship_promise", t.ship_promise
        limit = {
            "normal": ("normal", sp.normal),
            "juhuasuan": ("juhuasuan", sp.juhuasuan),
            "presale": ("presale_default", sp.presale_default),
        }[channel]
    elif c is not None:
        rule, cp = "channels.ship_promise", c.ship_promise
        limit = ("presale_default", cp.presale_default) if channel == "presale" else ("normal", cp.normal)
    else:
        return Decision(
            False, "not_applicable", (), "The national floor sets no shipping promise.", "国家规定未设发货时效。"
        )
    span = read.hours(f"{rule}.{limit[0]}", limit[1])
    hours = span.total_seconds() / 3600
    return Decision(
        True,
        "ship_by",
        (rule,),
        f"Ship within {hours:g} h of payment ({channel}).",
        f"付款后{hours:g}小时内发货({channel})。",
        deadline=paid_at + span,
        deadline_kind="ship_by",
        versions=read.frozen(),
    )


def auto_confirm_deadline(policy: Policy, *, shipped_at: dt.datetime, paid_at: dt.datetime | None = None) -> Decision:
    """When receipt is confirmed automatically if the buyer does nothing."""
    read = Reader(policy, paid_at or shipped_at, shipped_at)
    found = platform_span(
        read, tmall_path="tmall.auto_confirm.after_shipment", channels_path="channels.auto_confirm.after_shipment"
    )
    if found is None:
        return Decision(
            False,
            "not_applicable",
            (),
            "No automatic confirmation in the national floor.",
            "国家规定未设自动确认收货。",
        )
    span, rule = found
    return Decision(
        True,
        "auto_confirm",
        (rule,),
        f"Receipt is confirmed automatically {days(span)} days after shipment.",
        f"发货后{days(span)}天自动确认收货。",
        deadline=shipped_at + span,
        deadline_kind="auto_confirm_at",
        versions=read.frozen(),
    )


def settlement_time(policy: Policy, *, confirmed_at: dt.datetime, paid_at: dt.datetime | None = None) -> Decision:
    """When the payment settles to the merchant."""
    read = Reader(policy, paid_at or confirmed_at, confirmed_at)
    found = platform_span(
        read, tmall_path="tmall.settlement.after_confirm", channels_path="channels.settlement.after_confirm"
    )
    if found is None:
        return Decision(
            False, "not_applicable", (), "No settlement rule in the national floor.", "国家规定未设结算规则。"
        )
    span, rule = found
    return Decision(
        True,
        "settle",
        (rule,),
        f"Funds settle to the merchant {hours(span)} h after receipt is confirmed.",
        f"确认收货后{hours(span)}小时货款结算给商家。",
        deadline=confirmed_at + span,
        deadline_kind="settles_at",
        versions=read.frozen(),
    )
