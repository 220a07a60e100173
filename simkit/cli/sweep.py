"""`simkit sweep SCENARIO (--grid …)… | --lhs N (--range …)… | --sobol N (--range …)…`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from simkit.cli._experiment import add_run_arguments, check_run_arguments, clean, fmt, metric_list, progress
from simkit.cli._floor import add_floor_arguments, floor_json, warn
from simkit.metrics import CATALOGUE

DEFAULT_METRICS = ["refund_rate", "dispute_rate", "auto_approval_share", "cost_total"]


def add_parser(subparsers: Any) -> None:
    """Register ``simkit sweep``."""
    p = subparsers.add_parser(
        "sweep",
        help="run a scenario over a grid, a Latin hypercube or a Sobol design",
        description=(
            "Vary parameters (levers and uncertainties) and replicate each point on common random numbers. "
            "Exit 0 ok, 2 bad input. Examples: simkit sweep scenarios/double11_surge.yaml --grid "
            "merchants.staff.per_merchant=1,2,3 --lever merchants.staff.per_merchant; simkit sweep "
            "scenarios/tmall_baseline.yaml --sobol 64 --range buyers.evidence=0.4:0.9 --range "
            "merchants.misjudge=0:0.4"
        ),
    )
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--grid", action="append", default=[], metavar="PATH=V1,V2,…", help="a grid parameter")
    p.add_argument("--range", dest="ranges", action="append", default=[], metavar="PATH=LO:HI", help="a sampled one")
    p.add_argument("--lhs", type=int, default=None, metavar="N", help="Latin hypercube of N points over the ranges")
    p.add_argument("--sobol", type=int, default=None, metavar="N", help="Sobol design (N × (D+2) points), indices")
    p.add_argument("--lever", action="append", default=[], metavar="PATH", help="a parameter that is a lever")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help="at every point")
    p.add_argument("--variant", action="append", default=[], metavar="FILE", help="a policy variant at every point")
    p.add_argument("--metric", action="append", default=None, help="metrics to print (default: a short list)")
    p.add_argument(
        "--for",
        dest="audience",
        choices=("buyer", "merchant", "platform"),
        default="platform",
        help="whose direction of 'better' the robustness view uses",
    )
    p.add_argument("--report", type=Path, default=None, metavar="DIR", help="write HTML, Markdown and JSON reports")
    add_run_arguments(p)
    add_floor_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit sweep``."""
    from simkit.experiment.figures import save
    from simkit.experiment.sweep import sweep

    check_run_arguments(args)
    if args.report is not None:  # a bad --report target is refused before anything runs
        from simkit.outputs import Outputs
        from simkit.report.render import declare_report

        declare_report(Outputs(), args.report, "--report")
    metrics = metric_list(args.metric, DEFAULT_METRICS)
    with progress(args.quiet or args.json, "sweep") as tick:
        result = sweep(
            args.scenario,
            grid=args.grid,
            ranges=args.ranges,
            lhs=args.lhs,
            sobol=args.sobol,
            levers=args.lever,
            overrides=args.overrides,
            variants=args.variant,
            reps=args.reps,
            seed=args.seed,
            executor=args.executor,
            workers=args.workers,
            address=args.address,
            out=args.out,
            resume=args.resume,
            progress=tick,
            strict=args.strict,
        )
    for note in result.notes:
        print(f"simkit: {note}", file=sys.stderr)
    summary = result.summary(metrics)
    robust = {m: result.robustness(m, args.audience) for m in metrics if _has_direction(result, m, args.audience)}
    indices = {m: result.sensitivity(m) for m in metrics} if result.design.method == "sobol" else {}
    if args.out is not None:
        figures: dict[str, Any] = {f"response_{m}": result.response(m) for m in metrics}
        if len(metrics) >= 2:
            figures["tradeoff"] = result.tradeoff(metrics[0], metrics[-1])
        figures.update({f"sensitivity_{m}": result.sensitivity_bars(m) for m in indices})
        save(figures, args.out)
    if args.report is not None:
        from simkit.report import write_report
        from simkit.report.experiments import sweep_report

        paths = write_report(sweep_report(result, metrics, args.audience), args.report, "--report")
        if not args.json:
            print(f"report: {paths['html']}")
    if args.json:
        payload = {
            "points": len(result.points),
            "replications": result.reps,
            "summary": [{k: clean(v) for k, v in r.items()} for r in summary.to_dict("records")],
            "robustness": {
                m: [{k: clean(v) for k, v in r.items()} for r in t.to_dict("records")] for m, t in robust.items()
            },
            "sensitivity": {
                m: [{k: clean(v) for k, v in r.items()} for r in t.to_dict("records")] for m, t in indices.items()
            },
            "notes": result.notes,
            "floor": {str(point): floor_json(findings) for point, findings in result.floor.items() if findings},
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        _warn_points(result, args)
        return 0
    _print(result, summary, metrics, robust, indices)
    if args.out is not None:
        print(f"wrote {args.out}/results.parquet, summary.csv and figures")
    _warn_points(result, args)
    return 0


def _has_direction(result: Any, metric: str, audience: str) -> bool:
    return bool(result.design.levers) and audience in CATALOGUE[metric].better


MAX_POINT_ROWS = 20
"""On a terminal, a sweep with more points than this is summarised (--json and --out keep every point)."""


def _warn_points(result: Any, args: argparse.Namespace) -> None:
    """The floor guard over the points: each finding once, with the points it holds at."""
    from simkit.compliance.floor import floor_line

    grouped: dict[tuple[str, str, str, str], list[int]] = {}
    found: dict[tuple[str, str, str, str], list[Any]] = {}
    for point, findings in result.floor.items():
        for finding in findings:
            key = (finding.where, finding.clause, finding.check, finding.severity)
            grouped.setdefault(key, []).append(point)
            found.setdefault(key, []).append(finding)
    total = len(result.points)
    same = {k: len(set(found[k])) == 1 for k in grouped}
    everywhere = [found[k][0] for k, points in grouped.items() if len(points) == total and same[k]]
    warn(everywhere, args, _policy_files(args.scenario, args.overrides, args.variant))
    for key, points in grouped.items():
        if len(points) < total or not same[key]:
            shown = ", ".join(str(p) for p in points[:10]) + (", …" if len(points) > 10 else "")
            values = list(dict.fromkeys(f.actual for f in found[key]))
            also = f"; found {', '.join(values[:5])}{', …' if len(values) > 5 else ''}" if len(values) > 1 else ""
            print(f"{floor_line(found[key][0])} (at {len(points)} of {total} points: {shown}{also})", file=sys.stderr)


def _policy_files(scenario: str, overrides: list[str], variants: list[str]) -> tuple[str, ...]:
    from simkit.scenario import load_scenario

    return tuple(load_scenario(scenario, overrides, variants).policy.files)


def _print(result: Any, summary: Any, metrics: list[str], robust: dict[str, Any], indices: dict[str, Any]) -> None:
    from rich.console import Console

    console = Console(width=max(Console().width, 150))
    console.print(f"sweep · {len(result.points)} points × {result.reps} replications · seed {result.seed}")
    for metric, frame in indices.items():
        console.print(_frame_table(frame, f"Sobol indices of {CATALOGUE[metric].label}"))
    for metric, frame in robust.items():
        console.print(_frame_table(frame, f"robustness of {CATALOGUE[metric].label}: over the uncertainty samples"))
    if len(result.points) <= MAX_POINT_ROWS:
        console.print(_points_table(summary, metrics))
    else:
        console.print(_points_summary(summary, metrics, len(result.points)))


def _points_table(summary: Any, metrics: list[str]) -> Any:
    from rich.table import Table

    params = [c for c in summary.columns if c.startswith("param:")]
    table = Table(title="points")
    for column in (
        ["point"] + [c[6:] for c in params] + [f"{CATALOGUE[m].label} ({CATALOGUE[m].unit})" for m in metrics]
    ):
        table.add_column(column, justify="right")
    wide = summary.pivot_table(
        index=["point", *params], columns="metric", values=["mean", "ci_low", "ci_high"], aggfunc="first", sort=False
    )
    for key, row in wide.iterrows():
        values = [str(v) for v in key]
        cells = [f"{fmt(row[('mean', m)])} [{fmt(row[('ci_low', m)])}, {fmt(row[('ci_high', m)])}]" for m in metrics]
        table.add_row(*values, *cells)
    return table


def _points_summary(summary: Any, metrics: list[str], points: int) -> Any:
    """Per metric: the lowest, median and highest mean over the points, with where the extremes are."""
    from rich.table import Table

    params = [c for c in summary.columns if c.startswith("param:")]
    table = Table(
        title=f"{points} points, summarised (--json or --out keep every point)",
        caption="at: the point and its parameter values",
    )
    for column in ("metric", "unit", "lowest", "at", "median", "highest", "at"):
        table.add_column(column, justify="left" if column in ("metric", "unit", "at") else "right")
    for metric in metrics:
        rows = summary[summary["metric"] == metric].dropna(subset=["mean"])
        if rows.empty:
            table.add_row(CATALOGUE[metric].label, CATALOGUE[metric].unit, "—", "", "—", "—", "")
            continue
        low, high = rows.loc[rows["mean"].idxmin()], rows.loc[rows["mean"].idxmax()]
        table.add_row(
            CATALOGUE[metric].label,
            CATALOGUE[metric].unit,
            fmt(low["mean"]),
            _at(low, params),
            fmt(float(rows["mean"].median())),
            fmt(high["mean"]),
            _at(high, params),
        )
    return table


def _at(row: Any, params: list[str]) -> str:
    return f"point {row['point']}: " + ", ".join(f"{p[6:]}={row[p]}" for p in params)


def _frame_table(frame: Any, title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column).removeprefix("param:"), justify="right")
    for row in frame.itertuples(index=False):
        table.add_row(*(fmt(v) if isinstance(v, float) else str(v) for v in row))
    return table
