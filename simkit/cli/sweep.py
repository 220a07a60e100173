"""`simkit sweep SCENARIO (--grid …)… | --lhs N (--range …)… | --sobol N (--range …)…`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from simkit.cli._experiment import add_run_arguments, check_run_arguments, clean, fmt, metric_list, progress
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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit sweep``."""
    from simkit.experiment.figures import save
    from simkit.experiment.sweep import sweep

    check_run_arguments(args)
    if args.report is not None:  # a bad --report target is refused before anything runs
        from simkit.cli._outdir import Outputs
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
        )
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
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return 0
    _print(result, summary, metrics, robust, indices)
    if args.out is not None:
        print(f"wrote {args.out}/results.parquet, summary.csv and figures")
    return 0


def _has_direction(result: Any, metric: str, audience: str) -> bool:
    return bool(result.design.levers) and audience in CATALOGUE[metric].better


def _print(result: Any, summary: Any, metrics: list[str], robust: dict[str, Any], indices: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    params = [c for c in summary.columns if c.startswith("param:")]
    table = Table(title=f"sweep · {len(result.points)} points × {result.reps} replications · seed {result.seed}")
    for column in [c[6:] for c in params] + [f"{CATALOGUE[m].label} ({CATALOGUE[m].unit})" for m in metrics]:
        table.add_column(column, justify="right")
    wide = summary.pivot_table(
        index=["point", *params], columns="metric", values=["mean", "ci_low", "ci_high"], aggfunc="first", sort=False
    )
    for key, row in wide.iterrows():
        values = [str(v) for v in key[1:]]
        cells = [f"{fmt(row[('mean', m)])} [{fmt(row[('ci_low', m)])}, {fmt(row[('ci_high', m)])}]" for m in metrics]
        table.add_row(*values, *cells)
    console.print(table)
    for metric, frame in robust.items():
        console.print(_frame_table(frame, f"robustness of {CATALOGUE[metric].label}: over the uncertainty samples"))
    for metric, frame in indices.items():
        console.print(_frame_table(frame, f"Sobol indices of {CATALOGUE[metric].label}"))


def _frame_table(frame: Any, title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column).removeprefix("param:"), justify="right")
    for row in frame.itertuples(index=False):
        table.add_row(*(fmt(v) if isinstance(v, float) else str(v) for v in row))
    return table
