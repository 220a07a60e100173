"""Rule complaints and points, reopening the after-sale entry (Tmall), extensions (channel),
over-period requests (channel), after-sale duty after a store exit, attempt limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from simkit.policy.model import Policy
from simkit.rules import (
    Decision,
    after_exit_duty,
    after_sale_attempt,
    extend_after_sale,
    over_period_request,
    penalty_points,
    reopen_entry,
    rule_complaint,
)
from simkit.rules.explain import decide

t = dt.datetime.fromisoformat


def core(decision: Decision) -> dict[str, Any]:
    """to_dict() without the free-text reason."""
    return {k: v for k, v in decision.to_dict().items() if k != "reason"}


# --- rule complaints and points --------------------------------------------------------------

CLOSED = t("2026-05-20T10:00:00")


@pytest.mark.parametrize(
    ("violation", "severity", "points"),
    [
        ("refuse_to_ship", None, 1),
        ("unkept_promise", None, 4),
        ("campaign_breach", None, 6),
        ("invoice", None, 6),
        ("not_as_described", "severe", 12),
        ("not_as_described", "serious", 6),
        ("not_as_described", "minor", 3),
        ("not_as_described", None, 3),
    ],
)
def test_penalty_points(tmall: Policy, violation: str, severity: str | None, points: int) -> None:
    d = penalty_points(tmall, violation=violation, severity=severity)
    assert (d.allowed, d.outcome, d.points, d.rules) == (True, "penalty", points, ("tmall.penalty_points",))


def test_penalty_points_unknown_and_off_tmall(tmall: Policy, channel: Policy) -> None:
    assert penalty_points(tmall, violation="rudeness").outcome == "unknown_violation"
    assert (
        penalty_points(channel, violation="invoice").outcome,
        penalty_points(channel, violation="invoice").points,
    ) == ("not_applicable", 0)


@pytest.mark.parametrize(
    ("reason", "severity", "points"),
    [
        ("unkept_promise", None, 4),
        ("invoice", None, 6),
        ("campaign_breach", None, 6),
        ("not_as_described", "severe", 12),
        ("not_as_described", "serious", 6),
        ("not_as_described", "minor", 3),
    ],
)
def test_rule_complaint_goes_to_intervention_with_points(
    tmall: Policy, reason: str, severity: str | None, points: int
) -> None:
    d = rule_complaint(tmall, closed_at=CLOSED, at=t("2026-05-30T10:00:00"), reason=reason, severity=severity)
    assert core(d) == {
        "allowed": True,
        "outcome": "intervention",
        "deadline": "2026-06-04T10:00:00+08:00",
        "deadline_kind": "file_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": points,
        "rules": ["tmall.rule_complaint", "tmall.penalty_points"],
        "versions": {},
        "timeline": [],
    }


@pytest.mark.parametrize(
    ("at", "kwargs", "outcome"),
    [
        ("2026-05-20T10:00:00", {}, "intervention"),  # day 0
        ("2026-06-04T09:59:59", {}, "intervention"),
        ("2026-06-04T10:00:00", {}, "intervention"),  # seed:004 "交易关闭的0-15天内": exactly 15 days is in
        ("2026-06-04T10:00:01", {}, "outside_window"),
        ("2026-05-20T09:59:59", {}, "outside_window"),  # before the close
        ("2026-05-25T10:00:00", {"complaints_filed": 1}, "already_filed"),
        ("2026-05-25T10:00:00", {"withdrawn": True}, "withdrawn"),
        ("2026-05-25T10:00:00", {"withdrawn": True, "complaints_filed": 1}, "withdrawn"),
        ("2026-05-25T10:00:00", {"reason": "quality"}, "reason_not_covered"),
    ],
)
def test_rule_complaint_window_once_and_no_refiling(
    tmall: Policy, at: str, kwargs: dict[str, Any], outcome: str
) -> None:
    args: dict[str, Any] = {"reason": "unkept_promise", **kwargs}
    d = rule_complaint(tmall, closed_at=CLOSED, at=t(at), **args)
    assert (d.allowed, d.outcome, d.deadline) == (outcome == "intervention", outcome, t("2026-06-04T10:00:00"))
    assert d.rules[0] == "tmall.rule_complaint"


@pytest.mark.parametrize("name", ["channel", "national"])
def test_no_rule_complaints_off_tmall(request: pytest.FixtureRequest, name: str) -> None:
    d = rule_complaint(request.getfixturevalue(name), closed_at=CLOSED, at=t("2026-05-25T10:00:00"), reason="invoice")
    assert (d.allowed, d.outcome, d.points) == (False, "not_applicable", 0)


# --- reopening the after-sale entry (Tmall) -------------------------------------------------

PAID = t("2026-01-02T10:00:00")
DONE = t("2026-01-06T10:00:00")  # window ends 2026-01-21T10:00


def reopen(policy: Policy, at: str, **kwargs: Any) -> Decision:
    args: dict[str, Any] = {"category": "apparel", "completed_at": DONE, "by": "merchant", **kwargs}
    return reopen_entry(policy, paid_at=PAID, at=t(at), **args)


def test_reopen_gives_the_buyer_30_days(tmall: Policy) -> None:
    assert reopen(tmall, "2026-02-15T10:00:00").to_dict() == {
        "allowed": True,
        "outcome": "reopened",
        "deadline": "2026-03-17T10:00:00+08:00",
        "deadline_kind": "file_by",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.reopen_entry"],
        "reason": {
            "en": "Entry reopened: the buyer may file 1 time within 30 days.",
            "zh": "售后入口已打开:买家可在30天内申请1次售后。",
        },
        "versions": {},
        "timeline": [],
    }


def test_reopen_electronics_gives_365_days(tmall: Policy) -> None:
    d = reopen(tmall, "2026-02-15T10:00:00", category="electronics")
    assert (d.allowed, d.deadline) == (True, t("2027-02-15T10:00:00"))


@pytest.mark.parametrize(
    ("at", "kwargs", "outcome"),
    [
        ("2026-02-15T10:00:00", {"reopened": 1}, "already_reopened"),
        ("2026-02-15T10:00:00", {"after_sales": 1}, "earlier_after_sale"),
        ("2026-02-15T10:00:00", {"category": "furniture"}, "excluded_category"),
        ("2026-04-02T10:00:01", {}, "order_too_old"),
        ("2026-06-02T10:00:00", {}, "order_too_old"),
        ("2026-02-15T10:00:00", {"by": "buyer"}, "merchant_only"),
        ("2026-02-15T10:00:00", {"by": "sub_account", "permitted": False}, "no_permission"),
    ],
)
def test_reopen_refusals(tmall: Policy, at: str, kwargs: dict[str, Any], outcome: str) -> None:
    d = reopen(tmall, at, **kwargs)
    assert core(d) == {
        "allowed": False,
        "outcome": outcome,
        "deadline": None,
        "deadline_kind": None,
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.reopen_entry"],
        "versions": {},
        "timeline": [],
    }


def test_reopen_at_exactly_90_days_is_still_allowed(tmall: Policy) -> None:
    assert reopen(tmall, "2026-04-02T10:00:00").outcome == "reopened"


def test_reopen_refused_while_the_window_is_open(tmall: Policy) -> None:
    d = reopen(tmall, "2026-01-21T10:00:00")  # the window's last moment: it has not passed yet
    assert core(d) == {
        "allowed": False,
        "outcome": "window_open",
        "deadline": "2026-01-21T10:00:00+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.reopen_entry", "tmall.after_sale_window"],
        "versions": {},
        "timeline": [],
    }
    assert reopen(tmall, "2026-01-21T10:00:01").allowed


def test_sub_account_without_permission_says_no_permission(tmall: Policy) -> None:
    d = reopen(tmall, "2026-02-15T10:00:00", by="sub_account", permitted=False)
    assert "无权限" in d.reason_zh
    assert reopen(tmall, "2026-02-15T10:00:00", by="sub_account", permitted=True).outcome == "reopened"


@pytest.mark.parametrize(("name", "rules"), [("channel", ("channels.extend",)), ("national", ())])
def test_reopen_off_tmall_is_by_extension(request: pytest.FixtureRequest, name: str, rules: tuple[str, ...]) -> None:
    d = reopen(request.getfixturevalue(name), "2026-02-15T10:00:00")
    assert (d.allowed, d.outcome, d.rules) == (False, "use_extension", rules)


# --- extensions (video channel) ------------------------------------------------------------

C_PAID = t("2026-03-01T10:00:00")
SETTLED = t("2026-03-03T10:00:00")
END = t("2026-03-18T10:00:00")


def extend(policy: Policy, at: str, **kwargs: Any) -> Decision:
    args: dict[str, Any] = {"settled_at": SETTLED, "period_end": END, **kwargs}
    return extend_after_sale(policy, paid_at=C_PAID, at=t(at), **args)


def test_extension_adds_7_days(channel: Policy) -> None:
    assert extend(channel, "2026-03-10T10:00:00").to_dict() == {
        "allowed": True,
        "outcome": "extended",
        "deadline": "2026-03-25T10:00:00+08:00",
        "deadline_kind": "new_period_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["channels.extend"],
        "reason": {"en": "Extended by 7 days (1 of 3).", "zh": "延长售后7天(第1次,共3次)。"},
        "versions": {},
        "timeline": [],
    }


def test_extension_after_the_period_counts_from_now(channel: Policy) -> None:
    assert extend(channel, "2026-03-20T10:00:00").deadline == t("2026-03-27T10:00:00")


@pytest.mark.parametrize(
    ("at", "kwargs", "outcome"),
    [
        ("2026-03-10T10:00:00", {"extensions": 3}, "limit_reached"),
        ("2026-03-10T10:00:00", {"settled_at": None}, "not_settled"),
        ("2026-03-02T10:00:00", {}, "not_settled"),  # settles later
        ("2027-03-01T10:00:01", {}, "beyond_horizon"),  # > 365 days after payment
    ],
)
def test_extension_refusals(channel: Policy, at: str, kwargs: dict[str, Any], outcome: str) -> None:
    d = extend(channel, at, **kwargs)
    assert core(d) == {
        "allowed": False,
        "outcome": outcome,
        "deadline": "2026-03-18T10:00:00+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["channels.extend"],
        "versions": {},
        "timeline": [],
    }


def test_extension_on_the_last_day_of_the_year(channel: Policy) -> None:
    assert extend(channel, "2027-03-01T10:00:00").deadline == t("2027-03-08T10:00:00")


def test_third_extension_is_the_last(channel: Policy) -> None:
    d = extend(channel, "2026-03-10T10:00:00", extensions=2)
    assert (d.allowed, d.reason_en) == (True, "Extended by 7 days (3 of 3).")


def test_extend_once_variant_before_settlement(variant: Any) -> None:
    policy = variant("video_channel.yaml", "channels_extend_once.yaml")
    before = extend(policy, "2026-03-02T10:00:00")
    assert (before.allowed, before.deadline, before.reason_en) == (
        True,
        t("2026-03-25T10:00:00"),
        "Extended by 7 days (1 of 1).",
    )
    assert extend(policy, "2026-03-02T10:00:00", settled_at=None).allowed
    assert extend(policy, "2026-03-04T10:00:00").outcome == "already_settled"
    assert extend(policy, "2026-03-02T10:00:00", extensions=1).outcome == "limit_reached"


def test_extend_5_variant(variant: Any) -> None:
    policy = variant("video_channel.yaml", "channels_extend_5.yaml")
    assert extend(policy, "2026-03-10T10:00:00", extensions=4).reason_en == "Extended by 7 days (5 of 5)."
    assert extend(policy, "2026-03-10T10:00:00", extensions=5).outcome == "limit_reached"


@pytest.mark.parametrize(("name", "rules"), [("tmall", ("tmall.reopen_entry",)), ("national", ())])
def test_extension_off_channel_is_reopening(request: pytest.FixtureRequest, name: str, rules: tuple[str, ...]) -> None:
    d = extend(request.getfixturevalue(name), "2026-03-10T10:00:00")
    assert (d.allowed, d.outcome, d.rules) == (False, "use_reopen", rules)


# --- over-period requests (video channel) ---------------------------------------------------

RECEIVED = t("2026-09-03T10:00:00")


def over(policy: Policy, at: str, **kwargs: Any) -> Decision:
    args: dict[str, Any] = {"category": "apparel", "goods_used": False, "reason": "no_reason", "price": 260.0, **kwargs}
    return over_period_request(policy, received_at=RECEIVED, at=t(at), **args)


def test_over_7_days_unused_offers_10_percent(channel: Policy) -> None:
    d = over(channel, "2026-09-13T10:00:00")
    assert core(d) == {
        "allowed": True,
        "outcome": "offer_alternative",
        "deadline": "2026-09-11T00:00:00+08:00",
        "deadline_kind": "window_end",
        "amount": 26.0,
        "amount_form": "cash",
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["channels.over_period_scenarios", "channels.principle"],
        "versions": {},
        "timeline": [],
    }
    assert "超7天无理由售后期" in d.reason_zh and "未使用" in d.reason_zh and "不得直接拒绝" in d.reason_zh


def test_over_7_days_used_still_offers_an_alternative(channel: Policy) -> None:
    d = over(channel, "2026-09-13T10:00:00", goods_used=True)
    assert (d.allowed, d.outcome, d.amount) == (True, "offer_alternative", 26.0)
    assert "已使用" in d.reason_zh


def test_fresh_no_reason_is_over_period_after_7_days(channel: Policy) -> None:
    inside = over(channel, "2026-09-03T11:00:00", category="fresh", price=120.0)
    assert (inside.allowed, inside.outcome, inside.amount) == (True, "within_period", None)
    at_end = over(channel, "2026-09-11T00:00:00", category="fresh", price=120.0)
    assert (at_end.allowed, at_end.outcome) == (True, "within_period")  # the window's end is in time
    d = over(channel, "2026-09-11T00:00:01", category="fresh", price=120.0)
    assert (d.allowed, d.outcome, d.amount) == (True, "offer_alternative", 12.0)
    assert "生鲜绿植类" in d.reason_zh


def test_fresh_no_reason_inside_7_days_is_answered_with_an_alternative(channel: Policy, make_case: Any) -> None:
    order = {"category": "fresh", "price": 120, "paid_at": "2026-09-01T10:00:00", "received_at": "2026-09-03T10:00:00"}
    d = decide(channel, make_case(order, {"kind": "refund_only", "reason": "no_reason", "at": "2026-09-04T10:00:00"}))
    assert (d.allowed, d.outcome, d.amount, d.amount_form) == (True, "offer_alternative", 12.0, "cash")
    assert d.rules[:3] == ("channels.fresh", "national.no_reason_exclusions", "channels.principle")


def test_over_the_quality_period(channel: Policy) -> None:
    inside = over(channel, "2026-09-18T10:00:00", reason="quality")
    assert (inside.allowed, inside.outcome, inside.deadline, inside.rules) == (
        True,
        "within_period",
        t("2026-09-18T10:00:00"),
        ("channels.period_order",),
    )
    unproven = over(channel, "2026-09-18T10:00:01", reason="quality", price=None)
    assert core(unproven) == {
        "allowed": True,
        "outcome": "offer_alternative",
        "deadline": "2026-09-18T10:00:00+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["channels.over_period_scenarios", "channels.principle"],
        "versions": {},
        "timeline": [],
    }
    assert "超品质原因售后期" in unproven.reason_zh


@pytest.mark.parametrize("used", [False, True])
def test_proven_quality_defect_requires_reopening(channel: Policy, used: bool) -> None:
    d = over(channel, "2026-10-20T10:00:00", reason="quality", quality_proven=True, goods_used=used)
    assert core(d) == {
        "allowed": True,
        "outcome": "reopen_required",
        "deadline": "2026-09-18T10:00:00+08:00",
        "deadline_kind": "window_end",
        "amount": None,
        "amount_form": None,
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["channels.over_period_scenarios", "channels.principle", "channels.extend"],
        "versions": {},
        "timeline": [],
    }


def test_extensions_move_the_over_period_line(channel: Policy) -> None:
    assert over(channel, "2026-09-13T10:00:00", extensions=1).outcome == "within_period"
    assert over(channel, "2026-09-18T00:00:00", extensions=1).outcome == "within_period"
    assert over(channel, "2026-09-18T00:00:01", extensions=1).outcome == "offer_alternative"


@pytest.mark.parametrize(
    ("name", "rules"), [("tmall", ("tmall.reopen_entry",)), ("national", ("national.favourable",))]
)
def test_over_period_off_channel(request: pytest.FixtureRequest, name: str, rules: tuple[str, ...]) -> None:
    d = over(request.getfixturevalue(name), "2026-10-13T10:00:00")
    assert (d.allowed, d.outcome, d.rules) == (False, "window_closed", rules)


# --- store exit -----------------------------------------------------------------------------

E_PAID, E_RECEIVED, E_DONE, EXIT = (
    t("2026-01-10T10:00:00"),
    t("2026-01-12T10:00:00"),
    t("2026-01-13T10:00:00"),
    t("2026-06-30T00:00:00"),
)


def duty(policy: Policy, at: str, **kwargs: Any) -> Decision:
    args: dict[str, Any] = {
        "category": "electronics",
        "completed_at": E_DONE,
        "received_at": E_RECEIVED,
        "exit_at": EXIT,
        **kwargs,
    }
    return after_exit_duty(policy, paid_at=E_PAID, at=t(at), **args)


@pytest.mark.parametrize(
    ("mode", "outcome", "payer"),
    [
        ("merchant", "handled_by_merchant", "merchant"),
        ("third_party", "handled_by_third_party", "merchant"),
        ("platform_deposit", "handled_by_platform_deposit", "platform"),
    ],
)
def test_store_exit_duty_lasts_to_the_warranty_end(tmall: Policy, mode: str, outcome: str, payer: str) -> None:
    d = duty(tmall, "2026-09-12T10:00:00", mode=mode)
    assert core(d) == {
        "allowed": True,
        "outcome": outcome,
        "deadline": "2027-01-12T10:00:00+08:00",
        "deadline_kind": "duty_end",
        "amount": None,
        "amount_form": None,
        "payer": payer,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.store_exit", "tmall.after_sale_window"],
        "versions": {},
        "timeline": [],
    }


def test_store_exit_duty_ends(tmall: Policy) -> None:
    assert duty(tmall, "2027-01-12T10:00:00").allowed  # the duty's last moment
    d = duty(tmall, "2027-01-12T10:00:01")
    assert (d.allowed, d.outcome, d.deadline, d.payer) == (False, "duty_ended", t("2027-01-12T10:00:00"), None)
    before = duty(tmall, "2026-06-29T10:00:00")
    assert (before.allowed, before.outcome) == (True, "store_open")


def test_store_exit_without_warranty_follows_the_after_sale_window(tmall: Policy) -> None:
    assert duty(tmall, "2026-01-20T10:00:00", category="apparel", exit_at=t("2026-01-15T00:00:00")).deadline == t(
        "2026-01-28T10:00:00"
    )
    assert (
        duty(tmall, "2026-01-28T10:00:01", category="apparel", exit_at=t("2026-01-15T00:00:00")).outcome == "duty_ended"
    )


def test_store_exit_furniture_takes_the_later_of_rights_period_and_warranty(tmall: Policy) -> None:
    assert duty(tmall, "2026-09-01T10:00:00", category="furniture").deadline == t("2027-01-12T10:00:00")


def test_store_exit_on_the_channel(channel: Policy) -> None:
    d = duty(channel, "2026-09-12T10:00:00", mode="platform_deposit")
    assert (d.allowed, d.deadline, d.payer) == (True, t("2027-01-12T10:00:00"), "platform")
    assert d.rules[:2] == ("national.three_guarantees", "national.favourable")


# --- attempts -------------------------------------------------------------------------------


@pytest.mark.parametrize("attempts", [0, 1, 2, 3, 4])
def test_channel_allows_5_attempts(channel: Policy, attempts: int) -> None:
    d = after_sale_attempt(channel, attempts=attempts)
    assert (d.allowed, d.outcome, d.rules, d.reason_en) == (
        True,
        "attempt_allowed",
        ("channels.attempts",),
        f"Attempt {attempts + 1} of 5.",
    )


@pytest.mark.parametrize("attempts", [5, 6, 50])
def test_channel_refuses_the_sixth_attempt(channel: Policy, attempts: int) -> None:
    d = after_sale_attempt(channel, attempts=attempts)
    assert (d.allowed, d.outcome, d.rules) == (False, "attempts_exhausted", ("channels.attempts",))


@pytest.mark.parametrize("name", ["tmall", "national"])
def test_attempt_limit_is_the_channels_only(request: pytest.FixtureRequest, name: str) -> None:
    policy = request.getfixturevalue(name)
    with pytest.raises(ValueError, match=r"^after_sale_attempt applies to video-channel policies only$"):
        after_sale_attempt(policy, attempts=0)


def test_tmall_decisions_have_no_attempt_limit(tmall: Policy, make_case: Any) -> None:
    order = {
        "category": "apparel",
        "price": 100,
        "paid_at": "2026-07-01T10:00:00",
        "received_at": "2026-07-02T10:00:00",
    }
    d = decide(
        tmall,
        make_case(
            order, {"kind": "return_refund", "reason": "quality", "at": "2026-07-03T10:00:00"}, {"after_sales": 50}
        ),
    )
    assert (d.allowed, d.outcome) == (True, "await_merchant")
    assert "channels.attempts" not in d.rules


def test_store_exit_duty_continues_for_an_order_still_in_progress(tmall: Policy) -> None:
    paid = dt.datetime(2026, 6, 1, 10)
    d = after_exit_duty(
        tmall,
        category="apparel",
        paid_at=paid,
        completed_at=None,
        received_at=None,
        exit_at=dt.datetime(2026, 6, 2),
        at=dt.datetime(2026, 6, 3, 10),
        mode="third_party",
    )
    assert (d.allowed, d.outcome, d.deadline, d.payer) == (True, "handled_by_third_party", None, "merchant")
    assert d.rules == ("tmall.store_exit", "tmall.after_sale_window")
