"""Payment times, drawn hour by hour and handed out in windows of whole hours.

The number of orders paid in each hour is drawn once for the whole order window (a Poisson
count per hour with the daily cycle and surges: one number per hour, small); the times within
the hours come window by window from their own stream position (`Arrivals.paid`). A window's
times, sorted, are exactly the slice of the whole run's sorted times: every time of hour ``h``
lies in ``[h, h + 1]``, so sorting never moves a time across an hour boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simkit.scenario.schema import ScenarioSpec

WINDOW_ORDERS = 1 << 15
"""Orders per window, about (windows are whole hours: at least one hour, and as many as fit)."""


@dataclass(frozen=True, slots=True)
class Window:
    """A run of payments: orders ``first`` to ``last`` (before merchant exits), hours ``hour0`` to ``hour1``."""

    first: int
    last: int
    hour0: int
    hour1: int

    @property
    def size(self) -> int:
        """Orders in the window (before merchant exits)."""
        return self.last - self.first


class Arrivals:
    """The payment hours of a run and its windows.

    Args:
        spec: The scenario.
        rng: The arrivals stream (the hourly counts are drawn from it here; the times within the
            hours are drawn later, from the position it is left at, see `paid`).
        start_hour: The hour of day of the scenario's start.
        window_orders: Orders per window, about.
    """

    def __init__(
        self, spec: ScenarioSpec, rng: np.random.Generator, start_hour: float, window_orders: int = WINDOW_ORDERS
    ) -> None:
        orders = spec.orders
        self.given: np.ndarray | None = None
        self.counts = np.zeros(0, dtype=np.int64)
        self.length = np.zeros(0)
        if orders.times is not None:
            self.given = np.sort(np.asarray(orders.times, dtype=np.float64))
            size = self.given.size
            self.windows = [
                Window(first, min(first + window_orders, size), 0, 0) for first in range(0, size, window_orders)
            ]
            return
        window = min(orders.window or spec.scenario.horizon, spec.scenario.horizon)
        hours = int(np.ceil(window))
        if hours == 0 or orders.count == 0:
            self.windows = []
            return
        grid = np.arange(hours, dtype=np.float64)
        cycle = np.asarray(orders.daily_cycle, dtype=np.float64)
        weight = cycle[((grid + start_hour) // 1 % 24).astype(np.int64)] / cycle.mean()
        start = spec.scenario.start
        for surge in orders.surges:
            since = (surge.start - start).total_seconds() / 3600.0
            mask = (grid + 0.5 >= since) & (grid + 0.5 < since + surge.duration)
            weight[mask] *= surge.multiplier
        self.length = np.minimum(1.0, window - grid)
        rate = orders.count / window * weight * self.length
        self.counts = rng.poisson(rate)
        self.windows = _cut(self.counts, window_orders)

    @property
    def total(self) -> int:
        """Orders paid in the whole run (before merchant exits)."""
        return self.windows[-1].last if self.windows else 0

    def paid(self, window: Window, rng: np.random.Generator) -> np.ndarray:
        """The sorted payment times of a window; `rng` is the times' stream, at the window's first order."""
        if self.given is not None:
            return self.given[window.first : window.last]
        hours = slice(window.hour0, window.hour1)
        counts = self.counts[hours]
        base = np.repeat(np.arange(window.hour0, window.hour1, dtype=np.float64), counts)
        times: np.ndarray = base + rng.random(base.size) * np.repeat(self.length[hours], counts)
        times.sort(kind="stable")
        return times


def _cut(counts: np.ndarray, window_orders: int) -> list[Window]:
    """Windows of whole hours with about `window_orders` orders each (the last may be smaller)."""
    ends = np.cumsum(counts)
    windows: list[Window] = []
    hour, first = 0, 0
    while hour < counts.size:
        # the first hour whose running total reaches the target ends the window
        stop = int(np.searchsorted(ends, first + window_orders, side="left")) + 1
        stop = min(max(stop, hour + 1), counts.size)
        last = int(ends[stop - 1])
        windows.append(Window(first, last, hour, stop))
        hour, first = stop, last
    return windows
