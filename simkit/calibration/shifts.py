"""The merchants' working pattern (shifts) inferred from when replies arrive, and clock arithmetic on it.

Times are hours since the Unix epoch; the pattern is read in China local time (UTC+8, no daylight
saving). A merchant's agent starts work only on shift, so replies fall inside shifts (a task begun
just before a shift ends may finish a little after it: that "spill" hour is recognised by its drop
against the hour before).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LOCAL_OFFSET_H = 8.0
"""China local time is UTC+8."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EPOCH_WEEKDAY = 3
"""1970-01-01 was a Thursday (Monday = 0)."""

ON_SHARE = 0.2
"""An hour of the day is worked when it holds more than this share of the median of the twelve busiest
hours' replies (a closed hour holds none, or a stray few; the hour a shift opens holds the night's
backlog, so the busiest hour alone is no yardstick)."""
SPILL_RATIO = 0.5
"""The last hour of a run is only spill (tasks begun before the shift ended) below this ratio to the hour before."""
OFF_DAY_SHARE = 0.1
"""A weekday is off when it holds less than this share of the median weekday's replies."""
MIN_REPLIES = 100
"""Replies needed to infer the pattern."""


def local_hours(hours: np.ndarray) -> np.ndarray:
    """Hours since the epoch (UTC) as hours since the epoch on the China local clock."""
    return np.asarray(hours, dtype=float) + LOCAL_OFFSET_H


def weekday_of(local: np.ndarray) -> np.ndarray:
    """Weekday (Monday = 0) of local clock hours."""
    return ((np.floor(local / 24.0).astype(np.int64) + _EPOCH_WEEKDAY) % 7).astype(np.int64)


@dataclass(frozen=True)
class WorkPattern:
    """Which hours of the week are worked.

    Attributes:
        hours: The worked hours of the day (start, end) pairs, ``[start, end)``.
        days: The worked weekdays (Monday = 0).
        counts: Replies per hour of the day (the evidence).
        day_counts: Replies per weekday.
        n: Replies read.
    """

    hours: tuple[tuple[int, int], ...]
    days: tuple[int, ...]
    counts: tuple[int, ...] = ()
    day_counts: tuple[int, ...] = ()
    n: int = 0

    @property
    def always(self) -> bool:
        """Whether every hour of the week is worked."""
        return self.hours == ((0, 24),) and len(self.days) == 7

    def shifts(self) -> list[dict[str, object]]:
        """The pattern as scenario shifts (``merchants.shifts``)."""
        out: list[dict[str, object]] = []
        for start, end in self.hours:
            shift: dict[str, object] = {"start": start, "end": end}
            if len(self.days) < 7:
                shift["days"] = [WEEKDAYS[d] for d in self.days]
            out.append(shift)
        return out

    def _mask(self) -> np.ndarray:
        week = np.zeros(168, dtype=bool)
        for day in self.days:
            for start, end in self.hours:
                week[day * 24 + start : day * 24 + end] = True
        return week

    def is_open(self, utc_hours: float) -> bool:
        """Whether the moment (hours since the epoch, UTC) is on shift."""
        local = utc_hours + LOCAL_OFFSET_H
        return bool(self._mask()[_hour_of_week(local)])

    def last_open_before(self, utc_hours: float) -> float:
        """The latest on-shift moment at or before `utc_hours` (itself when on shift); -inf when never."""
        if self.always:
            return utc_hours
        mask = self._mask()
        local = utc_hours + LOCAL_OFFSET_H
        if mask[_hour_of_week(local)]:
            return utc_hours
        hour = math.floor(local)
        for back in range(1, 170):
            if mask[_hour_of_week(hour - back)]:
                return float(hour - back + 1) - LOCAL_OFFSET_H
        return -math.inf

    def next_change(self, utc_hours: float, *, to_open: bool) -> float:
        """The first moment at or after `utc_hours` when the shop opens (`to_open`) or closes; inf when never."""
        if self.always:
            return utc_hours if to_open else math.inf
        mask = self._mask()
        local = utc_hours + LOCAL_OFFSET_H
        if bool(mask[_hour_of_week(local)]) == to_open:
            return utc_hours
        hour = math.floor(local)
        for ahead in range(1, 170):
            if bool(mask[_hour_of_week(hour + ahead)]) == to_open:
                return float(hour + ahead) - LOCAL_OFFSET_H
        return math.inf

    def closed_since(self, utc_hours: float) -> float:
        """When the closed spell that ends at the shift start `utc_hours` began (-inf when always open)."""
        if self.always:
            return utc_hours
        return self.last_open_before(utc_hours - 1e-6)


def _hour_of_week(local: float) -> int:
    day = (math.floor(local / 24.0) + _EPOCH_WEEKDAY) % 7
    return int(day * 24 + math.floor(local % 24.0))


def infer_pattern(reply_hours: np.ndarray) -> WorkPattern:
    """The worked hours of the day and weekdays, from the times of merchant replies (hours since the epoch).

    Args:
        reply_hours: When merchants answered (UTC hours since the epoch).

    Returns:
        The pattern; every hour and day when the evidence shows no closed spell.
    """
    local = local_hours(reply_hours)
    hod = np.floor(local % 24.0).astype(np.int64)
    counts = np.bincount(hod, minlength=24)
    busiest = np.sort(counts)[-12:]
    on = counts > max(ON_SHARE * float(np.median(busiest)), 0.0)
    on = _drop_spill(on, counts)
    runs = _runs(on)
    worked = np.zeros(len(local), dtype=bool)
    for start, end in runs:
        worked |= (hod >= start) & (hod < end)
    day_counts = np.bincount(weekday_of(local[worked]), minlength=7)
    median = float(np.median(day_counts))
    days = tuple(d for d in range(7) if day_counts[d] >= OFF_DAY_SHARE * median) if median > 0 else tuple(range(7))
    return WorkPattern(tuple(runs), days, tuple(int(c) for c in counts), tuple(int(c) for c in day_counts), len(local))


def _drop_spill(on: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mark off the hour after each run of worked hours that holds only tasks spilling past the shift's end."""
    if on.all():
        return on
    out = on.copy()
    for start, end in _runs(on):
        last = (end - 1) % 24
        before = (end - 2) % 24
        if end - start >= 2 and counts[last] < SPILL_RATIO * counts[before]:
            out[last] = False
    return out


def _runs(on: np.ndarray) -> list[tuple[int, int]]:
    """Runs of worked hours as ``[start, end)`` within one day (a run over midnight is split at 0/24)."""
    if on.all():
        return [(0, 24)]
    runs: list[tuple[int, int]] = []
    h = 0
    while h < 24:
        if on[h]:
            start = h
            while h < 24 and on[h]:
                h += 1
            runs.append((start, h))
        else:
            h += 1
    return runs
