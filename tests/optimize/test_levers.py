"""Levers: parsing, and the national floor as a hard bound on the search space (no simulation)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simkit.errors import UsageError
from simkit.optimize.levers import bound_by_floor, floor_violations, parse_lever
from simkit.scenario import load_scenario

SHOP = "scenarios/bench/small_shop.yaml"
WINDOW = "tmall.after_sale_window.window"


@pytest.fixture(scope="module")
def parameters():
    return load_scenario(SHOP).parameters()


@pytest.fixture(scope="module")
def violations():
    return floor_violations(SHOP, [], [])


def _message(exc: pytest.ExceptionInfo[UsageError]) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


def test_a_range_keeps_the_parameters_kind_and_unit(parameters):
    lever = parse_lever(parameters, "tmall.refund_auto_agree.timeout=24:96")
    assert (lever.kind, lever.range.lo, lever.range.hi, lever.range.unit) == ("float", 24.0, 96.0, "hours")
    assert lever.current == "72 hours"
    assert lever.value(48.123456) == "48.12 hours"
    staff = parse_lever(parameters, "merchants.staff.per_merchant=1:4")
    assert (staff.kind, staff.value(2.6)) == ("int", "3")


def test_a_list_is_a_choice(parameters):
    lever = parse_lever(parameters, "merchants.slow_share=0.05,0.1,0.2")
    assert (lever.kind, lever.choices, lever.current) == ("choice", ("0.05", "0.1", "0.2"), "0.1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "tmall.refund_auto_agree.timout=24:96",
            "<cli>: tmall.refund_auto_agree.timout: --lever: unknown parameter "
            "(did you mean 'tmall.refund_auto_agree.timeout'?); `simkit params SCENARIO` lists them",
        ),
        (
            "tmall.refund_auto_agree.timeout=96:24",
            "<cli>: tmall.refund_auto_agree.timeout: --lever needs lo < hi, got '96:24'",
        ),
        (
            "merchants.slow_share",
            "<cli>: merchants.slow_share: --lever expects path=lo:hi or path=a,b,c, got 'merchants.slow_share'",
        ),
    ],
)
def test_bad_levers_are_one_line(parameters, text, message):
    with pytest.raises(UsageError) as exc:
        parse_lever(parameters, text)
    assert _message(exc) == message


def test_a_range_crossing_the_floor_is_cut_at_the_laws_value(parameters, violations):
    # The law: 七日无理由退货 — a buyer may return within seven days of receipt (national.no_reason_return),
    # and Tmall's after-sale window carries that right, so it may not be shorter than 7 days.
    lever = bound_by_floor(parse_lever(parameters, f"{WINDOW}=3:20"), violations)
    assert (lever.range.lo, lever.range.hi) == (7.0, 20.0)
    bound = lever.bound
    assert (bound.side, bound.asked, bound.applied, bound.clause) == (
        "lo",
        "3 days",
        "7 days",
        "national.no_reason_return",
    )
    assert bound.source.startswith(f"{WINDOW} at least 7 days (national.no_reason_return.window)")
    assert bound.name == "7-day no-reason return / 七日无理由退货"


def test_a_range_within_the_law_is_left_alone(parameters, violations):
    lever = parse_lever(parameters, f"{WINDOW}=7:20")
    assert bound_by_floor(lever, violations) == lever


def test_choices_below_the_floor_are_removed(parameters, violations):
    lever = bound_by_floor(parse_lever(parameters, f"{WINDOW}=5 days,7 days,10 days"), violations)
    assert lever.choices == ("7 days", "10 days")
    assert (lever.bound.side, lever.bound.asked, lever.bound.applied) == ("choices", "5 days", "7 days,10 days")


def test_a_range_wholly_below_the_floor_is_refused_naming_the_clause(parameters, violations):
    with pytest.raises(UsageError) as exc:
        bound_by_floor(parse_lever(parameters, f"{WINDOW}=2:6"), violations)
    assert _message(exc) == (
        f"<cli>: {WINDOW}: --lever 2 days:6 days: every value is below the legal floor (national.no_reason_return, "
        f"7-day no-reason return / 七日无理由退货): expected {WINDOW} at least 7 days "
        "(national.no_reason_return.window): the buyer files a no-reason return through the after-sale window"
    )


def test_an_upper_bound_from_the_law(parameters, violations):
    # 退货退款时限: the merchant must refund within 15 days of receiving the return (national.refund_deadline),
    # and Tmall refunds when its receipt timer runs out, so the timer may not exceed 15 days.
    lever = bound_by_floor(parse_lever(parameters, "tmall.return_deadlines.merchant_confirm_within=5:30"), violations)
    assert (lever.range.lo, lever.range.hi, lever.bound.side, lever.bound.applied) == (5.0, 15.0, "hi", "15 days")
    assert lever.bound.clause == "national.refund_deadline"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lo=st.floats(0.5, 12), span=st.floats(1, 20), x=st.floats(0, 1))
def test_no_value_of_a_bounded_range_is_below_the_floor(parameters, violations, lo, span, x):
    text = f"{WINDOW}={lo:.2f}:{lo + span:.2f}"
    try:
        lever = bound_by_floor(parse_lever(parameters, text), violations)
    except UsageError:  # wholly below the floor: refused, nothing to sample
        assert lo + span < 7
        return
    value = lever.value(lever.range.lo + x * (lever.range.hi - lever.range.lo))
    assert float(value.split()[0]) >= 7
    assert violations(((WINDOW, value),)) == []
