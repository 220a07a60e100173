"""Running arms (a baseline, a variant, a sweep point) as tasks on an executor, with an optional store.

Rows come back in long form and are sorted by (arm order, replication, metric order), so the
table is the same whatever the executor, the number of workers or the order tasks finished in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simkit.experiment.executors import Executor
from simkit.experiment.store import Store
from simkit.experiment.tasks import Task, batches
from simkit.metrics import CATALOGUE

Progress = Callable[[int, int], None]
"""Called with (tasks done, tasks in all) as tasks finish."""


@dataclass(frozen=True, slots=True)
class Arm:
    """One thing to replicate: the scenario with these overrides and variants, on this seed.

    Attributes:
        name: Unique label (a variant's name, ``p12`` for a sweep point).
        overrides: ``path=value`` overrides.
        variants: Policy variant files.
        seed: The base seed.
        labels: Columns written on its rows (experiment, variant, point, parameters).
    """

    name: str
    overrides: tuple[str, ...]
    variants: tuple[str, ...]
    seed: int
    labels: tuple[tuple[str, Any], ...]


def plan(scenario: str, arms: Sequence[Arm], replications: range, batch: int) -> list[Task]:
    """Tasks for the replications `replications` of every arm, `batch` replications each."""
    tasks = []
    slugs = _slugs([arm.name for arm in arms])
    for arm in arms:
        for group in batches(replications, batch):
            key = f"{slugs[arm.name]}-s{arm.seed}-r{group[0]}-{group[-1]}"
            labels = (("arm", arm.name), *arm.labels)
            tasks.append(Task(key, scenario, arm.overrides, arm.variants, arm.seed, group, labels))
    return tasks


def execute(
    tasks: Sequence[Task], executor: Executor, store: Store | None = None, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """Run the tasks not yet in `store` and return every task's rows (stored ones included)."""
    done = store.done() if store is not None else set()
    todo = [t for t in tasks if t.key not in done]
    cached = [t.key for t in tasks if t.key in done]
    rows = store.load(cached) if store is not None else []
    total, finished = len(tasks), len(cached)
    if progress is not None:
        progress(finished, total)
    for task, task_rows in executor.run(todo):
        if store is not None:
            store.save(task.key, task_rows)
        rows.extend(task_rows)
        finished += 1
        if progress is not None:
            progress(finished, total)
    return rows


def to_table(rows: list[dict[str, Any]], arms: Sequence[Arm]) -> pd.DataFrame:
    """Rows as a DataFrame in a canonical order: arms as given, replication, catalogue metric order."""
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    arm_order = {arm.name: i for i, arm in enumerate(arms)}
    metric_order = {name: i for i, name in enumerate(CATALOGUE)}
    table["_arm"] = table["arm"].map(arm_order)
    table["_metric"] = table["metric"].map(metric_order)
    table = table.sort_values(["_arm", "replication", "_metric"], kind="stable")
    return table.drop(columns=["_arm", "_metric", "arm"]).reset_index(drop=True)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80]


def _slugs(names: Sequence[str]) -> dict[str, str]:
    """A file-name-safe slug for each distinct name, unique among them.

    A name that keeps its slug's sense (only ``~`` or nothing replaced) keeps it, so that the
    task files of an earlier experiment still match; a name that loses characters (``变体甲``
    becomes ``_``) or whose slug another name shares gets a short hash of the whole name.
    """
    plain = {name: _slug(name) for name in names}
    taken = list(plain.values())
    out = {}
    for name, slug in plain.items():
        lossy = slug != name.replace("~", "_")
        if lossy or taken.count(slug) > 1:
            slug = f"{slug[:70]}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]}"
        out[name] = slug
    return out
