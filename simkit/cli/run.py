"""`simkit run SCENARIO`: replications, metrics with 95% CI, and optionally files in --out."""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from simkit.cli._args import add_scenario_arguments
from simkit.cli._experiment import MAX_REPS, MAX_SEED, check_count, fmt, parse_metric_bounds
from simkit.cli._floor import add_floor_arguments, floor_json, refuse, warn
from simkit.cli._io import dumps
from simkit.metrics import CATALOGUE
from simkit.outputs import output_set, write_file

OUTPUTS = ("events.parquet", "metrics.csv", "run.json")


def add_parser(subparsers: Any) -> None:
    """Register ``simkit run``."""
    p = subparsers.add_parser(
        "run",
        help="run a scenario and print its metrics",
        description="Run a scenario's replications; print mean and 95% CI of each metric.",
    )
    add_scenario_arguments(p, "override a scenario or policy parameter (repeatable); see `simkit params`")
    p.add_argument("--seed", type=int, default=None, help="base seed (default: the scenario's)")
    p.add_argument("--reps", type=int, default=None, help="replications (default: the scenario's)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write events.parquet, metrics.csv and run.json here, as a set: all or none (a new directory, "
        "or one an earlier run wrote, which is replaced)",
    )
    p.add_argument(
        "--export",
        action="append",
        default=[],
        metavar="SHAPE",
        help="also write the log as a platform would export it, in DIR/export/SHAPE/ (with --out; repeatable): "
        "simkit (events.csv), taobao (refunds.csv, trades.csv), wechat (aftersale_orders.jsonl, orders.jsonl)",
    )
    p.add_argument(
        "--target-ci",
        action="append",
        default=[],
        metavar="METRIC=HALFWIDTH",
        help="add replications until the metric's 95%% CI half-width is below this (stopping rule)",
    )
    p.add_argument("--max-reps", type=int, default=200, help="cap on replications for --target-ci")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    add_floor_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit run``."""
    from simkit.compliance.floor import floor_of
    from simkit.experiment import run as run_experiment
    from simkit.scenario import load_scenario

    check_count("--reps", args.reps, 1, MAX_REPS)
    check_count("--seed", args.seed, 0, MAX_SEED)
    target = parse_metric_bounds(args.target_ci)
    shapes = _export_shapes(args.export, args.out)
    check_count("--max-reps", args.max_reps, 1, MAX_REPS)
    scenario = load_scenario(args.scenario, args.overrides, args.variant)
    floor = floor_of(scenario.policy)
    refuse(floor, args)
    reps = args.reps or scenario.spec.scenario.replications
    stop = {"target_ci": target, "max_reps": args.max_reps} if target else {}
    if args.out is None:
        with _progress(args.quiet or args.json, reps, scenario.id) as tick:
            result = run_experiment(scenario, seed=args.seed, reps=reps, recorder="none", on_replication=tick, **stop)
    else:
        with output_set(args.out, (*OUTPUTS, *_export_names(shapes)), earlier=_every_export()) as staging:
            with _progress(args.quiet or args.json, reps, scenario.id) as tick:
                result = run_experiment(
                    scenario,
                    seed=args.seed,
                    reps=reps,
                    recorder="parquet",
                    events_path=staging / "events.parquet",
                    on_replication=tick,
                    keep_facts=bool(shapes),
                    **stop,
                )
            write_file(staging / "metrics.csv", result.metrics.to_csv(index=False))
            write_file(staging / "run.json", dumps(_run_info(result, args)))
            if shapes:
                _write_exports(staging, shapes, result)
    summary = result.summary
    missed = _missed_target(summary, target, args.max_reps)
    if args.json:
        payload = _as_json(result)
        if target:
            payload |= {"target_ci": dict(target), "target_reached": not missed}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_table(result, summary)
        if missed:
            print(missed)
        if args.out is not None:
            exported = "".join(f", export/{shape}/" for shape in shapes)
            print(f"wrote {args.out / 'events.parquet'}, metrics.csv, run.json{exported}")
    warn(floor, args, scenario.policy.files)
    return 0


def _missed_target(summary: Any, target: Any, max_reps: int) -> str:
    """What to say when ``--target-ci`` stopped at ``--max-reps`` short of its target ("" otherwise)."""
    halves = {row.metric: (row.ci_high - row.ci_low) / 2 for row in summary.itertuples()}
    short = [f"{m} ±{fmt(halves[m])} (target ±{h:g})" for m, h in target.items() if not halves[m] <= h]
    return f"--target-ci not reached: stopped at --max-reps {max_reps} with {'; '.join(short)}" if short else ""


def _export_shapes(values: list[str], out: Path | None) -> list[str]:
    """The export shapes asked for (each once, in the order given).

    Raises:
        UsageError: On an unknown shape, or ``--export`` without ``--out``.
    """
    from simkit.errors import UsageError
    from simkit.logs.export import SHAPES

    shapes = list(dict.fromkeys(values))
    for shape in shapes:
        if shape not in SHAPES:
            raise UsageError.at("<cli>", 0, "--export", f"unknown shape {shape!r}; use one of {', '.join(SHAPES)}")
    if shapes and out is None:
        raise UsageError.at("<cli>", 0, "--export", "needs --out DIR: the export is written to DIR/export/SHAPE/")
    return shapes


def _export_names(shapes: list[str]) -> list[str]:
    from simkit.logs.export import FILES

    return [f"export/{shape}/{name}" for shape in shapes for name in FILES[shape]]


def _every_export() -> list[str]:
    """The files of every export shape (what an earlier run into the same --out may have written)."""
    from simkit.logs.export import SHAPES

    return _export_names(list(SHAPES))


def _write_exports(staging: Path, shapes: list[str], result: Any) -> None:
    """Write each export shape of the run's log into the staging directory (part of the --out set)."""
    import pyarrow.parquet as pq

    from simkit.logs.export import export_tables, render

    events = pq.read_table(staging / "events.parquet").to_pandas()
    for shape in shapes:
        folder = staging / "export" / shape
        folder.mkdir(parents=True)
        for name, table in export_tables(events, result.facts, shape).items():
            write_file(folder / name, render(name, table))


class _progress:
    """A rich progress bar over replications (nothing when quiet or not a terminal)."""

    def __init__(self, quiet: bool, total: int, label: str) -> None:
        self.quiet, self.total, self.label = quiet, total, label
        self._progress: Any = None

    def __enter__(self) -> Any:
        if self.quiet or not sys.stderr.isatty():
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
            console=_console(stderr=True),
        )
        self._progress.start()
        task = self._progress.add_task(f"run {self.label}", total=self.total)
        return lambda done, _total: self._progress.update(task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def escape(text: str) -> str:
    """`text` with rich markup escaped."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr)


def _print_table(result: Any, summary: Any) -> None:
    """The metrics table; on a terminal too narrow for a label column, each label goes under its metric."""
    from rich.cells import cell_len
    from rich.table import Table

    rows = []
    for row in summary.itertuples():
        entry = CATALOGUE[row.metric]
        ci = "" if row.n < 2 else f"[{fmt(row.ci_low)}, {fmt(row.ci_high)}]"
        rows.append((row.metric, fmt(row.mean), ci, entry.unit, entry.label))
    console = _console()
    columns = [max([cell_len(title), *(cell_len(r[i]) for r in rows)]) for i, title in enumerate(_COLUMNS)]
    wide = sum(columns) + 3 * len(columns) + 1 <= console.width
    table = Table(
        title=f"{result.scenario.id} · policy {result.scenario.policy.id} · seed {result.seed} · "
        f"{result.reps} replication(s)"
    )
    table.add_column("metric" if wide else "metric / label", no_wrap=wide, min_width=columns[0])
    table.add_column("mean", justify="right", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)
    table.add_column("unit", style="dim", no_wrap=True)
    if wide:
        table.add_column("label", style="dim")
    for metric, mean, ci, unit, label in rows:
        if wide:
            table.add_row(metric, mean, ci, unit, label)
        else:
            table.add_row(f"{metric}\n[dim]{escape(label)}[/dim]", mean, ci, unit)
    console.print(table)


_COLUMNS = ("metric", "mean", "95% CI", "unit", "label")


def _as_json(result: Any) -> dict[str, Any]:
    def clean(x: float) -> float | None:
        return None if isinstance(x, float) and math.isnan(x) else x

    return {
        "scenario": result.scenario.id,
        "policy": result.scenario.policy.id,
        "seed": result.seed,
        "replications": result.reps,
        "metrics": {
            row.metric: {
                "label": CATALOGUE[row.metric].label,
                "unit": CATALOGUE[row.metric].unit,
                "kind": CATALOGUE[row.metric].kind,
                "mean": clean(row.mean),
                "ci_low": clean(row.ci_low),
                "ci_high": clean(row.ci_high),
                "n": row.n,
            }
            for row in result.summary.itertuples()
        },
        "floor": floor_json(result.floor),
    }


def _run_info(result: Any, args: argparse.Namespace) -> dict[str, Any]:
    sc = result.scenario
    packages = {name: _version(name) for name in ("simkit", "simpy", "numpy", "pandas", "pyarrow", "pydantic")}
    return {
        "scenario": {"id": sc.id, "file": sc.file},
        "policy": {
            "id": sc.policy.id,
            "files": list(sc.policy.files),
            "variants": list(sc.policy.variants),
            "sha256": sc.policy.digest,
        },
        "seed": result.seed,
        "replications": result.reps,
        "overrides": {path: value for path, value in sc.overrides},
        "versions": {"python": platform.python_version(), **packages},
        "metrics": _as_json(result)["metrics"],
        "floor": floor_json(result.floor),
    }


def _version(name: str) -> str:
    try:
        return version(name)
    except Exception:
        return "unknown"
