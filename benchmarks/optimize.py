"""Policy search benchmark: a 300-simulation search on the small shop with 2 local workers.

Figures (issue: policy search): the wall time of the search (the re-check included and shown
apart), and the optimiser's own time per candidate (Optuna's ask and tell, the floor guard, the
paired decisions) against the simulation time per candidate. Target: the optimiser is not the
bottleneck — its time per candidate at most a quarter of the simulations'.
"""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "scenarios" / "bench" / "small_shop.yaml"
LEVERS = (
    "tmall.refund_auto_agree.timeout=24:96",
    "playbooks.offer_first.compensation=5:30",
    "merchants.slow_share=0.05,0.1,0.2",
    "tmall.intervention_wait.wait=24 hours,48 hours,72 hours",
)
OBJECTIVES = ("cost_total", "resolution_mean_h")
BUDGET = 300
TARGET_SHARE = 0.25


def measure() -> dict[str, float]:
    """Run the search and return its figures."""
    from simkit.optimize.api import optimize

    start = time.perf_counter()
    result = optimize(SHOP, LEVERS, OBJECTIVES, budget=BUDGET, reps=3, seed=1, workers=2)
    wall = time.perf_counter() - start
    candidates = len(result.candidates)
    timing = result.timing
    return {
        "wall_s": wall,
        "search_simulations": result.simulations["search"],
        "recheck_simulations": result.simulations["recheck"],
        "candidates": candidates,
        "trials": timing["trials"],
        "simulate_s": timing["simulate_s"],
        "optimiser_s": timing["optimiser_s"],
        "simulate_ms_per_candidate": timing["simulate_s"] / candidates * 1000,
        "optimiser_ms_per_candidate": timing["optimiser_s"] / candidates * 1000,
        "optimiser_ms_per_trial": timing["optimiser_s"] / max(1, timing["trials"]) * 1000,
        "front": len(result.front),
        "dropped": len(result.dropped),
    }


def describe(figures: dict[str, float]) -> tuple[str, bool]:
    """Printable lines and whether the optimiser stays well below the simulations."""
    share = figures["optimiser_ms_per_candidate"] / figures["simulate_ms_per_candidate"]
    ok = share <= TARGET_SHARE
    lines = [
        "policy search (small shop, 4 levers, 2 local workers):",
        f"  {BUDGET}-simulation search: {figures['wall_s']:.1f} s wall "
        f"({figures['search_simulations']:.0f} simulations searched, {figures['recheck_simulations']:.0f} re-checked;"
        f" {figures['candidates']:.0f} candidates from {figures['trials']:.0f} trials asked)",
        f"  per candidate      : simulations {figures['simulate_ms_per_candidate']:.0f} ms (3 replications), "
        f"optimiser {figures['optimiser_ms_per_candidate']:.1f} ms ({figures['optimiser_ms_per_trial']:.2f} ms "
        f"per trial asked) -> {share:.0%} of the simulation time",
        f"  front              : {figures['front']:.0f} members, {figures['dropped']:.0f} dropped on re-check",
        f"  {'ok  ' if ok else 'MISS'} optimiser time per candidate <= {TARGET_SHARE:.0%} of the simulations'",
    ]
    return "\n".join(lines), ok


if __name__ == "__main__":
    text, met = describe(measure())
    print(text)
    raise SystemExit(0 if met else 1)
