"""Timers (merchant response / auto-agree, buyer return, merchant receipt, refund), dated values,
intervention and escalation, arbitration."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from simkit.errors import CaseError
from simkit.policy.model import Policy
from simkit.policy.tree import located
from simkit.rules import (
    Decision,
    arbitrate,
    buyer_return_deadline,
    intervention,
    merchant_receipt_deadline,
    merchant_response,
    refund_deadline,
)
from simkit.rules.explain import decide, explain_case

t = dt.datetime.fromisoformat
ASKED = t("2026-03-10T09:30:00")


def core(decision: Decision) -> dict[str, Any]:
    """to_dict() without the free-text reason."""
    return {k: v for k, v in decision.to_dict().items() if k != "reason"}


# --- merchant response / auto-agree -------------------------------------------------------


@pytest.mark.parametrize("kind", ["refund_only", "return_refund", "exchange", "repair"])
def test_tmall_refund_auto_agree_after_72_hours(tmall: Policy, kind: str) -> None:
    assert merchant_response(tmall, kind=kind, requested_at=ASKED).to_dict() == {
        "allowed": True,
        "outcome": "auto_agree",
        "deadline": "2026-03-13T09:30:00+08:00",
        "deadline_kind": "answer_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.refund_auto_agree"],
        "reason": {
            "en": "The merchant must answer within 72 h, else the request is approved automatically.",
            "zh": "商家须在72小时内处理,超时自动同意。",
        },
        "versions": {},
        "timeline": [],
    }


@pytest.mark.parametrize("kind", ["refund_only", "return_refund", "exchange"])
def test_channel_review_48_hours_for_refund_and_return(channel: Policy, kind: str) -> None:
    assert core(merchant_response(channel, kind=kind, requested_at=ASKED)) == {
        "allowed": True,
        "outcome": "auto_agree",
        "deadline": "2026-03-12T09:30:00+08:00",
        "deadline_kind": "answer_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["channels.review_deadlines"],
        "versions": {},
        "timeline": [],
    }


def test_national_floor_has_no_response_timer(national: Policy) -> None:
    d = merchant_response(national, kind="refund_only", requested_at=ASKED)
    assert (d.allowed, d.outcome, d.deadline, d.rules) == (False, "no_timer", None, ())


@pytest.mark.parametrize(
    ("base", "name", "deadline"),
    [
        ("tmall.yaml", "tmall_response_48h.yaml", "2026-03-12T09:30:00"),
        ("video_channel.yaml", "channels_review_24h.yaml", "2026-03-11T09:30:00"),
    ],
)
def test_response_variants(variant: Any, base: str, name: str, deadline: str) -> None:
    d = merchant_response(variant(base, name), kind="refund_only", requested_at=ASKED)
    assert d.deadline == t(deadline)


# --- dated values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid_at", "deadline", "since"),
    [
        ("2015-01-01T00:00:00", "2027-01-05T10:00:00", "2015-01-01"),
        ("2026-12-31T23:59:59", "2027-01-05T10:00:00", "2015-01-01"),
        ("2027-01-01T00:00:00", "2027-01-04T10:00:00", "2027-01-01"),
        ("2027-06-01T00:00:00", "2027-01-04T10:00:00", "2027-01-01"),  # (request before payment: only the rule)
    ],
)
def test_dated_response_uses_the_version_in_force_at_payment(
    variant: Any, paid_at: str, deadline: str, since: str
) -> None:
    policy = variant("tmall.yaml", "tmall_response_dated.yaml")
    d = merchant_response(policy, kind="refund_only", requested_at=t("2027-01-02T10:00:00"), paid_at=t(paid_at))
    assert core(d) == {
        "allowed": True,
        "outcome": "auto_agree",
        "deadline": f"{deadline}+08:00",
        "deadline_kind": "answer_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.refund_auto_agree"],
        "versions": {"tmall.refund_auto_agree.timeout": since},
        "timeline": [],
    }


def test_dated_response_through_decide_cites_the_version(variant: Any, make_case: Any) -> None:
    policy = variant("tmall.yaml", "tmall_response_dated.yaml")
    request = {"kind": "refund_only", "reason": "no_reason", "at": "2027-01-02T10:00:00"}
    old = decide(policy, make_case({"category": "apparel", "price": 100, "paid_at": "2026-12-31T23:00:00"}, request))
    new = decide(policy, make_case({"category": "apparel", "price": 100, "paid_at": "2027-01-01T00:30:00"}, request))
    assert core(old) == {
        "allowed": True,
        "outcome": "await_merchant",
        "deadline": "2027-01-05T10:00:00+08:00",
        "deadline_kind": "answer_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.refund_reasons", "tmall.refund_auto_agree"],
        "versions": {"tmall.refund_auto_agree.timeout": "2015-01-01"},
        "timeline": [],
    }
    assert new.to_dict()["deadline"] == "2027-01-04T10:00:00+08:00"
    assert new.to_dict()["versions"] == {"tmall.refund_auto_agree.timeout": "2027-01-01"}
    assert "48" in new.reason_en and "48" in new.reason_zh


def test_dated_value_before_its_first_date_is_a_case_error(variant: Any, make_case: Any) -> None:
    policy = variant("tmall.yaml", "tmall_response_dated.yaml")
    data = {
        "order": {"category": "apparel", "price": 100, "paid_at": "2014-06-01T10:00:00"},
        "request": {"kind": "refund_only", "reason": "no_reason", "at": "2014-06-02T10:00:00"},
    }
    case = make_case(data["order"], data["request"])
    with pytest.raises(CaseError) as info:
        explain_case(policy, case, located(data, {}, "case.yaml"))
    assert [p.path for p in info.value.problems] == ["order.paid_at"]
    assert "no version in force on 2014-06-01" in str(info.value)


def test_undated_policy_cites_no_versions(tmall: Policy) -> None:
    assert merchant_response(tmall, kind="refund_only", requested_at=ASKED, paid_at=ASKED).versions == ()


# --- buyer return, merchant receipt, refund ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rule"), [("tmall", "tmall.return_deadlines"), ("channel", "channels.review_deadlines")]
)
def test_buyer_return_deadline_7_days(request: pytest.FixtureRequest, name: str, rule: str) -> None:
    d = buyer_return_deadline(request.getfixturevalue(name), agreed_at=ASKED)
    assert core(d) == {
        "allowed": True,
        "outcome": "close",
        "deadline": "2026-03-17T09:30:00+08:00",
        "deadline_kind": "ship_return_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": [rule],
        "versions": {},
        "timeline": [],
    }


def test_buyer_return_deadline_none_on_national(national: Policy) -> None:
    assert buyer_return_deadline(national, agreed_at=ASKED).outcome == "no_timer"


@pytest.mark.parametrize(
    ("name", "rule"), [("tmall", "tmall.return_deadlines"), ("channel", "channels.review_deadlines")]
)
def test_merchant_receipt_deadline_10_days(request: pytest.FixtureRequest, name: str, rule: str) -> None:
    """RULES.md: "USER_WAIT_RETURN → MERCHANT_WAIT_RECEIPT →(agree | timeout) PLATFORM_REFUNDING" (WeChat) and
    "WAIT_BUYER_RETURN_GOODS → WAIT_SELLER_CONFIRM_GOODS → SUCCESS" (Taobao): the merchant's receipt timer
    belongs to the status the buyer's shipment of the return begins -- 10 days from the shipment."""
    d = merchant_receipt_deadline(request.getfixturevalue(name), shipped_back_at=ASKED)
    assert (d.allowed, d.outcome, d.deadline, d.rules) == (True, "auto_refund", t("2026-03-20T09:30:00"), (rule,))
    assert d.deadline_kind == "confirm_receipt_by"


def test_merchant_receipt_timer_is_not_on_the_national_floor(national: Policy) -> None:
    """The national floor has no platform to refund; the legal refund counts from the arrival (refund_deadline)."""
    d = merchant_receipt_deadline(national, shipped_back_at=ASKED)
    assert (d.allowed, d.outcome, d.deadline, d.rules) == (False, "no_timer", None, ())


def test_refund_deadline_7_days_violation_after_15(tmall: Policy) -> None:
    got = t("2026-03-10T10:00:00")
    due = refund_deadline(tmall, received_return_at=got, at=t("2026-03-25T10:00:00"))
    assert (due.allowed, due.outcome, due.deadline) == (True, "refund_due", t("2026-03-17T10:00:00"))
    late = refund_deadline(tmall, received_return_at=got, at=t("2026-03-25T10:00:01"))
    assert core(late) == {
        "allowed": False,
        "outcome": "violation",
        "deadline": "2026-03-17T10:00:00+08:00",
        "deadline_kind": "refund_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["national.refund_deadline"],
        "versions": {},
        "timeline": [{"kind": "violation_after", "at": "2026-03-25T10:00:00+08:00"}],  # 15 days after receipt
    }


# --- intervention ---------------------------------------------------------------------------

REQ = t("2026-06-02T10:00:00")


def test_tmall_intervention_opens_72_hours_after_the_request(tmall: Policy) -> None:
    early = intervention(tmall, refund_requested_at=REQ, at=t("2026-06-05T09:59:59"))
    assert core(early) == {
        "allowed": False,
        "outcome": "too_early",
        "deadline": "2026-06-05T10:00:00+08:00",
        "deadline_kind": "opens_at",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.intervention_wait"],
        "versions": {},
        "timeline": [],
    }
    assert "72" in early.reason_zh
    ok = intervention(tmall, refund_requested_at=REQ, at=t("2026-06-05T10:00:00"))
    assert (ok.allowed, ok.outcome, ok.deadline) == (True, "intervene", t("2026-06-05T10:00:00"))
    later = intervention(tmall, refund_requested_at=REQ, at=t("2026-07-05T10:00:00"))
    assert later.allowed


def test_tmall_intervention_needs_a_refund_in_progress(tmall: Policy) -> None:
    d = intervention(tmall, refund_requested_at=REQ, at=t("2026-06-09T10:00:00"), in_progress=False)
    assert (d.allowed, d.outcome, d.rules) == (False, "not_in_progress", ("tmall.intervention_wait",))


def test_channel_escalation_only_after_refusal(channel: Policy) -> None:
    d = intervention(channel, refund_requested_at=REQ, at=t("2026-06-09T10:00:00"))
    assert (d.allowed, d.outcome, d.rules) == (False, "not_refused", ("channels.escalate",))


def test_channel_escalation_within_7_days_of_the_refusal(channel: Policy) -> None:
    refused = t("2026-06-03T10:00:00")
    ok = intervention(
        channel, refund_requested_at=REQ, at=t("2026-06-10T10:00:00"), merchant_refused=True, refused_at=refused
    )
    assert core(ok) == {
        "allowed": True,
        "outcome": "escalate",
        "deadline": "2026-06-10T10:00:00+08:00",
        "deadline_kind": "file_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["channels.escalate"],
        "versions": {},
        "timeline": [],
    }
    late = intervention(
        channel, refund_requested_at=REQ, at=t("2026-06-10T10:00:01"), merchant_refused=True, refused_at=refused
    )
    assert (late.allowed, late.outcome, late.deadline) == (False, "expired", t("2026-06-10T10:00:00"))


def test_channel_escalation_without_refusal_time_counts_from_the_request(channel: Policy) -> None:
    d = intervention(channel, refund_requested_at=REQ, at=t("2026-06-03T10:00:00"), merchant_refused=True)
    assert d.deadline == t("2026-06-09T10:00:00")


def test_no_intervention_on_national(national: Policy) -> None:
    d = intervention(national, refund_requested_at=REQ, at=t("2026-06-09T10:00:00"), merchant_refused=True)
    assert (d.allowed, d.outcome) == (False, "not_applicable")


# --- arbitration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        (
            "tmall",
            {"reason": "no_reason", "kind": "return_refund", "evidence": False},
            (True, "buyer_wins", "buyer", ("national.no_reason_return", "tmall.no_reason_shipping")),
        ),
        (
            "tmall",
            {"reason": "no_reason", "kind": "return_refund", "evidence": True, "no_reason_allowed": False},
            (False, "merchant_wins", None, ("national.no_reason_return",)),
        ),
        (
            "tmall",
            {"reason": "not_received", "kind": "refund_only", "evidence": False},
            (True, "buyer_wins", None, ("tmall.advance_pay",)),
        ),
        (
            "tmall",
            {"reason": "quality", "kind": "return_refund", "evidence": True},
            (True, "buyer_wins", "merchant", ("tmall.fault_shipping",)),
        ),
        (
            "tmall",
            {"reason": "quality", "kind": "return_refund", "evidence": False},
            (False, "merchant_wins", None, ("tmall.fault_shipping",)),
        ),
        (
            "channel",
            {"reason": "quality", "kind": "return_refund", "evidence": True},
            (True, "buyer_wins", "merchant", ("national.quality_return", "channels.merchant_policy_floor")),
        ),
        (
            "channel",
            {"reason": "not_received", "kind": "refund_only", "evidence": True},
            (True, "buyer_wins", "merchant", ("national.quality_return", "channels.merchant_policy_floor")),
        ),
    ],
)
def test_arbitrate(
    request: pytest.FixtureRequest, name: str, kwargs: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    d = arbitrate(request.getfixturevalue(name), **kwargs)
    assert (d.allowed, d.outcome, d.payer, d.rules) == expected


def test_channel_no_reason_arbitration_cites_each_rule_once(channel: Policy) -> None:
    d = arbitrate(channel, reason="changed_mind", kind="return_refund", evidence=False)
    assert (d.allowed, d.outcome, d.payer) == (True, "buyer_wins", "buyer")
    assert d.rules == ("national.no_reason_return", "national.no_reason_shipping", "channels.merchant_policy_floor")


def test_loading_a_variant_leaves_the_base_policy_alone(tmall: Policy, variant: Any) -> None:
    reform = variant("tmall.yaml", "tmall_response_48h.yaml")
    assert merchant_response(reform, kind="refund_only", requested_at=ASKED).deadline == t("2026-03-12T09:30:00")
    assert merchant_response(tmall, kind="refund_only", requested_at=ASKED).deadline == t("2026-03-13T09:30:00")
