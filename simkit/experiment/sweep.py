"""Sweeps over levers and uncertainties: grid, Latin hypercube or Sobol designs, robustness, sensitivity.

Every point runs the same replications on the same seed (common random numbers across
points). Levers (what a rule team or merchant decides) are kept apart from uncertainties
(behaviour assumptions): the robustness view gives, for each lever setting, the metric's
spread over the uncertainty samples and its regret against the best setting at each sample.
Sobol designs give Sobol sensitivity indices (SALib): which assumptions a conclusion rests on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simkit.compliance.findings import Finding
from simkit.compliance.floor import floor_of, strict_refusal
from simkit.experiment.design import Design, build_design
from simkit.experiment.engine import Arm, Progress, execute, plan, to_table
from simkit.experiment.executors import Executor, make_executor, workers_for
from simkit.experiment.stats import mean_ci
from simkit.experiment.store import INPUTS, Store, file_digests
from simkit.experiment.tasks import batch_size
from simkit.metrics import CATALOGUE

Audience = str


@dataclass
class SweepResult:
    """The outcome of `sweep`.

    Attributes:
        table: Long form: ``run_id, experiment, variant, point, replication, seed, param:<path>…, metric, value``.
        design: The design that was run.
        points: Each point's parameter values (override text), by point number.
        reps: Replications per point.
        seed: The seed.
        floor: The policy in force at each point against the national floor (point number →
            `simkit.check_floor` findings; docs/compliance.md).
        notes: What was changed from what was asked (fewer workers than asked).
    """

    table: pd.DataFrame
    design: Design
    points: list[dict[str, str]]
    reps: int
    seed: int
    floor: dict[int, list[Finding]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def _repr_html_(self) -> str:
        """The per-point summary as an HTML table (notebooks)."""
        from simkit._html import frame

        summary = self.summary()
        params = [c for c in summary.columns if c.startswith("param:")]
        caption = (
            f"sweep ({self.design.method}) · {len(self.points)} points × {self.reps} replications · seed {self.seed}"
        )
        return frame(summary, ["point", *params, "metric", "mean", "ci_low", "ci_high", "n"], caption)

    def summary(self, metrics: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per (point, metric): the parameter values, mean and 95% CI, replications."""
        rows = []
        wanted = list(metrics) if metrics is not None else list(CATALOGUE)
        grouped = self.table[self.table["metric"].isin(wanted)].groupby(["point", "metric"], sort=False)
        for (point, metric), group in grouped:
            mean, low, high, n = mean_ci(group["value"].to_numpy(), str(metric))
            params = {f"param:{k}": v for k, v in self.points[int(str(point))].items()}
            rows.append(
                {"point": point, **params, "metric": metric, "mean": mean, "ci_low": low, "ci_high": high, "n": n}
            )
        out = pd.DataFrame(rows)
        if not out.empty:
            order = {m: i for i, m in enumerate(wanted)}
            out = out.sort_values(["point", "metric"], key=lambda c: c.map(order) if c.name == "metric" else c)
        return out.reset_index(drop=True)

    def robustness(self, metric: str, audience: Audience = "platform") -> pd.DataFrame:
        """Per lever setting: the metric's mean, spread and worst value over the uncertainty samples,
        and its regret against the best lever setting at each sample (direction from the catalogue).

        Raises:
            ValueError: Without levers, or when the catalogue gives `audience` no direction for `metric`.
        """
        levers = [f"param:{p}" for p in self.design.levers]
        if not levers:
            raise ValueError("robustness needs --lever: which parameters are decided rather than assumed")
        direction = CATALOGUE[metric].better.get(audience)
        if direction is None:
            raise ValueError(f"the catalogue says nothing of which {metric} is better for {audience}")
        summary = self.summary([metric])
        uncertain = [f"param:{p}" for p in self.design.uncertainties]
        frame = summary.copy()
        frame["_sample"] = frame[uncertain].astype(str).agg("|".join, axis=1) if uncertain else "all"
        best = frame.groupby("_sample")["mean"].transform("min" if direction == "lower" else "max")
        frame["regret"] = (frame["mean"] - best).abs()
        worst = "max" if direction == "lower" else "min"
        out = frame.groupby(levers, sort=True).agg(
            mean=("mean", "mean"),
            spread=("mean", "std"),
            worst=("mean", worst),
            max_regret=("regret", "max"),
            mean_regret=("regret", "mean"),
            samples=("mean", "size"),
        )
        return out.reset_index()

    def sensitivity(self, metric: str) -> pd.DataFrame:
        """Sobol indices (first order S1, total ST, with 95% confidence) of `metric` on the sampled parameters.

        Raises:
            ValueError: When the sweep was not a Sobol design.
        """
        if self.design.method != "sobol":
            raise ValueError("sensitivity analysis needs a Sobol design: sweep with --sobol N --range …")
        from SALib.analyze import sobol

        means = self.summary([metric]).sort_values("point")["mean"].to_numpy(dtype=float)
        if np.isnan(means).any():
            means = np.nan_to_num(means, nan=float(np.nanmean(means)) if np.isfinite(means).any() else 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):  # a metric the parameters never move: NaN indices
            result = sobol.analyze(
                self.design.salib_problem(), means, calc_second_order=False, print_to_console=False, seed=self.seed
            )
        return pd.DataFrame(
            {
                "parameter": [r.path for r in self.design.ranges],
                "S1": result["S1"],
                "S1_conf": result["S1_conf"],
                "ST": result["ST"],
                "ST_conf": result["ST_conf"],
            }
        )

    def response(self, metric: str, lever: str | None = None) -> Any:
        """A figure: `metric` against `lever` (default: the first lever or parameter) with CI bands."""
        from simkit.experiment.figures import response

        return response(self.summary([metric]), metric, lever or (self.design.levers or self.design.parameters)[0])

    def tradeoff(self, x: str, y: str, colour: str | None = None) -> Any:
        """A figure: `x` against `y` over the points, coloured by a parameter (default: the first lever)."""
        from simkit.experiment.figures import tradeoff

        summary = self.summary([x, y])
        name = colour or (self.design.levers or self.design.parameters)[0]
        return tradeoff(summary, x, y, f"param:{name}")

    def sensitivity_bars(self, metric: str) -> Any:
        """A figure: the Sobol indices of `metric`."""
        from simkit.experiment.figures import sensitivity_bars

        return sensitivity_bars(self.sensitivity(metric), metric)


def sweep(
    scenario: str | Path,
    *,
    grid: Sequence[str] = (),
    ranges: Sequence[str] = (),
    lhs: int | None = None,
    sobol: int | None = None,
    levers: Sequence[str] = (),
    overrides: Sequence[str] = (),
    variants: Sequence[str | Path] = (),
    reps: int | None = None,
    seed: int | None = None,
    executor: str | Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    strict: bool = False,
) -> SweepResult:
    """Run a scenario at every point of a design.

    Args:
        scenario: The scenario file.
        grid: ``path=v1,v2,…`` (full grid, crossed with each other and with the samples).
        ranges: ``path=lo:hi`` (sampled by `lhs` or `sobol`).
        lhs: Latin hypercube sample size.
        sobol: Sobol base sample size N (SALib: N × (D + 2) points).
        levers: Parameters that are levers; the others are uncertainties.
        overrides: ``--set`` overrides applied at every point.
        variants: Policy variant files applied at every point.
        reps: Replications per point (default: the scenario's).
        seed: Seed of the runs and of the sampling (default: the scenario's).
        executor: ``local``, ``serial``, ``dask`` or an `Executor`.
        workers: Worker processes.
        address: An existing Dask scheduler.
        out: A directory for resumable results.
        resume: Complete an interrupted sweep in `out`.
        progress: Called with (tasks done, tasks in all).
        strict: Refuse a point whose policy breaks the national floor (a floor violation).

    Raises:
        PolicyError: Under `strict`, one problem per floor violation.
        UsageError: A malformed or unknown grid or range, a bad design, an unreachable Dask
            address, a different experiment in `out`.
    """
    from simkit.scenario import load_scenario

    file = str(Path(scenario))
    base = load_scenario(file, list(overrides), list(variants))
    seed = base.spec.scenario.seed if seed is None else seed
    reps = reps if reps is not None else base.spec.scenario.replications
    design = build_design(base.parameters(), grid, ranges, lhs, sobol, levers, seed)
    points = design.points()
    arms = []
    for number, point in enumerate(points):
        point_overrides = (*overrides, *(f"{path}={value}" for path, value in point.items()))
        labels = (
            ("experiment", "sweep"),
            ("variant", "sweep"),
            ("point", number),
            *((f"param:{k}", v) for k, v in point.items()),
        )
        arms.append(Arm(f"p{number}", point_overrides, tuple(str(v) for v in variants), seed, labels))
    floor = {}
    for number, arm in enumerate(arms):  # a bad value at any point fails before anything runs
        floor[number] = floor_of(load_scenario(file, list(arm.overrides), list(arm.variants)).policy)
    refusal = strict_refusal([f for findings in floor.values() for f in findings]) if strict else None
    if refusal is not None:
        raise refusal
    definition = {
        "kind": "sweep",
        "scenario": file,
        "scenario_text": Path(file).read_text(encoding="utf-8"),
        "design": design.to_dict(),
        "overrides": list(overrides),
        "variants": [str(v) for v in variants],
        INPUTS: file_digests([*base.policy.files, *base.policy.variants]),
        "seed": seed,
        "reps": reps,
    }
    store = Store(out, definition, resume) if out is not None else None
    batch = batch_size(base.spec.orders.count or len(base.spec.orders.times or []), reps)
    tasks = plan(file, arms, range(reps), batch)
    started, note = workers_for(workers, len(tasks))
    notes = [note] if note and isinstance(executor, str) and not address else []
    runner = make_executor(executor, started, address) if isinstance(executor, str) else executor
    try:
        rows = execute(tasks, runner, store, progress)
    finally:
        if isinstance(executor, str):
            runner.close()
    result = SweepResult(to_table(rows, arms), design, points, reps, seed, floor, notes)
    if store is not None:
        store.finish(result.table, result.summary())
    return result
