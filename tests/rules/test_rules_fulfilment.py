"""Shipping promise, late-shipment / out-of-stock compensation, counterfeit and fraud compensation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from simkit.policy.model import Policy
from simkit.rules import (
    Decision,
    auto_confirm_deadline,
    counterfeit_compensation,
    fraud_compensation,
    late_shipment_compensation,
    settlement_time,
    ship_deadline,
)

t = dt.datetime.fromisoformat
PAID = t("2026-03-01T10:00:00")


def core(decision: Decision) -> dict[str, Any]:
    """to_dict() without the free-text reason."""
    return {k: v for k, v in decision.to_dict().items() if k != "reason"}


# --- shipping promise ---------------------------------------------------------------------


def test_tmall_normal_ship_promise_is_72_hours(tmall: Policy) -> None:
    assert ship_deadline(tmall, paid_at=PAID).to_dict() == {
        "allowed": True,
        "outcome": "ship_by",
        "deadline": "2026-03-04T10:00:00+08:00",
        "deadline_kind": "ship_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.ship_promise"],
        "reason": {"en": "Ship within 72 h of payment (normal).", "zh": "付款后72小时内发货(normal)。"},
        "versions": {},
        "timeline": [],
    }


@pytest.mark.parametrize(
    ("channel", "presale_ship_by", "deadline"),
    [
        ("normal", None, "2026-03-04T10:00:00"),
        ("juhuasuan", None, "2026-03-08T10:00:00"),  # 聚划算: 7 days
        ("presale", "2026-03-20T18:00:00", "2026-03-20T18:00:00"),  # the listing's date
        ("presale", None, "2026-03-16T10:00:00"),  # no date on the listing: default 15 days
    ],
)
def test_tmall_ship_promise_by_channel(tmall: Policy, channel: str, presale_ship_by: str | None, deadline: str) -> None:
    d = ship_deadline(
        tmall, paid_at=PAID, channel=channel, presale_ship_by=t(presale_ship_by) if presale_ship_by else None
    )
    assert (d.allowed, d.outcome, d.deadline, d.rules) == (True, "ship_by", t(deadline), ("tmall.ship_promise",))


@pytest.mark.parametrize("listing", ["normal", "juhuasuan"])
def test_channel_ship_promise_is_48_hours(channel: Policy, listing: str) -> None:
    d = ship_deadline(channel, paid_at=PAID, channel=listing)
    assert core(d) == {
        "allowed": True,
        "outcome": "ship_by",
        "deadline": "2026-03-03T10:00:00+08:00",
        "deadline_kind": "ship_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["channels.ship_promise"],
        "versions": {},
        "timeline": [],
    }


def test_national_floor_has_no_ship_promise(national: Policy) -> None:
    d = ship_deadline(national, paid_at=PAID)
    assert (d.allowed, d.outcome, d.deadline, d.rules) == (False, "not_applicable", None, ())


def test_ship_48h_variant(variant: Any) -> None:
    d = ship_deadline(variant("tmall.yaml", "tmall_ship_48h.yaml"), paid_at=PAID)
    assert d.deadline == t("2026-03-03T10:00:00")


def test_auto_confirm_and_settlement(tmall: Policy, channel: Policy) -> None:
    shipped = t("2026-03-02T10:00:00")
    assert auto_confirm_deadline(tmall, shipped_at=shipped).deadline == t("2026-03-12T10:00:00")
    assert auto_confirm_deadline(tmall, shipped_at=shipped).rules == ("tmall.auto_confirm",)
    assert auto_confirm_deadline(channel, shipped_at=shipped).rules == ("channels.auto_confirm",)
    assert settlement_time(tmall, confirmed_at=shipped).deadline == shipped
    assert settlement_time(channel, confirmed_at=shipped).rules == ("channels.settlement",)


# --- late shipment / out of stock ---------------------------------------------------------


def test_late_shipment_30_percent_capped_at_500_in_points(tmall: Policy) -> None:
    d = late_shipment_compensation(tmall, price=2000, paid_at=PAID, at=t("2026-03-04T18:00:00"))
    assert d.to_dict() == {
        "allowed": True,
        "outcome": "compensate",
        "deadline": None,
        "deadline_kind": None,
        "amount": 500.0,
        "amount_form": "points",
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.late_ship_comp", "tmall.ship_promise"],
        "reason": {
            "en": "Compensation of 500.00 CNY (points): 30% of the price, at most 500 CNY.",
            "zh": "赔付500.00元(天猫积分):价款的30%,最高500元。",
        },
        "versions": {},
        "timeline": [],
    }


@pytest.mark.parametrize(
    ("price", "amount"), [(0, 0.0), (99.9, 29.97), (1000, 300.0), (1666.67, 500.0), (1666.66, 500.0), (100000, 500.0)]
)
def test_late_shipment_amounts(tmall: Policy, price: float, amount: float) -> None:
    d = late_shipment_compensation(tmall, price=price, paid_at=PAID, at=t("2026-03-05T10:00:00"))
    assert (d.allowed, d.amount, d.amount_form) == (True, amount, "points")


def test_late_shipment_claim_only_72_hours_after_payment(tmall: Policy) -> None:
    early = late_shipment_compensation(tmall, price=1000, paid_at=PAID, at=t("2026-03-04T09:59:59"))
    assert core(early) == {
        "allowed": False,
        "outcome": "too_early",
        "deadline": "2026-03-04T10:00:00+08:00",
        "deadline_kind": "opens_at",
        "amount": None,  # a refusal carries no amount (issue 16); the claim's figure is in the reason
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.late_ship_comp", "tmall.ship_promise"],
        "versions": {},
        "timeline": [],
    }
    on_time = late_shipment_compensation(tmall, price=1000, paid_at=PAID, at=t("2026-03-04T10:00:00"))
    assert (on_time.allowed, on_time.outcome, on_time.amount) == (True, "compensate", 300.0)


def test_late_shipment_juhuasuan_waits_for_the_broken_7_day_promise(tmall: Policy) -> None:
    early = late_shipment_compensation(
        tmall, price=1000, paid_at=PAID, at=t("2026-03-05T10:00:00"), channel="juhuasuan"
    )
    assert (early.allowed, early.outcome, early.deadline) == (False, "too_early", t("2026-03-08T10:00:00"))
    late = late_shipment_compensation(tmall, price=1000, paid_at=PAID, at=t("2026-03-08T10:00:00"), channel="juhuasuan")
    assert (late.allowed, late.outcome, late.amount) == (True, "compensate", 300.0)


def test_late_shipment_presale_waits_for_the_listing_date(tmall: Policy) -> None:
    ship_by = t("2026-03-20T00:00:00")
    early = late_shipment_compensation(
        tmall, price=200, paid_at=PAID, at=t("2026-03-10T10:00:00"), channel="presale", presale_ship_by=ship_by
    )
    assert (early.allowed, early.outcome, early.deadline) == (False, "too_early", ship_by)
    late = late_shipment_compensation(
        tmall, price=200, paid_at=PAID, at=t("2026-03-21T00:00:00"), channel="presale", presale_ship_by=ship_by
    )
    assert (late.allowed, late.amount) == (True, 60.0)


def test_shipped_on_time_is_refused(tmall: Policy) -> None:
    d = late_shipment_compensation(
        tmall, price=1000, paid_at=PAID, at=t("2026-03-06T10:00:00"), shipped_at=t("2026-03-04T10:00:00")
    )
    assert core(d) == {
        "allowed": False,
        "outcome": "shipped_on_time",
        "deadline": "2026-03-04T10:00:00+08:00",
        "deadline_kind": "ship_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.late_ship_comp", "tmall.ship_promise"],
        "versions": {},
        "timeline": [],
    }


def test_shipped_late_is_compensated(tmall: Policy) -> None:
    d = late_shipment_compensation(
        tmall, price=1000, paid_at=PAID, at=t("2026-03-06T10:00:00"), shipped_at=t("2026-03-04T10:00:01")
    )
    assert (d.allowed, d.outcome, d.amount) == (True, "compensate", 300.0)


def test_out_of_stock_is_claimable_at_once(tmall: Policy) -> None:
    d = late_shipment_compensation(tmall, price=400, paid_at=PAID, at=t("2026-03-01T10:05:00"), reason="out_of_stock")
    assert core(d) == {
        "allowed": True,
        "outcome": "compensate",
        "deadline": None,
        "deadline_kind": None,
        "amount": 120.0,
        "amount_form": "points",
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.late_ship_comp"],
        "versions": {},
        "timeline": [],
    }


def test_other_reasons_are_not_compensated(tmall: Policy) -> None:
    d = late_shipment_compensation(tmall, price=400, paid_at=PAID, at=t("2026-03-09T10:00:00"), reason="quality")
    assert (d.allowed, d.outcome, d.amount, d.rules) == (False, "not_applicable", None, ("tmall.late_ship_comp",))


@pytest.mark.parametrize("name", ["channel", "national"])
def test_late_shipment_not_applicable_off_tmall(request: pytest.FixtureRequest, name: str) -> None:
    policy = request.getfixturevalue(name)
    d = late_shipment_compensation(policy, price=2000, paid_at=PAID, at=t("2026-03-09T10:00:00"))
    assert (d.allowed, d.outcome, d.amount, d.rules) == (False, "not_applicable", None, ())


def test_late_shipment_48h_variant_moves_the_claim(tmall: Policy, variant: Any) -> None:
    at = t("2026-03-03T11:00:00")
    assert late_shipment_compensation(tmall, price=100, paid_at=PAID, at=at).outcome == "too_early"
    d = late_shipment_compensation(variant("tmall.yaml", "tmall_ship_48h.yaml"), price=100, paid_at=PAID, at=at)
    assert (d.allowed, d.amount) == (True, 30.0)


# --- counterfeit and fraud ----------------------------------------------------------------


def test_tmall_counterfeit_pays_ten_times(tmall: Policy) -> None:
    d = counterfeit_compensation(tmall, price=300, paid_at=PAID)
    assert d.to_dict() == {
        "allowed": True,
        "outcome": "compensate",
        "deadline": None,
        "deadline_kind": None,
        "amount": 3000.0,
        "amount_form": "cash",
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.counterfeit"],
        "reason": {"en": "Counterfeit: 10x the price.", "zh": "假一赔10。"},
        "versions": {},
        "timeline": [],
    }


def test_channel_counterfeit_pays_three_times_plus_appraisal(channel: Policy) -> None:
    d = counterfeit_compensation(channel, price=300, appraisal_fee=80, paid_at=PAID)
    assert core(d) == {
        "allowed": True,
        "outcome": "compensate",
        "deadline": None,
        "deadline_kind": None,
        "amount": 980.0,
        "amount_form": "cash",
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["channels.counterfeit"],
        "versions": {},
        "timeline": [],
    }


def test_channel_counterfeit_4x_variant(variant: Any) -> None:
    d = counterfeit_compensation(
        variant("video_channel.yaml", "channels_counterfeit_4x.yaml"), price=300, appraisal_fee=80, paid_at=PAID
    )
    assert (d.amount, d.rules) == (1280.0, ("channels.counterfeit",))


def test_national_counterfeit_falls_back_to_fraud(national: Policy) -> None:
    d = counterfeit_compensation(national, price=300, paid_at=PAID)
    assert (d.amount, d.rules) == (900.0, ("national.fraud",))


@pytest.mark.parametrize(("price", "amount"), [(0, 500.0), (100, 500.0), (166.66, 500.0), (200, 600.0), (1000, 3000.0)])
@pytest.mark.parametrize("name", ["tmall", "channel", "national"])
def test_fraud_three_times_minimum_500(request: pytest.FixtureRequest, name: str, price: float, amount: float) -> None:
    d = fraud_compensation(request.getfixturevalue(name), price=price, paid_at=PAID)
    assert core(d) == {
        "allowed": True,
        "outcome": "compensate",
        "deadline": None,
        "deadline_kind": None,
        "amount": amount,
        "amount_form": "cash",
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["national.fraud"],
        "versions": {},
        "timeline": [],
    }
