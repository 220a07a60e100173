"""The legal floor as a guard on every command that loads a policy.

Each command checks the policy in force (variants and ``--set`` values applied) against the
national floor (`simkit.compliance.floor.check_floor`) and prints one line per finding on
stderr, naming the value's FILE:LINE and the clause. A what-if below the law still runs, but
never unlabelled; ``--strict`` refuses it (exit 2). See docs/compliance.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simkit.compliance.findings import Finding


def add_floor_arguments(parser: argparse.ArgumentParser) -> None:
    """``--strict`` and ``--no-floor-warnings``."""
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse (exit 2) a policy in force below the legal floor (a floor violation; docs/compliance.md)",
    )
    parser.add_argument(
        "--no-floor-warnings",
        dest="floor_warnings",
        action="store_false",
        help="do not print the floor warnings written in the policy files themselves (the platform's own rules); "
        "a variant or --set value below the law is always printed",
    )


def refuse(findings: Iterable[Finding], args: argparse.Namespace) -> None:
    """Under ``--strict``, refuse a policy in force that breaks the floor (before anything runs).

    Raises:
        PolicyError: One problem per floor violation.
    """
    from simkit.compliance.floor import strict_refusal

    refusal = strict_refusal(list(findings)) if getattr(args, "strict", False) else None
    if refusal is not None:
        raise refusal


def warn(findings: Iterable[Finding], args: argparse.Namespace, policy_files: Sequence[str] = ()) -> list[Finding]:
    """Print each distinct floor finding on stderr, once the command has done its work; return them.

    Args:
        findings: The floor findings of the policy (or policies) in force.
        args: The command's arguments (``floor_warnings``).
        policy_files: The policy's own files; with ``--no-floor-warnings`` their warnings are not printed.
    """
    from simkit.compliance.floor import floor_line

    unique = list(dict.fromkeys(findings))
    own = set(policy_files)
    for finding in unique:
        platform_fact = finding.severity == "warning" and finding.where.rpartition(":")[0] in own
        if getattr(args, "floor_warnings", True) or not platform_fact:
            print(floor_line(finding), file=sys.stderr)
    return unique


def floor_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Floor findings for ``--json``: each finding's fields and its printed line."""
    from simkit.compliance.floor import floor_line

    return [{**finding.to_dict(), "text": floor_line(finding)} for finding in dict.fromkeys(findings)]
