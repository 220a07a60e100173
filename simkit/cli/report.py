"""`simkit report RESULTS_DIR --out report.html`: a report from saved results.

RESULTS_DIR holds either a ``report.json`` (written by ``--report`` on check or audit) or the
output of ``simkit run --out`` (``run.json`` and ``metrics.csv``). The HTML, Markdown and JSON
versions are written together (``--out`` names the HTML file; the others share its stem).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from simkit.errors import Problem, SimkitError


def add_parser(subparsers: Any) -> None:
    """Register ``simkit report``."""
    p = subparsers.add_parser(
        "report",
        help="write an HTML, Markdown and JSON report from saved results",
        description="Render the results in RESULTS_DIR (report.json, or run.json + metrics.csv) as a report.",
    )
    p.add_argument("results", type=Path, metavar="RESULTS_DIR", help="a --report or --out directory")
    p.add_argument("--out", type=Path, default=Path("report.html"), help="the HTML file (default: report.html)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit report``."""
    from simkit.report import write_report

    report = load_results(args.results)
    paths = write_report(report, args.out)
    print(f"report: {paths['html']} (also {paths['md'].name}, {paths['json'].name})")
    return 0


def load_results(folder: Path) -> Any:
    """The `Report` for a results directory.

    Raises:
        SimkitError: When the directory holds no results simkit can read.
    """
    import pandas as pd

    from simkit.report import Report, run_report

    saved = folder / "report.json"
    if saved.is_file():
        try:
            return Report.from_dict(json.loads(saved.read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise SimkitError(Problem(str(saved), exc.lineno, "", f"not JSON: {exc.msg}")) from None
        except ValueError as exc:
            raise SimkitError(Problem(str(saved), 0, "", str(exc))) from None
    run_file, metrics_file = folder / "run.json", folder / "metrics.csv"
    if run_file.is_file() and metrics_file.is_file():
        try:
            run = json.loads(run_file.read_text(encoding="utf-8"))
            metrics = pd.read_csv(metrics_file)
        except (ValueError, OSError) as exc:
            raise SimkitError(Problem(str(run_file), 0, "", f"cannot read the run's results: {exc}")) from None
        if not {"metric", "value"} <= set(metrics.columns):
            raise SimkitError(Problem(str(metrics_file), 1, "", "expected the columns metric and value"))
        return run_report(run, metrics)
    if not folder.exists():
        raise SimkitError(Problem(str(folder), 0, "", "no such directory"))
    raise SimkitError(Problem(str(folder), 0, "", "no report.json, nor run.json and metrics.csv, in this directory"))
