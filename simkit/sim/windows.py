"""The run's orders in windows of payment time: drawn when the simulation reaches them, then let go.

A run holds the orders of one window at a time (and the cases planned from the windows drawn so
far), never the whole order book, so its memory does not grow with the horizon. The numbers are
those of drawing the whole book at once (see `simkit.sim.draws`); order ids run on across windows
in payment order, as the book's indices did.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from simkit.policy.model import Policy
from simkit.scenario.schema import ScenarioSpec
from simkit.sim.arrivals import WINDOW_ORDERS, Arrivals
from simkit.sim.draws import CHANNELS, locate
from simkit.sim.offsets import DayOffsets
from simkit.sim.orders import (
    Merchants,
    OrderBook,
    auto_confirm_rule,
    build_window,
    draw_merchants,
    settle_rule,
    ship_rule,
)
from simkit.sim.rng import Streams


def merchants_of(spec: ScenarioSpec, streams: Streams) -> Merchants:
    """The run's merchants (drawn first, from the arrivals stream and the merchants' own rows)."""
    count = spec.merchants.count
    slow_u = streams.order_rows("merchant", 1, np.arange(count), table=1)
    return draw_merchants(spec, streams.arrivals, slow_u[:, 0])


class OrderWindows:
    """The orders of a run, one window after another.

    Args:
        spec: The scenario.
        policy: The policy in force.
        streams: The replication's streams (the merchants already drawn from them).
        merchants: The merchants.
        start: The scenario's start.
        window_orders: Orders per window, about (the numbers do not depend on it).
    """

    def __init__(
        self,
        spec: ScenarioSpec,
        policy: Policy,
        streams: Streams,
        merchants: Merchants,
        start: dt.datetime,
        window_orders: int = WINDOW_ORDERS,
    ) -> None:
        self.spec, self.policy, self.merchants = spec, policy, merchants
        start_hour = start.hour + start.minute / 60 + start.second / 3600
        self.arrivals = Arrivals(spec, streams.arrivals, start_hour, window_orders)
        self.draws = locate(spec, streams, self.arrivals, merchants.weight, merchants.exit_h)
        self.clock = DayOffsets(start)
        self._first_calls()
        self.orders = sum(self.draws.kept)
        """Orders placed in the whole run."""
        self.next_id = 0
        """The order id of the next window's first order."""
        self._next = 0
        self.next_paid = self._paid_from()
        """No order of the remaining windows is paid before this hour (inf when none remain)."""

    @property
    def rules(self) -> dict[str, tuple[str, ...]]:
        """The rule ids of the order timelines (``ship``, ``auto_confirm``, ``settle``)."""
        return self.clock.rules

    @property
    def left(self) -> bool:
        """Whether windows remain."""
        return self._next < len(self.arrivals.windows)

    def _paid_from(self) -> float:
        if not self.left:
            return math.inf
        window = self.arrivals.windows[self._next]
        given = self.arrivals.given
        if given is not None:
            return float(given[window.first]) if window.size else math.inf
        return float(window.hour0)

    def next(self) -> OrderBook:
        """The next window's orders (the windows come in payment order)."""
        window = self.arrivals.windows[self._next]
        book = build_window(
            self.spec, self.policy, self.draws, self.arrivals, window, self.next_id, self.merchants, self.clock
        )
        self._next += 1
        self.next_id += book.n
        self.next_paid = self._paid_from()
        return book

    def _first_calls(self) -> None:
        """Ask each timeline rule first for the day the whole book asked it first, so its rule ids are the book's.

        The book asked the shipping promise per channel in `CHANNELS` order, each at its first payment day.
        """
        first = self.draws.first_paid
        if None not in first:
            return
        ci = min(key for key in first if key is not None)
        when = np.array([first[ci]])
        presale_after = self.spec.orders.presale_ship_after
        self.clock.offsets("ship", when, ship_rule(self.policy, CHANNELS[ci], presale_after), variant=CHANNELS[ci])
        paid = np.array([first[None]])
        self.clock.offsets("auto_confirm", paid, auto_confirm_rule(self.policy))
        self.clock.offsets("settle", paid, settle_rule(self.policy))


def whole_book(spec: ScenarioSpec, policy: Policy, streams: Streams, start: dt.datetime) -> OrderBook:
    """Every order of a run, drawn again from fresh streams of its seed and replication."""
    windows = OrderWindows(spec, policy, streams, merchants_of(spec, streams), start)
    parts: list[OrderBook] = []
    while windows.left:
        parts.append(windows.next())
    columns = [name for name in OrderBook.__slots__ if name not in ("categories", "rules", "first")]
    joined = {
        name: np.concatenate([getattr(part, name) for part in parts]) if parts else np.zeros(0) for name in columns
    }
    return OrderBook(categories=tuple(spec.orders.categories), rules=windows.rules, first=0, **joined)
