"""Tasks: a batch of replications of one arm (a variant or a sweep point), run anywhere.

A task names its scenario file, overrides and variants rather than carrying loaded objects,
so that any executor (a local process pool, a Dask cluster) can run it; the rows it returns
depend only on the task, never on where or in which order it ran.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simkit.metrics import compute

ORDERS_PER_TASK = 5_000
"""A task holds enough replications for about this many orders (some 100 ms of work or more)."""


@dataclass(frozen=True, slots=True)
class Task:
    """A batch of replications of one arm.

    Attributes:
        key: Unique within the experiment (also the task's file name in a store).
        scenario: The scenario file.
        overrides: ``path=value`` overrides, applied in order.
        variants: Policy variant files.
        seed: The seed (replication r uses ``SeedSequence(seed, spawn_key=(r,))``).
        replications: The replication numbers to run.
        labels: Columns written on every row (experiment, variant, point, parameter values).
    """

    key: str
    scenario: str
    overrides: tuple[str, ...]
    variants: tuple[str, ...]
    seed: int
    replications: tuple[int, ...]
    labels: tuple[tuple[str, Any], ...] = field(default=())


def batch_size(orders: int, reps: int) -> int:
    """Replications per task: enough for `ORDERS_PER_TASK` orders, at most `reps`."""
    return max(1, min(reps, math.ceil(ORDERS_PER_TASK / max(orders, 1))))


def batches(replications: range | list[int], size: int) -> list[tuple[int, ...]]:
    """Consecutive replication numbers in groups of `size`."""
    reps = list(replications)
    return [tuple(reps[i : i + size]) for i in range(0, len(reps), size)]


@functools.lru_cache(maxsize=64)
def _scenario(file: str, overrides: tuple[str, ...], variants: tuple[str, ...]) -> Any:
    from simkit.scenario import load_scenario

    return load_scenario(file, list(overrides), list(variants))


def clear_cache() -> None:
    """Forget the scenarios this process has loaded (benchmarks measure cold starts with it)."""
    _scenario.cache_clear()


def run_task(task: Task) -> list[dict[str, Any]]:
    """Run a task's replications (counters only) and return its rows in long form."""
    from simkit.sim.model import Model

    scenario = _scenario(task.scenario, task.overrides, task.variants)
    labels: Mapping[str, Any] = dict(task.labels)
    rows: list[dict[str, Any]] = []
    for rep in task.replications:
        run_id = f"{scenario.id}-s{task.seed}-r{rep}"
        values = compute(Model(scenario, task.seed, rep, None, run_id).run())
        for metric, value in values.items():
            rows.append(
                {"run_id": run_id, **labels, "replication": rep, "seed": task.seed, "metric": metric, "value": value}
            )
    return rows
