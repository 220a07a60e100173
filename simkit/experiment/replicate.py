"""Replications of one scenario: metrics in long form, mean and 95% CI, the event log."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from simkit.events import MemoryRecorder, NullRecorder, ParquetRecorder, Recorder, empty_frame
from simkit.experiment.stats import half_width, mean_ci
from simkit.metrics import METRICS, Counters, compute
from simkit.scenario.loader import Scenario, load_scenario
from simkit.sim.facts import order_facts
from simkit.sim.model import Model

RecorderName = Literal["memory", "parquet", "none"]


@dataclass
class RunResult:
    """The outcome of `run`.

    Attributes:
        scenario: The scenario that ran.
        seed: The base seed.
        reps: Number of replications.
        metrics: Long form: ``run_id, scenario, policy, variant, replication, seed, metric, value``.
        events: The event log (empty unless the memory recorder was used).
        events_path: The Parquet log, when the Parquet recorder was used.
        facts: The order facts of every replication (``run_id`` and the columns of
            `simkit.sim.facts.order_facts`, times included) when the events were recorded
            (memory or Parquet recorder); empty otherwise. `simkit.logs.export` takes them.
    """

    scenario: Scenario
    seed: int
    reps: int
    metrics: pd.DataFrame
    events: pd.DataFrame
    events_path: Path | None = None
    facts: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per metric: mean, 95% CI low and high, number of replications."""
        rows = []
        for name in METRICS:
            values = self.metrics.loc[self.metrics["metric"] == name, "value"].to_numpy()
            mean, low, high, n = mean_ci(values, name)
            rows.append({"metric": name, "mean": mean, "ci_low": low, "ci_high": high, "n": n})
        return pd.DataFrame(rows)

    def value(self, metric: str) -> float:
        """The mean of `metric` over replications."""
        row = self.summary.set_index("metric")["mean"]
        return float(row[metric])


def run(
    scenario: Scenario | str | Path,
    *,
    seed: int | None = None,
    reps: int | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    recorder: RecorderName | Recorder = "memory",
    events_path: str | Path | None = None,
    on_replication: Callable[[int, int], None] | None = None,
    target_ci: Mapping[str, float] | None = None,
    max_reps: int = 200,
) -> RunResult:
    """Run a scenario's replications.

    Args:
        scenario: A loaded `Scenario` or the path of a scenario file.
        seed: Base seed (default: the scenario's). Replication r uses streams spawned from
            ``SeedSequence(seed, spawn_key=(r,))``: the same under every variant.
        reps: Number of replications (default: the scenario's).
        overrides: ``--set`` style overrides, applied when `scenario` is a path.
        recorder: ``"memory"`` (events as a DataFrame), ``"parquet"`` (written run by run to
            `events_path`), ``"none"`` (counters only), or a recorder object.
        events_path: Where the Parquet recorder writes.
        on_replication: Called with ``(done, total)`` after each replication.
        target_ci: ``{metric: half-width}``: a stopping rule. After `reps` replications (and at
            least 5), add replications until the 95% CI half-width of every named metric is
            below its target, or `max_reps` is reached.
        max_reps: The cap for `target_ci`.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    seed = scenario.spec.scenario.seed if seed is None else seed
    reps = scenario.spec.scenario.replications if reps is None else reps
    rec = _recorder(recorder, events_path)
    rows: list[dict[str, Any]] = []
    facts: list[pd.DataFrame] = []
    total = max(reps, max_reps) if target_ci else reps
    try:
        for r in range(total):
            if target_ci and r >= max(reps, MIN_REPS_FOR_TARGET) and _precise(rows, target_ci):
                break
            run_id = f"{scenario.id}-s{seed}-r{r}"
            model = Model(scenario, seed, r, rec, run_id)
            counters = model.run()
            if rec.records:
                facts.append(order_facts(model, times=True).assign(run_id=run_id))
            del model
            rows.extend(metric_rows(scenario, run_id, r, seed, counters))
            if on_replication is not None:
                on_replication(r + 1, total)
    finally:
        if isinstance(rec, ParquetRecorder):
            rec.close()
    events = rec.frame() if isinstance(rec, MemoryRecorder) else empty_frame()
    path = rec.path if isinstance(rec, ParquetRecorder) else None
    done = len({row["replication"] for row in rows})
    book = pd.concat(facts, ignore_index=True) if facts else pd.DataFrame()
    if len(book):
        book = book[["run_id", *(c for c in book.columns if c != "run_id")]]
    return RunResult(scenario, seed, done, pd.DataFrame(rows), events, path, book)


def metric_rows(
    scenario: Scenario, run_id: str, replication: int, seed: int, counters: Counters
) -> list[dict[str, Any]]:
    """One replication's metrics in long form (run_id, scenario, policy, variant, replication, seed, metric, value)."""
    variant = "+".join(scenario.policy.variant_ids) or "base"
    return [
        {
            "run_id": run_id,
            "scenario": scenario.id,
            "policy": scenario.policy.id,
            "variant": variant,
            "replication": replication,
            "seed": seed,
            "metric": name,
            "value": value,
        }
        for name, value in compute(counters).items()
    ]


MIN_REPS_FOR_TARGET = 5
"""The stopping rule never trusts an interval from fewer replications than this."""


def _precise(rows: list[dict[str, Any]], target: Mapping[str, float]) -> bool:
    """Whether every named metric's 95% CI half-width is within its target."""
    for metric, half in target.items():
        values = [row["value"] for row in rows if row["metric"] == metric]
        if half_width(values) > half:
            return False
    return True


def _recorder(choice: RecorderName | Recorder, path: str | Path | None) -> Recorder:
    if not isinstance(choice, str):
        return choice
    if choice == "memory":
        return MemoryRecorder()
    if choice == "none":
        return NullRecorder()
    if choice == "parquet":
        if path is None:
            raise ValueError("the parquet recorder needs events_path")
        return ParquetRecorder(path)
    raise ValueError(f"unknown recorder {choice!r}: use 'memory', 'parquet' or 'none'")
