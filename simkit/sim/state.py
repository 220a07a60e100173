"""What the step modules work on: the state of one case, and the model's interface.

The step modules (flows, outcomes, merchant, periods, lifecycle, judgement, record) take a
`Simulation` and a `Case`; `simkit.sim.model.Model` is the one implementation. They import
from here and from the modules below them, never from `model`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

import simpy

from simkit.events import Recorder
from simkit.metrics import Counters
from simkit.policy.model import Policy
from simkit.scenario.schema import PlaybookSpec, ScenarioSpec
from simkit.sim.orders import Merchants, OrderBook
from simkit.sim.pools import Pool
from simkit.sim.rng import Streams
from simkit.sim.rulecache import RuleCache
from simkit.sim.statuses import StatusModel


class Case:
    """The state of one after-sale case while it runs (times in simulation hours, NaN = never)."""

    __slots__ = (
        "basis",
        "category",
        "channel",
        "closed",
        "confirm",
        "cs",
        "d",
        "deliver",
        "free",
        "handler",
        "intervened",
        "kind",
        "merchant",
        "no",
        "order",
        "over_period",
        "owns_tail",
        "paid",
        "price",
        "reason",
        "refunded",
        "requested_at",
        "settle",
        "settle_offset",
        "ship",
        "start",
        "u",
        "used",
        "window_rule",
    )

    def __init__(
        self,
        order: int,
        no: int,
        merchant: int,
        reason: str,
        kind: str,
        category: str,
        price: float,
        free: bool,
        channel: str,
        paid: float,
        ship: float,
        deliver: float,
        confirm: float,
        settle: float,
        settle_offset: float,
        used: bool,
        owns_tail: bool,
        u: list[float],
        d: list[float],
        start: float,
    ) -> None:
        self.order, self.no, self.merchant, self.reason, self.kind = order, no, merchant, reason, kind
        self.category, self.price, self.free, self.channel, self.paid = category, price, free, channel, paid
        self.ship, self.deliver, self.confirm, self.settle = ship, deliver, confirm, settle
        self.settle_offset, self.used, self.owns_tail, self.u, self.d = settle_offset, used, owns_tail, u, d
        self.start = self.requested_at = start
        self.window_rule, self.handler, self.closed, self.basis = "", "merchant", False, ""
        self.cs, self.refunded, self.intervened, self.over_period = 0, 0.0, False, False


class Sub:
    """A follow-up case on the same order (a complaint)."""

    __slots__ = ("closed", "cs", "kind", "merchant", "no", "order", "over_period", "reason", "start")

    def __init__(self, parent: Case, no: int, kind: str, start: float) -> None:
        self.order, self.no, self.merchant = parent.order, no, parent.merchant
        self.kind, self.reason, self.start, self.closed = kind, parent.reason, start, False
        self.cs, self.over_period = 0, False


class Simulation(Protocol):
    """What a step of a case may read and call on the running model."""

    env: simpy.Environment
    n: Counters
    spec: ScenarioSpec
    policy: Policy
    playbook: PlaybookSpec
    status: StatusModel
    kind_statuses: dict[str, dict[str, str]]
    start: dt.datetime
    horizon: float
    recorder: Recorder
    emit: Callable[[tuple[Any, ...]], None] | None
    streams: Streams
    cache: RuleCache
    merchants: Merchants
    book_rules: dict[str, tuple[str, ...]]
    arbiters: Pool
    provider: Pool | None

    def at(self, hours: float) -> dt.datetime:
        """The datetime of simulation hour `hours`."""
        ...

    def hours(self, moment: dt.datetime) -> float:
        """Simulation hours of a datetime."""
        ...

    def staff(self, merchant: int) -> Pool:
        """The merchant's service staff."""
        ...

    def next_case_no(self, order: int, at_least: int) -> int:
        """A fresh case number for another case on `order`."""
        ...

    def order_book(self) -> OrderBook:
        """Every order of the run (drawn again from the seed: the run keeps only the orders it needs)."""
        ...


__all__ = ["Case", "Simulation", "Sub"]
