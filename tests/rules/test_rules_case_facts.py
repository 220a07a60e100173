"""The case facts added for issue 7 and the rules they reach: the return flow, fraud, the buyer's
confirmed exclusion; reason texts built from the values in force; base against variant.

(Promises, extension times, refused delivery, 先行赔付, orders awaiting payment, the refund's state
and the per-order warranty are tested with their seed sentences in test_rules_seed_sentences.py;
the bad-input form of every fact is a fixture in tests/fixtures/bad_cases/, run by
tests/cli/test_explain.py.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

import simkit
from simkit.errors import CaseError
from simkit.policy.model import Policy
from simkit.policy.overrides import with_overrides
from simkit.policy.tree import located
from simkit.rules import (
    Decision,
    extend_after_sale,
    intervention,
    late_shipment_compensation,
    no_reason_return,
    over_period_request,
    refund_deadline,
    reopen_entry,
    rule_complaint,
)
from simkit.rules.explain import decide

t = dt.datetime.fromisoformat

# --- the return flow (law:7day §13, §31; platform timers) ---------------------------------------

FLOW_ORDER = {
    "category": "apparel",
    "price": 399,
    "paid_at": "2026-03-01T20:15:00",
    "received_at": "2026-03-04T15:00:00",
    "completed_at": "2026-03-05T09:00:00",
}
ASKED = {"kind": "return_refund", "reason": "quality", "at": "2026-03-06T09:30:00"}  # Tmall: answer by 03-09 09:30
AGREED = {**ASKED, "agreed_at": "2026-03-07T11:00:00"}  # the buyer ships back within 7 days: by 03-14 11:00
SHIPPED = {**AGREED, "return_shipped_at": "2026-03-09T16:00:00"}
ARRIVED = {**SHIPPED, "return_received_at": "2026-03-12T10:00:00"}
# arrived 03-12 10:00: the law's refund by 03-19 10:00 (7 days), a violation after 03-27 10:00 (15 days);
# Tmall refunds by itself when the merchant has not confirmed within 10 days of the buyer shipping the
# return (03-09 16:00 + 10 days = 03-19 16:00): the refund's status WAIT_SELLER_CONFIRM_GOODS begins
# when the buyer ships ("WAIT_BUYER_RETURN_GOODS → WAIT_SELLER_CONFIRM_GOODS → SUCCESS", RULES.md)
RECEIPT_BY = "2026-03-19T16:00:00+08:00"
ARRIVED_TIMELINE = [
    {"kind": "confirm_receipt_by", "at": RECEIPT_BY},
    {"kind": "violation_after", "at": "2026-03-27T10:00:00+08:00"},
]


def flow(decision: Decision) -> tuple[Any, ...]:
    data = decision.to_dict()
    return data["allowed"], data["outcome"], data["deadline"], data["deadline_kind"], data["timeline"]


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            {**AGREED, "as_of": "2026-03-10T10:00:00"},
            (True, "await_return", "2026-03-14T11:00:00+08:00", "ship_return_by", []),
        ),
        (  # exactly at the deadline the buyer is still in time
            {**AGREED, "as_of": "2026-03-14T11:00:00"},
            (True, "await_return", "2026-03-14T11:00:00+08:00", "ship_return_by", []),
        ),
        (
            {**AGREED, "as_of": "2026-03-14T11:00:01"},
            (False, "return_closed", "2026-03-14T11:00:00+08:00", "ship_return_by", []),
        ),
        (
            {**AGREED, "return_shipped_at": "2026-03-14T11:00:00"},
            (True, "return_in_transit", "2026-03-24T11:00:00+08:00", "confirm_receipt_by", []),
        ),
        (
            {**AGREED, "return_shipped_at": "2026-03-14T11:00:01"},
            (False, "return_closed", "2026-03-14T11:00:00+08:00", "ship_return_by", []),
        ),
        (SHIPPED, (True, "return_in_transit", RECEIPT_BY, "confirm_receipt_by", [])),
        (
            {**SHIPPED, "as_of": "2026-03-19T16:00:00"},
            (True, "return_in_transit", RECEIPT_BY, "confirm_receipt_by", []),
        ),
        (
            {**SHIPPED, "as_of": "2026-03-19T16:00:01"},
            (True, "platform_refund", RECEIPT_BY, "confirm_receipt_by", []),
        ),
        (ARRIVED, (True, "await_refund", "2026-03-19T10:00:00+08:00", "refund_by", ARRIVED_TIMELINE)),
        (
            {**ARRIVED, "as_of": "2026-03-19T09:59:59"},
            (True, "await_refund", "2026-03-19T10:00:00+08:00", "refund_by", ARRIVED_TIMELINE),
        ),
        (
            {**ARRIVED, "as_of": "2026-03-19T10:00:00"},
            (True, "await_refund", "2026-03-19T10:00:00+08:00", "refund_by", ARRIVED_TIMELINE),
        ),
        (
            {**ARRIVED, "as_of": "2026-03-19T10:00:01"},
            (True, "refund_overdue", "2026-03-27T10:00:00+08:00", "violation_after", ARRIVED_TIMELINE),
        ),
        (
            {**ARRIVED, "as_of": "2026-03-19T16:00:00"},
            (True, "refund_overdue", "2026-03-27T10:00:00+08:00", "violation_after", ARRIVED_TIMELINE),
        ),
        (  # unconfirmed one second past the receipt timer: the platform refunds
            {**ARRIVED, "as_of": "2026-03-19T16:00:01"},
            (True, "platform_refund", RECEIPT_BY, "confirm_receipt_by", []),
        ),
        (
            {**ARRIVED, "refunded_at": "2026-03-18T10:00:00"},
            (True, "refunded", "2026-03-19T10:00:00+08:00", "refund_by", ARRIVED_TIMELINE),
        ),
        (
            {**ARRIVED, "refunded_at": "2026-03-21T10:00:00"},
            (True, "refunded_late", "2026-03-19T10:00:00+08:00", "refund_by", ARRIVED_TIMELINE),
        ),
        (
            {**ARRIVED, "refunded_at": "2026-03-28T10:00:00"},
            (True, "refunded_after_violation", "2026-03-19T10:00:00+08:00", "refund_by", ARRIVED_TIMELINE),
        ),
    ],
)
def test_tmall_return_flow_stages(
    tmall: Policy, make_case: Any, request_: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    d = decide(tmall, make_case(FLOW_ORDER, request_))
    assert flow(d) == expected
    assert d.payer == "merchant"  # a defect: the party at fault pays the shipping (seed:004)


def test_the_return_flow_cites_the_law_and_the_platform_timers(tmall: Policy, make_case: Any) -> None:
    d = decide(tmall, make_case(FLOW_ORDER, ARRIVED))
    assert d.rules[-2:] == ("national.refund_deadline", "tmall.return_deadlines")
    assert "Refund within 7 days of receiving the return; unhandled beyond 15 days is a violation." in d.reason_en
    assert "商家须在买家寄回退货后10天内确认收货,超时平台自动退款。" in d.reason_zh


def test_an_answer_after_the_merchants_deadline_counts_from_the_deadline(tmall: Policy, make_case: Any) -> None:
    """The request was approved automatically at 03-09 09:30; the buyer ships back by 03-16 09:30."""
    late = {**ASKED, "agreed_at": "2026-03-10T10:00:00", "as_of": "2026-03-10T10:00:00"}
    d = decide(tmall, make_case(FLOW_ORDER, late))
    assert flow(d) == (True, "await_return", "2026-03-16T09:30:00+08:00", "ship_return_by", [])
    assert "tmall.refund_auto_agree" in d.rules


def test_channel_return_flow(channel: Policy, make_case: Any) -> None:
    """WeChat: the buyer uploads the return within 7 days, the merchant confirms within 10 (wx:api)."""
    assert flow(decide(channel, make_case(FLOW_ORDER, {**AGREED, "as_of": "2026-03-10T10:00:00"}))) == (
        True,
        "await_return",
        "2026-03-14T11:00:00+08:00",
        "ship_return_by",
        [],
    )
    d = decide(channel, make_case(FLOW_ORDER, ARRIVED))
    assert flow(d) == (True, "await_refund", "2026-03-19T10:00:00+08:00", "refund_by", ARRIVED_TIMELINE)
    assert {"channels.review_deadlines", "national.refund_deadline"} <= set(d.rules)


def test_national_return_flow_has_only_the_law(national: Policy, make_case: Any) -> None:
    waiting = decide(national, make_case(FLOW_ORDER, {**AGREED, "as_of": "2026-04-30T10:00:00"}))
    assert flow(waiting) == (True, "await_return", None, None, [])
    shipped = decide(national, make_case(FLOW_ORDER, SHIPPED))
    assert flow(shipped) == (True, "return_in_transit", None, None, [])  # no platform receipt timer
    violation = [{"kind": "violation_after", "at": "2026-03-27T10:00:00+08:00"}]
    d = decide(national, make_case(FLOW_ORDER, ARRIVED))
    assert flow(d) == (True, "await_refund", "2026-03-19T10:00:00+08:00", "refund_by", violation)
    # law:7day §31: "超过十五日" -- the 15th day itself is not beyond it
    at_15 = decide(national, make_case(FLOW_ORDER, {**ARRIVED, "as_of": "2026-03-27T10:00:00"}))
    assert flow(at_15) == (True, "refund_overdue", "2026-03-27T10:00:00+08:00", "violation_after", violation)
    past = decide(national, make_case(FLOW_ORDER, {**ARRIVED, "as_of": "2026-03-27T10:00:01"}))
    assert flow(past) == (True, "refund_violation", "2026-03-27T10:00:00+08:00", "violation_after", violation)


def test_an_exchange_return_waits_for_the_merchants_confirmation(tmall: Policy, make_case: Any) -> None:
    d = decide(tmall, make_case(FLOW_ORDER, {**ARRIVED, "kind": "exchange"}))
    assert flow(d)[:4] == (True, "await_confirmation", RECEIPT_BY, "confirm_receipt_by")


# --- fraud is not counterfeit (law:cpl §55) --------------------------------------------------------


@pytest.mark.parametrize(("price", "amount"), [(100, 500.0), (166, 500.0), (400, 1200.0)])
@pytest.mark.parametrize("name", ["tmall", "channel", "national"])
def test_fraud_pays_three_times_at_least_500(
    request: pytest.FixtureRequest, make_case: Any, name: str, price: float, amount: float
) -> None:
    """RULES.md national.fraud: 3x the price, minimum 500 CNY (law:cpl §55) — never the 10x of 假一赔十."""
    order = {**FLOW_ORDER, "price": price}
    d = decide(request.getfixturevalue(name), make_case(order, {**ASKED, "reason": "fraud"}))
    assert (d.allowed, d.amount, d.amount_form, d.payer) == (True, amount, "cash", "merchant")
    assert "national.fraud" in d.rules
    assert not {"tmall.counterfeit", "channels.counterfeit"} & set(d.rules)


def test_counterfeit_stays_ten_times_on_tmall(tmall: Policy, make_case: Any) -> None:
    d = decide(tmall, make_case({**FLOW_ORDER, "price": 100}, {**ASKED, "reason": "counterfeit"}))
    assert (d.amount, "tmall.counterfeit" in d.rules, "national.fraud" in d.rules) == (1000.0, True, False)


# --- order.confirmed_exclusion (law:7day §7, §20) ---------------------------------------------------


def test_a_confirmed_exclusion_ends_the_no_reason_return(tmall: Policy, make_case: Any) -> None:
    order = {**FLOW_ORDER, "category": "cosmetics", "completed_at": None}
    request = {**ASKED, "reason": "no_reason"}
    assert decide(tmall, make_case(order, request)).outcome == "await_merchant"
    d = decide(tmall, make_case({**order, "confirmed_exclusion": True}, request))
    assert (d.allowed, d.outcome, d.rules[0]) == (False, "excluded_confirmed", "national.no_reason_confirm")


# --- reasons state the values in force --------------------------------------------------------------

PAID = t("2026-01-02T10:00:00")


def _texts(decision: Decision) -> str:
    return f"{decision.reason_en} | {decision.reason_zh}"


REASON_CASES: list[tuple[str, dict[str, str], Callable[[Policy], Decision], list[str], list[str]]] = [
    (
        "tmall",
        {"tmall.reopen_entry.excluded_rights_period": "60 days"},
        lambda p: reopen_entry(
            p, category="furniture", paid_at=PAID, completed_at=t("2026-01-06T10:00:00"), at=t("2026-05-01T10:00:00")
        ),
        ["60-day rights period", "售后维权期60天"],
        ["90"],
    ),
    (
        "tmall",
        {"tmall.reopen_entry.max_order_age": "120 days"},
        lambda p: reopen_entry(
            p, category="apparel", paid_at=PAID, completed_at=t("2026-01-06T10:00:00"), at=t("2026-06-01T10:00:00")
        ),
        ["more than 120 days", "付款超过120天"],
        ["three months", "3个月"],
    ),
    (
        "tmall",
        {"tmall.intervention_wait.wait": "48 hours"},
        lambda p: intervention(p, refund_requested_at=PAID, at=PAID),
        ["opens 48 h", "48小时后"],
        ["72"],
    ),
    (
        "tmall",
        {"tmall.rule_complaint.window": "10 days"},
        lambda p: rule_complaint(p, closed_at=PAID, at=t("2026-02-01T10:00:00"), reason="invoice"),
        ["0-10 days after the trade closes", "交易关闭后0-10天内"],
        ["15"],
    ),
    (
        "tmall",
        {"national.no_reason_return.window": "10 days"},
        lambda p: no_reason_return(p, category="apparel", received_at=PAID, at=t("2026-01-20T10:00:00")),
        ["10 days from the day after receipt", "10日无理由退货期限"],
        ["7"],
    ),
    (
        "channel",
        {"national.no_reason_return.window": "10 days"},
        lambda p: no_reason_return(p, category="fresh", received_at=PAID, at=t("2026-01-03T10:00:00")),
        ["no 10-day no-reason return", "不支持10天无理由退货"],
        ["7"],
    ),
    (
        "channel",
        {"national.no_reason_return.window": "10 days"},
        lambda p: over_period_request(
            p, category="apparel", received_at=PAID, at=t("2026-01-20T10:00:00"), goods_used=False, reason="no_reason"
        ),
        ["Over 10 days", "超10天无理由售后期"],
        ["7"],
    ),
    (
        "tmall",
        {"national.refund_deadline.refund_within": "5 days", "national.refund_deadline.violation_after": "20 days"},
        lambda p: refund_deadline(p, received_return_at=PAID),
        ["within 5 days", "beyond 20 days", "5日内退款", "超过20日"],
        ["7 days", "15"],
    ),
    (
        "channel",
        {"channels.extend.horizon": "180 days"},
        lambda p: extend_after_sale(
            p, paid_at=PAID, settled_at=PAID, at=t("2026-08-01T10:00:00"), period_end=t("2026-01-20T10:00:00")
        ),
        ["within 180 days of payment", "支付后180天内"],
        ["a year", "一年"],
    ),
    (
        "channel",
        {"channels.escalate.within": "5 days"},
        lambda p: intervention(
            p, refund_requested_at=PAID, at=t("2026-01-03T10:00:00"), merchant_refused=True, refused_at=PAID
        ),
        ["within 5 days of the rejection", "拒绝后5天内"],
        ["7"],
    ),
    (
        "tmall",
        {"tmall.late_ship_comp.rate": "20 percent", "tmall.late_ship_comp.cap": "300 CNY"},
        lambda p: late_shipment_compensation(p, price=2000, paid_at=PAID, at=PAID, reason="out_of_stock"),
        ["300.00 CNY", "20% of the price, at most 300 CNY", "价款的20%,最高300元"],
        ["30%", "500"],
    ),
    (
        "channel",
        {"channels.principle.small_compensation": "5 percent"},
        lambda p: over_period_request(
            p, category="apparel", received_at=PAID, at=t("2026-03-01T10:00:00"), goods_used=False, price=100
        ),
        ["(5% of the price)", "价款的5%"],
        ["10%"],
    ),
]


@pytest.mark.parametrize(("name", "changes", "call", "present", "absent"), REASON_CASES)
def test_reasons_state_the_values_in_force(
    request: pytest.FixtureRequest,
    name: str,
    changes: dict[str, str],
    call: Callable[[Policy], Decision],
    present: list[str],
    absent: list[str],
) -> None:
    policy = with_overrides(request.getfixturevalue(name), changes)
    text = _texts(call(policy))
    for part in present:
        assert part in text, (part, text)
    for part in absent:
        assert part not in text, (part, text)


# --- base against variant (Python API) ------------------------------------------------------------


def test_compare_decision_is_public_and_names_what_differs(tmall: Policy, variant: Any, make_case: Any) -> None:
    reform = variant("tmall.yaml", "tmall_response_48h.yaml")
    case = make_case(FLOW_ORDER, ASKED)
    result = simkit.compare_decision(tmall, reform, case)
    assert isinstance(result, simkit.DecisionComparison)
    # 72 h against 48 h from 03-06 09:30
    assert (iso(result.base), iso(result.variant)) == ("2026-03-09T09:30:00+08:00", "2026-03-08T09:30:00+08:00")
    assert (result.changed, result.fields, result.rules_added, result.rules_removed) == (True, ("deadline",), (), ())
    assert [(c.path, c.old, c.new, c.favours) for c in result.values] == [
        ("tmall.refund_auto_agree.timeout", "72 hours", "48 hours", "buyer")
    ]
    assert "48 h" in result.variant.reason_en and "72 h" in result.base.reason_en


def test_compare_decision_checks_the_case_when_given_its_tree(tmall: Policy, variant: Any, make_case: Any) -> None:
    reform = variant("tmall.yaml", "tmall_response_48h.yaml")
    data = {"order": FLOW_ORDER, "request": {"kind": "return_refund", "at": "2026-03-06T09:30:00"}}
    case = make_case(data["order"], data["request"])
    with pytest.raises(CaseError) as info:
        simkit.compare_decision(tmall, reform, case, located(data, {"request": 3}, "case.yaml"))
    assert str(info.value) == "case.yaml:3: request.reason: a return_refund request needs a reason"


def iso(decision: Decision) -> str | None:
    return decision.to_dict()["deadline"]


# --- a promise to pay the return shipping; a refused delivery off Tmall ------------------------------


@pytest.mark.parametrize("name", ["tmall", "channel", "national"])
def test_a_merchant_who_agreed_pays_the_no_reason_return_shipping(
    request: pytest.FixtureRequest, make_case: Any, name: str
) -> None:
    """law:7day §18: the buyer pays the no-reason return shipping "unless the merchant agreed otherwise"."""
    policy = request.getfixturevalue(name)
    order = {**FLOW_ORDER, "free_shipping": False, "completed_at": None}
    no_reason = {**ASKED, "reason": "no_reason"}  # 03-06: inside the 7 days from 03-05 00:00
    assert decide(policy, make_case(order, no_reason)).payer == "buyer"
    promised = {**order, "promise": {"pays_return_shipping": True}}
    d = decide(policy, make_case(promised, no_reason))
    assert (d.allowed, d.payer) == (True, "merchant")
    assert {"national.no_reason_shipping", "national.favourable"} <= set(d.rules)


@pytest.mark.parametrize(("reason", "payer"), [("no_reason", "buyer"), ("damaged", "merchant")])
def test_a_refused_delivery_on_the_channel_follows_the_reason(
    channel: Policy, make_case: Any, reason: str, payer: str
) -> None:
    """The channel has no refused-delivery rule of its own: shipping follows the reason; nobody is named to prove."""
    order = {**FLOW_ORDER, "received_at": None, "completed_at": None, "delivery_refused_at": "2026-03-04T15:00:00"}
    d = decide(channel, make_case(order, {**ASKED, "kind": "refund_only", "reason": reason}))
    assert (d.allowed, d.payer, d.burden_of_proof) == (True, payer, None)
