"""What one after-sale case costs, part by part, against what issue 18's speed goal leaves for it.

The goal is >= 0.40 orders/s per bare-SimPy timeout/s. At the bare loop's speed on this machine
that is a budget of microseconds per order; the orders' own drawing and launching takes its share,
and what is left, times orders per case, is the budget of one case. A case's parts are measured
each on its own, in this one process (so all at the same machine speed):

* the rule calls the cases made (every call into `simkit.rules` during a run, recorded, then
  replayed alone: the rules' own cost, their caches warm);
* the hours turned into datetimes for those calls (`RuleCache.at`, replayed on a fresh cache);
* the SimPy events per case, at the bare loop's cost per timeout;
* the orders drawn and launched with no case run (the case step replaced by a no-op).

What is left of a case's cost is the flows themselves: the steps, the queues, the counters.
Run as ``python -m benchmarks.floor --scenario FILE --orders N``; it prints one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from typing import Any

GOAL = 0.40
"""Orders/s per bare-SimPy timeout/s (issue 18)."""


def _load(scenario: str, orders: int) -> Any:
    from benchmarks.measure import scaled
    from simkit.scenario import load_scenario

    return load_scenario(scenario, scaled(scenario, orders))


def _seconds(call: Callable[[], Any]) -> float:
    """CPU seconds of `call`, with the cyclic garbage collector off (as during a run)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        begin = time.process_time()
        call()
        return time.process_time() - begin
    finally:
        if enabled:
            gc.enable()


def _replay(calls: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]) -> None:
    for function, args, kwargs in calls:
        function(*args, **kwargs)


def _convert(cache: Any, hours: list[float]) -> None:
    at = cache.at
    for moment in hours:
        at(moment)


def _bare_timeouts_per_cpu_second(timeouts: int) -> float:
    """The bare SimPy loop of `benchmarks.measure`, timed like the parts: CPU time, collector off."""
    from benchmarks.measure import bare_environment

    env, count = bare_environment(timeouts)
    return count / _seconds(env.run)


def measure(scenario: str, orders: int, seed: int) -> dict[str, float]:
    """Run the scenario three times (whole, recording its rule calls, without cases) and time the parts."""
    from simkit import rules
    from simkit.sim import flows
    from simkit.sim.model import Model
    from simkit.sim.rulecache import RuleCache

    whole = Model(_load(scenario, orders), seed)
    seconds = _seconds(whole.run)
    counters = whole.n
    simpy_events = next(whole.env._eid)

    calls: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
    hours: list[float] = []
    originals = {name: getattr(rules, name) for name in rules.__all__ if name not in ("Decision", "in_time")}
    original_at = RuleCache.at

    def recording(function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append((function, args, kwargs))
            return function(*args, **kwargs)

        return call

    def at(cache: RuleCache, moment: float) -> Any:
        hours.append(moment)
        return original_at(cache, moment)

    try:
        for name, function in originals.items():
            setattr(rules, name, recording(function))
        RuleCache.at = at  # type: ignore[method-assign,assignment]
        recorded = Model(_load(scenario, orders), seed)
        recorded.run()
    finally:
        for name, function in originals.items():
            setattr(rules, name, function)
        RuleCache.at = original_at  # type: ignore[method-assign]
    rule_seconds = _seconds(lambda: _replay(calls))
    fresh = RuleCache(recorded.policy, recorded.start)
    at_seconds = _seconds(lambda: _convert(fresh, hours))

    start_case = flows.start_case
    try:
        flows.start_case = lambda model, case: None
        no_cases = Model(_load(scenario, orders), seed)
        orders_seconds = _seconds(no_cases.run)
    finally:
        flows.start_case = start_case
    bare = _bare_timeouts_per_cpu_second(1_000_000)
    return {
        "orders": counters.orders,
        "cases": counters.cases,
        "seconds": seconds,
        "simpy_events": float(simpy_events),
        "rule_calls": float(len(calls)),
        "rule_seconds": rule_seconds,
        "at_calls": float(len(hours)),
        "at_seconds": at_seconds,
        "orders_seconds": orders_seconds,
        "launch_events": float(next(no_cases.env._eid)),
        "bare_timeouts_per_s": bare,
    }


def describe(figures: dict[str, float]) -> str:
    """The cost of a case, part by part, and the goal's budget for it."""
    f = figures
    micro = 1e6
    per_order = f["seconds"] / f["orders"] * micro
    orders_part = f["orders_seconds"] / f["orders"] * micro
    cases = f["cases"]
    case = (f["seconds"] - f["orders_seconds"]) / cases * micro
    rule = f["rule_seconds"] / cases * micro
    at = f["at_seconds"] / cases * micro
    bare_event = micro / f["bare_timeouts_per_s"]
    events_per_case = (f["simpy_events"] - f["launch_events"]) / cases
    simpy = events_per_case * bare_event
    rest = case - rule - at - simpy
    budget_order = micro / (GOAL * f["bare_timeouts_per_s"])
    budget_case = (budget_order - orders_part) * f["orders"] / cases
    return "\n".join(
        [
            f"cost of a case ({f['orders']:,.0f} orders, {cases:,.0f} cases, counters only; bare SimPy "
            f"{f['bare_timeouts_per_s']:,.0f} timeouts/s, {bare_event:.2f} µs each):",
            f"  per order                     : {per_order:6.2f} µs  (ratio to bare {bare_event / per_order:.3f})",
            f"  orders drawn and launched     : {orders_part:6.2f} µs per order (no case run)",
            f"  per case                      : {case:6.1f} µs, of which",
            f"    rule calls, replayed alone  : {rule:6.1f} µs  ({f['rule_calls'] / cases:.1f} calls)",
            f"    hours to datetimes for them : {at:6.1f} µs  ({f['at_calls'] / cases:.1f} conversions)",
            f"    SimPy at bare cost          : {simpy:6.1f} µs  ({events_per_case:.2f} events)",
            f"    the flows themselves        : {rest:6.1f} µs  (steps, queues, counters)",
            f"  the {GOAL:.2f} goal leaves {budget_order:.2f} µs per order: {budget_case:.1f} µs per case after "
            f"the orders' share, {budget_case - rule - at - simpy:.1f} µs for the flows once the rules, "
            "their datetimes and bare SimPy are paid",
        ]
    )


def main() -> None:
    """Entry point of the measuring child process; prints one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--orders", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sys.stdout.write(json.dumps(measure(args.scenario, args.orders, args.seed)) + "\n")


if __name__ == "__main__":
    main()
