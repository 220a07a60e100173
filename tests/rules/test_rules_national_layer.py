"""The national layer alone: promises, later quality remedies, refusals that say what refused them,
and reason texts of its own (issue 16, "## Rules").

Each expected value is written from its source, quoted: RULES.md and policies/national.yaml
(national.favourable: "a merchant promise more favourable to the buyer binds; a term below platform
standard is void", law:7day §5, law:cpl-impl §12), law:cpl §24 (national.quality_return: "return
within 7 days; afterwards repair/replace"), seed:004 (the late-shipment claim "付款72小时后方可申请").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from simkit.policy.model import Policy
from simkit.rules.compare import compare_decision
from simkit.rules.explain import decide

RECEIVED = "2026-06-03T10:00:00"
ORDER = {"category": "apparel", "price": 199, "paid_at": "2026-06-01T10:00:00", "received_at": RECEIVED}


def day(n: int, seconds: int = 0) -> str:
    """The moment `n` days (and `seconds`) after receipt."""
    return (dt.datetime.fromisoformat(RECEIVED) + dt.timedelta(days=n, seconds=seconds)).isoformat()


# --- promises bind on the national layer as on the platforms -----------------------------------------------


@pytest.mark.parametrize("name", ["national", "tmall", "channel"])
def test_a_15_day_no_reason_promise_allows_a_return_on_day_12(
    request: pytest.FixtureRequest, make_case: Any, name: str
) -> None:
    """national.favourable: "A merchant promise more favourable to the buyer binds" -- 15 days beat the legal 7."""
    promised = {**ORDER, "completed_at": RECEIVED, "promise": {"no_reason_window": "15 days"}}
    d = decide(
        request.getfixturevalue(name),
        make_case(promised, {"kind": "return_refund", "reason": "no_reason", "at": day(12)}),
    )
    assert (d.allowed, "national.favourable" in d.rules) == (True, True)
    without = decide(
        request.getfixturevalue(name),
        make_case({**ORDER, "completed_at": RECEIVED}, {"kind": "return_refund", "reason": "no_reason", "at": day(12)}),
    )
    assert without.allowed is (name == "channel")  # the channel answers with an alternative, never a refusal
    assert without.outcome in ("window_passed", "window_closed", "offer_alternative")


def test_the_national_promise_ends_where_it_says(national: Policy, make_case: Any) -> None:
    """The promised 15 days count like the legal window, from the day after receipt (law:7day §10): to 06-19 00:00."""
    promised = {**ORDER, "promise": {"no_reason_window": "15 days"}}
    last = decide(
        national, make_case(promised, {"kind": "return_refund", "reason": "no_reason", "at": "2026-06-19T00:00:00"})
    )
    assert last.allowed
    past = decide(
        national, make_case(promised, {"kind": "return_refund", "reason": "no_reason", "at": "2026-06-19T00:00:01"})
    )
    assert (past.allowed, past.outcome, past.to_dict()["deadline"]) == (
        False,
        "window_passed",
        "2026-06-19T00:00:00+08:00",
    )


def test_a_shorter_promise_is_void_on_the_national_layer(national: Policy, make_case: Any) -> None:
    """national.favourable: "a term below platform standard is void" -- a 5-day promise leaves the legal 7."""
    promised = {**ORDER, "promise": {"no_reason_window": "5 days"}}
    d = decide(national, make_case(promised, {"kind": "return_refund", "reason": "no_reason", "at": day(6)}))
    assert d.allowed


@pytest.mark.parametrize("name", ["national", "tmall", "channel"])
def test_a_30_day_after_sale_promise_allows_a_quality_return_on_day_20(
    request: pytest.FixtureRequest, make_case: Any, name: str
) -> None:
    """seed:003: "如商家有承诺或双方另行约定售后服务期限的,依照约定售后期处理"; national.favourable binds it."""
    promised = {**ORDER, "completed_at": RECEIVED, "promise": {"after_sale_period": "30 days"}}
    request_ = {"kind": "return_refund", "reason": "quality", "at": day(20)}
    d = decide(request.getfixturevalue(name), make_case(promised, request_))
    assert (d.allowed, d.outcome, d.payer, "national.favourable" in d.rules) == (
        True,
        "await_merchant",
        "merchant",
        True,
    )


def test_the_national_after_sale_promise_ends_where_it_says(national: Policy, make_case: Any) -> None:
    """30 days after receipt (06-03 10:00) end on 07-03 10:00; a return then is in time, a second later not."""
    promised = {**ORDER, "promise": {"after_sale_period": "30 days"}}
    at_end = decide(national, make_case(promised, {"kind": "return_refund", "reason": "quality", "at": day(30)}))
    assert at_end.allowed
    late = decide(national, make_case(promised, {"kind": "return_refund", "reason": "quality", "at": day(30, 1)}))
    assert (late.allowed, late.outcome) == (False, "remedy_not_available")


# --- quality remedies after day 7 (law:cpl §24) -------------------------------------------------------------


@pytest.mark.parametrize(("kind", "allowed"), [("exchange", True), ("repair", True), ("return_refund", False)])
def test_after_day_7_a_defect_is_exchanged_or_repaired_not_returned(
    national: Policy, make_case: Any, kind: str, allowed: bool
) -> None:
    """national.quality_return (law:cpl §24): "return within 7 days; afterwards repair/replace"."""
    d = decide(national, make_case(ORDER, {"kind": kind, "reason": "quality", "at": day(10)}))
    assert d.allowed is allowed
    assert "national.no_reason_return" not in d.rules  # the no-reason window does not decide a defect
    assert "No-reason" not in d.reason_en
    if not allowed:
        assert (d.outcome, d.to_dict()["deadline"], d.deadline_kind) == (
            "remedy_not_available",
            "2026-06-10T10:00:00+08:00",  # 7 days after receipt
            "window_end",
        )
        assert d.reason_en == (
            "Quality defect: return is no longer available; a return within 7 days of receipt, "
            "afterwards exchange or repair."
        )


def test_a_quality_exchange_on_day_10_cites_the_consumer_law(national: Policy, make_case: Any) -> None:
    d = decide(national, make_case(ORDER, {"kind": "exchange", "reason": "quality", "at": day(10)}))
    assert (d.allowed, d.outcome, d.rules, d.payer) == (
        True,
        "await_merchant",
        ("national.quality_return",),
        "merchant",
    )


# --- a refusal states what refused it -------------------------------------------------------------------------


def test_a_refused_late_shipment_claim_carries_no_amount(tmall: Policy, variant: Any, make_case: Any) -> None:
    """seed:004: a late-shipment claim "付款72小时后方可申请"; 30% of 400 CNY = 120 CNY is the claim, not an amount."""
    order = {"category": "electronics", "price": 400, "paid_at": "2026-03-01T10:00:00"}
    case = make_case(
        order, {"kind": "late_shipment_compensation", "reason": "late_shipment", "at": "2026-03-02T18:00:00"}
    )
    d = decide(tmall, case)
    assert (d.allowed, d.outcome, d.amount, d.amount_form) == (False, "too_early", None, None)
    assert d.reason_en.endswith("(The claim, once open: 120.00 CNY (points), 30% of the price, at most 500 CNY.)")
    compared = compare_decision(tmall, variant("tmall.yaml", "tmall_ship_48h.yaml"), case).to_dict()
    assert (compared["base"]["amount"], compared["variant"]["amount"]) == (None, None)


@pytest.mark.parametrize("name", ["national", "tmall"])
def test_a_repair_past_a_730_day_warranty_reports_the_warrantys_end(
    request: pytest.FixtureRequest, make_case: Any, name: str
) -> None:
    """The order's two-year warranty (730 days from 2024-06-03 10:00) ended 2026-06-03 10:00: that refused it."""
    order = {
        "category": "electronics",
        "price": 2999,
        "paid_at": "2024-06-01T10:00:00",
        "received_at": "2024-06-03T10:00:00",
        "completed_at": "2024-06-04T10:00:00",
        "warranty": "730 days",
    }
    d = decide(
        request.getfixturevalue(name),
        make_case(order, {"kind": "repair", "reason": "quality", "at": "2026-06-13T10:00:00"}),
    )
    assert (d.allowed, d.outcome) == (False, "remedy_not_available")
    assert d.to_dict()["deadline"] == "2026-06-03T10:00:00+08:00"
    assert d.deadline_kind == "window_end"


def test_the_channel_answers_a_repair_past_the_warranty_with_an_alternative(channel: Policy, make_case: Any) -> None:
    """seed:003: "避免直接拒绝用户" -- over the period the channel offers a small compensation, never a refusal."""
    order = {
        "category": "electronics",
        "price": 2999,
        "paid_at": "2024-06-01T10:00:00",
        "received_at": "2024-06-03T10:00:00",
        "warranty": "730 days",
    }
    d = decide(channel, make_case(order, {"kind": "repair", "reason": "quality", "at": "2026-06-13T10:00:00"}))
    assert (d.allowed, d.outcome, d.amount) == (True, "offer_alternative", 299.9)


# --- the national layer's reason texts -------------------------------------------------------------------------


def test_national_reason_texts_are_its_own(national: Policy, make_case: Any) -> None:
    """No channel sentence ("communicate first, never refuse outright" is channels.principle, seed:003), the
    no-reason sentence once, and national.favourable only where a promise is in play."""
    d = decide(national, make_case(ORDER, {"kind": "return_refund", "reason": "no_reason", "at": day(2)}))
    assert d.reason_en.count("No-reason window: 7 days from the day after receipt.") == 1
    assert d.reason_zh.count("7日无理由退货期限(自签收次日起算)。") == 1
    assert "never refuse outright" not in d.reason_en and "避免直接拒绝" not in d.reason_zh
    assert "national.favourable" not in d.rules and "channels.principle" not in d.rules
    quality = decide(national, make_case(ORDER, {"kind": "return_refund", "reason": "quality", "at": day(2)}))
    assert "never refuse outright" not in quality.reason_en
    assert "national.favourable" not in quality.rules


def test_past_the_tmall_window_the_later_end_is_the_one_reported(tmall: Policy, make_case: Any) -> None:
    """seed:004: after-sale "交易成功"0-15天内 (completed 06-04 10:00 → 06-19 10:00) outlasts the law's 7-day
    quality return (received 06-03 10:00 → 06-10 10:00): a return one second past the window was refused by it."""
    order = {**ORDER, "completed_at": "2026-06-04T10:00:00"}
    d = decide(tmall, make_case(order, {"kind": "return_refund", "reason": "quality", "at": "2026-06-19T10:00:01"}))
    assert (d.allowed, d.outcome, d.to_dict()["deadline"]) == (False, "window_closed", "2026-06-19T10:00:00+08:00")
    assert d.rules[0] == "tmall.after_sale_window"
