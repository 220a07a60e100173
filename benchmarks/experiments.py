"""Experiment benchmarks: executor overheads, sweep speed-up, a 1,000-replication comparison.

Figures (issue: experiments at scale):
- per-task overhead of each executor (serial, local pool, Dask LocalCluster), from 40 tasks
  that do almost nothing (a scenario with no orders);
- the speed-up of a 40-task sweep on 2 local workers against serial (target >= 1.6x on 2 cores);
- the wall time of a 1,000-replication comparison of a small scenario;
- the Dask executor's overhead against the local pool on the same sweep.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TMALL = ROOT / "scenarios" / "tmall_baseline.yaml"
RESPONSE_48H = ROOT / "policies" / "variants" / "tmall_response_48h.yaml"
TARGET_SPEEDUP = 1.6
SWEEP_GRID = ["merchants.slow_share=" + ",".join(f"{x / 100:g}" for x in range(0, 40))]
SWEEP_SET = ["orders.count=5000", "merchants.count=50"]


def _executor(name: str, workers: int) -> Any:
    from simkit.experiment.executors import make_executor

    return make_executor(name, workers)


def _timed_sweep(executor: Any, grid: list[str], overrides: list[str]) -> float:
    from simkit.experiment import sweep
    from simkit.experiment.tasks import clear_cache

    clear_cache()  # no executor may profit from scenarios an earlier measurement loaded here
    start = time.perf_counter()
    sweep(TMALL, grid=grid, overrides=overrides, reps=1, seed=1, executor=executor)
    return time.perf_counter() - start


def measure() -> dict[str, float]:
    """Run the experiment benchmarks and return their figures."""
    from simkit.experiment import compare

    figures: dict[str, float] = {}
    empty = ["orders.count=0", "merchants.count=1"]
    tiny_grid = ["buyers.evidence=" + ",".join(f"{x / 100:g}" for x in range(40, 80))]
    for name in ("serial", "local", "dask"):
        executor = _executor(name, 2)
        try:
            _timed_sweep(executor, ["buyers.evidence=0.5,0.6"], empty)  # warm up (pool start, imports)
            seconds = _timed_sweep(executor, tiny_grid, empty)
        finally:
            executor.close()
        figures[f"overhead_ms_per_task_{name}"] = seconds / 40 * 1000
    serial = _executor("serial", 1)
    figures["sweep40_serial_s"] = _timed_sweep(serial, SWEEP_GRID, SWEEP_SET)
    local = _executor("local", 2)
    try:
        _timed_sweep(local, ["buyers.evidence=0.5,0.6"], empty)
        figures["sweep40_local2_s"] = _timed_sweep(local, SWEEP_GRID, SWEEP_SET)
    finally:
        local.close()
    dask = _executor("dask", 2)
    try:
        _timed_sweep(dask, ["buyers.evidence=0.5,0.6"], empty)
        figures["sweep40_dask2_s"] = _timed_sweep(dask, SWEEP_GRID, SWEEP_SET)
    finally:
        dask.close()
    figures["sweep40_speedup_local2"] = figures["sweep40_serial_s"] / figures["sweep40_local2_s"]
    figures["dask_vs_local_overhead_s"] = figures["sweep40_dask2_s"] - figures["sweep40_local2_s"]
    start = time.perf_counter()
    compare(TMALL, [RESPONSE_48H], common=["orders.count=300", "merchants.count=10"], reps=1000, seed=1, workers=2)
    figures["compare_1000_reps_s"] = time.perf_counter() - start
    return figures


def report(figures: dict[str, float]) -> tuple[str, bool]:
    """Printable lines and whether the speed-up target is met."""
    ok = figures["sweep40_speedup_local2"] >= TARGET_SPEEDUP
    lines = [
        "experiments:",
        "  per-task overhead : serial {serial:.1f} ms, local pool {local:.1f} ms, Dask {dask:.1f} ms".format(
            serial=figures["overhead_ms_per_task_serial"],
            local=figures["overhead_ms_per_task_local"],
            dask=figures["overhead_ms_per_task_dask"],
        ),
        f"  40-task sweep     : serial {figures['sweep40_serial_s']:.1f} s, 2 local workers "
        f"{figures['sweep40_local2_s']:.1f} s -> {figures['sweep40_speedup_local2']:.2f}x",
        f"  Dask (2 workers)  : {figures['sweep40_dask2_s']:.1f} s, "
        f"{figures['dask_vs_local_overhead_s']:+.1f} s against the local pool",
        f"  1,000-rep compare : {figures['compare_1000_reps_s']:.1f} s (small scenario, paired + independent arms)",
        f"  {'ok  ' if ok else 'MISS'} sweep speed-up on 2 workers >= {TARGET_SPEEDUP}x",
    ]
    return "\n".join(lines), ok


if __name__ == "__main__":
    text, met = report(measure())
    print(text)
    raise SystemExit(0 if met else 1)
