"""Objectives and constraints: directions and kinds from the metric catalogue (docs/metrics.md)."""

from __future__ import annotations

import pytest

from simkit.errors import UsageError
from simkit.optimize.objectives import Constraint, Objective, parse_constraint, parse_objective


def _message(exc: pytest.ExceptionInfo[UsageError]) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


def test_the_direction_comes_from_the_catalogue_or_is_written():
    # docs/metrics.md: the dispute rate is better lower for merchant and platform; the remedy share higher for buyers.
    assert parse_objective("dispute_rate") == Objective("dispute_rate", "min")
    assert parse_objective("remedy_share") == Objective("remedy_share", "max")
    assert parse_objective("orders:max") == Objective("orders", "max")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dispute_ratio", "<cli>: --objective: unknown metric 'dispute_ratio'; see docs/metrics.md"),
        ("dispute_rate:down", "<cli>: --objective: expected METRIC[:min|max], got 'dispute_rate:down'"),
        (
            "orders",
            "<cli>: --objective: orders: the catalogue gives no direction (no audience ranks it); "
            "write orders:min or :max",
        ),
    ],
)
def test_bad_objectives(text, message):
    with pytest.raises(UsageError) as exc:
        parse_objective(text)
    assert _message(exc) == message


def test_a_bound_in_the_metrics_own_kind():
    assert parse_constraint("dispute_rate<=0.002") == Constraint("dispute_rate", "<=", 0.002, "dispute_rate<=0.002")
    assert parse_constraint("dispute_rate<=0.2%").bound == pytest.approx(0.002)
    assert parse_constraint("resolution_mean_h<=2 days").bound == 48.0
    assert parse_constraint("remedy_share>=0.9").op == ">="


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("dispute_rate<=5", "a rate per paid order, a fraction in [0, 1] (0.002 or 0.2%)"),
        ("dispute_rate<=500 CNY", "a rate per paid order, a fraction in [0, 1] (0.002 or 0.2%)"),
        ("cost_total<=3 days", "an amount in CNY"),
        ("resolution_mean_h<=-4", "a duration in hours (48, 48 hours or 2 days)"),
    ],
)
def test_a_bound_of_the_wrong_kind_is_refused(text, kind):
    metric = text.split("<=")[0]
    with pytest.raises(UsageError) as exc:
        parse_constraint(text)
    assert _message(exc) == f"<cli>: --constraint: {text!r}: {metric} is {kind}; the bound is not (see docs/metrics.md)"


def test_a_constraint_holds_only_when_the_whole_interval_is_on_its_side():
    at_most = parse_constraint("dispute_rate<=0.002")
    assert at_most.holds(0.001, 0.0019)
    assert not at_most.holds(0.001, 0.0021)  # the mean is below the bound, the interval is not
    at_least = parse_constraint("remedy_share>=0.9")
    assert at_least.holds(0.91, 0.95)
    assert not at_least.holds(0.89, 0.95)
