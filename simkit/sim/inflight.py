"""Orders in flight: those with a case still to start or still running; the others are retired.

An order enters when its window plans its cases and leaves when none of them is planned and no
case of it is referred to any more (a case no process, timer or follow-up refers to can take no
further step, so its order can have no further event). A retired order's case counter goes, and
the recorder hears how far the orders are settled (`Recorder.settled`): every order below the
first one in flight.
"""

from __future__ import annotations

import weakref
from collections import deque

import numpy as np

from simkit.events import Recorder
from simkit.sim.state import Case


class LiveCase(Case):
    """A case that can be watched: when nothing refers to it any more, it can take no further step."""

    __slots__ = ("__weakref__",)


class InFlight:
    """The orders in flight of one run.

    Args:
        recorder: The run's recorder (told which orders are settled).
        case_numbers: The model's last case number per order (a retired order's entry is dropped).
    """

    def __init__(self, recorder: Recorder, case_numbers: dict[int, int]) -> None:
        self.recorder = recorder
        self.case_numbers = case_numbers
        self.cases: dict[int, int] = {}
        """Per order in flight: its cases planned or still referred to."""
        self.ids: deque[int] = deque()
        """Orders in flight in id order; retired ones leave from the front, or when the list is compacted."""
        self.settled = 0
        """Every order below this one is settled (the recorder was told)."""
        self._watched: dict[weakref.ref[LiveCase], int] = {}

    def plan(self, orders: np.ndarray) -> None:
        """A window planned a case for each of `orders` (order ids, ascending across windows)."""
        cases, ids = self.cases, self.ids
        for order in orders.tolist():
            cases[order] = cases.get(order, 0) + 1
        if len(ids) > 2 * len(cases) + 1024:  # retired orders behind a long-lived one: drop them
            kept = [order for order in ids if order in cases]
            ids.clear()
            ids.extend(kept)
        ids.extend(np.unique(orders).tolist())

    def started(self, case: LiveCase) -> None:
        """A planned case started: it stays in flight for as long as something refers to it."""
        self._watched[weakref.ref(case, self._gone)] = case.order

    def settle(self, next_id: int) -> None:
        """Tell the recorder how far the orders are settled (`next_id`: the first order not drawn yet)."""
        ids, cases = self.ids, self.cases
        while ids and ids[0] not in cases:
            ids.popleft()
        below = ids[0] if ids else next_id
        if below > self.settled:
            self.settled = below
            self.recorder.settled(below)

    def first_retired(self) -> bool:
        """Whether the first order in flight has retired since the recorder was last told."""
        ids = self.ids
        return bool(ids) and ids[0] not in self.cases

    def _gone(self, ref: weakref.ref[LiveCase]) -> None:
        """A case nothing refers to any more: retire its order when it was the order's last."""
        order = self._watched.pop(ref)
        left = self.cases[order] - 1
        if left:
            self.cases[order] = left
        else:
            del self.cases[order]
            self.case_numbers.pop(order, None)
