"""`simkit report RESULTS_DIR [--out report.html]`: a report from saved results.

RESULTS_DIR holds a ``report.json`` (written by ``--report`` on check, audit, compare or sweep),
the output of ``simkit run --out`` (``run.json`` and ``metrics.csv``), or the output of
``simkit compare``/``simkit sweep --out`` (``experiment.json`` and ``results.parquet``). With
``--out`` the HTML, Markdown and JSON versions are written together, all or none: into a
directory, or beside a file named ``….html``, ``….md`` or ``….json`` (they share its stem).
Without ``--out`` the Markdown version is printed and nothing is written.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from simkit.errors import Problem, SimkitError


def add_parser(subparsers: Any) -> None:
    """Register ``simkit report``."""
    p = subparsers.add_parser(
        "report",
        help="write an HTML, Markdown and JSON report from saved results",
        description="Render the results in RESULTS_DIR (report.json; run.json + metrics.csv; or a compare or "
        "sweep --out directory) as a report. Without --out the Markdown version is printed.",
    )
    p.add_argument("results", type=Path, metavar="RESULTS_DIR", help="a --report or --out directory")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="a directory (it then holds report.html, report.md, report.json), or a file ending in .html, .md "
        "or .json (the three versions share its stem); an earlier report there is replaced as a whole",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit report``."""
    from simkit.outputs import Outputs
    from simkit.report.render import declare_report, render_markdown, write_report

    if args.out is None:
        print(render_markdown(load_results(args.results)), end="")
        return 0
    declare_report(Outputs(), args.out, "--out")  # a bad target is refused before the results are read
    paths = write_report(load_results(args.results), args.out, "--out")
    print(f"report: {paths['html']} (also {paths['md'].name}, {paths['json'].name})")
    return 0


def load_results(folder: Path) -> Any:
    """The `Report` for a results directory.

    Raises:
        SimkitError: When the directory holds no results simkit can read (naming the file at fault).
    """
    from simkit.report import Report, run_report

    if not folder.exists():
        raise SimkitError(Problem(str(folder), 0, "", "no such directory"))
    if not folder.is_dir():
        raise SimkitError(Problem(str(folder), 0, "", "not a directory; give a --report or --out directory"))
    saved = folder / "report.json"
    if saved.is_file():
        data = _json(saved)
        try:
            return Report.from_dict(data)
        except (ValueError, AttributeError) as exc:
            raise SimkitError(Problem(str(saved), 0, "", str(exc))) from None
    run_file, metrics_file = folder / "run.json", folder / "metrics.csv"
    if run_file.is_file() and metrics_file.is_file():
        return run_report(_run_info(run_file), _metrics(metrics_file))
    experiment, results = folder / "experiment.json", folder / "results.parquet"
    if experiment.is_file():
        return _experiment_report(experiment, results)
    raise SimkitError(
        Problem(
            str(folder),
            0,
            "",
            "no report.json, nor run.json and metrics.csv, nor experiment.json and results.parquet, in this directory",
        )
    )


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SimkitError(Problem(str(path), exc.lineno, "", f"not JSON: {exc.msg}")) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise SimkitError(Problem(str(path), 0, "", f"cannot be read: {reason}")) from None


def _run_info(path: Path) -> dict[str, Any]:
    """The run.json of ``simkit run --out``, checked to describe a run."""
    data = _json(path)
    if not isinstance(data, dict):
        found = "null" if data is None else type(data).__name__
        raise SimkitError(Problem(str(path), 1, "", f"not the run.json of simkit run --out (an object, found {found})"))
    scenario = data.get("scenario")
    if not isinstance(scenario, dict) or not scenario.get("id"):
        raise SimkitError(Problem(str(path), 1, "scenario.id", "missing: not the run.json of simkit run --out"))
    for key in ("seed", "replications"):
        if not isinstance(data.get(key), int) or isinstance(data.get(key), bool):
            raise SimkitError(Problem(str(path), 1, key, "missing or not a whole number"))
    if not isinstance(data.get("policy", {}), dict):
        raise SimkitError(Problem(str(path), 1, "policy", "not an object"))
    return data


def _metrics(path: Path) -> Any:
    """The metrics.csv of ``simkit run --out``: columns metric and value, catalogue metrics, numbers."""
    import pandas as pd

    from simkit.metrics import CATALOGUE

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise SimkitError(Problem(str(path), 0, "", f"not a CSV file: {str(exc).splitlines()[0]}")) from None
    if not {"metric", "value"} <= set(frame.columns):
        raise SimkitError(Problem(str(path), 1, "", "expected the columns metric and value"))
    values = pd.to_numeric(frame["value"].replace("", "nan"), errors="coerce")
    for index, (metric, raw, value) in enumerate(zip(frame["metric"], frame["value"], values, strict=True)):
        line = index + 2
        if metric not in CATALOGUE:
            raise SimkitError(Problem(str(path), line, "metric", f"unknown metric {metric!r}"))
        if math.isnan(value) and raw.lower() not in ("", "nan"):
            raise SimkitError(Problem(str(path), line, "value", f"not a number: {raw!r}"))
        if math.isinf(value):
            raise SimkitError(Problem(str(path), line, "value", f"not a finite number: {raw!r}"))
    if frame.empty:
        raise SimkitError(Problem(str(path), 1, "", "holds no metrics"))
    frame["value"] = values
    return frame


def _experiment_report(definition_file: Path, results: Path) -> Any:
    """The report of a ``compare`` or ``sweep --out`` directory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from simkit.cli.compare import DEFAULT_METRICS as COMPARE_METRICS
    from simkit.cli.sweep import DEFAULT_METRICS as SWEEP_METRICS
    from simkit.experiment.compare import Comparison, VariantSpec
    from simkit.experiment.design import Design, Range
    from simkit.experiment.sweep import SweepResult
    from simkit.report.experiments import compare_report, sweep_report

    definition = _json(definition_file)
    kind = definition.get("kind") if isinstance(definition, dict) else None
    if kind not in ("compare", "sweep"):
        raise SimkitError(Problem(str(definition_file), 1, "kind", "not the definition of a compare or sweep"))
    if not results.is_file():
        raise SimkitError(
            Problem(str(results), 0, "", "missing: the experiment is not complete; finish it with --resume")
        )
    try:
        table = pq.read_table(results).to_pandas()
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise SimkitError(Problem(str(results), 0, "", f"not readable: {str(exc).splitlines()[0]}")) from None
    needed = {"replication", "metric", "value", "variant", "point"} | ({"pairing"} if kind == "compare" else set())
    if not needed <= set(table.columns) or table.empty:
        raise SimkitError(Problem(str(results), 0, "", "not the results of a simkit compare or sweep"))
    reps = int(table["replication"].nunique())
    try:
        seed, scenario = int(definition["seed"]), str(definition["scenario"])
        if kind == "compare":
            specs = [VariantSpec(str(n), tuple(map(str, v)), tuple(map(str, o))) for n, v, o in definition["variants"]]
            return compare_report(Comparison(table, specs, reps, seed, scenario), COMPARE_METRICS)
        raw = definition["design"]
        design = Design(
            grid=tuple((str(path), tuple(map(str, values))) for path, values in raw["grid"].items()),
            ranges=tuple(
                Range(str(path), float(lo), float(hi), str(unit), bool(integer))
                for path, (lo, hi, unit, integer) in raw["ranges"].items()
            ),
            method=str(raw["method"]),
            samples=int(raw["samples"]),
            levers=tuple(map(str, raw["levers"])),
            seed=int(raw["seed"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        message = f"not a complete experiment definition ({exc})"
        raise SimkitError(Problem(str(definition_file), 1, "", message)) from None
    return sweep_report(SweepResult(table, design, design.points(), reps, seed), SWEEP_METRICS)
