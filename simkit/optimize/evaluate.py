"""Evaluating candidates: every candidate on the same seeds (common random numbers), through the experiment engine.

A candidate is one setting of the levers. It runs as one arm per uncertainty sample (one
arm when nothing is uncertain), on the experiment engine and executors (`simkit.experiment.engine`),
so that a local pool and a Dask cluster give the same table, and an experiment store makes a
killed search resumable. A candidate already evaluated in a phase is never simulated again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simkit.experiment.engine import Arm, Progress, execute, plan, to_table
from simkit.experiment.executors import Executor
from simkit.experiment.store import Store
from simkit.metrics import CATALOGUE


@dataclass(frozen=True, slots=True)
class Candidate:
    """One setting of the levers: ``(path, override text)`` in lever order."""

    values: tuple[tuple[str, str], ...]

    @property
    def key(self) -> str:
        """A short, stable name (the same setting always has the same key)."""
        digest = hashlib.sha256(json.dumps(self.values).encode("utf-8")).hexdigest()[:10]
        return f"c{digest}"

    def as_dict(self) -> dict[str, str]:
        """Path → override text."""
        return dict(self.values)


@dataclass
class Evaluations:
    """What one phase measured: per candidate, per metric, the values by (uncertainty sample, replication)."""

    reps: int
    samples: int
    values: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def of(self, key: str, metric: str) -> np.ndarray:
        """``(samples, reps)`` values of `metric` for candidate `key`."""
        return self.values[key][metric]

    def __contains__(self, key: object) -> bool:
        return key in self.values


class Evaluator:
    """Runs candidates in phases (``search``, ``recheck``) and keeps every row.

    Args:
        scenario: The scenario file.
        overrides: ``--set`` overrides applied to every candidate.
        variants: Policy variant files applied to every candidate.
        samples: The uncertainty samples (path → override text), the same for every candidate;
            ``[{}]`` when nothing is uncertain.
        executor: Where tasks run.
        store: The experiment store (resume), or None.
        batch: Replications per task.
        progress: Called with (simulations done, simulations in the phase's current call).
    """

    def __init__(
        self,
        scenario: str,
        overrides: Sequence[str],
        variants: Sequence[str],
        samples: Sequence[dict[str, str]],
        executor: Executor,
        store: Store | None,
        batch: int,
        progress: Progress | None = None,
    ) -> None:
        self.scenario = scenario
        self.overrides = tuple(overrides)
        self.variants = tuple(variants)
        self.samples = list(samples) or [{}]
        self.executor = executor
        self.store = store
        self.batch = batch
        self.progress = progress
        self.arms: list[Arm] = []
        self.rows: list[dict[str, Any]] = []
        self.simulations = 0
        self.phases: dict[str, Evaluations] = {}

    def evaluate(self, candidates: Sequence[Candidate], phase: str, seed: int, reps: int) -> Evaluations:
        """Evaluate the candidates not yet evaluated in `phase` on `reps` replications of `seed`.

        Returns:
            The phase's evaluations so far (these candidates included).
        """
        found = self.phases.setdefault(phase, Evaluations(reps, len(self.samples)))
        fresh = list({c.key: c for c in candidates if c.key not in found}.values())
        arms = []
        for candidate in fresh:
            for number, sample in enumerate(self.samples):
                settings = {**candidate.as_dict(), **sample}
                labels = (
                    ("phase", phase),
                    ("candidate", candidate.key),
                    ("sample", number),
                    *((f"param:{path}", value) for path, value in settings.items()),
                )
                overrides = (*self.overrides, *(f"{path}={value}" for path, value in settings.items()))
                arms.append(Arm(f"{phase}-{candidate.key}-u{number}", overrides, self.variants, seed, labels))
        if not arms:
            return found
        rows = execute(plan(self.scenario, arms, range(reps), self.batch), self.executor, self.store, self.progress)
        self.arms.extend(arms)
        self.rows.extend(rows)
        self.simulations += len(arms) * reps
        found.values.update(_arrays(rows, [c.key for c in fresh], len(self.samples), reps))
        return found

    def table(self) -> pd.DataFrame:
        """Every evaluation in long form, in the order candidates were evaluated."""
        return to_table(self.rows, self.arms)


def _arrays(rows: list[dict[str, Any]], keys: list[str], samples: int, reps: int) -> dict[str, dict[str, np.ndarray]]:
    """Rows as ``{candidate: {metric: (samples, reps) array}}`` (replications in their order)."""
    out = {key: {metric: np.full((samples, reps), np.nan) for metric in CATALOGUE} for key in keys}
    for row in rows:
        key = row["candidate"]
        if key not in out or row["metric"] not in CATALOGUE:
            continue
        out[key][row["metric"]][int(row["sample"]), int(row["replication"]) % reps] = float(row["value"])
    return out
