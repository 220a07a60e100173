"""Running a case's steps on the SimPy clock without a `simpy.Process` per case.

A case's steps are a generator that yields fresh timeouts only (it never waits on another
process, and nobody waits on it). A `simpy.Process` would add two events per case (its
start and its end) and a general-purpose resume on every wake-up; `drive` starts the steps
at once and resumes them straight from each timeout's callback. The steps run at the same
simulation times and create their timeouts in the same order as under a Process.
"""

from __future__ import annotations

from collections.abc import Generator
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL


class _Steps:
    """Resumes one generator of steps whenever the timeout it last yielded fires."""

    __slots__ = ("_send",)

    def __init__(self, steps: Generator[Any, Any, Any]) -> None:
        self._send = steps.send

    def __call__(self, _fired: object = None) -> None:
        try:
            timeout = self._send(None)
        except StopIteration:
            return
        timeout.callbacks.append(self)


def wake_at(env: simpy.Environment, when: float) -> simpy.Event:
    """An event that fires at simulation time `when` exactly, like a timeout yielded then.

    ``env.timeout(when - env.now)`` would fire at ``env.now + (when - env.now)``, which can
    differ from `when` in the last bit; a step that settled the waits before it without
    waking up needs the exact time. (SimPy 4 keeps its schedule in ``env._queue``, ordered
    by time, priority and event number.)
    """
    event = simpy.Event(env)
    event._ok, event._value = True, None
    heappush(env._queue, (when, NORMAL, next(env._eid), event))
    return event


def drive(steps: Generator[Any, Any, Any]) -> None:
    """Run `steps` now up to its first timeout; each timeout, when it fires, runs it on to the next."""
    _Steps(steps)()


__all__ = ["drive", "wake_at"]
