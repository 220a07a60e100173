"""`simkit audit --policy P LOG`: conformance of an after-sales event log, case by case.

The log is streamed in chunks (CSV, Parquet or JSON Lines; the simkit shape or a platform's
export, recognised from the header or named with ``--format``). Malformed rows are printed to
stderr with their line and left out; exact duplicate rows are counted once and listed; the
rest is audited. Exit 0 when the log conforms, 1 on any violation or malformed row, 2 when the
log cannot be read at all or the arguments are wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from simkit.cli._floor import add_floor_arguments, floor_json, refuse, warn
from simkit.cli._logargs import add_log_arguments

MAX_DUPLICATES_SHOWN = 20
"""Duplicate rows listed on stderr (all of them in --json)."""


def add_parser(subparsers: Any) -> None:
    """Register ``simkit audit``."""
    p = subparsers.add_parser(
        "audit",
        help="check an after-sales event log against a policy",
        description="Audit an event log (docs/log-format.md) case by case against a policy.",
    )
    add_log_arguments(p, "the policy file")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--report", type=Path, default=None, metavar="DIR", help="write report.html, report.md, report.json here"
    )
    add_floor_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit audit``."""
    from simkit.compliance.audit import audit_log
    from simkit.compliance.floor import floor_of
    from simkit.logs.format import parse_maps
    from simkit.policy.loader import load_policy

    maps = parse_maps(args.map)
    policy = load_policy(args.policy, args.variant)
    floor = floor_of(policy)
    refuse(floor, args)
    result = audit_log(args.log, policy, fmt=args.fmt, maps=maps)
    for problem in result.problems:
        print(problem, file=sys.stderr)
    for duplicate in result.duplicates[:MAX_DUPLICATES_SHOWN]:
        print(duplicate, file=sys.stderr)
    if len(result.duplicates) > MAX_DUPLICATES_SHOWN:
        more = len(result.duplicates) - MAX_DUPLICATES_SHOWN
        print(
            f"{result.source}:{result.duplicates[MAX_DUPLICATES_SHOWN].line}: row: "
            f"… and {more} more duplicate row(s) (see --json)",
            file=sys.stderr,
        )
    if args.json:
        payload = {**result.to_dict(), "floor": floor_json(floor)}
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        _print(result)
    if args.report is not None:
        from simkit.report import audit_report, write_report
        from simkit.report.experiments import floor_sections

        report = audit_report(result)
        report.sections[1:1] = floor_sections({policy.id: floor})  # the policy audited against, below the law?
        paths = write_report(report, args.report, "--report")
        print(
            f"report: {paths['html']} (also {paths['md'].name}, {paths['json'].name})",
            file=sys.stderr if args.json else sys.stdout,
        )
    warn(floor, args, policy.files)
    return 0 if result.passed else 1


def _print(result: Any) -> None:
    verdict = "PASS" if result.passed else "FAIL"
    print(
        f"{verdict} {result.source} against {result.policy.id}: {len(result.violations)} violation(s), "
        f"{len(result.warnings)} warning(s), {len(result.problems)} malformed row(s); "
        f"{result.rows:,} rows, {result.orders:,} orders, {result.cases:,} cases in {result.seconds:.1f} s"
    )
    if result.detected:
        print(f"  read as the {result.fmt} shape ({result.detected}; --format to choose another)")
    if result.duplicates:
        print(f"  {len(result.duplicates):,} exact duplicate row(s) counted once")
    for clause, n in result.by_clause().items():
        print(f"  {clause}: {n}")
    for (clause, check, why), n in sorted(result.coverage.skipped.items()):
        print(f"  not checkable: {clause} {check} × {n:,} ({why})")
    shown = result.findings[:20]
    for finding in shown:
        print(f"  {finding.line()}")
    if len(result.findings) > len(shown):
        print(f"  … and {len(result.findings) - len(shown)} more (see --json or --report)")
