"""`simkit compare SCENARIO --variant V …`: paired comparison of a baseline against variants."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simkit.cli._experiment import add_run_arguments, check_run_arguments, clean, fmt, metric_list, progress
from simkit.cli._floor import add_floor_arguments, floor_json, warn
from simkit.metrics import CATALOGUE

DEFAULT_METRICS = [
    "refund_rate",
    "dispute_rate",
    "intervention_rate",
    "auto_approval_share",
    "over_period_remedy_share",
    "resolution_p90_h",
    "cost_total",
    "penalty_points",
    "arbiter_utilisation",
]


def add_parser(subparsers: Any) -> None:
    """Register ``simkit compare``."""
    p = subparsers.add_parser(
        "compare",
        help="compare a baseline against variants on common random numbers",
        description=(
            "Run the scenario's baseline and each variant on the same seeds (paired), and again with "
            "independent seeds; print per metric the mean difference, its 95% CI, the relative change, "
            "a verdict and what the pairing bought. Exit 0 ok, 2 bad input. Example: simkit compare "
            "scenarios/tmall_baseline.yaml --variant policies/variants/tmall_response_48h.yaml --reps 10"
        ),
    )
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--variant", action="append", default=[], metavar="FILE", help="a policy variant (one arm each)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help="together one more arm"
    )
    p.add_argument(
        "--target-ci",
        action="append",
        default=[],
        metavar="METRIC=HALFWIDTH",
        help="add replications until the paired difference of METRIC is this precise",
    )
    p.add_argument(
        "--common", action="append", default=[], metavar="PATH=VALUE", help="applied to the baseline and every arm"
    )
    p.add_argument("--max-reps", type=int, default=200, help="cap on replications for --target-ci")
    p.add_argument("--metric", action="append", default=None, help="metrics to print (default: a short list)")
    p.add_argument(
        "--for",
        dest="audience",
        choices=("buyer", "merchant", "platform"),
        default="platform",
        help="whose direction of 'better' colours the forest plot",
    )
    p.add_argument("--report", type=Path, default=None, metavar="DIR", help="write HTML, Markdown and JSON reports")
    add_run_arguments(p)
    add_floor_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit compare``."""
    from simkit.cli._experiment import parse_metric_bounds
    from simkit.experiment.compare import compare
    from simkit.experiment.figures import save

    check_run_arguments(args)
    if args.report is not None:  # a bad --report target is refused before anything runs
        from simkit.outputs import Outputs
        from simkit.report.render import declare_report

        declare_report(Outputs(), args.report, "--report")
    metrics = metric_list(args.metric, DEFAULT_METRICS)
    target = parse_metric_bounds(args.target_ci)
    with progress(args.quiet or args.json, "compare") as tick:
        result = compare(
            args.scenario,
            args.variant,
            overrides=args.overrides,
            common=args.common,
            reps=args.reps,
            seed=args.seed,
            target_ci=target,
            max_reps=args.max_reps,
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
    missed = _missed_target(result, target, args.max_reps)
    summary = result.summary()
    if args.out is not None:
        save({"forest": result.forest(metrics, args.audience)}, args.out)
    if args.report is not None:
        from simkit.report import write_report
        from simkit.report.experiments import compare_report

        paths = write_report(compare_report(result, metrics, args.audience), args.report, "--report")
        if not args.json:
            print(f"report: {paths['html']}")
    shown = summary[summary["metric"].isin(metrics)]
    if args.json:
        payload = {
            "scenario": result.scenario,
            "seed": result.seed,
            "replications": result.reps,
            "target_ci": dict(target) or None,
            "target_reached": result.target_reached,
            "notes": [*result.notes, *([missed] if missed else [])],
            "floor": {arm: floor_json(findings) for arm, findings in result.floor.items()},
            "rows": [{k: clean(v) for k, v in row.items()} for row in shown.to_dict("records")],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        _warn(result, args)
        return 0
    _print(result, shown)
    if missed:
        print(missed)
    if args.out is not None:
        print(f"wrote {args.out}/results.parquet, summary.csv, forest.png")
    _warn(result, args)
    return 0


def _missed_target(result: Any, target: Mapping[str, float], max_reps: int) -> str:
    """What to say when ``--target-ci`` stopped at ``--max-reps`` short of its target ("" otherwise)."""
    if not target or result.target_reached is not False:
        return ""
    summary = result.summary()
    reached = []
    for metric, half in target.items():
        widest = float(summary.loc[summary["metric"] == metric, "paired_width"].max()) / 2
        reached.append(f"{metric} ±{fmt(widest)} (target ±{half:g})")
    return f"--target-ci not reached: stopped at --max-reps {max_reps} with {'; '.join(reached)}"


def _warn(result: Any, args: argparse.Namespace) -> None:
    """The floor findings of every arm, each once (the scenario's own policy files are the platform's)."""
    from simkit.scenario import load_scenario

    files = load_scenario(args.scenario, args.common).policy.files
    warn((f for findings in result.floor.values() for f in findings), args, files)


def _print(result: Any, summary: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    for variant, rows in summary.groupby("variant", sort=False):
        table = Table(title=f"{variant} vs baseline · {result.reps} paired replications · seed {result.seed}")
        for column in ("metric", "unit", "baseline", "variant", "difference [95% CI]", "change", "verdict", "for"):
            table.add_column(column, justify="right" if column not in ("metric", "verdict", "unit", "for") else "left")
        for row in rows.itertuples():
            change = "–" if math.isnan(row.relative) else f"{row.relative * 100:+.1f}%"
            verdict = row.verdict if row.verdict in ("higher", "lower") else "–"
            who = "; ".join(
                part
                for part in (
                    f"better: {row.better_for}" if row.better_for else "",
                    f"worse: {row.worse_for}" if row.worse_for else "",
                )
                if part
            )
            table.add_row(
                CATALOGUE[row.metric].label,
                row.unit,
                fmt(row.base),
                fmt(row.value),
                f"{fmt(row.diff)} [{fmt(row.ci_low)}, {fmt(row.ci_high)}]",
                change,
                verdict,
                who,
            )
        table.caption = "–: no detectable difference at this precision"
        console.print(table)
        gains = rows[rows["pairing_gain"].notna() & (rows["pairing_gain"] > 0)]
        if not gains.empty:
            best = gains.sort_values("pairing_gain", ascending=False).iloc[0]
            console.print(
                f"common random numbers: the CI of {best['label']} is {best['pairing_gain']:.1f}× narrower "
                "than with independent seeds"
            )
