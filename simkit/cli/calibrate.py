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

from simkit.errors import SimkitError


def add_parser(subparsers: Any) -> None:
    """Register ``simkit calibrate``."""
    p = subparsers.add_parser(
        "calibrate",
        help="fit a shop twin (a scenario) from an after-sales log",
        description="Fit a scenario to a shop's after-sales log (docs/calibration.md), validated on held-out days.",
    )
    p.add_argument("log", metavar="LOG", help="the log: .csv, .csv.gz, .parquet or .jsonl")
    p.add_argument("--policy", required=True, metavar="P", help="the policy the shop traded under")
    p.add_argument("--variant", action="append", default=[], metavar="V", help="apply a policy variant (repeatable)")
    p.add_argument(
        "--format",
        dest="fmt",
        default=None,
        choices=("simkit", "taobao", "wechat"),
        help="the log's shape (default: recognised from the header)",
    )
    p.add_argument("--orders", default=None, metavar="ORDERS", help="the order file (volume, category mix, prices)")
    p.add_argument(
        "--map", action="append", default=[], metavar="COLUMN=FIELD", help="read COLUMN as FIELD (repeatable)"
    )
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
    p.set_defaults(func=run)


def _when(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise SimkitError.at("<cli>", 0, "--train-until", f"not a time: {text!r} (ISO 8601, e.g. 2026-03-20)") from None


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit calibrate``."""
    from simkit.calibration.api import calibrate
    from simkit.logs.format import parse_maps

    cal = calibrate(
        args.policy,
        args.log,
        fmt=args.fmt,
        orders=args.orders,
        maps=parse_maps(args.map),
        base=args.base,
        train_until=_when(args.train_until) if args.train_until else None,
        holdout=args.holdout,
        variants=args.variant,
        validate=not args.no_validate,
        reps=args.reps,
        seed=args.seed,
        quiet=args.quiet,
    )
    if cal.detected:
        print(
            f"{args.log}: read as the {cal.shape} shape ({cal.detected}; --format to choose another)", file=sys.stderr
        )
    for problem in cal.problems:
        print(problem, file=sys.stderr)
    for warning in cal.warnings:
        print(f"{args.log}: {warning}", file=sys.stderr)
    cal.write(args.out)
    if args.report is not None:
        _report(cal, args.report)
    if args.json:
        print(json.dumps(cal.to_dict(), ensure_ascii=False, indent=2, default=str))
    elif not args.quiet:
        _print(cal, args.out)
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


def _report(cal: Any, out: Path) -> None:
    """The fit report: parameters, the fits' figures and the validation (JSON, CSV, PNG)."""
    import importlib

    try:
        module: Any = importlib.import_module("simkit.report.calibration")
    except ImportError:  # the report writer comes with the validation (simkit.report.calibration)
        module = None
    if module is not None:
        paths = module.calibration_report(cal, out)
        print(f"report: {paths['html']}", file=sys.stderr)
        return
    out.mkdir(parents=True, exist_ok=True)
    cal.parameters.to_csv(out / "parameters.csv", index=False)
    (out / "calibration.json").write_text(
        json.dumps(cal.to_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    for name, fig in cal.figures().items():
        fig.savefig(out / f"{name}.png", dpi=100)
    print(f"report: {out}", file=sys.stderr)
