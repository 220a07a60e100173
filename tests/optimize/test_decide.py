"""Decisions under noise: paired dominance, constraints with 95 % confidence, a mutually non-dominated front."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simkit.metrics import CATALOGUE
from simkit.optimize.decide import Judge
from simkit.optimize.evaluate import Evaluations
from simkit.optimize.objectives import Objective, parse_constraint

COST, WAIT = Objective("cost_total", "min"), Objective("resolution_mean_h", "min")


def _evaluations(values: dict[str, dict[str, list[float]]]) -> Evaluations:
    reps = len(next(iter(next(iter(values.values())).values())))
    found = Evaluations(reps, 1)
    for key, metrics in values.items():
        arrays = {m: np.full((1, reps), np.nan) for m in CATALOGUE}
        arrays.update({m: np.array([v], dtype=float) for m, v in metrics.items()})
        found.values[key] = arrays
    return found


def test_a_consistent_difference_dominates_and_names_its_reason():
    found = _evaluations(
        {
            "a": {"cost_total": [100, 110, 120, 130], "resolution_mean_h": [40, 50, 45, 42]},
            "b": {"cost_total": [105, 116, 124, 136], "resolution_mean_h": [40, 50, 45, 42]},
        }
    )
    judge = Judge(found, [COST, WAIT], [], "worst", ["a", "b"])
    dominance = judge.dominance("a", "b")
    assert dominance is not None and dominance.reasons == ("cost_total",)
    assert judge.dominance("b", "a") is None
    assert judge.front(["a", "b"])[0] == ["a"]


def test_a_difference_inside_the_noise_is_not_better():
    # a is cheaper on average (mean difference -1.5) but the paired differences change sign
    found = _evaluations(
        {
            "a": {"cost_total": [100, 120, 100, 120], "resolution_mean_h": [40, 50, 45, 42]},
            "b": {"cost_total": [104, 118, 103, 121], "resolution_mean_h": [40, 50, 45, 42]},
        }
    )
    judge = Judge(found, [COST, WAIT], [], "worst", ["a", "b"])
    assert judge.dominance("a", "b") is None and judge.dominance("b", "a") is None
    assert judge.front(["a", "b"])[0] == ["a", "b"]


def test_identical_runs_never_dominate():
    same = {"cost_total": [100, 120, 90, 130], "resolution_mean_h": [40, 50, 45, 42]}
    judge = Judge(_evaluations({"a": same, "b": dict(same)}), [COST, WAIT], [], "worst", ["a", "b"])
    assert judge.dominance("a", "b") is None and judge.dominance("b", "a") is None


def test_a_constraint_needs_the_whole_interval_below_the_bound():
    # mean 0.0018 below the bound 0.002, but with this spread the 95% interval reaches past it
    found = _evaluations({"a": {"dispute_rate": [0.0010, 0.0026, 0.0014, 0.0022], "cost_total": [1, 1, 1, 1]}})
    judge = Judge(found, [COST], [parse_constraint("dispute_rate<=0.002")], "worst", ["a"])
    assert not judge.feasible("a")
    assert judge.front(["a"])[0] == []
    tight = _evaluations({"a": {"dispute_rate": [0.0010, 0.0011, 0.0010, 0.0011], "cost_total": [1, 1, 1, 1]}})
    assert Judge(tight, [COST], [parse_constraint("dispute_rate<=0.002")], "worst", ["a"]).feasible("a")


def test_a_maximised_objective_is_compared_the_right_way_round():
    found = _evaluations(
        {"a": {"remedy_share": [0.90, 0.92, 0.91, 0.93]}, "b": {"remedy_share": [0.80, 0.83, 0.81, 0.82]}}
    )
    judge = Judge(found, [Objective("remedy_share", "max")], [], "worst", ["a", "b"])
    assert judge.dominance("a", "b") is not None and judge.dominance("b", "a") is None
    assert judge.difference("b", "a", Objective("remedy_share", "max")).mean > 0  # a minus b, in the metric's terms


def test_the_worst_case_over_uncertainty_samples():
    found = Evaluations(3, 2)
    arrays = {m: np.full((2, 3), np.nan) for m in CATALOGUE}
    arrays["cost_total"] = np.array([[10.0, 11.0, 12.0], [20.0, 21.0, 22.0]])
    found.values["a"] = arrays
    judge = Judge(found, [COST], [], "worst", ["a"])
    assert judge.series("a", COST).tolist() == [20.0, 21.0, 22.0]
    assert judge.point("a").tolist() == [21.0]


values = st.lists(st.floats(0, 100, allow_nan=False), min_size=4, max_size=4)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(values, values), min_size=2, max_size=7))
def test_the_front_is_mutually_non_dominated_and_covers_the_rest(candidates):
    found = _evaluations(
        {f"c{i}": {"cost_total": cost, "resolution_mean_h": wait} for i, (cost, wait) in enumerate(candidates)}
    )
    keys = list(found.values)
    judge = Judge(found, [COST, WAIT], [], "worst", keys)
    front, dominance = judge.front(keys)
    for a in front:
        for b in front:
            assert a == b or judge.dominance(a, b) is None
    losers = {d.loser for d in dominance}
    assert set(front) | losers == set(keys)
    assert all(d.reasons for d in dominance)
