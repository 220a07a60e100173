"""Paired comparison of a baseline against variants, on common random numbers.

Replication r of every arm runs on the same seed, so each variant's per-replication
difference from the baseline carries little noise. The same comparison is also run with
independent seeds, so the user sees what the pairing bought (the ratio of interval widths).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simkit.compliance.findings import Finding
from simkit.compliance.floor import floor_of, strict_refusal
from simkit.errors import Problem, UsageError
from simkit.experiment.engine import Arm, Progress, execute, plan, to_table
from simkit.experiment.executors import Executor, make_executor, workers_for
from simkit.experiment.stats import independent_difference, mean_ci, paired_difference
from simkit.experiment.store import INPUTS, Store, file_digests
from simkit.experiment.tasks import batch_size
from simkit.metrics import CATALOGUE

INDEPENDENT_SEED_OFFSET = 7_919_000_003
"""Independent-seed arms run on ``seed + INDEPENDENT_SEED_OFFSET`` (streams unrelated to the paired ones)."""
SEEDS = 2**64
"""Seeds are 64-bit: the independent arms' seed wraps around (a base seed near the top stays a valid seed)."""
BASE = "base"
MIN_REPS = 2
"""A paired difference needs two replications for its confidence interval; fewer are raised to this."""
MIN_REPS_FOR_TARGET = 5
"""The stopping rule never trusts an interval from fewer replications than this."""


@dataclass(frozen=True, slots=True)
class VariantSpec:
    """One what-if: policy variant files and/or ``--set`` overrides, with a display name."""

    name: str
    variants: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()


@dataclass
class Comparison:
    """The outcome of `compare`.

    Attributes:
        table: Long form: ``run_id, experiment, variant, point, replication, seed, pairing, metric, value``.
        variants: The what-ifs, in order.
        reps: Replications per arm.
        seed: The base seed.
        scenario: The scenario file.
        metrics: The metrics summarised.
        floor: Each arm's policy against the national floor (``base`` and each variant's name →
            `simkit.check_floor` findings; docs/compliance.md).
        target_reached: With ``target_ci``: whether every target was met (False when `max_reps` stopped it).
        notes: What was changed from what was asked (``--reps 1`` raised to 2, fewer workers than asked).
    """

    table: pd.DataFrame
    variants: list[VariantSpec]
    reps: int
    seed: int
    scenario: str
    metrics: list[str] = field(default_factory=lambda: list(CATALOGUE))
    floor: dict[str, list[Finding]] = field(default_factory=dict)
    target_reached: bool | None = None
    notes: list[str] = field(default_factory=list)

    def values(self, variant: str, metric: str, pairing: str = "paired") -> Any:
        """Per-replication values of `metric` for `variant` (``base`` for the baseline), by replication."""
        t = self.table
        if variant == BASE:
            pairing = "paired"  # the baseline is run once; independent arms differ only in the variants' seeds
        sel = t[(t["variant"] == variant) & (t["metric"] == metric) & (t["pairing"] == pairing)]
        return sel.sort_values("replication")["value"].to_numpy()

    def summary(self) -> pd.DataFrame:
        """One row per (variant, metric): means, the paired difference with its 95% CI, verdict, pairing gain."""
        rows = []
        for spec in self.variants:
            for metric in self.metrics:
                base, var = self.values(BASE, metric), self.values(spec.name, metric)
                diff = paired_difference(base, var)
                indep = independent_difference(
                    self.values(BASE, metric, "independent"), self.values(spec.name, metric, "independent")
                )
                entry = CATALOGUE[metric]
                verdict, better, worse = _verdict(metric, diff.mean, diff.detected)
                rows.append(
                    {
                        "variant": spec.name,
                        "metric": metric,
                        "label": entry.label,
                        "unit": entry.unit,
                        "base": mean_ci(base, metric)[0],
                        "value": mean_ci(var, metric)[0],
                        "diff": diff.mean,
                        "ci_low": diff.low,
                        "ci_high": diff.high,
                        "relative": diff.relative,
                        "verdict": verdict,
                        "better_for": better,
                        "worse_for": worse,
                        "paired_width": diff.width,
                        "independent_width": indep.width,
                        "pairing_gain": indep.width / diff.width if diff.width > 0 else math.nan,
                        "n": diff.n,
                    }
                )
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        """The summary as an HTML table (notebooks): each variant against the baseline, per metric."""
        from simkit._html import frame

        summary = self.summary()
        caption = f"compare {self.scenario} · {self.reps} paired replications · seed {self.seed}"
        columns = ["variant", "metric", "unit", "base", "value", "diff", "ci_low", "ci_high", "relative", "verdict"]
        return frame(summary, [*columns, "better_for", "worse_for", "pairing_gain"], caption)

    def forest(self, metrics: Sequence[str] | None = None, audience: str = "platform") -> Any:
        """A forest plot of the relative differences with their CIs (a matplotlib Figure).

        Args:
            metrics: The metrics shown (default: all).
            audience: Whose "better" colours a detected change: ``buyer``, ``merchant`` or ``platform``.
        """
        from simkit.experiment.figures import forest

        return forest(self.summary(), metrics, audience)


def compare(
    scenario: str | Path,
    variants: Sequence[str | Path | VariantSpec | Mapping[str, Any]] = (),
    *,
    overrides: Sequence[str] = (),
    common: Sequence[str] = (),
    reps: int | None = None,
    seed: int | None = None,
    target_ci: Mapping[str, float] | None = None,
    max_reps: int = 200,
    executor: str | Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    strict: bool = False,
) -> Comparison:
    """Compare the scenario's baseline against each variant, replication by replication.

    Args:
        scenario: The scenario file.
        variants: Variant files, `VariantSpec`s, or mappings ``{name, variants, set}``.
        overrides: ``--set`` overrides forming one more what-if (named by the overrides).
        common: Overrides applied to the baseline and every variant (e.g. a smaller volume).
        reps: Replications per arm (default: the scenario's), at least `MIN_REPS`: 1 is raised to 2.
        seed: Base seed (default: the scenario's).
        target_ci: ``{metric: half-width}``: add replications until the paired difference of
            each named metric is that precise for every variant, up to `max_reps`.
        max_reps: The cap for `target_ci`.
        executor: ``local``, ``serial``, ``dask`` or an `Executor`.
        workers: Worker processes (local or a new Dask cluster).
        address: An existing Dask scheduler (``tcp://HOST:PORT``).
        out: A directory for resumable results (tasks, results.parquet, summary.csv).
        resume: Complete an interrupted experiment in `out`.
        progress: Called with (tasks done, tasks in all).
        strict: Refuse an arm whose policy breaks the national floor (a floor violation).

    Raises:
        PolicyError: Under `strict`, one problem per floor violation.
        UsageError: No variant, an unknown metric in `target_ci`, an unreachable Dask address,
            a different experiment in `out`.
        ScenarioError, PolicyError: A bad scenario, variant or override.
    """
    from simkit.scenario import load_scenario

    specs = _specs(variants, overrides)
    if not specs:
        raise UsageError(Problem("<cli>", 0, "--variant", "compare needs at least one --variant FILE or --set"))
    for metric in target_ci or {}:
        if metric not in CATALOGUE:
            raise UsageError(Problem("<cli>", 0, "--target-ci", f"unknown metric {metric!r}"))
    file = str(Path(scenario))
    common = tuple(common)
    base = load_scenario(file, list(common))
    specs = [VariantSpec(s.name, s.variants, (*common, *s.overrides)) for s in specs]
    floor = {BASE: floor_of(base.policy)}
    inputs = [*base.policy.files, *base.policy.variants]
    for spec in specs:  # validate every arm before running anything
        policy = load_scenario(file, list(spec.overrides), list(spec.variants)).policy
        floor[spec.name] = floor_of(policy)
        inputs += [*policy.files, *policy.variants]
    refusal = strict_refusal([f for findings in floor.values() for f in findings]) if strict else None
    if refusal is not None:
        raise refusal
    seed = base.spec.scenario.seed if seed is None else seed
    asked = reps if reps is not None and reps < MIN_REPS else None
    reps = max(MIN_REPS, reps if reps is not None else base.spec.scenario.replications)
    arms = _arms(specs, seed, common)
    definition = {
        "kind": "compare",
        "scenario": file,
        "scenario_text": Path(file).read_text(encoding="utf-8"),
        "variants": [[s.name, list(s.variants), list(s.overrides)] for s in specs],
        "common": list(common),
        INPUTS: file_digests(dict.fromkeys(inputs)),
        "seed": seed,
        "reps": reps,
        "target_ci": dict(target_ci or {}),
        "max_reps": max_reps,
    }
    store = Store(out, definition, resume) if out is not None else None
    batch = batch_size(base.spec.orders.count or len(base.spec.orders.times or []), reps)
    notes = [f"--reps {asked}: raised to {MIN_REPS}, the fewest a paired confidence interval needs"] if asked else []
    started, note = workers_for(workers, len(plan(file, arms, range(reps), batch)))
    notes += [note] if note and isinstance(executor, str) and not address else []
    runner = make_executor(executor, started, address) if isinstance(executor, str) else executor
    rows: list[dict[str, Any]] = []
    try:
        done_reps = 0
        target_reps = reps
        while True:
            tasks = plan(file, arms, range(done_reps, target_reps), batch)
            rows.extend(execute(tasks, runner, store, progress))
            done_reps = target_reps
            result = Comparison(to_table(rows, arms), specs, done_reps, seed, file, floor=floor, notes=notes)
            enough = done_reps >= MIN_REPS_FOR_TARGET and _precise(result, target_ci or {})
            if target_ci:
                result.target_reached = enough
            if not target_ci or enough or done_reps >= max_reps:
                break
            target_reps = min(max_reps, done_reps + max(2, done_reps // 2))
    finally:
        if isinstance(executor, str):
            runner.close()
    if store is not None:
        store.finish(result.table, result.summary())
    return result


def _precise(result: Comparison, target: Mapping[str, float]) -> bool:
    summary = result.summary()
    for metric, half in target.items():
        widths = summary.loc[summary["metric"] == metric, "paired_width"].to_numpy()
        if (widths / 2 > half).any():
            return False
    return True


def _specs(
    variants: Sequence[str | Path | VariantSpec | Mapping[str, Any]], overrides: Sequence[str]
) -> list[VariantSpec]:
    specs: list[VariantSpec] = []
    for item in variants:
        if isinstance(item, VariantSpec):
            specs.append(item)
        elif isinstance(item, Mapping):
            specs.append(
                VariantSpec(
                    str(item["name"]), tuple(str(v) for v in item.get("variants", ())), tuple(item.get("set", ()))
                )
            )
        else:
            specs.append(VariantSpec(Path(item).stem, (str(item),)))
    if overrides:
        specs.append(VariantSpec(" ".join(overrides), (), tuple(overrides)))
    names = [s.name for s in specs]
    if len(set(names)) != len(names) or BASE in names:
        raise UsageError(Problem("<cli>", 0, "--variant", f"variant names must be unique and not {BASE!r}: {names}"))
    return specs


def _arms(specs: Sequence[VariantSpec], seed: int, common: tuple[str, ...]) -> list[Arm]:
    """The baseline, each variant on the same seed (paired), each variant on an unrelated seed (independent)."""
    arms = [Arm(BASE, common, (), seed, _labels(BASE, "paired"))]
    for pairing, arm_seed in (("paired", seed), ("independent", (seed + INDEPENDENT_SEED_OFFSET) % SEEDS)):
        for spec in specs:
            arms.append(
                Arm(f"{spec.name}~{pairing}", spec.overrides, spec.variants, arm_seed, _labels(spec.name, pairing))
            )
    return arms


def _labels(variant: str, pairing: str) -> tuple[tuple[str, Any], ...]:
    return (("experiment", "compare"), ("variant", variant), ("point", 0), ("pairing", pairing))


def _verdict(metric: str, diff: float, detected: bool) -> tuple[str, str, str]:
    """Plain words for a difference: higher / lower / no detectable difference, and for whom it is better."""
    if not detected or math.isnan(diff) or diff == 0:
        return "no detectable difference at this precision", "", ""
    direction = "higher" if diff > 0 else "lower"
    better = [who for who, good in CATALOGUE[metric].better.items() if good == direction]
    worse = [who for who, good in CATALOGUE[metric].better.items() if good != direction]
    return direction, ", ".join(better), ", ".join(worse)
