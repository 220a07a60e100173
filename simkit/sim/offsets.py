"""Per-day rule offsets for vectorised order timelines.

A timer such as the shipping promise depends only on its start time and the payment
date (which picks the dated policy value in force). For the order book the rule is
called once per (payment day, key) and its answer applied to every order of that day:
the numbers always come from `simkit.rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from simkit.rules import Decision


class DayOffsets:
    """Calls a rule once per payment day and turns its deadline into an offset in hours."""

    def __init__(self, start: dt.datetime) -> None:
        self.start = start
        self._base = start.hour + start.minute / 60 + start.second / 3600
        self.rules: dict[str, tuple[str, ...]] = {}
        self._hours: dict[tuple[str, str, int], float] = {}

    def days(self, paid_h: np.ndarray) -> np.ndarray:
        """The payment day index (0 = the start date) of each time."""
        return np.floor((paid_h + self._base) / 24.0).astype(np.int64)

    def day_start(self, day: int) -> dt.datetime:
        """Midnight of day `day`."""
        midnight = dt.datetime.combine(self.start.date(), dt.time(), tzinfo=self.start.tzinfo)
        return midnight + dt.timedelta(days=int(day))

    def offsets(
        self,
        key: str,
        paid_h: np.ndarray,
        rule: Callable[[dt.datetime], tuple[Decision, dt.datetime]],
        variant: str = "",
    ) -> np.ndarray:
        """Hours from the timer's start to its deadline, for each order.

        The rule is called once per payment day and (key, variant), however many windows of
        orders ask; `rules` keeps the rule ids of the first call made for each key.

        Args:
            key: A name for the rule ids found (see `rules`).
            paid_h: Payment times in simulation hours.
            rule: Given a payment moment, returns the decision and the timer's start moment.
            variant: What else the rule depends on besides the day (e.g. the sales channel).
        """
        if paid_h.size == 0:
            return np.zeros(0)
        days = self.days(paid_h)
        unique, inverse = np.unique(days, return_inverse=True)
        values = np.empty(unique.size)
        for i, day in enumerate(unique.tolist()):
            known = self._hours.get((key, variant, day))
            if known is None:
                decision, since = rule(self.day_start(day))
                known = np.inf if decision.deadline is None else (decision.deadline - since).total_seconds() / 3600.0
                self._hours[(key, variant, day)] = known
                self.rules.setdefault(key, decision.rules)
            values[i] = known
        return values[inverse]
