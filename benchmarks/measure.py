"""One measurement per process: counters-only run, Parquet run, or the bare SimPy loop."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from typing import Any


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def scaled(scenario: str, orders: int) -> dict[str, Any]:
    """Settings that give the scenario `orders` orders at its own rate: the order window and the
    horizon grow with the count (the time after the window stays), so a bigger run is a longer one."""
    from simkit.scenario import load_scenario

    spec = load_scenario(scenario).spec
    window = min(spec.orders.window or spec.scenario.horizon, spec.scenario.horizon)
    hours = window * orders / spec.orders.count
    tail = spec.scenario.horizon - window
    return {"orders.count": orders, "orders.window": f"{hours} hours", "scenario.horizon": f"{hours + tail} hours"}


def run_model(scenario: str, orders: int, seed: int, out: str | None, longer: bool = False) -> dict[str, float]:
    """Simulate the benchmark scenario once; with `out`, stream the event log to Parquet.

    Args:
        scenario: The scenario file.
        orders: Orders in the run (about).
        seed: The seed.
        out: Where to write the event log (counters only when None).
        longer: Keep the scenario's order rate and lengthen the run (see `scaled`); else more orders in the same time.
    """
    from simkit.events import NullRecorder, ParquetRecorder
    from simkit.scenario import load_scenario
    from simkit.sim.model import Model

    sc = load_scenario(scenario, scaled(scenario, orders) if longer else {"orders.count": orders})
    recorder: Any = ParquetRecorder(out) if out else NullRecorder()
    start = time.perf_counter()
    model = Model(sc, seed, 0, recorder)
    counters = model.run()
    if out:
        recorder.close()
    seconds = time.perf_counter() - start
    return {
        "orders": counters.orders,
        "cases": counters.cases,
        "seconds": seconds,
        "events": float(getattr(recorder, "rows", 0)),
        "simpy_events": float(next(model.env._eid)),
        "peak_mb": _peak_mb(),
    }


def bare_environment(timeouts: int, processes: int = 1000) -> tuple[Any, int]:
    """A bare SimPy loop ready to run: `processes` processes yielding about `timeouts` timeouts in all, and how many."""
    import simpy

    env = simpy.Environment()
    per = max(1, timeouts // processes)

    def proc(env: simpy.Environment, n: int) -> Any:
        for _ in range(n):
            yield env.timeout(1.0)

    for _ in range(processes):
        env.process(proc(env, per))
    return env, per * processes


def bare_loop(timeouts: int, processes: int = 1000) -> dict[str, float]:
    """The bare SimPy loop (`bare_environment`), timed on the wall clock."""
    env, count = bare_environment(timeouts, processes)
    start = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - start
    return {"timeouts": count, "seconds": seconds, "events_per_s": count / seconds}


def report(figures: dict[str, float], checks: dict[str, tuple[bool, str]]) -> str:
    """The figures as text, with each target and whether it is met."""
    f = figures
    lines = [
        f"benchmark: {f['orders']:,.0f} orders, {f['cases']:,.0f} after-sale cases ({f['cases'] / f['orders']:.1%})",
        f"  counters only : {f['counters_seconds']:.1f} s  -> {f['orders_per_s']:,.0f} orders/s"
        f"  (peak {f['peak_mb_counters']:,.0f} MB)",
        f"  parquet log   : {f['parquet_seconds']:.1f} s  -> {f['log_events']:,.0f} events, "
        f"{f['events_per_s']:,.0f} events/s, peak {f['peak_mb_parquet']:,.0f} MB",
        f"  simpy events  : {f['simpy_events']:,.0f} in the model -> {f['simpy_events_per_s']:,.0f}/s "
        f"({f['simpy_events_ratio']:.0%} of bare)",
        f"  bare simpy    : {f['bare_simpy_events_per_s']:,.0f} timeouts/s",
        f"  events/s ratio: {f['events_ratio']:.0%} of the bare SimPy loop",
        "targets:",
    ]
    for name, (ok, target) in checks.items():
        lines.append(f"  {'ok  ' if ok else 'MISS'} {name} {target}")
    return "\n".join(lines)


def main() -> None:
    """Entry point of a measuring child process; prints one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["counters", "parquet", "bare"])
    parser.add_argument("--scenario")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out")
    parser.add_argument("--timeouts", type=int, default=1_000_000)
    parser.add_argument("--longer", action="store_true", help="keep the order rate: more orders make a longer run")
    args = parser.parse_args()
    if args.what == "bare":
        result = bare_loop(args.timeouts)
    else:
        out = args.out if args.what == "parquet" else None
        result = run_model(args.scenario, args.orders, args.seed, out, args.longer)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
