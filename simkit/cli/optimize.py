"""`simkit optimize SCENARIO (--lever path=lo:hi | --lever path=a,b,c)… --objective METRIC[:min|max]…`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from simkit.cli._experiment import (
    MAX_REPS,
    add_run_arguments,
    check_count,
    check_run_arguments,
    clean,
    fmt,
    progress,
)
from simkit.cli._floor import add_floor_arguments, floor_json, refuse, warn
from simkit.errors import UsageError
from simkit.metrics import CATALOGUE

OUT_FILES = ("front.csv", "candidates.csv", "result.json", "front.png", "levers.png", "hypervolume.png")
"""What ``--out DIR`` holds besides the experiment store (written as one set under ``DIR/search``)."""
SEARCH = "search"
"""The folder of ``--out DIR`` that holds `OUT_FILES`."""


def add_parser(subparsers: Any) -> None:
    """Register ``simkit optimize``."""
    p = subparsers.add_parser(
        "optimize",
        help="search lever settings for a Pareto front within the legal floor",
        description=(
            "Search the levers' settings for the Pareto front of the objectives: every candidate on the same "
            "seeds, dominance and constraints decided on paired 95% intervals, the front re-checked on fresh "
            "seeds; the national floor bounds every lever before anything runs. Exit 0 ok, 2 bad input. "
            "Example: simkit optimize scenarios/tmall_baseline.yaml --lever "
            "tmall.refund_auto_agree.timeout=24:96 --objective cost_total --objective resolution_mean_h"
        ),
    )
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--lever", action="append", default=[], metavar="PATH=LO:HI|PATH=A,B,C", help="a searched lever")
    p.add_argument(
        "--objective", action="append", default=[], metavar="METRIC[:min|max]", help="an objective (catalogue metric)"
    )
    p.add_argument(
        "--constraint", action="append", default=[], metavar="METRIC<=VALUE", help="must hold with 95%% confidence"
    )
    p.add_argument("--budget", type=int, default=300, help="simulations the search may spend (default 300)")
    p.add_argument("--recheck-reps", type=int, default=None, help="replications of the re-check (default: 2 × reps)")
    p.add_argument("--sampler", default="nsga2", help="nsga2 (default), nsga3, tpe, random or qmc (Optuna)")
    p.add_argument("--uncertain", action="append", default=[], metavar="PATH=LO:HI", help="a behaviour uncertainty")
    p.add_argument(
        "--uncertain-samples", type=int, default=None, help="samples of the uncertainties (default 4; with --uncertain)"
    )
    p.add_argument(
        "--robust",
        choices=("worst", "regret"),
        default=None,
        help="over the uncertainty samples (default worst; with --uncertain)",
    )
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help="for every run")
    p.add_argument("--variant", action="append", default=[], metavar="FILE", help="a policy variant for every run")
    p.add_argument("--report", type=Path, default=None, metavar="DIR", help="write HTML, Markdown and JSON reports")
    add_run_arguments(p)
    add_floor_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit optimize``."""
    from simkit.optimize.api import optimize
    from simkit.outputs import Outputs, check_parent
    from simkit.scenario import load_scenario

    check_count("--reps", args.reps, 2, MAX_REPS)  # a paired interval needs two (before the shared 1..MAX_REPS)
    check_run_arguments(args)
    check_count("--budget", args.budget, 1, 1_000_000)
    outputs = Outputs()  # a bad --out/search or --report target is refused before anything runs
    if args.out is not None:
        if os.path.lexists(args.out) and not args.out.is_dir():
            raise UsageError.at("<cli>", 0, "--out", f"{args.out} exists and is not a directory")
        check_parent(args.out, "--out")  # named as --out, not as OUT/search
        outputs.directory(args.out / SEARCH, OUT_FILES, "--out", "simkit optimize")
    if args.report is not None:
        from simkit.report.render import declare_report

        declare_report(outputs, args.report, "--report")
    base = load_scenario(args.scenario, args.overrides, args.variant)
    from simkit.compliance.floor import floor_of

    findings = floor_of(base.policy)
    refuse(findings, args)
    with progress(args.quiet or args.json, "optimize") as tick:
        result = optimize(
            args.scenario,
            args.lever,
            args.objective,
            constraints=args.constraint,
            budget=args.budget,
            reps=args.reps,
            recheck_reps=args.recheck_reps,
            sampler=args.sampler,
            seed=args.seed,
            uncertain=args.uncertain,
            uncertain_samples=args.uncertain_samples,
            robust=args.robust,
            overrides=args.overrides,
            variants=args.variant,
            executor=args.executor,
            workers=args.workers,
            address=args.address,
            out=args.out,
            resume=args.resume,
            progress=tick,
        )
    for note in result.notes:
        print(f"simkit: {note}", file=sys.stderr)
    with outputs.staged() as stage:  # the search's files and the report, all or none
        if args.out is not None:
            _write_out(result, stage(args.out / SEARCH))
        if args.report is not None:
            from simkit.report.optimize import optimize_report
            from simkit.report.render import stage_report

            stage_report(optimize_report(result), args.report, stage, "--report")
    if args.json:
        payload = {**result.to_dict(), "floor": floor_json(findings)}
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        _print(result)
        if args.out is not None:
            print(f"wrote {args.out}/results.parquet and {args.out}/search/ (front, candidates, figures)")
        if args.report is not None:
            print(f"report: {args.report}")
    warn(findings, args, tuple(base.policy.files))
    return 0


def _write_out(result: Any, folder: Path) -> None:
    """The front, the candidates, the result and the figures into the staging folder of ``OUT/search``."""
    from simkit.experiment.figures import save
    from simkit.outputs import write_file

    write_file(folder / "front.csv", result.front.to_csv(index=False))
    write_file(folder / "candidates.csv", result.candidates.to_csv(index=False))
    write_file(folder / "result.json", json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    save({name: fig for name, fig in result.figures().items()}, folder)


def _print(result: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    sims = result.simulations
    console.print(
        f"optimize · {sims['search']} simulations searched, {sims['recheck']} re-checked · "
        f"{len(result.front)} on the front, {len(result.dropped)} dropped on re-check · "
        f"{result.refused} refused by the floor · seed {result.seed}"
    )
    for bound in result.bounds:
        console.print(
            f"floor: {bound['path']} {bound['side']} end {bound['asked']} → {bound['applied']} "
            f"({bound['clause']}: {bound['source']})"
        )
    table = Table(title="Pareto front (re-checked on fresh seeds; Δ against the current policy, paired 95% CI)")
    params = [c for c in result.front.columns if c.startswith("param:")]
    for column in params:
        table.add_column(column[6:].split(".")[-1], justify="right")
    for o in result.objectives:
        table.add_column(f"{CATALOGUE[o.metric].label} ({o.sense})", justify="right")
        table.add_column("Δ current", justify="right")
    table.add_column("clauses")
    for row in result.front.to_dict("records"):
        cells = [str(row[c]) for c in params]
        for o in result.objectives:
            m = o.metric
            cells.append(f"{fmt(row[m])} [{fmt(row[f'{m}_low'])}, {fmt(row[f'{m}_high'])}]")
            low, high = row[f"{m}_vs_current_low"], row[f"{m}_vs_current_high"]
            cells.append(f"{fmt(row[f'{m}_vs_current'])} [{fmt(low)}, {fmt(high)}]")
        cells.append(row["clauses"])
        table.add_row(*cells)
    console.print(table)
    current = ", ".join(f"{m}={fmt(clean(v))}" for m, v in result.current_values.items())
    console.print(f"current policy: {current} · hypervolume {result.hypervolume:.4f}")
