"""`simkit calibrate --policy P LOG --out twin.yaml`: fit a shop twin from an after-sales log.

Malformed rows are printed to stderr with their line and left out; the rest is fitted and the
twin written, and the exit code is then 2 (bad input). Parameters with too few observations keep
their base values and are warned about (stderr), without changing the exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from simkit.cli._experiment import MAX_REPS, MAX_SEED, check_count
from simkit.cli._floor import add_floor_arguments, floor_json, refuse, warn
from simkit.cli._logargs import add_log_arguments
from simkit.errors import SimkitError


def add_parser(subparsers: Any) -> None:
    """Register ``simkit calibrate``."""
    p = subparsers.add_parser(
        "calibrate",
        help="fit a shop twin (a scenario) from an after-sales log",
        description="Fit a scenario to a shop's after-sales log (docs/calibration.md), validated on held-out days.",
    )
    add_log_arguments(p, "the policy the shop traded under")
    p.add_argument("--orders", default=None, metavar="ORDERS", help="the order file (volume, category mix, prices)")
    p.add_argument("--base", default=None, metavar="SCENARIO", help="keep what the log cannot show from this scenario")
    split = p.add_mutually_exclusive_group()
    split.add_argument("--train-until", default=None, metavar="TIME", help="fit on orders paid before TIME")
    split.add_argument("--holdout", type=float, default=None, metavar="FRACTION", help="hold out the last share (0.25)")
    p.add_argument("--out", required=True, type=Path, metavar="TWIN", help="where to write the twin scenario")
    p.add_argument("--report", type=Path, default=None, metavar="DIR", help="write the fit report here")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--no-validate", action="store_true", help="skip the held-out validation")
    p.add_argument("--reps", type=int, default=20, metavar="N", help="replications of the validation")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the validation")
    add_floor_arguments(p)
    p.set_defaults(func=run)


def _when(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise SimkitError.at("<cli>", 0, "--train-until", f"not a time: {text!r} (ISO 8601, e.g. 2026-03-20)") from None


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit calibrate``."""
    from simkit.calibration.api import calibrate
    from simkit.compliance.floor import floor_of
    from simkit.logs.format import parse_maps
    from simkit.outputs import Outputs, write_file
    from simkit.policy.loader import load_policy
    from simkit.report.experiments import floor_sections
    from simkit.report.render import declare_report, stage_report

    check_count("--reps", args.reps, 1, MAX_REPS)
    check_count("--seed", args.seed, 0, MAX_SEED)
    outputs = Outputs()  # the twin and its report are written together or not at all
    outputs.file(args.out, "--out")
    if args.report is not None:
        declare_report(outputs, args.report, "--report")
    policy = load_policy(args.policy, args.variant)
    floor = floor_of(policy)
    refuse(floor, args)
    cal = calibrate(
        policy,
        args.log,
        fmt=args.fmt,
        orders=args.orders,
        maps=parse_maps(args.map),
        base=args.base,
        train_until=_when(args.train_until) if args.train_until else None,
        holdout=args.holdout,
        validate=not args.no_validate,
        reps=args.reps,
        seed=args.seed,
        quiet=args.quiet,
    )
    if cal.detected:
        chosen = f"read as the {cal.shape} shape ({cal.detected}; --format to choose another)"
        print(f"{args.log}: {chosen}", file=sys.stderr)
    for problem in cal.problems:
        print(problem, file=sys.stderr)
    for warning in cal.warnings:
        print(f"{args.log}: {warning}", file=sys.stderr)
    with outputs.staged() as stage:
        write_file(stage(args.out), cal.to_yaml(args.out), "--out")
        if args.report is not None:
            from simkit.report.calibration import build_calibration_report

            report = build_calibration_report(cal)
            report.sections[1:1] = floor_sections({policy.id: floor})
            stage_report(report, args.report, stage, "--report")
    if args.json:
        print(json.dumps({**cal.to_dict(), "floor": floor_json(floor)}, ensure_ascii=False, indent=2, default=str))
    elif not args.quiet:
        _print(cal, args.out)
        if args.report is not None:
            print(f"report: {args.report}")
    warn(floor, args, policy.files)
    return 2 if cal.problems else 0


def _print(cal: Any, out: Path) -> None:
    p = cal.parameters
    fitted = p[p["identified"] & p["in_twin"]]
    kept = p[~p["identified"]]
    print(f"twin: {out} ({len(fitted)} values fitted, {len(kept)} kept from the base: not identified from this log)")
    print(f"  trained on orders paid {cal.train[0]:%Y-%m-%d %H:%M} – {cal.train[1]:%Y-%m-%d %H:%M}")
    for f in cal.fits:
        if f.name.startswith("issues."):
            continue
        print(
            f"  {f.name}: {f.family} (AIC), median {f.median[0]:.3g} h, p90 {f.p90[0]:.3g} h, "
            f"n={f.n} ({f.sample.censored} censored)"
        )
    if cal.result is not None and cal.result.pattern is not None:
        shifts = cal.result.pattern.shifts()
        print(f"  merchants.shifts: {shifts if shifts else 'none'}")
    if cal.validation is not None:
        print(f"  validation: {cal.validation.verdict}")
