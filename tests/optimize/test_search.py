"""Searches on the small shop: the reference front, the floor, noise, determinism, executors, directions."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from simkit.experiment.executors import SerialExecutor
from simkit.optimize.api import optimize
from simkit.optimize.decide import pareto_means
from simkit.optimize.evaluate import Candidate
from tests.optimize import reference

SHOP = reference.SCENARIO
SEED = reference.SEED
TIMEOUT = "tmall.refund_auto_agree.timeout"
INVOICE = "tmall.penalty_points.invoice"
OFFER = "playbooks.offer_first.compensation"
WINDOW = "tmall.after_sale_window.window"
PATHS = [lever.partition("=")[0] for lever in reference.LEVERS]
slow = pytest.mark.skipif(not os.environ.get("SIMKIT_SLOW"), reason="slow: set SIMKIT_SLOW=1")


class CountingExecutor(SerialExecutor):
    """Runs tasks in this process and keeps each task's overrides and replication count."""

    def __init__(self) -> None:
        self.seen: list[tuple[tuple[str, ...], int]] = []

    def run(self, tasks):
        for task in tasks:
            self.seen.append((task.overrides, len(task.replications)))
        yield from super().run(tasks)


def _restricted(ref: dict, fixed: dict[str, str]) -> dict:
    """The reference restricted to the settings with `fixed` values, and its front on the means."""
    keys = [k for k, s in ref["settings"].items() if all(s[p] == v for p, v in fixed.items())]
    points = np.array([ref["means"][k] for k in keys])
    front = [k for k, on in zip(keys, pareto_means(points), strict=True) if on]
    return {"means": {k: ref["means"][k] for k in keys}, "front": front}


def _keys(front: pd.DataFrame, fixed: dict[str, str]) -> list[str]:
    """The reference's keys of the front members (all four levers, the fixed ones added)."""
    keys = []
    for row in front.to_dict("records"):
        values = {**fixed, **{c.removeprefix("param:"): v for c, v in row.items() if c.startswith("param:")}}
        keys.append(Candidate(tuple((p, values[p]) for p in PATHS)).key)
    return keys


def test_a_small_search_reaches_the_reference_front():
    fixed = {"merchants.slow_share": "0.05", "tmall.intervention_wait.wait": "24 hours"}
    result = optimize(
        SHOP,
        reference.LEVERS[:2],
        reference.OBJECTIVES,
        overrides=[f"{p}={v}" for p, v in fixed.items()],
        budget=60,
        reps=3,
        seed=SEED,
        executor="serial",
    )
    scores = reference.scores(_restricted(reference.load(), fixed), _keys(result.front, fixed))
    _reaches_the_issue_thresholds(scores)
    assert result.simulations["search"] <= 60


def _reaches_the_issue_thresholds(scores: dict[str, float]) -> None:
    # issue 19: ">= 95 % of the reference hypervolume; purity >= 0.95 after re-evaluation; recall >= 0.9"
    assert scores["hv_share"] >= 0.95
    assert scores["purity"] >= 0.95
    assert scores["recall"] >= 0.9


@pytest.mark.slow
@slow
def test_the_search_within_300_simulations_reaches_the_reference_front():
    result = optimize(SHOP, reference.LEVERS, reference.OBJECTIVES, budget=300, reps=3, seed=SEED, workers=2)
    scores = reference.scores(reference.load(), _keys(result.front, {}))
    _reaches_the_issue_thresholds(scores)
    assert result.simulations["search"] <= 300


@pytest.mark.slow
@slow
def test_the_committed_reference_is_what_brute_force_gives():
    fresh = reference.brute_force()
    committed = reference.load()
    assert fresh["front"] == committed["front"]
    assert fresh["settings"] == committed["settings"]
    for key, means in committed["means"].items():
        assert fresh["means"][key] == pytest.approx(means, rel=1e-9)


def test_no_simulation_runs_below_the_floor():
    counting = CountingExecutor()
    result = optimize(
        SHOP,
        [f"{WINDOW}=1:20", f"{TIMEOUT}=24:96"],
        ["cost_total", "resolution_mean_h"],
        budget=45,
        reps=3,
        seed=SEED,
        executor=counting,
    )
    windows = [
        float(o.partition("=")[2].split()[0])
        for overrides, _ in counting.seen
        for o in overrides
        if o.startswith(WINDOW)
    ]
    below = sum(n for overrides, n in counting.seen for o in overrides if o.startswith(WINDOW) and _days(o) < 7)
    assert below == 0
    assert min(windows) >= 7
    assert sum(n for _, n in counting.seen) == result.simulations["search"] + result.simulations["recheck"]
    assert result.bounds == [
        {
            "path": WINDOW,
            "side": "lo",
            "asked": "1 days",
            "applied": "7 days",
            "clause": "national.no_reason_return",
            "source": f"{WINDOW} at least 7 days (national.no_reason_return.window): "
            "the buyer files a no-reason return through the after-sale window",
            "name": "7-day no-reason return / 七日无理由退货",
        }
    ]


def _days(override: str) -> float:
    return float(override.partition("=")[2].split()[0])


def test_a_lever_that_does_nothing_never_decides_a_dominance():
    # No order in the small shop has an invoice issue, so the invoice penalty never applies.
    result = optimize(
        SHOP,
        [f"{OFFER}=5 percent,30 percent", f"{INVOICE}=3,6,12"],
        ["cost_total", "resolution_mean_h"],
        budget=30,
        reps=3,
        seed=SEED,
        executor="serial",
    )
    values = result.candidates.set_index("candidate")
    assert len(values) == 7  # the current policy (10 percent, 6) and all six settings
    assert result.dominance, "the offer size decides some dominance"
    for d in result.dominance:
        assert values.loc[d.winner, f"param:{OFFER}"] != values.loc[d.loser, f"param:{OFFER}"]
    table = result.table[result.table["phase"] == "search"]
    for _, group in values.groupby(f"param:{OFFER}"):
        runs = [table[table["candidate"] == key]["value"].to_numpy() for key in group.index]
        assert all(np.array_equal(runs[0], other, equal_nan=True) for other in runs[1:])


def test_the_same_seed_gives_the_same_front_and_table():
    args = (SHOP, [f"{TIMEOUT}=24:96", "playbooks.offer_first.compensation=5:30"], ["cost_total", "resolution_mean_h"])
    first = optimize(*args, budget=18, reps=3, recheck_reps=3, seed=7, executor="serial")
    again = optimize(*args, budget=18, reps=3, recheck_reps=3, seed=7, executor="serial")
    pd.testing.assert_frame_equal(first.front, again.front)
    pd.testing.assert_frame_equal(first.table, again.table)
    other = optimize(*args, budget=18, reps=3, recheck_reps=3, seed=8, executor="serial")
    assert not first.table["value"].equals(other.table["value"])


def test_dask_gives_the_local_table():
    from simkit.experiment.executors import DaskExecutor

    args = (SHOP, [f"{TIMEOUT}=24:96"], ["cost_total", "resolution_mean_h"])
    local = optimize(*args, budget=18, reps=3, seed=SEED, executor="serial")
    dask = DaskExecutor(workers=2)  # a real distributed.LocalCluster
    try:
        on_dask = optimize(*args, budget=18, reps=3, seed=SEED, executor=dask)
    finally:
        dask.close()
    pd.testing.assert_frame_equal(local.table, on_dask.table)
    pd.testing.assert_frame_equal(local.front, on_dask.front)


def test_a_constraint_moves_the_front_where_it_binds():
    # Tmall (tmall.refund_auto_agree): a refund the merchant does not answer within the timeout is agreed
    # automatically, so a shorter timeout means more automatic approvals. At most 5 % auto-approved
    # (with 95 % confidence) must then rule out the shortest timeouts.
    args = (SHOP, [f"{TIMEOUT}=24 hours,48 hours,72 hours,96 hours"], ["cost_total", "resolution_mean_h"])
    kwargs = {"budget": 40, "reps": 8, "seed": SEED, "executor": "serial"}
    free = optimize(*args, **kwargs)
    bound = optimize(*args, constraints=["auto_approval_share<=0.05"], **kwargs)
    free_hours, bound_hours = (sorted(int(v.split()[0]) for v in r.front[f"param:{TIMEOUT}"]) for r in (free, bound))
    assert 24 in free_hours
    assert bound_hours and min(bound_hours) >= 72
    values = free.candidates.set_index(f"param:{TIMEOUT}")
    assert values.loc["24 hours", "cost_total"] > values.loc["96 hours", "cost_total"]


def test_uncertainties_are_sampled_once_and_the_worst_case_is_the_objective():
    result = optimize(
        SHOP,
        [f"{TIMEOUT}=24 hours,96 hours"],
        ["cost_total"],
        uncertain=["buyers.accept_offer_per_percent=0.005:0.03"],
        uncertain_samples=3,
        budget=27,
        reps=3,
        seed=SEED,
        executor="serial",
    )
    table = result.table[result.table["phase"] == "search"]
    samples = table.groupby("candidate")["param:buyers.accept_offer_per_percent"].apply(lambda s: sorted(set(s)))
    assert samples.map(tuple).nunique() == 1 and len(samples.iloc[0]) == 3  # the same sample for every candidate
    costs = table[table["metric"] == "cost_total"].groupby(["candidate", "sample"])["value"].mean()
    for key, row in result.candidates.set_index("candidate").iterrows():
        # fewer buyers take an offer when each percent persuades fewer: the worst case is the costliest sample
        assert row["cost_total"] == pytest.approx(costs.loc[key].max())
        assert row["cost_total"] > costs.loc[key].min()


def test_regret_is_measured_against_the_best_candidate_at_each_sample():
    result = optimize(
        SHOP,
        [f"{OFFER}=5 percent,30 percent"],
        ["cost_total"],
        uncertain=["buyers.accept_offer_per_percent=0.005:0.03"],
        uncertain_samples=2,
        robust="regret",
        budget=18,
        reps=3,
        seed=SEED,
        executor="serial",
    )
    table = result.table[(result.table["phase"] == "search") & (result.table["metric"] == "cost_total")]
    means = table.groupby(["candidate", "sample"])["value"].mean().unstack("sample")
    regret = (means - means.min()).max(axis=1)  # each candidate's largest shortfall behind the best at a sample
    for key, row in result.candidates.set_index("candidate").iterrows():
        assert row["cost_total"] == pytest.approx(regret.loc[key], abs=1e-6)
    assert regret.min() == 0.0  # some candidate is the best at its worst sample


def test_the_result_shows_itself_and_draws_its_figures():
    result = optimize(
        SHOP, [f"{TIMEOUT}=24:96"], ["cost_total", "resolution_mean_h"], budget=12, reps=3, seed=SEED, executor="serial"
    )
    html = result._repr_html_()
    assert "Pareto front" in html and f"param:{TIMEOUT}" in html
    figures = result.figures()
    assert sorted(figures) == ["front", "hypervolume", "levers"]
    assert figures["front"].axes[0].get_xlabel() == "merchant cost (CNY) · min"
    assert [t.get_text() for t in figures["levers"].axes[0].get_xticklabels()] == ["timeout"]
    history = [s for s, _ in result.hv_history]
    assert history == sorted(history) and history[-1] == result.simulations["search"]
    import matplotlib.pyplot as plt

    for fig in figures.values():
        plt.close(fig)


@pytest.mark.parametrize("sampler", ["nsga3", "tpe", "random", "qmc"])
def test_every_sampler_searches_within_the_floor(sampler):
    result = optimize(
        SHOP,
        [f"{WINDOW}=1:20"],
        ["cost_total", "resolution_mean_h"],
        sampler=sampler,
        budget=9,
        reps=3,
        recheck_reps=2,
        seed=SEED,
        executor="serial",
    )
    windows = [_days(f"x={v}") for v in result.table[f"param:{WINDOW}"].unique()]
    assert len(result.candidates) == 3 and min(windows) >= 7


def test_the_hypervolume_stays_in_the_scaled_box_when_the_recheck_lands_beyond_the_search():
    # docs/optimize.md: the hypervolume is taken "on objectives scaled to [0, 1]" with the reference point
    # at 1.1, so one objective's hypervolume is at most 1.1. A lever that barely moves the cost leaves the
    # search's points almost equal; the re-check's fresh seeds then landed far outside that box and the
    # hypervolume read 33,170 (reported by the hostile-input rerun). The box now holds the re-checked front.
    result = optimize(
        SHOP, ["merchants.staff.per_merchant=1:4"], ["cost_total"], budget=8, reps=2, seed=SEED, executor="serial"
    )
    assert 0.0 < result.hypervolume <= 1.1
    assert all(0.0 <= value <= 1.1 for _, value in result.hv_history)
