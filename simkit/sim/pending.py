"""Cases planned and not started yet, in launch order, kept as columns.

A window's plan holds days of cases ahead of the clock (a case starts after its order's payment
and a drawn delay). Held as Python tuples of `Case` arguments they cost about 1 KB each (twenty
floats and two lists of ten floats); held as columns about 300 bytes. The tuples are made a chunk at
a time, just before their cases start, from the same columns with the same conversions, so every
case gets the same values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simkit.sim.draws import CHANNELS
from simkit.sim.orders import OrderBook
from simkit.sim.plan import CasePlan

CHUNK = 512
"""Rows turned into tuples at a time."""

Keys = tuple[np.ndarray, np.ndarray, np.ndarray]
"""The launch keys of planned cases as columns: start times, case numbers, order ids."""


def plan_columns(book: OrderBook, plan: CasePlan) -> list[np.ndarray]:
    """The `Case` arguments of `plan`'s cases as columns, in `Case`'s argument order (start last)."""
    idx = plan.order - book.first
    categories = np.array(book.categories, dtype=object)[book.category[idx]]
    channels = np.array(CHANNELS, dtype=object)[book.channel[idx]]
    return [
        plan.order,
        plan.case_no,
        book.merchant[idx],
        np.array(plan.reason, dtype=object),
        np.array(plan.kind, dtype=object),
        categories,
        book.price[idx],
        book.free[idx],
        channels,
        book.paid[idx],
        book.ship[idx],
        book.deliver[idx],
        book.confirm[idx],
        book.settle[idx],
        book.settle_offset[idx],
        book.used[idx],
        plan.owns_tail,
        plan.u,
        plan.d,
        plan.start,
    ]


class Pending:
    """The planned cases not started yet, in launch order: (start, case number, order id)."""

    def __init__(self) -> None:
        self._columns: list[np.ndarray] = []
        self._keys: Keys = (np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64))
        self._rows: list[tuple[Any, ...]] = []
        """Tuples of the columns' rows from `_base` on (a chunk)."""
        self._base = 0
        self._pos = 0
        """The next row to start, within `_rows`."""
        self._last: tuple[float, int, int] | None = None
        """The launch key of the last case started."""

    def __len__(self) -> int:
        return self._keys[0].size - self._base - self._pos

    def next(self) -> tuple[Any, ...] | None:
        """The next case's `Case` arguments (its start last), None when none is waiting."""
        if self._pos == len(self._rows):
            first = self._base + self._pos
            if first == self._keys[0].size:
                return None
            last = min(first + CHUNK, self._keys[0].size)
            self._rows = list(zip(*(column[first:last].tolist() for column in self._columns), strict=True))
            self._base, self._pos = first, 0
        return self._rows[self._pos]

    def pop(self) -> tuple[Any, ...]:
        """Take the next case (`next` must have shown one)."""
        row = self._rows[self._pos]
        self._pos += 1
        self._last = (row[-1], row[1], row[0])
        return row

    def add(self, columns: list[np.ndarray], keys: Keys) -> None:
        """Merge a new window's planned cases (in launch order) into those waiting.

        Raises:
            RuntimeError: When a case of the new window should have started before the last one started.
        """
        if not keys[0].size:
            return
        first = (float(keys[0][0]), int(keys[1][0]), int(keys[2][0]))
        if self._last is not None and first < self._last:
            raise RuntimeError(f"a window of orders was drawn after its first case should have started: {first}")
        done = self._base + self._pos
        if done == self._keys[0].size:
            self._columns, self._keys = columns, keys
        else:
            last_waiting = (float(self._keys[0][-1]), int(self._keys[1][-1]), int(self._keys[2][-1]))
            merged = [np.concatenate([old[done:], new]) for old, new in zip(self._columns, columns, strict=True)]
            pairs = zip(self._keys, keys, strict=True)
            start, case_no, order = (np.concatenate([key[done:], more]) for key, more in pairs)
            if first < last_waiting:
                index = np.lexsort((order, case_no, start))
                merged = [column[index] for column in merged]
                start, case_no, order = start[index], case_no[index], order[index]
            self._columns, self._keys = merged, (start, case_no, order)
        self._rows, self._base, self._pos = [], 0, 0


__all__ = ["CHUNK", "Keys", "Pending", "plan_columns"]
