"""Case steps on the SimPy clock without a Process (`simkit.sim.driver`)."""

from __future__ import annotations

from typing import Any

import simpy

from simkit.sim.driver import drive, wake_at

NOW, WHEN = 445.84338617695175, 83422.84760295371
"""A clock reading and a later time for which ``NOW + (WHEN - NOW)`` is not ``WHEN`` (one bit lower)."""


def test_wake_at_fires_at_the_exact_time_a_relative_timeout_misses() -> None:
    assert NOW + (WHEN - NOW) == 83422.8476029537  # what env.timeout(WHEN - env.now) would give
    env = simpy.Environment(initial_time=NOW)
    fired: list[float] = []
    wake_at(env, WHEN).callbacks.append(lambda _: fired.append(env.now))
    env.run()
    assert fired == [83422.84760295371]


def test_steps_run_at_once_then_at_each_timeout_in_the_order_a_process_gives() -> None:
    def steps(env: simpy.Environment, name: str, log: list[tuple[float, str]]) -> Any:
        log.append((env.now, f"{name} starts"))
        yield env.timeout(2.0)
        log.append((env.now, f"{name} after 2 h"))
        yield wake_at(env, 5.0)
        log.append((env.now, f"{name} at 5 h"))

    driven: list[tuple[float, str]] = []
    env = simpy.Environment()
    drive(steps(env, "a", driven))
    assert driven == [(0.0, "a starts")]  # the first step runs when driven, before the clock moves
    drive(steps(env, "b", driven))
    env.run()
    processed: list[tuple[float, str]] = []
    env = simpy.Environment()
    env.process(steps(env, "a", processed))
    env.process(steps(env, "b", processed))
    env.run()
    expected = [
        (0.0, "a starts"),
        (0.0, "b starts"),
        (2.0, "a after 2 h"),
        (2.0, "b after 2 h"),
        (5.0, "a at 5 h"),
        (5.0, "b at 5 h"),
    ]
    assert driven == processed == expected
