"""Service pools: merchant staff and platform arbiters, first come first served, with daily shifts.

A pool is a multi-server FCFS queue. Because a task's handling time is drawn in advance,
its start is known the moment it joins the queue (the Lindley recursion: the earliest
free agent takes it, no earlier than the next shift start). The model books tasks in
simulation-time order, so this is the same queue a ``simpy.Resource`` would give, at one
SimPy event per task instead of four; the Erlang-C test checks it against theory.
"""

from __future__ import annotations

import heapq
import math

from simkit.rules import in_time
from simkit.scenario.schema import Shift


class Pool:
    """A staff pool. Work starts only inside a shift; a task begun keeps going to its end.

    Attributes:
        capacity: Number of agents.
        busy: Total hours spent on tasks.
        wait: Total hours tasks spent queueing (shift closures included).
        tasks: Number of tasks served.
        dropped: Tasks abandoned because a timer decided the case before an agent was free.
    """

    __slots__ = ("_base", "_every_day", "_free", "_weekday", "busy", "capacity", "dropped", "shifts", "tasks", "wait")

    def __init__(self, capacity: int, shifts: list[Shift] | None, start_hour: float, start_weekday: int = 0) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be > 0, got {capacity}")
        self.capacity = capacity
        self.shifts = [(s.start, s.end, _days(s)) for s in shifts] if shifts else None
        self._base = start_hour
        self._weekday = start_weekday
        self._every_day = self.shifts is not None and all(len(days) == 7 for _, _, days in self.shifts)
        self._free = [0.0] * capacity
        self.busy = 0.0
        self.wait = 0.0
        self.tasks = 0
        self.dropped = 0

    def book(self, t: float, handling: float, deadline: float = math.inf) -> float | None:
        """Join the queue at `t` (never earlier than any earlier booking) for `handling` hours.

        Returns:
            When an agent starts the task, or None when that would be after `deadline`
            (the task is dropped and no agent is used; starting exactly at it is in time).
        """
        free = self._free
        start = t if free[0] <= t else free[0]
        if self.shifts is not None:
            start += self.until_open(start)
        if not in_time(start, deadline):
            self.dropped += 1
            return None
        heapq.heapreplace(free, start + handling)
        self.wait += start - t
        self.tasks += 1
        self.busy += handling
        return start

    def until_open(self, t: float) -> float:
        """Hours from `t` until a shift is on (0 when on now or when there are no shifts)."""
        if self.shifts is None:
            return 0.0
        clock = t + self._base
        hod = clock % 24.0
        if self._every_day:
            if len(self.shifts) == 1:  # one daily shift (the common case), the loop below unrolled
                start, end, _ = self.shifts[0]
                return 0.0 if start <= hod < end else (start - hod) % 24.0
            best = math.inf
            for start, end, _ in self.shifts:
                if start <= hod < end:
                    return 0.0
                best = min(best, (start - hod) % 24.0)
            return best
        weekday = (int(clock // 24.0) + self._weekday) % 7
        best = math.inf
        for start, end, days in self.shifts:
            if weekday in days and start <= hod < end:
                return 0.0
            for ahead in range(8):
                if (weekday + ahead) % 7 in days and (ahead > 0 or start > hod):
                    best = min(best, ahead * 24.0 + start - hod)
                    break
        return best

    def staffed_hours(self, horizon: float) -> float:
        """Agent-hours on shift in ``[0, horizon)``."""
        if self.shifts is None:
            return self.capacity * horizon
        total = 0.0
        days = math.ceil((horizon + self._base) / 24.0) + 1
        for day in range(days):
            for start, end, weekdays in self.shifts:
                if (day + self._weekday) % 7 not in weekdays:
                    continue
                lo = day * 24.0 + start - self._base
                hi = day * 24.0 + end - self._base
                total += max(0.0, min(hi, horizon) - max(lo, 0.0))
        return self.capacity * total


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _days(shift: Shift) -> frozenset[int]:
    """The weekdays (0 = Monday) a shift works."""
    if shift.days is None:
        return frozenset(range(7))
    return frozenset(_WEEKDAYS.index(day) for day in shift.days)
