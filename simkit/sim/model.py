"""The model of one replication: orders in windows of payment time, cases as steps on the SimPy clock (`driver`).

The orders of a window are drawn when the simulation reaches them (`simkit.sim.windows`), their
cases planned and merged into the cases still to start, their own timelines recorded; the
window's columns are then let go. With a recorder that keeps events, an order is retired once
none of its cases is planned or running: the recorder hears that no event of it will come again
(`Recorder.settled`) and its follow-up counter goes. So memory follows the orders in flight, not
the horizon (only follow-up cases, rule complaints, are counted per order).
"""

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
from simkit.sim.arrivals import WINDOW_ORDERS
from simkit.sim.driver import wake_at
from simkit.sim.inflight import InFlight, LiveCase
from simkit.sim.orders import OrderBook
from simkit.sim.pending import Keys, Pending, plan_columns
from simkit.sim.plan import CLAIM_CASE_NO, plan_cases
from simkit.sim.pools import Pool
from simkit.sim.rng import Streams
from simkit.sim.rulecache import RuleCache
from simkit.sim.state import Case
from simkit.sim.statuses import FAMILY, model_for
from simkit.sim.windows import OrderWindows, merchants_of, whole_book

HOUR = dt.timedelta(hours=1)
_TD = dt.timedelta
LOOKAHEAD = 1.0
"""Hours: a window is drawn once the next case to start is this close to its first payment (a case
starts at its order's payment or later, rounded to `plan.QUANTUM`, far below an hour)."""


class Model:
    """One replication of a scenario under its policy.

    Args:
        scenario: The loaded scenario.
        seed: The seed (streams are spawned from it and the replication number).
        replication: The replication number.
        recorder: Where events go (default: none, counters only).
        run_id: Written on every event.
    """

    window_orders = WINDOW_ORDERS
    """Orders per window of the order book, about (memory, not the numbers, depends on it)."""

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
        self.in_flight = InFlight(self.recorder, self._case_counter)
        self.book_rules: dict[str, tuple[str, ...]] = {}
        """The rule ids of the orders' own timelines (``ship``, ``auto_confirm``, ``settle``)."""

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
        """A fresh case number for another case on `order`.

        Planned cases are numbered by kind, 1 the request and 2 a late-shipment claim
        (`plan.CLAIM_CASE_NO`), so a follow-up numbered above `at_least` >= 2 and above the
        order's earlier follow-ups is new; only follow-ups are counted.

        Raises:
            ValueError: When `at_least` is below `plan.CLAIM_CASE_NO`.
        """
        if at_least < CLAIM_CASE_NO:
            raise ValueError(f"follow-up cases are numbered above {CLAIM_CASE_NO}, got at_least={at_least}")
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
        self.merchants = merchants_of(spec, self.streams)
        self.orders = OrderWindows(spec, policy, self.streams, self.merchants, self.start, self.window_orders)
        self.book_rules = self.orders.rules
        probe = rules.late_shipment_compensation(
            policy, price=100.0, paid_at=self.start, at=self.start + 1000 * HOUR, reason="late_shipment"
        )
        self._claims_apply = probe.outcome != "not_applicable"
        self.n.orders = self.orders.orders
        self.arbiters = Pool(spec.arbiters.staff, spec.arbiters.shifts, self._start_hour, self.start.weekday())
        exit_spec = spec.merchants.exit
        self.provider = (
            Pool(exit_spec.provider_staff, spec.merchants.shifts, self._start_hour, self.start.weekday())
            if exit_spec is not None
            else None
        )
        self._pending = Pending()
        self._launch()
        self.env.run(until=self.horizon)
        while self.orders.left:  # windows whose cases all start after the horizon: their timelines still count
            if self._window()[1][0].size:
                raise RuntimeError("a case planned before the horizon was never started")
        self.recorder.end()
        self._finish_counters()

    def order_book(self) -> OrderBook:
        """Every order of the run, drawn again from the seed (the run itself keeps only the orders in flight)."""
        streams = Streams.from_seed(self.streams.seed, self.streams.replication)
        return whole_book(self.spec, self.policy, streams, self.start)

    def _window(self) -> tuple[list[np.ndarray], Keys]:
        """Draw the next window of orders and record their own timelines; its cases' columns and launch keys."""
        book = self.orders.next()
        plan = plan_cases(self.spec, book, self.streams, claims_apply=self._claims_apply, slow=self.merchants.slow)
        self.n.late_shipments += int(book.late.sum())
        if self.emit is not None:
            flows.emit_lifecycle(self, book, plan)
        if self.recorder.records:
            self.in_flight.plan(plan.order)
        return plan_columns(book, plan), (plan.start, plan.case_no, plan.order)

    def _launch(self, _fired: object = None) -> None:
        """Start every case whose start time has come, then wake again at the next one's start.

        Starts are multiples of `plan.QUANTUM`, so reached exactly. Windows of orders are drawn
        just before the simulation could need them: while the next window's first payment is
        within `LOOKAHEAD` of the next case to start. Its cases are merged into those waiting, by
        (start, case number, order id): the order of the whole book's plan (`Pending`). With a
        recorder that keeps events, each case is watched so that the recorder hears which orders
        are settled (`InFlight`); counters alone need no watching. It runs on the callback of its
        own wake-up event (no `simpy.Process`: one event per start time, nothing else).
        """
        env, orders, in_flight, pending = self.env, self.orders, self.in_flight, self._pending
        watch = self.recorder.records
        start_case = flows.start_case
        while True:
            row = pending.next()
            while (row is None or row[-1] + LOOKAHEAD >= orders.next_paid) and orders.left:
                if watch:
                    in_flight.settle(orders.next_id)
                pending.add(*self._window())
                row = pending.next()
            if row is None:
                return
            wait = row[-1] - env.now
            if wait > 0:
                wake_at(env, env.now + wait).callbacks.append(self._launch)
                return
            pending.pop()
            if not watch:
                start_case(self, Case(*row))
                continue
            case = LiveCase(*row)
            in_flight.started(case)
            start_case(self, case)
            if in_flight.first_retired():  # the recorder may write more
                in_flight.settle(orders.next_id)

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
    """Keep the cyclic garbage collector out of the run.

    A run creates no reference cycles that grow with it (a test counts the cycles a run leaves
    behind, for a run and one twice as long): its objects are freed by reference counting the
    moment they are let go. The collector would only rescan the cases in flight, over and over:
    the young generation counts allocations less deallocations, so while cases start and close at
    a steady rate it swells with live cases between collections, and each collection walks them
    all (5 % of a 1 M-order run, growing with its length). It is switched off for the run and
    restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def simulate(
    scenario: Scenario, seed: int | None = None, replication: int = 0, recorder: Recorder | None = None
) -> dict[str, float]:
    """Run one replication and return its metrics (see `simkit.metrics.METRICS`)."""
    from simkit.metrics import compute

    model = Model(scenario, scenario.spec.scenario.seed if seed is None else seed, replication, recorder)
    return compute(model.run())


__all__ = ["Model", "simulate"]
