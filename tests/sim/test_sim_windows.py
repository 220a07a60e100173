"""Orders drawn in windows of payment time (issue 18): the numbers of the whole book drawn at once,
order ids in payment order, orders retired as they settle, memory that does not grow with the run."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simkit.events import MemoryRecorder, NullRecorder
from simkit.metrics import compute
from simkit.scenario import load_scenario
from simkit.sim.facts import order_facts
from simkit.sim.model import Model
from simkit.sim.rng import Streams

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SMALL = {"orders.count": 1500, "merchants.count": 20, "scenario.horizon": "40 days"}


def _run(scenario: Any, window_orders: int | None, recorder: Any = None, seed: int = 5) -> tuple[Model, Any]:
    recorder = recorder or MemoryRecorder()
    model = Model(scenario, seed, 0, recorder)
    if window_orders is not None:
        model.window_orders = window_orders
    counters = model.run()
    return model, counters


def test_order_rows_read_from_a_later_order_are_rows_of_the_table_drawn_from_order_zero():
    # rng.py: "one row of uniforms per order id, drawn for every order in id order from a stream of their own"
    streams = Streams.from_seed(7, 1)
    sequence = np.random.SeedSequence(7, spawn_key=(1, 1, 2, 0))  # (replication, order rows, "buyer", table 0)
    table = np.random.Generator(np.random.PCG64(sequence)).random((70_000, 13))
    wanted = np.array([65_535, 65_536, 66_000, 69_999])
    assert np.array_equal(streams.order_rows("buyer", 13, wanted, first=65_000), table[wanted])
    assert np.array_equal(streams.order_rows("buyer", 13, wanted), table[wanted])


def test_the_log_metrics_and_facts_are_the_same_whatever_the_window_size():
    scenario = load_scenario(SCENARIOS / "store_exit.yaml", SMALL)  # merchants exit: orders are dropped
    logs, metrics, facts = [], [], []
    for window_orders in (None, 200, 37):
        recorder = MemoryRecorder()
        model, counters = _run(scenario, window_orders, recorder)
        logs.append(recorder.frame())
        metrics.append(compute(counters))
        facts.append(order_facts(model, times=True))
    assert len(logs[0]) > 5_000 and logs[0]["order_id"].nunique() > 1_000
    for other in (1, 2):
        pd.testing.assert_frame_equal(logs[other], logs[0])
        assert metrics[other] == metrics[0]
        pd.testing.assert_frame_equal(facts[other], facts[0])


def test_payment_times_are_the_bulk_draw_of_the_whole_order_window(tmp_path):
    # The order book's recipe (orders.py before issue 18, arrivals.py now): from the arrivals stream, after
    # the merchants' Pareto sizes and exit permutation, one Poisson count per hour of the order window,
    # then one uniform per order placing it in its hour; sorted, the order ids are the positions.
    flat = {"orders.daily_cycle": [1.0] * 24, "orders.window": "3 days", "orders.count": 2400}
    scenario = load_scenario(SCENARIOS / "tmall_baseline.yaml", {**SMALL, **flat})
    model, _ = _run(scenario, 50, MemoryRecorder(), seed=11)
    streams = Streams.from_seed(11, 0)
    arrivals = streams.arrivals
    arrivals.pareto(scenario.spec.merchants.size_shape, 20)
    arrivals.permutation(20)
    counts = arrivals.poisson(np.full(72, 2400 / 72))
    expected = np.sort(np.repeat(np.arange(72.0), counts) + arrivals.random(int(counts.sum())), kind="stable")
    facts = order_facts(model, times=True)
    start = pd.Timestamp(scenario.start)
    start = start if start.tzinfo else start.tz_localize("Asia/Shanghai")
    hours = (facts["paid_at"] - start).dt.total_seconds() / 3600
    assert model.n.orders == expected.size == len(facts) > 2_000
    assert np.allclose(hours.to_numpy(), expected, atol=1e-6)  # facts round to the microsecond
    assert facts["order_id"].tolist() == list(range(expected.size))


class _Watching(MemoryRecorder):
    """A memory recorder that checks the `settled` contract on every event.

    SPEED_COMMON (issue 18): "No event of an order with id < order_below will be emitted again in this
    run." Called with non-decreasing values, any number of times; end() settles everything.
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []
        self.broken: list[int] = []

    def settled(self, order_below: int) -> None:
        self.calls.append(order_below)

    def emit(self, event: tuple[Any, ...]) -> None:
        if self.calls and event[0] < self.calls[-1]:
            self.broken.append(event[0])
        super().emit(event)

    def emit_block(self, block: Any) -> None:
        ids = np.asarray(block[1]["order_id"])
        if self.calls and ids.size and ids.min() < self.calls[-1]:
            self.broken.append(int(ids.min()))
        super().emit_block(block)


def test_orders_are_settled_in_order_and_none_emits_after_it_was_settled():
    scenario = load_scenario(SCENARIOS / "tmall_baseline.yaml", SMALL)
    watching = _Watching()
    model, _ = _run(scenario, 100, watching)
    assert watching.broken == []
    assert watching.calls == sorted(set(watching.calls))  # non-decreasing, each call a step forward
    # an order with a case still to start (or running) holds the rest back: found 9 steps, up to order 854 of 1,462
    assert len(watching.calls) >= 5
    assert watching.calls[-1] > model.n.orders // 4
    plain = MemoryRecorder()
    _run(scenario, 100, plain)
    pd.testing.assert_frame_equal(watching.frame(), plain.frame())


def test_a_run_twice_as_long_keeps_its_peak_allocation_within_a_quarter_more():
    # Issue 18: "memory independent of the horizon". The same order rate for 24 and for 48 days (20 days
    # after the last order for cases to close): orders in flight are about as many, so the peak traced
    # allocation of the longer run stays within 1.25x the shorter one's. Holding the whole order book (as
    # before issue 18; `window_orders` above the run's size does that) doubles it: measured 2.93 -> 5.89 MB.
    peaks = {}
    for orders, days in ((8_000, 24), (16_000, 48)):
        settings = {"orders.count": orders, "orders.window": f"{days} days", "scenario.horizon": f"{days + 20} days"}
        scenario = load_scenario(SCENARIOS / "tmall_baseline.yaml", settings)
        model = Model(scenario, 1, 0, NullRecorder())
        model.window_orders = 500
        tracemalloc.start()
        try:
            counters = model.run()
            peaks[days] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert counters.orders > orders * 0.95
    assert peaks[48] <= 1.25 * peaks[24], peaks


class _GcWatching(MemoryRecorder):
    """Notes, as the run ends (still inside it), whether the collector is on and the cycles the run left unreachable."""

    def __init__(self) -> None:
        super().__init__()
        self.collector_on: list[bool] = []
        self.cycles: list[int] = []

    def end(self) -> None:
        super().end()
        self.collector_on.append(gc.isenabled())
        self.cycles.append(gc.collect())


def test_a_run_leaves_no_cyclic_garbage_so_the_collector_can_stay_off():
    # The model switches the cyclic collector off for a run (it only rescanned the cases in flight);
    # that is safe only if the run leaves no reference cycles behind. They are counted as the run ends,
    # before the collector is back on (it would collect them at the next allocation): none, at 24 days
    # and at 48. A run that left one cycle per case would show about 1,400 and 2,800 here.
    for name in ("tmall_baseline.yaml", "channels_baseline.yaml", "store_exit.yaml"):
        for orders, days in ((8_000, 24), (16_000, 48)):
            horizon = f"{days + 20} days"
            settings = {"orders.count": orders, "orders.window": f"{days} days", "scenario.horizon": horizon}
            scenario = load_scenario(SCENARIOS / name, settings)
            recorder = _GcWatching()
            gc.collect()  # nothing of an earlier run is left to count
            model = Model(scenario, 1, 0, recorder)
            model.window_orders = 500
            model.run()
            assert recorder.collector_on == [False]
            assert gc.isenabled()  # restored after the run
            assert recorder.cycles == [0], (name, days)
            assert model.n.cases > orders // 20
            del model
