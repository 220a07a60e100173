"""decide() / explain_case(): every request kind on every platform, the shipped examples pinned,
whole-case compositions, and the bugs found in them (xfail, strict)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simkit.policy.loader import load_policy
from simkit.policy.model import Policy
from simkit.rules import Decision, over_period_request
from simkit.rules.case import REQUEST_KINDS, load_case
from simkit.rules.explain import decide, explain_case

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "examples"


def core(decision: Decision) -> dict[str, Any]:
    """to_dict() without the free-text reason."""
    return {k: v for k, v in decision.to_dict().items() if k != "reason"}


def assert_well_formed(policy: Policy, decision: Decision) -> None:
    """JSON-ready, cites only rules the policy has, and at least one when allowed."""
    json.dumps(decision.to_dict(), ensure_ascii=False)
    for rule_id in decision.rules:
        policy.rule(rule_id)
    if decision.allowed:
        assert decision.rules, decision
    assert len(set(decision.rules)) == len(decision.rules), decision.rules


# --- every kind, every platform --------------------------------------------------------------

ORDER = {
    "category": "electronics",
    "price": 500,
    "free_shipping": True,
    "paid_at": "2026-03-01T10:00:00",
    "shipped_at": "2026-03-02T10:00:00",
    "received_at": "2026-03-03T10:00:00",
    "completed_at": "2026-03-04T10:00:00",
    "settled_at": "2026-03-04T10:00:00",
    "closed_at": "2026-03-04T10:00:00",
}
REASON_OF_KIND = {"late_shipment_compensation": "out_of_stock", "rule_complaint": "unkept_promise"}


@pytest.mark.parametrize("kind", REQUEST_KINDS)
@pytest.mark.parametrize("name", ["tmall", "channel", "national"])
def test_decide_every_kind_on_every_platform(
    request: pytest.FixtureRequest, make_case: Any, name: str, kind: str
) -> None:
    policy = request.getfixturevalue(name)
    by = "merchant" if kind in ("reopen_entry", "extend_after_sale") else "buyer"
    case = make_case(
        ORDER,
        {
            "kind": kind,
            "reason": REASON_OF_KIND.get(kind, "quality"),
            "by": by,
            "at": "2026-03-10T10:00:00",
            "refund_requested_at": "2026-03-05T10:00:00",
        },
        {"merchant_refused": True, "refused_at": "2026-03-06T10:00:00"},
    )
    decision = decide(policy, case)
    assert isinstance(decision, Decision)
    assert_well_formed(policy, decision)


def test_request_kinds_are_the_issue_vocabulary() -> None:
    assert set(REQUEST_KINDS) == {
        "refund_only",
        "return_refund",
        "exchange",
        "repair",
        "late_shipment_compensation",
        "intervention",
        "rule_complaint",
        "reopen_entry",
        "extend_after_sale",
    }


# --- the shipped examples --------------------------------------------------------------------


def pinned(
    allowed: bool,
    outcome: str,
    rules: list[str],
    *,
    deadline: str | None = None,
    kind: str | None = None,
    amount: float | None = None,
    form: str | None = None,
    payer: str | None = None,
    advance: str | None = None,
    proof: str | None = None,
    points: int = 0,
    timeline: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """An expected decision (to_dict() without the reason); times are China time, +08:00."""
    return {
        "allowed": allowed,
        "outcome": outcome,
        "deadline": deadline,
        "deadline_kind": kind,
        "amount": amount,
        "amount_form": form,
        "payer": payer,
        "advance_payer": advance,
        "burden_of_proof": proof,
        "points": points,
        "rules": rules,
        "versions": {},
        "timeline": timeline or [],
    }


EXPECTED: dict[str, dict[str, Any]] = {
    "channels_counterfeit.yaml": pinned(
        True,
        "await_merchant",
        [
            "channels.attempts",
            "channels.period_order",
            "channels.over_period_scenarios",
            "national.quality_return",
            "channels.counterfeit",
            "channels.principle",
            "channels.review_deadlines",
        ],
        deadline="2026-08-07T10:00:00+08:00",
        kind="answer_by",
        amount=980.0,
        form="cash",
        payer="merchant",
    ),
    "channels_escalate.yaml": pinned(
        True, "escalate", ["channels.escalate"], deadline="2026-08-12T10:00:00+08:00", kind="file_by"
    ),
    "channels_extension.yaml": pinned(
        True, "extended", ["channels.extend"], deadline="2026-03-27T10:00:00+08:00", kind="new_period_end"
    ),
    "channels_extension_limit.yaml": pinned(
        False, "limit_reached", ["channels.extend"], deadline="2026-04-08T10:00:00+08:00", kind="window_end"
    ),
    "channels_over_period_fresh.yaml": pinned(
        True,
        "offer_alternative",
        ["channels.over_period_scenarios", "channels.principle", "channels.attempts"],
        deadline="2026-07-17T10:00:00+08:00",
        kind="window_end",
        amount=12.0,
        form="cash",
    ),
    "channels_over_period_no_reason.yaml": pinned(
        True,
        "offer_alternative",
        [
            "channels.over_period_scenarios",
            "channels.principle",
            "national.no_reason_return",
            "channels.attempts",
            "channels.period_order",
        ],
        deadline="2026-09-11T00:00:00+08:00",
        kind="window_end",
        amount=26.0,
        form="cash",
    ),
    "channels_over_period_quality.yaml": pinned(
        True,
        "reopen_required",
        ["channels.over_period_scenarios", "channels.principle", "channels.extend", "channels.attempts"],
        deadline="2026-07-18T10:00:00+08:00",
        kind="window_end",
    ),
    "national_fresh_no_reason.yaml": pinned(  # the exclusion decides; the national floor has no after-sale period
        False, "excluded", ["national.no_reason_exclusions"]
    ),
    # national.favourable: "A merchant promise more favourable to the buyer binds" -- 15 days, day 12 is in
    "national_promise_no_reason.yaml": pinned(
        True,
        "await_merchant",
        ["national.no_reason_return", "national.favourable", "national.no_reason_shipping"],
        payer="buyer",
    ),
    # law:cpl §24 (national.quality_return): "return within 7 days; afterwards repair/replace"
    "national_quality_exchange.yaml": pinned(True, "await_merchant", ["national.quality_return"], payer="merchant"),
    # law:3bao: repair within the warranty; the order's 730 days (from 2024-06-03 10:00) ended 2026-06-03 10:00
    "national_warranty_ended.yaml": pinned(
        False,
        "remedy_not_available",
        ["national.three_guarantees", "national.favourable"],
        deadline="2026-06-03T10:00:00+08:00",
        kind="window_end",
        payer="merchant",
    ),
    # seed:004: "付款72小时后方可申请" -- refused before 72 h, and a refusal carries no amount
    "tmall_late_shipment_too_early.yaml": pinned(
        False,
        "too_early",
        ["tmall.late_ship_comp", "tmall.ship_promise"],
        deadline="2026-03-04T10:00:00+08:00",
        kind="opens_at",
    ),
    # seed:004: "交易关闭的0-15天内": exactly 15 days after the close is in time; unkept promise: 4 points
    "tmall_rule_complaint_day15.yaml": pinned(
        True,
        "intervention",
        ["tmall.rule_complaint", "tmall.penalty_points"],
        deadline="2026-06-04T10:00:00+08:00",
        kind="file_by",
        points=4,
    ),
    # RULES.md: "USER_WAIT_RETURN → MERCHANT_WAIT_RECEIPT →(agree | timeout) PLATFORM_REFUNDING": the 10 days
    # run from the buyer's shipment (03-09 16:00), while the parcel travels
    "channels_return_in_transit.yaml": pinned(
        True,
        "return_in_transit",
        [
            "channels.attempts",
            "channels.period_order",
            "channels.over_period_scenarios",
            "national.quality_return",
            "channels.principle",
            "channels.review_deadlines",
        ],
        deadline="2026-03-19T16:00:00+08:00",
        kind="confirm_receipt_by",
        payer="merchant",
    ),
    "tmall_complaint_withdrawn.yaml": pinned(
        False, "withdrawn", ["tmall.rule_complaint"], deadline="2026-05-18T10:00:00+08:00", kind="file_by"
    ),
    "tmall_intervention_early.yaml": pinned(
        False, "too_early", ["tmall.intervention_wait"], deadline="2026-06-05T10:00:00+08:00", kind="opens_at"
    ),
    "tmall_late_shipment.yaml": pinned(
        True, "compensate", ["tmall.late_ship_comp", "tmall.ship_promise"], amount=500.0, form="points"
    ),
    "tmall_no_reason_free_shipping.yaml": pinned(
        True,
        "await_merchant",
        [
            "tmall.after_sale_window",
            "national.no_reason_return",
            "tmall.refund_reasons",
            "tmall.no_reason_shipping",
            "tmall.refund_auto_agree",
        ],
        deadline="2026-04-11T21:00:00+08:00",
        kind="answer_by",
        payer="buyer",
    ),
    "tmall_quality_refund.yaml": pinned(
        True,
        "await_merchant",
        [
            "tmall.after_sale_window",
            "national.quality_return",
            "tmall.refund_reasons",
            "tmall.fault_shipping",
            "tmall.refund_auto_agree",
        ],
        deadline="2026-03-13T09:30:00+08:00",
        kind="answer_by",
        payer="merchant",
    ),
    "tmall_reopen_entry.yaml": pinned(
        True, "reopened", ["tmall.reopen_entry"], deadline="2026-03-17T10:00:00+08:00", kind="file_by"
    ),
    "tmall_reopen_sub_account.yaml": pinned(False, "no_permission", ["tmall.reopen_entry"]),
    "tmall_rule_complaint.yaml": pinned(
        True,
        "intervention",
        ["tmall.rule_complaint", "tmall.penalty_points"],
        deadline="2026-06-04T10:00:00+08:00",
        kind="file_by",
        points=12,
    ),
    # law:7day §13, §31: refund within 7 days of receiving the return (03-12 10:00 → 03-19 10:00), a
    # violation after 15 days (03-27 10:00); Tmall refunds by itself 10 days after the buyer shipped the
    # return (03-09 16:00 → 03-19 16:00: "WAIT_BUYER_RETURN_GOODS → WAIT_SELLER_CONFIRM_GOODS", RULES.md)
    "tmall_return_flow.yaml": pinned(
        True,
        "refund_overdue",
        [
            "tmall.after_sale_window",
            "national.quality_return",
            "tmall.refund_reasons",
            "tmall.fault_shipping",
            "national.refund_deadline",
            "tmall.return_deadlines",
        ],
        deadline="2026-03-27T10:00:00+08:00",
        kind="violation_after",
        payer="merchant",
        timeline=[
            {"kind": "confirm_receipt_by", "at": "2026-03-19T16:00:00+08:00"},
            {"kind": "violation_after", "at": "2026-03-27T10:00:00+08:00"},
        ],
    ),
    # seed:003: the promised 30 days bind (day 20 is past the 15-day quality period); 48 h review
    "channels_merchant_promise.yaml": pinned(
        True,
        "await_merchant",
        [
            "channels.attempts",
            "channels.period_order",
            "channels.over_period_scenarios",
            "national.favourable",
            "national.quality_return",
            "channels.principle",
            "channels.review_deadlines",
        ],
        deadline="2026-06-25T10:00:00+08:00",
        kind="answer_by",
        payer="merchant",
    ),
    # seed:004 关于拒签: refused without reason → the buyer pays, the merchant proves; 72 h to answer
    "tmall_refused_delivery.yaml": pinned(
        True,
        "await_merchant",
        ["tmall.refund_reasons", "tmall.refused_delivery", "tmall.refund_auto_agree"],
        deadline="2026-04-07T16:00:00+08:00",
        kind="answer_by",
        payer="buyer",
        proof="merchant",
    ),
    # wx:guarantee: 3 x 260 + 50 appraisal fee = 830 CNY (the 4x variant is compared in tests/cli)
    "channels_compare_counterfeit_4x.yaml": pinned(
        True,
        "await_merchant",
        [
            "channels.attempts",
            "channels.period_order",
            "channels.over_period_scenarios",
            "national.quality_return",
            "channels.counterfeit",
            "channels.principle",
            "channels.review_deadlines",
        ],
        deadline="2026-08-06T10:00:00+08:00",
        kind="answer_by",
        amount=830.0,
        form="cash",
        payer="merchant",
    ),
    "tmall_store_exit.yaml": pinned(
        True,
        "statutory_remedy",
        ["national.three_guarantees", "tmall.after_sale_window", "tmall.store_exit"],
        deadline="2027-01-12T10:00:00+08:00",
        kind="window_end",
        payer="platform",
    ),
}


def _explain_example(path: Path) -> tuple[Policy, Decision]:
    case, tree = load_case(path)
    assert case.policy is not None, f"{path.name} names no policy"
    policy = load_policy(path.parent / case.policy, [path.parent / v for v in case.variants])
    return policy, explain_case(policy, case, tree)


def test_every_example_is_pinned() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_outcome(name: str) -> None:
    policy, decision = _explain_example(EXAMPLES / name)
    assert core(decision) == EXPECTED[name]
    assert_well_formed(policy, decision)


def test_sub_account_example_says_no_permission() -> None:
    _, decision = _explain_example(EXAMPLES / "tmall_reopen_sub_account.yaml")
    assert "无权限" in decision.reason_zh


# --- whole cases ----------------------------------------------------------------------------

T_ORDER = {
    "category": "apparel",
    "price": 399,
    "free_shipping": True,
    "paid_at": "2026-03-01T20:15:00",
    "shipped_at": "2026-03-02T10:00:00",
    "received_at": "2026-03-04T15:00:00",
    "completed_at": "2026-03-05T09:00:00",
}


def test_tmall_no_reason_return_after_7_days_is_refused(tmall: Policy, make_case: Any) -> None:
    d = decide(tmall, make_case(T_ORDER, {"kind": "return_refund", "reason": "no_reason", "at": "2026-03-12T00:00:01"}))
    assert (d.allowed, d.outcome, d.deadline) == (False, "window_passed", d.deadline)
    assert d.to_dict()["deadline"] == "2026-03-12T00:00:00+08:00"
    assert d.rules[0] == "national.no_reason_return"


def test_tmall_no_reason_not_free_shipped_buyer_pays(tmall: Policy, make_case: Any) -> None:
    d = decide(
        tmall,
        make_case(
            {**T_ORDER, "free_shipping": False},
            {"kind": "return_refund", "reason": "changed_mind", "at": "2026-03-06T10:00:00"},
        ),
    )
    assert (d.allowed, d.payer, d.deadline is not None) == (True, "buyer", True)


def test_tmall_window_closed_for_no_reason(tmall: Policy, make_case: Any) -> None:
    d = decide(tmall, make_case(T_ORDER, {"kind": "return_refund", "reason": "no_reason", "at": "2026-03-20T09:00:01"}))
    assert core(d) == {
        "allowed": False,
        "outcome": "window_closed",
        "deadline": "2026-03-20T09:00:00+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.after_sale_window"],
        "versions": {},
        "timeline": [],
    }


def test_tmall_counterfeit_refund_pays_10x(tmall: Policy, make_case: Any) -> None:
    request = {"kind": "return_refund", "reason": "counterfeit", "at": "2026-03-06T10:00:00"}
    d = decide(tmall, make_case(T_ORDER, request))
    assert (d.allowed, d.amount, d.amount_form, d.payer) == (True, 3990.0, "cash", "merchant")
    assert "tmall.counterfeit" in d.rules


def test_tmall_refund_for_out_of_stock_carries_the_compensation(tmall: Policy, make_case: Any) -> None:
    order = {"category": "apparel", "price": 100, "paid_at": "2026-03-01T10:00:00"}
    d = decide(tmall, make_case(order, {"kind": "refund_only", "reason": "out_of_stock", "at": "2026-03-01T12:00:00"}))
    assert core(d) == {
        "allowed": True,
        "outcome": "await_merchant",
        "deadline": "2026-03-04T12:00:00+08:00",
        "deadline_kind": "answer_by",
        "amount": 30.0,
        "amount_form": "points",
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.late_ship_comp", "tmall.refund_reasons", "tmall.refund_auto_agree"],
        "versions": {},
        "timeline": [],
    }


def test_tmall_late_shipment_refund_too_early_has_no_compensation(tmall: Policy, make_case: Any) -> None:
    order = {"category": "apparel", "price": 100, "paid_at": "2026-03-01T10:00:00"}
    d = decide(tmall, make_case(order, {"kind": "refund_only", "reason": "late_shipment", "at": "2026-03-02T10:00:00"}))
    assert (d.allowed, d.amount, d.amount_form) == (True, None, None)


def test_tmall_intervention_through_decide(tmall: Policy, make_case: Any) -> None:
    order = {"category": "apparel", "price": 100, "paid_at": "2026-03-01T10:00:00"}
    d = decide(
        tmall,
        make_case(
            order, {"kind": "intervention", "at": "2026-03-08T10:00:00", "refund_requested_at": "2026-03-05T10:00:00"}
        ),
    )
    assert (d.allowed, d.outcome, d.deadline.isoformat() if d.deadline else None) == (
        True,
        "intervene",
        "2026-03-08T10:00:00+08:00",
    )


def test_channel_intervention_needs_a_refusal_through_decide(channel: Policy, make_case: Any) -> None:
    order = {"category": "apparel", "price": 100, "paid_at": "2026-03-01T10:00:00"}
    request = {"kind": "intervention", "at": "2026-03-08T10:00:00", "refund_requested_at": "2026-03-05T10:00:00"}
    assert decide(channel, make_case(order, request)).outcome == "not_refused"
    assert decide(channel, make_case(order, request, {"merchant_refused": True})).outcome == "escalate"


def test_channel_sixth_attempt_refused_through_decide(channel: Policy, make_case: Any) -> None:
    order = {
        "category": "apparel",
        "price": 100,
        "paid_at": "2026-03-01T10:00:00",
        "received_at": "2026-03-03T10:00:00",
    }
    request = {"kind": "return_refund", "reason": "quality", "at": "2026-03-05T10:00:00"}
    assert decide(channel, make_case(order, request, {"after_sales": 4})).allowed
    d = decide(channel, make_case(order, request, {"after_sales": 5}))
    assert (d.allowed, d.outcome, d.rules) == (False, "attempts_exhausted", ("channels.attempts",))


def test_channel_refund_deadline_is_48_hours(channel: Policy, make_case: Any) -> None:
    order = {"category": "apparel", "price": 100, "paid_at": "2026-03-01T10:00:00"}
    d = decide(channel, make_case(order, {"kind": "refund_only", "reason": "no_reason", "at": "2026-03-01T12:00:00"}))
    assert (d.allowed, d.outcome, d.to_dict()["deadline"]) == (True, "await_merchant", "2026-03-03T12:00:00+08:00")
    assert "channels.review_deadlines" in d.rules


def test_tmall_reopened_window_lets_the_buyer_file(tmall: Policy, make_case: Any) -> None:
    order = {
        "category": "apparel",
        "price": 129,
        "paid_at": "2026-01-02T10:00:00",
        "completed_at": "2026-01-06T10:00:00",
    }
    history = {"reopened": 1, "reopened_at": "2026-02-15T10:00:00"}
    inside = decide(
        tmall, make_case(order, {"kind": "refund_only", "reason": "quality", "at": "2026-03-17T10:00:00"}, history)
    )
    assert (inside.allowed, inside.outcome, inside.rules[0]) == (True, "await_merchant", "tmall.reopen_entry")
    after = decide(
        tmall, make_case(order, {"kind": "refund_only", "reason": "quality", "at": "2026-03-17T10:00:01"}, history)
    )
    assert (after.allowed, after.outcome) == (False, "window_closed")
    assert "tmall.reopen_entry" in after.rules


def test_channel_extension_through_decide_extends_the_period(channel: Policy, make_case: Any) -> None:
    order = {
        "category": "apparel",
        "price": 89,
        "paid_at": "2026-03-01T10:00:00",
        "received_at": "2026-03-03T10:00:00",
        "settled_at": "2026-03-03T10:00:00",
    }
    first = decide(
        channel, make_case(order, {"kind": "extend_after_sale", "by": "merchant", "at": "2026-03-10T10:00:00"})
    )
    assert first.to_dict()["deadline"] == "2026-03-25T10:00:00+08:00"
    # after one extension, a request one day after the old end is still inside the period
    request = {"kind": "return_refund", "reason": "quality", "at": "2026-03-19T10:00:00", "quality_proven": True}
    assert decide(channel, make_case(order, request)).outcome == "reopen_required"
    assert "channels.extend" in decide(channel, make_case(order, request, {"extensions": 1})).rules


def test_store_exit_duty_ended_through_decide(tmall: Policy, make_case: Any) -> None:
    order = {
        "category": "apparel",
        "price": 100,
        "paid_at": "2026-01-02T10:00:00",
        "received_at": "2026-01-04T10:00:00",
        "completed_at": "2026-01-05T10:00:00",
        "store_exit_at": "2026-01-10T00:00:00",
        "follow_up": "third_party",
    }
    inside = decide(tmall, make_case(order, {"kind": "exchange", "reason": "damaged", "at": "2026-01-10T10:00:00"}))
    assert (inside.allowed, inside.payer) == (True, "merchant")
    assert "tmall.store_exit" in inside.rules and "第三方" in inside.reason_zh
    ended = decide(tmall, make_case(order, {"kind": "exchange", "reason": "damaged", "at": "2026-01-20T10:00:01"}))
    assert (ended.allowed, ended.outcome) == (False, "duty_ended")


def test_national_floor_decides_after_sales(national: Policy, make_case: Any) -> None:
    order = {
        "category": "apparel",
        "price": 100,
        "paid_at": "2026-03-01T10:00:00",
        "received_at": "2026-03-01T15:00:00",
    }
    ok = decide(
        national, make_case(order, {"kind": "return_refund", "reason": "no_reason", "at": "2026-03-09T00:00:00"})
    )
    assert (ok.allowed, ok.payer, ok.deadline) == (True, "buyer", None)
    late = decide(
        national, make_case(order, {"kind": "return_refund", "reason": "no_reason", "at": "2026-03-09T00:00:01"})
    )
    assert (late.allowed, late.outcome) == (False, "window_passed")  # the no-reason window itself refuses


# --- bugs -------------------------------------------------------------------------------------

FRESH = {"category": "fresh", "price": 100, "paid_at": "2026-07-01T10:00:00", "received_at": "2026-07-02T10:00:00"}
APPAREL = {"category": "apparel", "price": 100, "paid_at": "2026-07-01T10:00:00", "received_at": "2026-07-02T10:00:00"}


def test_channel_fresh_no_reason_over_7_days_is_never_a_bare_refusal(channel: Policy, make_case: Any) -> None:
    request = {"kind": "refund_only", "reason": "no_reason", "at": "2026-07-12T10:00:00"}
    direct = over_period_request(
        channel,
        category="fresh",
        received_at=make_case(FRESH, request).order.received_at,
        at=make_case(FRESH, request).request.at,
        goods_used=False,
        reason="no_reason",
        price=100,
    )
    assert (direct.outcome, direct.amount) == ("offer_alternative", 10.0)
    d = decide(channel, make_case(FRESH, request))
    assert (d.allowed, d.outcome, d.amount, d.amount_form) == (True, "offer_alternative", 10.0, "cash")


def test_channel_used_goods_over_7_days_is_never_a_bare_refusal(channel: Policy, make_case: Any) -> None:
    request = {"kind": "return_refund", "reason": "no_reason", "at": "2026-07-12T10:00:00", "goods_used": True}
    d = decide(channel, make_case(APPAREL, request))
    assert (d.allowed, d.outcome, d.amount) == (True, "offer_alternative", 10.0)
    assert "已使用" in d.reason_zh


def test_tmall_no_reason_without_receipt_time_still_checks_exclusions(tmall: Policy, make_case: Any) -> None:
    order = {
        "category": "custom_made",
        "price": 100,
        "paid_at": "2026-07-01T10:00:00",
        "completed_at": "2026-07-02T10:00:00",
    }
    d = decide(tmall, make_case(order, {"kind": "return_refund", "reason": "no_reason", "at": "2026-07-04T10:00:00"}))
    assert (d.allowed, d.outcome) == (False, "excluded")
    assert "national.no_reason_exclusions" in d.rules


def test_tmall_no_reason_without_receipt_time_still_checks_the_7_days(tmall: Policy, make_case: Any) -> None:
    order = {
        "category": "apparel",
        "price": 100,
        "paid_at": "2026-07-01T10:00:00",
        "completed_at": "2026-07-02T10:00:00",
    }
    d = decide(tmall, make_case(order, {"kind": "return_refund", "reason": "no_reason", "at": "2026-07-15T10:00:00"}))
    assert (d.allowed, d.outcome) == (False, "window_passed")


def test_channel_three_guarantees_repair_within_warranty(channel: Policy, make_case: Any) -> None:
    order = {
        "category": "electronics",
        "price": 1000,
        "paid_at": "2026-07-01T10:00:00",
        "received_at": "2026-07-02T10:00:00",
        "completed_at": "2026-07-02T10:00:00",
    }
    d = decide(channel, make_case(order, {"kind": "repair", "reason": "quality", "at": "2026-08-15T10:00:00"}))
    assert d.allowed
    assert d.outcome not in ("offer_alternative", "reopen_required")
    assert "national.three_guarantees" in d.rules
    assert d.amount is None


def test_tmall_quality_return_inside_the_after_sale_window(tmall: Policy, make_case: Any) -> None:
    order = {
        "category": "apparel",
        "price": 129,
        "paid_at": "2026-01-02T10:00:00",
        "received_at": "2026-01-05T10:00:00",
        "completed_at": "2026-01-06T10:00:00",
    }
    d = decide(tmall, make_case(order, {"kind": "return_refund", "reason": "quality", "at": "2026-01-15T10:00:00"}))
    assert (d.allowed, d.outcome, d.payer, d.to_dict()["deadline"]) == (
        True,
        "await_merchant",
        "merchant",
        "2026-01-18T10:00:00+08:00",
    )


def test_tmall_quality_return_after_reopening(tmall: Policy, make_case: Any) -> None:
    order = {
        "category": "apparel",
        "price": 129,
        "paid_at": "2026-01-02T10:00:00",
        "received_at": "2026-01-05T10:00:00",
        "completed_at": "2026-01-06T10:00:00",
    }
    history = {"reopened": 1, "reopened_at": "2026-02-15T10:00:00"}
    d = decide(
        tmall, make_case(order, {"kind": "return_refund", "reason": "quality", "at": "2026-03-10T10:00:00"}, history)
    )
    assert (d.allowed, d.outcome) == (True, "await_merchant")


def test_channel_quality_return_inside_the_quality_period(channel: Policy, make_case: Any) -> None:
    d = decide(channel, make_case(APPAREL, {"kind": "return_refund", "reason": "quality", "at": "2026-07-12T10:00:00"}))
    assert (d.allowed, d.outcome, d.to_dict()["deadline"]) == (True, "await_merchant", "2026-07-14T10:00:00+08:00")
