"""One test per seed sentence the engine used to get wrong or could not express (issue 7).

Each test quotes its sentence; the expected values are worked out from that sentence and the
policy numbers it names (written out in the comments), never read back from the engine.
"""

from __future__ import annotations

from typing import Any

import pytest

from simkit.policy.model import Policy
from simkit.policy.overrides import with_overrides
from simkit.rules.explain import decide

# --- seed:001 — after a reopening the buyer files once -----------------------------------------

REOPENED_ORDER = {
    "category": "apparel",
    "price": 129,
    "paid_at": "2026-01-02T10:00:00",
    "received_at": "2026-01-05T10:00:00",
    "completed_at": "2026-01-06T10:00:00",  # the 15-day window ends 01-21 10:00
}
REOPENED = {"reopened": 1, "reopened_at": "2026-02-15T10:00:00"}  # buyer window: 30 days, to 03-17 10:00


def test_seed_001_after_reopening_the_buyer_may_file_only_once(tmall: Policy, make_case: Any) -> None:
    """ "入口开启后,买家也只能申请1次维权" (seed:001)."""
    request = {"kind": "return_refund", "reason": "quality", "at": "2026-03-01T10:00:00"}
    first = decide(tmall, make_case(REOPENED_ORDER, request, REOPENED))
    assert (first.allowed, first.outcome, first.rules[0]) == (True, "await_merchant", "tmall.reopen_entry")
    second = decide(tmall, make_case(REOPENED_ORDER, request, {**REOPENED, "after_sales": 1}))
    assert (second.allowed, second.outcome, second.rules) == (
        False,
        "already_filed_after_reopen",
        ("tmall.reopen_entry",),
    )
    assert second.to_dict()["deadline"] == "2026-03-17T10:00:00+08:00"
    assert second.deadline_kind == "file_by"
    assert "买家只能申请1次维权,已申请1次" in second.reason_zh


# --- seed:003 — extension is the merchant's action -------------------------------------------

EXT_ORDER = {
    "category": "apparel",
    "price": 89,
    "paid_at": "2026-03-01T10:00:00",
    "received_at": "2026-03-03T10:00:00",  # the 15-day quality period ends 03-18 10:00
    "settled_at": "2026-03-03T10:00:00",
}


@pytest.mark.parametrize(
    ("by", "permitted", "outcome"),
    [("buyer", True, "merchant_only"), ("sub_account", False, "no_permission")],
)
def test_seed_003_extension_is_refused_to_buyers_and_sub_accounts_without_permission(
    channel: Policy, make_case: Any, by: str, permitted: bool, outcome: str
) -> None:
    """ "平台支持商家使用延长售后功能协助用户开启售后入口…同一订单商家共可延长3次" (seed:003)."""
    request = {"kind": "extend_after_sale", "by": by, "permitted": permitted, "at": "2026-03-20T10:00:00"}
    d = decide(channel, make_case(EXT_ORDER, request))
    assert (d.allowed, d.outcome, d.rules) == (False, outcome, ("channels.extend",))
    assert (d.to_dict()["deadline"], d.deadline_kind) == ("2026-03-18T10:00:00+08:00", "window_end")


def test_seed_003_a_permitted_sub_account_extends_like_the_merchant(channel: Policy, make_case: Any) -> None:
    """ "同一订单商家共可延长3次,每次可延长7天" (seed:003): the later of the end and now, plus 7 days."""
    for by in ("merchant", "sub_account"):
        request = {"kind": "extend_after_sale", "by": by, "permitted": True, "at": "2026-03-20T10:00:00"}
        d = decide(channel, make_case(EXT_ORDER, request))
        assert (d.allowed, d.outcome, d.to_dict()["deadline"], d.deadline_kind) == (
            True,
            "extended",
            "2026-03-27T10:00:00+08:00",
            "new_period_end",
        )


# --- seed:000 + seed:004 — the platform steps in for the merchant, not for the buyer -------------

EXIT_ORDER = {
    "category": "apparel",
    "price": 199,
    "free_shipping": False,
    "paid_at": "2026-05-01T10:00:00",
    "shipped_at": "2026-05-01T18:00:00",
    "received_at": "2026-05-03T10:00:00",
    "store_exit_at": "2026-05-04T00:00:00",
    "follow_up": "platform_deposit",
}


def test_seed_000_platform_deposit_does_not_pay_the_buyers_no_reason_shipping(tmall: Policy, make_case: Any) -> None:
    """ "由平台代为处理售后问题" (seed:000) — for the merchant; "非商家包邮产品,所有邮费均由买家承担" (seed:004)."""
    d = decide(
        tmall, make_case(EXIT_ORDER, {"kind": "return_refund", "reason": "no_reason", "at": "2026-05-05T10:00:00"})
    )
    assert (d.allowed, d.outcome, d.payer) == (True, "await_merchant", "buyer")
    assert {"tmall.store_exit", "tmall.no_reason_shipping"} <= set(d.rules)
    assert "the buyer still pays the return shipping" in d.reason_en
    assert "退货运费仍由买家承担" in d.reason_zh


def test_seed_000_platform_deposit_pays_what_the_merchant_owes(tmall: Policy, make_case: Any) -> None:
    """ "由平台代为处理售后问题" (seed:000): a defect's shipping is the merchant's, so the platform pays it."""
    d = decide(
        tmall, make_case(EXIT_ORDER, {"kind": "return_refund", "reason": "quality", "at": "2026-05-05T10:00:00"})
    )
    assert (d.allowed, d.payer) == (True, "platform")
    assert "tmall.store_exit" in d.rules


# --- seed:002 — refund only is for goods not received -------------------------------------------

RECEIVED_ORDER = {
    "category": "apparel",
    "price": 259,
    "paid_at": "2026-04-01T12:00:00",
    "shipped_at": "2026-04-01T18:00:00",
    "received_at": "2026-04-03T11:00:00",  # no-reason window: from 04-04 00:00, 7 days, to 04-11 00:00
}


def test_seed_002_no_reason_refund_for_received_goods_is_a_return(tmall: Policy, make_case: Any) -> None:
    """ "未收到貨申請的退款" is refund only; "消費者收到商品和申請退款" is return and refund (seed:002)."""
    d = decide(
        tmall, make_case(RECEIVED_ORDER, {"kind": "refund_only", "reason": "no_reason", "at": "2026-04-05T10:00:00"})
    )
    assert (d.allowed, d.outcome) == (False, "return_required")
    assert d.rules[:2] == ("national.no_reason_return", "tmall.refund_kinds")
    assert (d.to_dict()["deadline"], d.deadline_kind) == ("2026-04-11T00:00:00+08:00", "file_by")
    assert "return and refund" in d.reason_en and "退货退款" in d.reason_zh
    asked_as_return = {"kind": "return_refund", "reason": "no_reason", "at": "2026-04-05T10:00:00"}
    assert decide(tmall, make_case(RECEIVED_ORDER, asked_as_return)).outcome == "await_merchant"


def test_seed_002_refund_only_while_the_parcel_is_on_its_way(tmall: Policy, make_case: Any) -> None:
    """ "也有的是快递正在途中,但是消费者就提出退款申请" (seed:002): refund only, nothing to return."""
    in_transit = {k: v for k, v in RECEIVED_ORDER.items() if k != "received_at"}
    d = decide(
        tmall, make_case(in_transit, {"kind": "refund_only", "reason": "no_reason", "at": "2026-04-02T10:00:00"})
    )
    assert (d.allowed, d.outcome, d.payer) == (True, "await_merchant", None)


def test_seed_002_on_the_channel_cites_the_legal_no_reason_return(channel: Policy, make_case: Any) -> None:
    """The legal no-reason remedy is a return (law:7day §2); the channel has no refund-kinds rule."""
    d = decide(
        channel, make_case(RECEIVED_ORDER, {"kind": "refund_only", "reason": "no_reason", "at": "2026-04-05T10:00:00"})
    )
    assert (d.allowed, d.outcome, d.rules[0]) == (False, "return_required", "national.no_reason_return")


# --- seed:003 — merchant promises ------------------------------------------------------------

PROMISE_ORDER = {
    "category": "apparel",
    "price": 159,
    "paid_at": "2026-06-01T10:00:00",
    "received_at": "2026-06-03T10:00:00",  # the 15-day quality period ends 06-18 10:00
}


def test_seed_003_a_promised_period_binds(channel: Policy, make_case: Any) -> None:
    """ "如商家有承诺或双方另行约定售后服务期限的,依照约定售后期处理" (seed:003)."""
    request = {"kind": "return_refund", "reason": "quality", "at": "2026-06-23T10:00:00"}  # day 20
    without = decide(channel, make_case(PROMISE_ORDER, request))
    assert (without.outcome, without.to_dict()["deadline"]) == ("offer_alternative", "2026-06-18T10:00:00+08:00")
    promised = {**PROMISE_ORDER, "promise": {"after_sale_period": "30 days"}}  # to 07-03 10:00
    d = decide(channel, make_case(promised, request))
    assert (d.allowed, d.outcome, d.payer) == (True, "await_merchant", "merchant")
    assert "national.favourable" in d.rules and "30 days" in d.reason_en
    late = decide(channel, make_case(promised, {**request, "at": "2026-07-03T10:00:01"}))
    assert (late.outcome, late.to_dict()["deadline"], late.deadline_kind) == (
        "offer_alternative",
        "2026-07-03T10:00:00+08:00",
        "window_end",
    )


def test_seed_003_the_more_favourable_policy_applies(tmall: Policy, make_case: Any) -> None:
    """ "如商家承诺的售后服务政策更有利于用户,则应按更有利于用户的政策提供售后服务" (seed:003).

    A promised 15-day no-reason window beats the legal 7 days (from 06-04 00:00: to 06-19 00:00).
    """
    request = {"kind": "return_refund", "reason": "no_reason", "at": "2026-06-13T10:00:00"}
    legal = decide(tmall, make_case(PROMISE_ORDER, request))
    assert (legal.allowed, legal.outcome) == (False, "window_passed")
    promised = {**PROMISE_ORDER, "promise": {"no_reason_window": "15 days"}}
    d = decide(tmall, make_case(promised, request))
    assert (d.allowed, d.outcome) == (True, "await_merchant")
    assert "national.favourable" in d.rules
    assert "商家承诺15天无理由退货,优于法定7天" in d.reason_zh


@pytest.mark.parametrize("name", ["channel", "tmall"])
def test_seed_003_a_policy_below_the_platform_standard_is_void(
    request: pytest.FixtureRequest, make_case: Any, name: str
) -> None:
    """ "如自行执行的售后政策低于平台要求,视为无效,在判责时会以平台标准为准" (seed:003)."""
    policy = request.getfixturevalue(name)
    order = {**PROMISE_ORDER, "completed_at": "2026-06-03T10:00:00", "promise": {"after_sale_period": "5 days"}}
    # day 10: after the promised 5 days, inside the 15-day platform standard (both platforms)
    d = decide(policy, make_case(order, {"kind": "return_refund", "reason": "quality", "at": "2026-06-13T10:00:00"}))
    assert (d.allowed, d.outcome) == (True, "await_merchant")
    assert "void" in d.reason_en and "视为无效" in d.reason_zh
    expected = (
        {"national.favourable", "channels.merchant_policy_floor"} if name == "channel" else {"national.favourable"}
    )
    assert expected <= set(d.rules)


def test_seed_003_period_order_three_guarantees_category_promise(channel: Policy, make_case: Any) -> None:
    """ "如商品属于“三包”范围的,依照“三包”售后期处理;如商品、类目有特殊规定的,依照品类的特殊规定售后期处理;
    如商家有承诺…依照约定售后期处理" (seed:003): the longest period wins, whichever of the three it is."""
    policy = with_overrides(channel, {"categories.furniture.rights_period": "60 days"})
    order = {
        "category": "furniture",
        "price": 460,
        "paid_at": "2026-07-01T10:00:00",
        "received_at": "2026-07-03T10:00:00",
    }
    request = {"kind": "return_refund", "reason": "quality", "at": "2026-08-20T10:00:00"}  # day 48
    category = decide(policy, make_case(order, request))  # 60-day category period: to 09-01 10:00
    assert (category.allowed, category.outcome) == (True, "await_merchant")
    assert "rights period 60 days" in category.reason_en
    shorter_promise = {**order, "promise": {"after_sale_period": "30 days"}}  # below the category's 60: void
    assert "void" in decide(policy, make_case(shorter_promise, request)).reason_en
    longer_promise = {**order, "promise": {"after_sale_period": "90 days"}}  # to 10-01 10:00
    d = decide(policy, make_case(longer_promise, {**request, "at": "2026-09-15T10:00:00"}))
    assert (d.allowed, d.outcome) == (True, "await_merchant")
    assert "promised 90 days" in d.reason_en


# --- seed:004 — refused delivery ----------------------------------------------------------------

REFUSED_ORDER = {
    "category": "apparel",
    "price": 129,
    "paid_at": "2026-04-01T10:00:00",
    "shipped_at": "2026-04-02T09:00:00",
    "delivery_refused_at": "2026-04-04T15:00:00",
}


@pytest.mark.parametrize(
    ("reason", "payer", "proof"),
    [("no_reason", "buyer", "merchant"), ("damaged", "merchant", "buyer")],
)
def test_seed_004_refused_delivery(tmall: Policy, make_case: Any, reason: str, payer: str, proof: str) -> None:
    """ "如果是买家无理由拒签,运费由买家承担,需要商家举证";
    "如果买家是有理由拒签,运费由商家承担,需要由买家举证" (seed:004)."""
    d = decide(tmall, make_case(REFUSED_ORDER, {"kind": "refund_only", "reason": reason, "at": "2026-04-04T16:00:00"}))
    assert (d.allowed, d.outcome, d.payer, d.burden_of_proof) == (True, "await_merchant", payer, proof)
    assert "tmall.refused_delivery" in d.rules
    assert f"由{'商家' if proof == 'merchant' else '买家'}举证" in d.reason_zh


# --- seed:004 — 先行赔付 ---------------------------------------------------------------------------


def test_seed_004_the_platform_advances_the_money(tmall: Policy, channel: Policy, make_case: Any) -> None:
    """ "如果发生物流损失、错发漏发等问题,天猫将先行赔付" (seed:004).

    Who advances the money is not who pays the return shipping.
    """
    wrong = decide(
        tmall, make_case(RECEIVED_ORDER, {"kind": "return_refund", "reason": "wrong_item", "at": "2026-04-05T10:00:00"})
    )
    assert (wrong.allowed, wrong.advance_payer, wrong.payer) == (True, "platform", "merchant")
    assert "tmall.advance_pay" in wrong.rules and "先行赔付" in wrong.reason_zh
    lost = {k: v for k, v in RECEIVED_ORDER.items() if k != "received_at"}
    gone = decide(
        tmall, make_case(lost, {"kind": "refund_only", "reason": "not_received", "at": "2026-04-09T10:00:00"})
    )
    assert (gone.advance_payer, gone.payer) == ("platform", None)
    on_channel = decide(
        channel,
        make_case(RECEIVED_ORDER, {"kind": "return_refund", "reason": "wrong_item", "at": "2026-04-05T10:00:00"}),
    )
    assert (on_channel.advance_payer, on_channel.payer) == (None, "merchant")


# --- seed:004 — before payment ------------------------------------------------------------------

UNPAID = {"category": "apparel", "price": 99, "placed_at": "2026-05-01T10:00:00"}


def test_seed_004_refusal_to_trade_before_payment_costs_one_point(tmall: Policy, make_case: Any) -> None:
    """ "在买家付示前,无特殊约定,拒绝交易或者发货,如单方面关闭订单等(扣1分)" and
    "发起条件:在等待买家付款状态(72小时内)可发起" (seed:004): placed 05-01 10:00, open to 05-04 10:00."""
    d = decide(
        tmall, make_case(UNPAID, {"kind": "rule_complaint", "reason": "refuse_to_ship", "at": "2026-05-02T10:00:00"})
    )
    assert (d.allowed, d.outcome, d.points, d.rules) == (
        True,
        "intervention",
        1,
        ("tmall.rule_complaint", "tmall.penalty_points"),
    )
    assert (d.to_dict()["deadline"], d.deadline_kind) == ("2026-05-04T10:00:00+08:00", "file_by")
    late = decide(
        tmall, make_case(UNPAID, {"kind": "rule_complaint", "reason": "refuse_to_ship", "at": "2026-05-04T10:00:01"})
    )
    assert (late.allowed, late.outcome) == (False, "outside_window")


def test_seed_004_a_complaint_while_waiting_for_payment(tmall: Policy, make_case: Any) -> None:
    """ "在等待买家付款状态(72小时内)可发起" (seed:004): any 违背承诺 complaint, e.g. a gift promise (4 points)."""
    d = decide(
        tmall, make_case(UNPAID, {"kind": "rule_complaint", "reason": "unkept_promise", "at": "2026-05-03T09:00:00"})
    )
    assert (d.allowed, d.points) == (True, 4)


def test_seed_004_closing_an_unpaid_order_can_be_complained_about(tmall: Policy, make_case: Any) -> None:
    """ "单方面关闭订单" (seed:004): the merchant closed the unpaid order on 05-02; 0-15 days after the close."""
    closed = {**UNPAID, "closed_at": "2026-05-02T10:00:00"}
    d = decide(
        tmall, make_case(closed, {"kind": "rule_complaint", "reason": "refuse_to_ship", "at": "2026-05-10T10:00:00"})
    )
    assert (d.allowed, d.points, d.to_dict()["deadline"]) == (True, 1, "2026-05-17T10:00:00+08:00")


def test_seed_004_after_payment_a_refusal_to_ship_is_compensated_not_penalised(tmall: Policy, make_case: Any) -> None:
    """ "在买家付款前表示不能发货,如买家投诉,扣1分;而在买家付款后,刚是赔付30%,不扣分" (seed:004)."""
    paid = {**UNPAID, "paid_at": "2026-05-01T11:00:00", "closed_at": "2026-05-03T10:00:00"}
    d = decide(
        tmall, make_case(paid, {"kind": "rule_complaint", "reason": "refuse_to_ship", "at": "2026-05-04T10:00:00"})
    )
    assert (d.allowed, d.outcome, d.points) == (False, "compensation_instead", 0)
    assert "tmall.late_ship_comp" in d.rules
    assert "30%" in d.reason_en and "最高500元" in d.reason_zh


# --- seed:004 — intervention needs the refund in progress ---------------------------------------


@pytest.mark.parametrize(
    ("state", "allowed", "outcome"),
    [("in_progress", True, "intervene"), ("withdrawn", False, "not_in_progress"), ("closed", False, "not_in_progress")],
)
def test_seed_004_intervention_needs_the_refund_in_progress(
    tmall: Policy, make_case: Any, state: str, allowed: bool, outcome: str
) -> None:
    """ "买家申请退款后3天(72小时)才可以申请小二介入(这时的订单状态必须是:退款中)" (seed:004)."""
    order = {"category": "apparel", "price": 100, "paid_at": "2026-03-01T10:00:00"}
    request = {
        "kind": "intervention",
        "at": "2026-03-08T10:00:00",
        "refund_requested_at": "2026-03-05T10:00:00",
        "refund_state": state,
    }
    d = decide(tmall, make_case(order, request))
    assert (d.allowed, d.outcome, d.rules) == (allowed, outcome, ("tmall.intervention_wait",))
    if not allowed:
        assert "退款中" in d.reason_zh and state in d.reason_en


# --- seed:000 — a per-order warranty ---------------------------------------------------------------

WARRANTY_ORDER = {
    "category": "electronics",
    "price": 5200,
    "paid_at": "2026-01-10T10:00:00",
    "received_at": "2026-01-12T10:00:00",
    "completed_at": "2026-01-13T10:00:00",
    "store_exit_at": "2026-06-30T00:00:00",
    "follow_up": "platform_deposit",
}


def test_seed_000_an_orders_two_year_warranty_keeps_the_duty(tmall: Policy, make_case: Any) -> None:
    """ "电子产品的质保期通常为一年或两年" (seed:000): with two years (730 days from 2026-01-12 10:00, to
    2028-01-12 10:00) a repair in month 18 is still owed; with the category's one year it is not."""
    request = {"kind": "repair", "reason": "quality", "at": "2027-07-12T10:00:00"}
    one_year = decide(tmall, make_case(WARRANTY_ORDER, request))
    assert (one_year.allowed, one_year.outcome) == (False, "duty_ended")
    two_years = decide(tmall, make_case({**WARRANTY_ORDER, "warranty": "730 days"}, request))
    assert (two_years.allowed, two_years.outcome, two_years.payer) == (True, "statutory_remedy", "platform")
    assert (two_years.to_dict()["deadline"], two_years.deadline_kind) == ("2028-01-12T10:00:00+08:00", "window_end")
    assert "national.favourable" in two_years.rules


# --- seed:003 — extensions with their times -------------------------------------------------------

TIMED_ORDER = {
    "category": "apparel",
    "price": 89,
    "paid_at": "2026-06-08T10:00:00",
    "received_at": "2026-06-10T10:00:00",  # the 15-day period ends 06-25 10:00
    "settled_at": "2026-06-10T10:00:00",
}


def test_seed_003_a_request_inside_an_extended_period_is_handled_normally(channel: Policy, make_case: Any) -> None:
    """ "同一订单商家共可延长3次,每次可延长7天" (seed:003): extended on 08-01, the period runs to 08-08 10:00
    (the later of 06-25 and 08-01, plus 7 days); a request on 08-05 is inside it."""
    request = {"kind": "return_refund", "reason": "quality", "at": "2026-08-05T10:00:00"}
    timed = decide(channel, make_case(TIMED_ORDER, request, {"extended_at": ["2026-08-01T10:00:00"]}))
    assert (timed.allowed, timed.outcome) == (True, "await_merchant")
    assert "channels.extend" in timed.rules
    counted = decide(channel, make_case(TIMED_ORDER, request, {"extensions": 1}))  # back to back: to 07-02 10:00
    assert (counted.outcome, counted.to_dict()["deadline"]) == ("offer_alternative", "2026-07-02T10:00:00+08:00")
    no_reason = {"kind": "return_refund", "reason": "no_reason", "at": "2026-08-05T10:00:00"}
    assert decide(channel, make_case(TIMED_ORDER, no_reason, {"extended_at": ["2026-08-01T10:00:00"]})).outcome == (
        "await_merchant"
    )


def test_seed_003_the_second_extension_counts_from_the_first(channel: Policy, make_case: Any) -> None:
    """A second extension on 08-06 moves the end from 08-08 10:00 to 08-15 10:00 (2 of 3)."""
    request = {"kind": "extend_after_sale", "by": "merchant", "at": "2026-08-06T10:00:00"}
    d = decide(channel, make_case(TIMED_ORDER, request, {"extended_at": ["2026-08-01T10:00:00"]}))
    assert (d.allowed, d.outcome, d.to_dict()["deadline"], d.deadline_kind) == (
        True,
        "extended",
        "2026-08-15T10:00:00+08:00",
        "new_period_end",
    )
    assert d.reason_en == "Extended by 7 days (2 of 3)."
