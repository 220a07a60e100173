"""The reference problem of the policy-search tests: a small shop, 4 levers, a front found by brute force.

Every setting of the 4 levers (4 × 6 × 3 × 3 = 216) runs `REFERENCE_REPS` replications on the same
seeds (four times the search's); the reference front is the settings no other setting dominates on
those means: the true front as well as it is known. `reference.json` (committed) holds every
setting's means and the front; the slow test recomputes it and checks it matches.
``python -m tests.optimize.reference`` writes it.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np

SCENARIO = "scenarios/bench/small_shop.yaml"
LEVERS = (
    "tmall.refund_auto_agree.timeout=24 hours,48 hours,72 hours,96 hours",
    "playbooks.offer_first.compensation=5 percent,10 percent,15 percent,20 percent,25 percent,30 percent",
    "merchants.slow_share=0.05,0.1,0.2",
    "tmall.intervention_wait.wait=24 hours,48 hours,72 hours",
)
OBJECTIVES = ("cost_total", "resolution_mean_h")
SEED = 20260302
REFERENCE_REPS = 12
FIXTURE = Path(__file__).parent / "reference.json"


def settings() -> list[tuple[tuple[str, str], ...]]:
    """Every setting of the levers, as ``((path, value), …)``."""
    paths = [lever.partition("=")[0] for lever in LEVERS]
    choices = [lever.partition("=")[2].split(",") for lever in LEVERS]
    return [tuple(zip(paths, combo, strict=True)) for combo in itertools.product(*choices)]


def brute_force(reps: int = REFERENCE_REPS, workers: int = 2) -> dict[str, Any]:
    """Every setting on `reps` replications, its means, and the settings no other dominates on them."""
    from simkit.experiment.executors import LocalExecutor
    from simkit.optimize.decide import Judge, pareto_means
    from simkit.optimize.evaluate import Candidate, Evaluator
    from simkit.optimize.objectives import parse_objective

    candidates = [Candidate(s) for s in settings()]
    executor = LocalExecutor(workers)
    try:
        evaluator = Evaluator(SCENARIO, (), (), [{}], executor, None, reps)
        found = evaluator.evaluate(candidates, "reference", SEED, reps)
    finally:
        executor.close()
    goals = [parse_objective(o) for o in OBJECTIVES]
    judge = Judge(found, goals, [], "worst", [c.key for c in candidates])
    means = {c.key: [float(v) for v in judge.point(c.key)] for c in candidates}
    points = np.array([means[c.key] for c in candidates])
    front = [c.key for c, on in zip(candidates, pareto_means(points), strict=True) if on]
    return {
        "reps": reps,
        "seed": SEED,
        "objectives": list(OBJECTIVES),
        "settings": {c.key: dict(c.values) for c in candidates},
        "means": means,
        "front": sorted(front),
    }


def load() -> dict[str, Any]:
    """The committed reference."""
    return dict(json.loads(FIXTURE.read_text(encoding="utf-8")))


def scores(reference: dict[str, Any], members: list[str]) -> dict[str, float]:
    """Hypervolume share, purity and recall of a front (candidate keys) against the reference.

    The hypervolume of `members` is taken at their reference means (the true values, not the
    search's estimates), in the box of every setting's reference means.
    """
    from simkit.optimize.decide import pareto_means
    from simkit.optimize.hypervolume import Box, hypervolume

    all_points = np.array(list(reference["means"].values()))
    box = Box.around(all_points)
    ref = set(reference["front"])
    ref_points = np.array([reference["means"][k] for k in ref])
    ours = np.array([reference["means"][k] for k in members]) if members else np.zeros((0, all_points.shape[1]))
    hv_ref = hypervolume(ref_points[pareto_means(ref_points)], box)
    hv_ours = hypervolume(ours[pareto_means(ours)] if len(ours) else ours, box)
    hits = len(ref & set(members))
    return {
        "hv_share": hv_ours / hv_ref,
        "purity": hits / len(members) if members else 0.0,
        "recall": hits / len(ref),
    }


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(brute_force(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE}")
