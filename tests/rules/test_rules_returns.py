"""7-day no-reason return, quality remedies (三包 and consumer law), after-sale windows,
return shipping and refund triage."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from simkit.policy.model import Policy
from simkit.rules import (
    Decision,
    after_sale_window,
    no_reason_deadline,
    no_reason_return,
    period_end,
    quality_remedy,
    refund_triage,
    return_shipping,
)

t = dt.datetime.fromisoformat
RECEIVED = t("2026-03-01T15:00:00")
PAID = t("2026-02-27T10:00:00")


def core(decision: Decision) -> dict[str, Any]:
    """to_dict() without the free-text reason."""
    return {k: v for k, v in decision.to_dict().items() if k != "reason"}


# --- 7-day no-reason ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tmall", "channel", "national"])
def test_no_reason_deadline_counts_from_the_day_after_receipt(request: pytest.FixtureRequest, name: str) -> None:
    d = no_reason_deadline(request.getfixturevalue(name), received_at=RECEIVED)
    assert (d.deadline, d.rules) == (t("2026-03-09T00:00:00"), ("national.no_reason_return",))


@pytest.mark.parametrize("name", ["tmall", "channel", "national"])
def test_no_reason_return_allowed_until_the_deadline(request: pytest.FixtureRequest, name: str) -> None:
    policy = request.getfixturevalue(name)
    # an act exactly at its deadline is in time: the last moment of the window is its end
    last = no_reason_return(policy, category="apparel", received_at=RECEIVED, at=t("2026-03-09T00:00:00"))
    assert last.to_dict() == {
        "allowed": True,
        "outcome": "return_allowed",
        "deadline": "2026-03-09T00:00:00+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["national.no_reason_return"],
        "reason": {
            "en": "No-reason return allowed. No-reason window: 7 days from the day after receipt.",
            "zh": "可无理由退货。7日无理由退货期限(自签收次日起算)。",
        },
        "versions": {},
        "timeline": [],
    }
    passed = no_reason_return(policy, category="apparel", received_at=RECEIVED, at=t("2026-03-09T00:00:01"))
    assert core(passed) == {
        "allowed": False,
        "outcome": "window_passed",
        "deadline": "2026-03-09T00:00:00+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["national.no_reason_return"],
        "versions": {},
        "timeline": [],
    }


@pytest.mark.parametrize("category", ["fresh", "custom_made", "digital", "periodicals"])
@pytest.mark.parametrize("name", ["tmall", "national"])
def test_excluded_categories(request: pytest.FixtureRequest, name: str, category: str) -> None:
    d = no_reason_return(
        request.getfixturevalue(name), category=category, received_at=RECEIVED, at=t("2026-03-02T10:00:00")
    )
    assert (d.allowed, d.outcome, d.deadline, d.rules) == (False, "excluded", None, ("national.no_reason_exclusions",))


def test_fresh_on_the_channel_cites_the_channel_rule(channel: Policy) -> None:
    d = no_reason_return(channel, category="fresh", received_at=RECEIVED, at=t("2026-03-02T10:00:00"))
    assert (d.allowed, d.outcome, d.rules) == (False, "excluded", ("channels.fresh", "national.no_reason_exclusions"))
    assert "生鲜" in d.reason_zh


@pytest.mark.parametrize("name", ["tmall", "channel", "national"])
def test_confirm_category_excluded_only_when_confirmed(request: pytest.FixtureRequest, name: str) -> None:
    policy = request.getfixturevalue(name)
    at = t("2026-03-03T10:00:00")
    free = no_reason_return(policy, category="cosmetics", received_at=RECEIVED, at=at)
    assert (free.allowed, free.outcome) == (True, "return_allowed")
    confirmed = no_reason_return(policy, category="cosmetics", received_at=RECEIVED, at=at, confirmed_at_purchase=True)
    assert (confirmed.allowed, confirmed.outcome, confirmed.rules) == (
        False,
        "excluded_confirmed",
        ("national.no_reason_confirm",),
    )
    # confirming means nothing for an ordinary category
    assert no_reason_return(policy, category="apparel", received_at=RECEIVED, at=at, confirmed_at_purchase=True).allowed


@pytest.mark.parametrize("name", ["tmall", "channel", "national"])
def test_used_goods_are_refused(request: pytest.FixtureRequest, name: str) -> None:
    d = no_reason_return(
        request.getfixturevalue(name),
        category="apparel",
        received_at=RECEIVED,
        at=t("2026-03-03T10:00:00"),
        goods_used=True,
    )
    assert core(d) == {
        "allowed": False,
        "outcome": "goods_not_intact",
        "deadline": "2026-03-09T00:00:00+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["national.goods_intact", "national.no_reason_return"],
        "versions": {},
        "timeline": [],
    }


# --- quality remedies -----------------------------------------------------------------------

ELEC_RECEIVED = t("2026-03-01T10:00:00")


@pytest.mark.parametrize(
    ("at", "kind", "failed", "allowed", "outcome", "deadline"),
    [
        # 三包: within 7 days any remedy
        ("2026-03-08T09:59:59", "return_refund", 0, True, "return", "2026-03-08T10:00:00"),
        ("2026-03-08T09:59:59", "exchange", 0, True, "exchange", "2026-03-08T10:00:00"),
        # 7-15 days: exchange or repair, not return
        ("2026-03-08T10:00:01", "return_refund", 0, False, "remedy_not_available", "2026-03-16T10:00:00"),
        ("2026-03-16T09:59:59", "exchange", 0, True, "exchange", "2026-03-16T10:00:00"),
        ("2026-03-10T10:00:00", "repair", 0, True, "repair", "2026-03-16T10:00:00"),
        # after 15 days: repair within the 1-year warranty
        ("2026-03-16T10:00:01", "exchange", 0, False, "remedy_not_available", "2027-03-01T10:00:00"),
        ("2026-09-01T10:00:00", "repair", 0, True, "repair", "2027-03-01T10:00:00"),
        ("2026-09-01T10:00:00", "return_refund", 1, False, "remedy_not_available", "2027-03-01T10:00:00"),
        # two failed repairs: exchange or return
        ("2026-09-01T10:00:00", "exchange", 2, True, "exchange", "2027-03-01T10:00:00"),
        ("2026-09-01T10:00:00", "return_refund", 2, True, "return", "2027-03-01T10:00:00"),
        ("2026-03-10T10:00:00", "refund_only", 2, True, "return", "2026-03-16T10:00:00"),
        # after the warranty: nothing
        ("2027-03-01T10:00:01", "repair", 0, False, "remedy_not_available", "2027-03-01T10:00:00"),
        ("2027-03-01T10:00:01", "exchange", 2, False, "remedy_not_available", "2027-03-01T10:00:00"),
    ],
)
@pytest.mark.parametrize("name", ["tmall", "channel", "national"])
def test_three_guarantees(
    request: pytest.FixtureRequest,
    name: str,
    at: str,
    kind: str,
    failed: int,
    allowed: bool,
    outcome: str,
    deadline: str,
) -> None:
    d = quality_remedy(
        request.getfixturevalue(name),
        category="electronics",
        kind=kind,
        paid_at=PAID,
        received_at=ELEC_RECEIVED,
        at=t(at),
        failed_repairs=failed,
    )
    assert core(d) == {
        "allowed": allowed,
        "outcome": outcome,
        "deadline": f"{deadline}+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": "merchant",
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["national.three_guarantees"],
        "versions": {},
        "timeline": [],
    }


@pytest.mark.parametrize(
    ("category", "at", "kind", "allowed", "outcome", "deadline"),
    [
        ("furniture", "2026-03-07T10:00:00", "return_refund", True, "return", "2026-03-08T10:00:00"),
        ("furniture", "2026-03-08T10:00:01", "return_refund", False, "remedy_not_available", "2027-03-01T10:00:00"),
        ("furniture", "2026-03-08T10:00:01", "exchange", True, "exchange", "2027-03-01T10:00:00"),
        ("furniture", "2026-12-01T10:00:00", "repair", True, "repair", "2027-03-01T10:00:00"),
        ("furniture", "2027-03-01T10:00:01", "repair", False, "remedy_not_available", "2027-03-01T10:00:00"),
        ("apparel", "2026-03-07T10:00:00", "return_refund", True, "return", "2026-03-08T10:00:00"),
        # apparel declares no warranty: a return only within 7 days (the later remedies: test_rules_issue16.py)
        ("apparel", "2026-03-08T10:00:01", "return_refund", False, "remedy_not_available", "2026-03-08T10:00:00"),
    ],
)
def test_consumer_law_quality_return_then_exchange_or_repair(
    national: Policy, category: str, at: str, kind: str, allowed: bool, outcome: str, deadline: str
) -> None:
    d = quality_remedy(national, category=category, kind=kind, paid_at=PAID, received_at=ELEC_RECEIVED, at=t(at))
    assert core(d) == {
        "allowed": allowed,
        "outcome": outcome,
        "deadline": f"{deadline}+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": "merchant",
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["national.quality_return"],
        "versions": {},
        "timeline": [],
    }


# --- after-sale windows ---------------------------------------------------------------------

DONE = t("2026-03-05T09:00:00")


def test_tmall_after_sale_window_15_days_after_success(tmall: Policy) -> None:
    inside = after_sale_window(tmall, category="apparel", completed_at=DONE, at=t("2026-03-20T08:59:59"))
    assert inside.to_dict() == {
        "allowed": True,
        "outcome": "within_window",
        "deadline": "2026-03-20T09:00:00+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.after_sale_window"],
        "reason": {
            "en": "Within the after-sale period. The after-sale period is 15 days after transaction success.",
            "zh": "在售后期内。售后期为交易成功后15天。",
        },
        "versions": {},
        "timeline": [],
    }
    last = after_sale_window(tmall, category="apparel", completed_at=DONE, at=t("2026-03-20T09:00:00"))
    assert (last.allowed, last.outcome) == (True, "within_window")  # seed:004 "0-15天内": day 15 is in
    closed = after_sale_window(tmall, category="apparel", completed_at=DONE, at=t("2026-03-20T09:00:01"))
    assert (closed.allowed, closed.outcome, closed.deadline) == (False, "window_closed", t("2026-03-20T09:00:00"))


def test_tmall_furniture_has_a_90_day_rights_period(tmall: Policy) -> None:
    d = after_sale_window(tmall, category="furniture", completed_at=DONE, at=t("2026-05-01T10:00:00"))
    assert (d.allowed, d.deadline) == (True, t("2026-06-03T09:00:00"))
    assert after_sale_window(tmall, category="furniture", completed_at=DONE, at=t("2026-06-03T09:00:00")).allowed
    assert not after_sale_window(tmall, category="furniture", completed_at=DONE, at=t("2026-06-03T09:00:01")).allowed


def test_tmall_before_success_is_an_in_sale_refund(tmall: Policy) -> None:
    d = after_sale_window(tmall, category="apparel", completed_at=None, at=t("2026-03-03T10:00:00"))
    assert (d.allowed, d.outcome, d.deadline, d.rules) == (True, "onsale", None, ("tmall.after_sale_window",))


@pytest.mark.parametrize(
    ("category", "extensions", "end"),
    [
        ("apparel", 0, "2026-03-16T15:00:00"),  # the 15-day quality period ends after the no-reason one
        ("apparel", 1, "2026-03-23T15:00:00"),  # +7 days per extension
        ("apparel", 3, "2026-04-06T15:00:00"),
        ("fresh", 0, "2026-03-16T15:00:00"),
        ("custom_made", 2, "2026-03-30T15:00:00"),
    ],
)
def test_channel_period_end(channel: Policy, category: str, extensions: int, end: str) -> None:
    assert period_end(channel, category=category, received_at=RECEIVED, extensions=extensions) == t(end)
    d = after_sale_window(
        channel,
        category=category,
        completed_at=None,
        received_at=RECEIVED,
        at=t(end),
        extensions=extensions,
    )
    expected_rules = ["channels.period_order", "channels.over_period_scenarios"]
    if extensions:
        expected_rules.append("channels.extend")
    assert core(d) == {
        "allowed": True,
        "outcome": "within_window",
        "deadline": f"{end}+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": expected_rules,
        "versions": {},
        "timeline": [],
    }
    past = t(end) + dt.timedelta(seconds=1)
    assert not after_sale_window(
        channel, category=category, completed_at=None, received_at=RECEIVED, at=past, extensions=extensions
    ).allowed


def test_channel_period_end_is_the_later_of_no_reason_and_quality(channel: Policy, variant: Any) -> None:
    # received late in the evening: no-reason ends 2026-03-09T00:00, quality 15 days later wins.
    late = t("2026-03-01T23:30:00")
    assert period_end(channel, category="apparel", received_at=late) == t("2026-03-16T23:30:00")


def test_period_end_is_channel_only(tmall: Policy) -> None:
    with pytest.raises(ValueError, match="video-channel"):
        period_end(tmall, category="apparel", received_at=RECEIVED)


def test_national_window_is_the_no_reason_window(national: Policy) -> None:
    d = after_sale_window(
        national, category="apparel", completed_at=None, received_at=RECEIVED, at=t("2026-03-08T10:00:00")
    )
    assert (d.allowed, d.deadline, d.rules) == (True, t("2026-03-09T00:00:00"), ("national.no_reason_return",))


# --- return shipping ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "outcome", "payer", "rules"),
    [
        (
            "tmall",
            {"reason": "no_reason", "free_shipping": True},
            "each_pays_own_leg",
            "buyer",
            ["tmall.no_reason_shipping"],
        ),
        (
            "tmall",
            {"reason": "changed_mind", "free_shipping": True},
            "each_pays_own_leg",
            "buyer",
            ["tmall.no_reason_shipping"],
        ),
        (
            "tmall",
            {"reason": "no_reason", "free_shipping": False},
            "buyer_pays_all",
            "buyer",
            ["tmall.no_reason_shipping"],
        ),
        (
            "tmall",
            {"reason": "no_reason", "kind": "exchange", "free_shipping": True},
            "buyer_pays_all",
            "buyer",
            ["tmall.no_reason_shipping"],
        ),
        ("tmall", {"reason": "quality"}, "fault_pays", "merchant", ["tmall.fault_shipping"]),
        ("tmall", {"reason": "wrong_item", "kind": "exchange"}, "fault_pays", "merchant", ["tmall.fault_shipping"]),
        (
            "tmall",
            {"reason": "no_reason", "refused_delivery": True},
            "refused_delivery",
            "buyer",
            ["tmall.refused_delivery"],
        ),
        (
            "tmall",
            {"reason": "damaged", "refused_delivery": True, "refused_with_reason": True},
            "refused_delivery",
            "merchant",
            ["tmall.refused_delivery"],
        ),
        (
            "channel",
            {"reason": "no_reason", "free_shipping": True},
            "buyer_pays",
            "buyer",
            ["national.no_reason_shipping", "channels.merchant_policy_floor"],
        ),
        ("channel", {"reason": "quality"}, "fault_pays", "merchant", ["national.quality_return"]),
        ("national", {"reason": "no_reason"}, "buyer_pays", "buyer", ["national.no_reason_shipping"]),
        ("national", {"reason": "damaged"}, "fault_pays", "merchant", ["national.quality_return"]),
    ],
)
def test_return_shipping_payer(
    request: pytest.FixtureRequest, name: str, kwargs: dict[str, Any], outcome: str, payer: str, rules: list[str]
) -> None:
    d = return_shipping(request.getfixturevalue(name), **kwargs)
    # seed:004 关于拒签: without reason the merchant proves, with reason the buyer proves
    proof = None if outcome != "refused_delivery" else "buyer" if kwargs.get("refused_with_reason") else "merchant"
    assert core(d) == {
        "allowed": True,
        "outcome": outcome,
        "deadline": None,
        "deadline_kind": None,
        "amount": None,
        "amount_form": None,
        "payer": payer,
        "advance_payer": None,
        "burden_of_proof": proof,
        "points": 0,
        "rules": rules,
        "versions": {},
        "timeline": [],
    }


def test_refused_delivery_reasons_name_who_proves(tmall: Policy) -> None:
    without = return_shipping(tmall, reason="no_reason", refused_delivery=True)
    with_reason = return_shipping(tmall, reason="damaged", refused_delivery=True, refused_with_reason=True)
    assert "merchant proves" in without.reason_en and "商家举证" in without.reason_zh
    assert "buyer proves" in with_reason.reason_en and "买家举证" in with_reason.reason_zh


# --- refund triage --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [
        ("no_reason", "agree"),
        ("changed_mind", "agree"),
        ("wrong_item", "agree"),
        ("late_shipment", "contact_to_change"),
        ("out_of_stock", "contact_to_change"),
        ("quality", "evidence_required"),
        ("not_as_described", "evidence_required"),
        ("counterfeit", "evidence_required"),
        ("campaign_breach", "negotiate"),
    ],
)
def test_tmall_refund_triage(tmall: Policy, reason: str, outcome: str) -> None:
    d = refund_triage(tmall, reason=reason)
    assert (d.allowed, d.outcome, d.rules) == (True, outcome, ("tmall.refund_reasons",))


def test_triage_off_tmall_is_communicate_first(channel: Policy) -> None:
    """seed:003: "原则:优先与用户进行沟通……避免直接拒绝用户" -- the video channel's principle."""
    d = refund_triage(channel, reason="quality")
    assert (d.allowed, d.outcome, d.rules) == (True, "communicate", ("channels.principle",))


def test_the_national_floor_has_no_triage(national: Policy) -> None:
    """RULES.md lists the triage (tmall.refund_reasons) and "communicate first" (channels.principle)
    only for the platforms; the national floor cites neither, nor national.favourable without a promise."""
    d = refund_triage(national, reason="quality")
    assert (d.allowed, d.outcome, d.rules) == (True, "no_triage", ())
