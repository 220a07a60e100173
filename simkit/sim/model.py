"""The model of one replication: order book in bulk, after-sale cases as steps on the SimPy clock (`driver`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import simpy

from simkit import rules
from simkit.events import NullRecorder, Recorder
from simkit.metrics import Counters
from simkit.scenario.loader import Scenario
from simkit.sim import flows
from simkit.sim.orders import CHANNELS, build_orders, draw_merchants
from simkit.sim.plan import plan_cases
from simkit.sim.pools import Pool
from simkit.sim.rng import Streams
from simkit.sim.rulecache import RuleCache
from simkit.sim.state import Case
from simkit.sim.statuses import FAMILY, model_for

HOUR = dt.timedelta(hours=1)
_TD = dt.timedelta


class Model:
    """One replication of a scenario under its policy.

    Args:
        scenario: The loaded scenario.
        seed: The seed (streams are spawned from it and the replication number).
        replication: The replication number.
        recorder: Where events go (default: none, counters only).
        run_id: Written on every event.
    """

    def __init__(
        self, scenario: Scenario, seed: int, replication: int = 0, recorder: Recorder | None = None, run_id: str = ""
    ) -> None:
        self.scenario = scenario
        self.spec = scenario.spec
        self.policy = scenario.policy
        self.playbook = scenario.playbook
        self.status = model_for(self.policy.spec.policy.status_model)
        self.kind_statuses = {kind: self.status.statuses_of(kind) for kind in FAMILY}
        self.start = scenario.start
        self.horizon = self.spec.scenario.horizon
        self.recorder = recorder or NullRecorder()
        self.run_id = run_id or f"{scenario.id}-s{seed}-r{replication}"
        self.streams = Streams.from_seed(seed, replication)
        self.n = Counters()
        self.env = simpy.Environment()
        self.emit: Callable[[tuple[Any, ...]], None] | None = self.recorder.emit if self.recorder.records else None
        self._start_hour = self.start.hour + self.start.minute / 60 + self.start.second / 3600
        self._pools: dict[int, Pool] = {}
        self.cache = RuleCache(self.policy, self.start)
        self._case_counter: dict[int, int] = {}

    # --- time -------------------------------------------------------------------------------

    def at(self, hours: float) -> dt.datetime:
        """The datetime of simulation hour `hours`."""
        return self.start + _TD(0, hours * 3600.0)

    def hours(self, moment: dt.datetime) -> float:
        """Simulation hours of a datetime."""
        return (moment - self.start).total_seconds() / 3600.0

    # --- pools ------------------------------------------------------------------------------

    def staff(self, merchant: int) -> Pool:
        """The merchant's service staff (created on first use)."""
        pool = self._pools.get(merchant)
        if pool is None:
            pool = Pool(
                int(self.merchants.staff[merchant]), self.spec.merchants.shifts, self._start_hour, self.start.weekday()
            )
            self._pools[merchant] = pool
        return pool

    def next_case_no(self, order: int, at_least: int) -> int:
        """A fresh case number for another case on `order`."""
        number = max(self._case_counter.get(order, 0), at_least) + 1
        self._case_counter[order] = number
        return number

    # --- run --------------------------------------------------------------------------------

    def run(self) -> Counters:
        """Simulate up to the horizon and return the counters."""
        with _quiet_gc():
            self._run()
        return self.n

    def _run(self) -> None:
        spec, policy = self.spec, self.policy
        self.recorder.begin(self.run_id, self.start)
        slow_u = self.streams.order_rows("merchant", spec.merchants.count, 1, np.arange(spec.merchants.count), table=1)
        self.merchants = draw_merchants(spec, self.streams.arrivals, slow_u[:, 0])
        book = build_orders(spec, policy, self.streams, self.merchants)
        self.book = book
        probe = rules.late_shipment_compensation(
            policy, price=100.0, paid_at=self.start, at=self.start + 1000 * HOUR, reason="late_shipment"
        )
        plan = plan_cases(
            spec, book, self.streams, claims_apply=probe.outcome != "not_applicable", slow=self.merchants.slow
        )
        self.n.orders = book.n
        self.n.late_shipments = int(book.late.sum())
        if self.emit is not None:
            flows.emit_lifecycle(self, book, plan)
        self.arbiters = Pool(spec.arbiters.staff, spec.arbiters.shifts, self._start_hour, self.start.weekday())
        exit_spec = spec.merchants.exit
        self.provider = (
            Pool(exit_spec.provider_staff, spec.merchants.shifts, self._start_hour, self.start.weekday())
            if exit_spec is not None
            else None
        )
        self.env.process(self._launch(self._rows(plan)))
        gc.freeze()  # the order book and the case rows live until the end: never rescan them
        self.env.run(until=self.horizon)
        self.recorder.end()
        self._finish_counters()

    def _rows(self, plan: Any) -> list[tuple[Any, ...]]:
        """One tuple of `Case` arguments per planned case, in start order."""
        book = self.book
        idx = plan.order
        start = plan.start.tolist()
        cats = book.categories
        categories = [cats[k] for k in book.category[idx].tolist()]
        channels = [CHANNELS[k] for k in book.channel[idx].tolist()]
        rows = zip(
            idx.tolist(),
            plan.case_no.tolist(),
            book.merchant[idx].tolist(),
            plan.reason,
            plan.kind,
            categories,
            book.price[idx].tolist(),
            book.free[idx].tolist(),
            channels,
            book.paid[idx].tolist(),
            book.ship[idx].tolist(),
            book.deliver[idx].tolist(),
            book.confirm[idx].tolist(),
            book.settle[idx].tolist(),
            book.settle_offset[idx].tolist(),
            book.used[idx].tolist(),
            plan.owns_tail.tolist(),
            plan.u.tolist(),
            plan.d.tolist(),
            start,
            strict=True,
        )
        return list(rows)

    def _launch(self, rows: list[tuple[Any, ...]]) -> Any:
        """Start each case at its start time (a multiple of `plan.QUANTUM`, so reached exactly)."""
        env = self.env
        counter = self._case_counter
        start_case = flows.start_case
        for row in rows:
            wait = row[-1] - env.now
            if wait > 0:
                yield env.timeout(wait)
            if row[1] > counter.get(row[0], 0):
                counter[row[0]] = row[1]
            start_case(self, Case(*row))

    def _finish_counters(self) -> None:
        n = self.n
        for pool in self._pools.values():
            n.staff_busy += pool.busy
            n.staff_wait += pool.wait
            n.staff_tasks += pool.tasks
        if self._pools:
            agents = sum(p.capacity for p in self._pools.values())
            one = next(iter(self._pools.values()))
            n.staff_hours = agents * one.staffed_hours(self.horizon) / one.capacity
        if self.provider is not None:
            n.staff_busy += self.provider.busy
            n.staff_wait += self.provider.wait
            n.staff_tasks += self.provider.tasks
            n.staff_hours += self.provider.staffed_hours(self.horizon)
        n.arbiter_busy, n.arbiter_wait, n.arbiter_tasks = self.arbiters.busy, self.arbiters.wait, self.arbiters.tasks
        n.arbiter_hours = self.arbiters.staffed_hours(self.horizon)


@contextlib.contextmanager
def _quiet_gc() -> Iterator[None]:
    """Keep the cyclic garbage collector from rescanning the run's large, long-lived tables.

    The model creates no reference cycles worth collecting while it runs; freezing what
    exists (again once the case rows are built) and collecting young objects less often
    saves about a quarter of the run time on a million orders. Settings are restored afterwards.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 50_000), threshold[1], threshold[2])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def simulate(
    scenario: Scenario, seed: int | None = None, replication: int = 0, recorder: Recorder | None = None
) -> dict[str, float]:
    """Run one replication and return its metrics (see `simkit.metrics.METRICS`)."""
    from simkit.metrics import compute

    model = Model(scenario, scenario.spec.scenario.seed if seed is None else seed, replication, recorder)
    return compute(model.run())


__all__ = ["Model", "simulate"]
