"""Every deadline family at its deadline and one second past it, through `decide` (what ``simkit explain`` runs).

Issue 16: "An act exactly at its deadline is in time, everywhere." The boundary has one meaning
(`simkit.rules.in_time`): in time up to and including the deadline, late one second after it.
Seed 004 fixes it for the rule complaint -- "订单状态为"交易关闭"的0-15天内……买家可发起违背承诺的投诉":
day 15 itself is in. Each row gives the deadline worked out from the source, the outcome exactly at
it and the outcome one second later; opening times (``opens_at``) are open from the moment itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from simkit.policy.model import Policy
from simkit.rules import in_time
from simkit.rules.explain import decide

SECOND = dt.timedelta(seconds=1)

ORDER = {
    "category": "apparel",
    "price": 399,
    "paid_at": "2026-03-01T20:15:00",
    "received_at": "2026-03-04T15:00:00",
    "completed_at": "2026-03-05T09:00:00",
}
ASKED = {"kind": "return_refund", "reason": "quality", "at": "2026-03-06T09:30:00"}
AGREED = {**ASKED, "agreed_at": "2026-03-07T11:00:00"}
SHIPPED = {**AGREED, "return_shipped_at": "2026-03-09T16:00:00"}
ARRIVED = {**SHIPPED, "return_received_at": "2026-03-12T10:00:00"}
ELECTRONICS = {**ORDER, "category": "electronics", "completed_at": None}
CLOSED = {**ORDER, "closed_at": "2026-05-20T10:00:00"}


def shifted(moment: str, late: bool) -> str:
    return (dt.datetime.fromisoformat(moment) + (SECOND if late else dt.timedelta())).isoformat()


# (family, policy, order, request with {T} for the moment, history, deadline, in time, late)
FAMILIES: list[tuple[str, str, dict[str, Any], dict[str, Any], dict[str, Any], str, str, str]] = [
    # seed:004: the merchant answers within the ~3-day countdown (72 h), else the refund is agreed
    (
        "answer_72h",
        "tmall",
        ORDER,
        {**ASKED, "agreed_at": "{T}", "as_of": "{T}"},
        {},
        "2026-03-09T09:30:00",
        "merchant_answered",
        "approved_automatically",
    ),
    # law:7day §10: 7 days counted from the day after signing (received 03-04 → ends 03-12 00:00)
    (
        "no_reason_7d",
        "tmall",
        ORDER,
        {"kind": "return_refund", "reason": "no_reason", "at": "{T}"},
        {},
        "2026-03-12T00:00:00",
        "await_merchant",
        "window_passed",
    ),
    # law:7day §13: refund within 7 days of receiving the return (arrived 03-12 10:00)
    (
        "refund_7d",
        "tmall",
        ORDER,
        {**ARRIVED, "refunded_at": "{T}"},
        {},
        "2026-03-19T10:00:00",
        "refunded",
        "refunded_late",
    ),
    # law:7day §31: unhandled beyond 15 days is a violation (national: no platform timer refunds first)
    (
        "violation_15d",
        "national",
        ORDER,
        {**ARRIVED, "as_of": "{T}"},
        {},
        "2026-03-27T10:00:00",
        "refund_overdue",
        "refund_violation",
    ),
    # wx:aftersale: escalate within 7 days after the merchant rejects
    (
        "escalation_7d",
        "channel",
        ORDER,
        {"kind": "intervention", "at": "{T}", "refund_requested_at": "2026-03-06T09:30:00"},
        {"merchant_refused": True, "refused_at": "2026-03-07T10:00:00"},
        "2026-03-14T10:00:00",
        "escalate",
        "expired",
    ),
    # seed:004: "交易关闭的0-15天内" (closed 05-20 10:00)
    (
        "complaint_15d",
        "tmall",
        CLOSED,
        {"kind": "rule_complaint", "reason": "unkept_promise", "at": "{T}"},
        {},
        "2026-06-04T10:00:00",
        "intervention",
        "outside_window",
    ),
    # taobao:api: the buyer ships the return within 7 days of the agreement (agreed 03-07 11:00)
    (
        "return_shipping_7d",
        "tmall",
        ORDER,
        {**AGREED, "return_shipped_at": "{T}"},
        {},
        "2026-03-14T11:00:00",
        "return_in_transit",
        "return_closed",
    ),
    # RULES.md: WAIT_SELLER_CONFIRM_GOODS begins when the buyer ships (03-09 16:00): 10 days
    (
        "receipt_10d_tmall",
        "tmall",
        ORDER,
        {**SHIPPED, "as_of": "{T}"},
        {},
        "2026-03-19T16:00:00",
        "return_in_transit",
        "platform_refund",
    ),
    # RULES.md: "MERCHANT_WAIT_RECEIPT →(agree | timeout) PLATFORM_REFUNDING", 10 days (wx:api)
    (
        "receipt_10d_channel",
        "channel",
        ORDER,
        {**SHIPPED, "as_of": "{T}"},
        {},
        "2026-03-19T16:00:00",
        "return_in_transit",
        "platform_refund",
    ),
    # seed:004: "交易成功"0-15天内 (completed 03-05 09:00)
    (
        "after_sale_15d",
        "tmall",
        ORDER,
        {"kind": "return_refund", "reason": "wrong_item", "at": "{T}"},
        {},
        "2026-03-20T09:00:00",
        "await_merchant",
        "window_closed",
    ),
    # seed:003: quality period 15 days after receipt on the video channel (received 03-04 15:00)
    (
        "channel_period_15d",
        "channel",
        {**ORDER, "completed_at": None},
        {"kind": "return_refund", "reason": "wrong_item", "at": "{T}"},
        {},
        "2026-03-19T15:00:00",
        "await_merchant",
        "offer_alternative",
    ),
    # seed:001: after a reopening the buyer files within 30 days (reopened 02-15 10:00)
    (
        "reopened_30d",
        "tmall",
        {
            **ORDER,
            "paid_at": "2026-01-02T10:00:00",
            "received_at": "2026-01-05T10:00:00",
            "completed_at": "2026-01-06T10:00:00",
        },
        {"kind": "refund_only", "reason": "quality", "at": "{T}"},
        {"reopened": 1, "reopened_at": "2026-02-15T10:00:00"},
        "2026-03-17T10:00:00",
        "await_merchant",
        "window_closed",
    ),
    # law:cpl §24: a defect may be returned within 7 days of receipt (received 03-04 15:00)
    (
        "quality_return_7d",
        "national",
        ORDER,
        {"kind": "return_refund", "reason": "quality", "at": "{T}"},
        {},
        "2026-03-11T15:00:00",
        "await_merchant",
        "remedy_not_available",
    ),
    # law:3bao: exchange within 15 days (received 03-04 15:00)
    (
        "three_guarantees_15d",
        "national",
        ELECTRONICS,
        {"kind": "exchange", "reason": "quality", "at": "{T}"},
        {},
        "2026-03-19T15:00:00",
        "await_merchant",
        "remedy_not_available",
    ),
    # law:3bao: repair within the warranty, one year for electronics (received 03-04 15:00)
    (
        "warranty_365d",
        "national",
        ELECTRONICS,
        {"kind": "repair", "reason": "quality", "at": "{T}"},
        {},
        "2027-03-04T15:00:00",
        "await_merchant",
        "remedy_not_available",
    ),
    # seed:004: normal listings ship within 72 h of payment (paid 03-01 20:15)
    (
        "ship_72h",
        "tmall",
        {**ORDER, "shipped_at": "{T}", "received_at": None, "completed_at": None},
        {"kind": "late_shipment_compensation", "reason": "late_shipment", "at": "2026-03-06T10:00:00"},
        {},
        "2026-03-04T20:15:00",
        "shipped_on_time",
        "compensate",
    ),
    # seed:003: extensions only within one year of payment (paid 03-01 20:15, settled at receipt)
    (
        "extension_1y",
        "channel",
        {**ORDER, "completed_at": None, "settled_at": "2026-03-05T09:00:00"},
        {"kind": "extend_after_sale", "by": "merchant", "at": "{T}"},
        {},
        "2027-03-01T20:15:00",
        "extended",
        "beyond_horizon",
    ),
    # seed:001: no reopening for orders paid more than 3 months (90 days) ago (paid 01-02 10:00)
    (
        "reopen_age_90d",
        "tmall",
        {
            **ORDER,
            "paid_at": "2026-01-02T10:00:00",
            "received_at": "2026-01-05T10:00:00",
            "completed_at": "2026-01-06T10:00:00",
        },
        {"kind": "reopen_entry", "by": "merchant", "at": "{T}"},
        {},
        "2026-04-02T10:00:00",
        "reopened",
        "order_too_old",
    ),
]


def _fill(data: dict[str, Any], moment: str) -> dict[str, Any]:
    return {key: moment if value == "{T}" else value for key, value in data.items()}


def _outcome(d: Any) -> str:
    if d.outcome in ("await_return",) and "tmall.refund_auto_agree" in d.rules:
        return "approved_automatically"
    if d.outcome == "await_return":
        return "merchant_answered"
    return str(d.outcome)


@pytest.mark.parametrize(
    ("family", "name", "order", "request_", "history", "deadline", "in_time_outcome", "late_outcome"),
    FAMILIES,
    ids=[row[0] for row in FAMILIES],
)
@pytest.mark.parametrize("late", [False, True], ids=["at_deadline", "one_second_past"])
def test_each_deadline_family_at_its_deadline_and_one_second_past(
    request: pytest.FixtureRequest,
    make_case: Any,
    family: str,
    name: str,
    order: dict[str, Any],
    request_: dict[str, Any],
    history: dict[str, Any],
    deadline: str,
    in_time_outcome: str,
    late_outcome: str,
    late: bool,
) -> None:
    policy: Policy = request.getfixturevalue(name)
    moment = shifted(deadline, late)
    d = decide(policy, make_case(_fill(order, moment), _fill(request_, moment), history))
    assert _outcome(d) == (late_outcome if late else in_time_outcome)


def test_the_boundary_helper_is_inclusive() -> None:
    """The one meaning: exactly at the deadline is in time, one second (or one hour, or microsecond) after is not."""
    end = dt.datetime(2026, 6, 4, 10)
    assert in_time(end, end) and in_time(end - SECOND, end) and not in_time(end + SECOND, end)
    assert in_time(73.0, 73.0) and not in_time(73.0 + 1 / 3600, 73.0)  # the simulation's hours
    assert in_time(1_000_000, 1_000_000) and not in_time(1_000_001, 1_000_000)  # the audit's microseconds


def test_an_opening_is_open_from_its_moment(tmall: Policy, make_case: Any) -> None:
    """seed:004: "退款后3天(72小时)才可以申请小二介入"; "付款72小时后方可申请" (late-shipment claim)."""
    asked = "2026-03-06T09:30:00"
    for at, outcome in (("2026-03-09T09:29:59", "too_early"), ("2026-03-09T09:30:00", "intervene")):
        d = decide(tmall, make_case(ORDER, {"kind": "intervention", "at": at, "refund_requested_at": asked}))
        assert d.outcome == outcome
    unshipped = {**ORDER, "received_at": None, "completed_at": None}
    for at, outcome in (("2026-03-04T20:14:59", "too_early"), ("2026-03-04T20:15:00", "compensate")):
        claim = {"kind": "late_shipment_compensation", "reason": "late_shipment", "at": at}
        assert decide(tmall, make_case(unshipped, claim)).outcome == outcome
