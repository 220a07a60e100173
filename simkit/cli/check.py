"""`simkit check SCENARIO|DIR...`: national floor, playbook, expectations and conformance, with a verdict.

Each scenario runs its replications; each simulated log is audited against the scenario's
policy; the ``expect:`` bounds are judged on the 95% CI. Merchant files (``merchant:``) get
the static checks. Exit 0 when everything passes, 1 when anything fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from simkit.cli._experiment import MAX_REPS, MAX_SEED, check_count
from simkit.errors import Problem, SimkitError
from simkit.outputs import Outputs, write_file


def add_parser(subparsers: Any) -> None:
    """Register ``simkit check``."""
    p = subparsers.add_parser(
        "check",
        help="run scenarios and check floor, playbook, expectations and conformance",
        description="Check scenario (and merchant) files: the national floor of their policy, the playbook, "
        "the expect: bounds on the 95% CI, and the conformance of every simulated log. "
        "A directory stands for the scenario and merchant files directly in it.",
    )
    p.add_argument("paths", nargs="+", metavar="SCENARIO|DIR", help="scenario or merchant YAML files, or directories")
    p.add_argument("--reps", type=int, default=None, help="replications (default: each scenario's own)")
    p.add_argument("--seed", type=int, default=None, help="base seed (default: each scenario's own)")
    p.add_argument(
        "--report", type=Path, default=None, metavar="DIR", help="write report.html, report.md, report.json here"
    )
    p.add_argument("--junit", type=Path, default=None, metavar="FILE", help="write a JUnit XML file for CI")
    p.add_argument("--quiet", action="store_true", help="print only failures")
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse (exit 2), before running, a policy below the legal floor (a floor violation; docs/compliance.md)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit check``."""
    from simkit.compliance.check import check_file, expand

    check_count("--reps", args.reps, 1, MAX_REPS)
    check_count("--seed", args.seed, 0, MAX_SEED)
    outputs = _outputs(args)  # bad --junit or --report targets are refused before anything runs
    files = expand(args.paths)
    results = []
    problems: list[Problem] = []
    for file in files:
        try:
            result = check_file(file, reps=args.reps, seed=args.seed, strict=args.strict)
        except SimkitError as exc:
            problems += exc.problems
            continue
        results.append(result)
        _print(result, args.quiet)
    if problems:
        raise SimkitError(problems)
    if outputs is not None:
        from simkit.report import check_report
        from simkit.report.render import report_paths, stage_report

        with outputs.staged() as stage:  # the JUnit file and the report: both or neither
            if args.junit is not None:
                write_file(stage(args.junit), junit(results), "--junit")
            if args.report is not None:
                stage_report(check_report(results), args.report, stage, "--report")
        if args.report is not None:
            paths = report_paths(args.report)
            print(f"report: {paths['html']} (also {paths['md'].name}, {paths['json'].name})")
    failed = [r for r in results if not r.passed]
    if not args.quiet or failed:
        print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _outputs(args: argparse.Namespace) -> Outputs | None:
    """The --junit file and the --report files, declared (and checked) as one set."""
    if args.junit is None and args.report is None:
        return None
    outputs = Outputs()
    if args.junit is not None:
        outputs.file(args.junit, "--junit")
    if args.report is not None:
        from simkit.report.render import declare_report

        declare_report(outputs, args.report, "--report")
    return outputs


def _print(result: Any, quiet: bool) -> None:
    failures = result.failures()
    if quiet and not failures:
        return
    verdict = "PASS" if not failures else "FAIL"
    detail = f"{result.reps} replication(s), " if result.kind == "scenario" else ""
    warnings = len(result.warnings())
    print(
        f"{verdict} {result.file} ({result.kind} {result.subject}, policy {result.policy}; "
        f"{detail}{warnings} warning(s), {result.seconds:.1f} s)"
    )
    for line in failures:
        print(f"  {line}")
    if not quiet:
        for line in warning_lines(result.warnings()):
            print(f"  {line}")
    sys.stdout.flush()


MAX_WARNINGS = 20
"""Warnings listed per file; the report (--report) lists them all."""


def warning_lines(warnings: list[Any]) -> list[str]:
    """One line per warning (floor warnings as every command prints them), at most `MAX_WARNINGS`."""
    from simkit.compliance.floor import floor_line

    lines = [floor_line(f) if f.family == "floor" else f.line() for f in warnings[:MAX_WARNINGS]]
    if len(warnings) > MAX_WARNINGS:
        lines.append(f"… and {len(warnings) - MAX_WARNINGS} more warning(s) (see --report)")
    return lines


def junit(results: list[Any]) -> str:
    """JUnit XML: a test suite per file, a test case per check and per expected bound."""
    root = ET.Element("testsuites", name="simkit check")
    for r in results:
        cases: list[tuple[str, list[str]]] = [
            ("national_floor", [f.line() for f in r.floor if f.severity == "violation"]),
            ("playbook", [f.line() for f in r.playbook if f.severity == "violation"]),
        ]
        cases += [(j.bound.metric, [] if j.passed else [j.text]) for j in r.expectations]
        if r.audit is not None:
            unbounded = r.unbounded_violations()
            lines = [f.line() for f in unbounded[:50]]
            if unbounded:
                lines.insert(0, f"{len(unbounded)} conformance violation(s) with no bound")
            cases.append(("conformance", lines + [str(p) for p in r.audit.problems[:50]]))
        suite = ET.SubElement(
            root,
            "testsuite",
            name=r.file,
            tests=str(len(cases)),
            failures=str(sum(1 for _, lines in cases if lines)),
            time=f"{r.seconds:.3f}",
        )
        for name, lines in cases:
            case = ET.SubElement(suite, "testcase", classname=r.file, name=name)
            if lines:
                failure = ET.SubElement(case, "failure", message=lines[0])
                failure.text = "\n".join(lines)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
