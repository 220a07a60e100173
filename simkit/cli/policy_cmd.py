"""`simkit policy diff A [B]`: every parameter that differs between two policies.

A and B are policy files, each with its own variants: ``--base-variant`` patches A,
``--variant`` patches B. B defaults to A, so that
``simkit policy diff policies/tmall.yaml --variant policies/variants/tmall_response_48h.yaml``
shows what a variant changes. The floor findings B has and A has not (a change that takes the
policy below the law) are printed on stderr, as every command prints them; ``--strict`` refuses
a B below the law; ``--json`` carries the findings of both.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from simkit.cli._floor import add_floor_arguments, floor_json, refuse, warn
from simkit.cli._io import dumps
from simkit.policy.diff import ParameterChange, diff_policies
from simkit.policy.loader import load_policy
from simkit.policy.model import Policy


def add_parser(subparsers: Any) -> None:
    """Register ``simkit policy`` and its ``diff`` subcommand."""
    parser = subparsers.add_parser("policy", help="inspect and compare policies")
    parser.set_defaults(func=run)
    commands = parser.add_subparsers(dest="policy_command", metavar="SUBCOMMAND")
    commands.required = True
    diff = commands.add_parser(
        "diff",
        help="every changed parameter, old → new, and whether it favours the buyer",
        description="Compare policy A (with --base-variant patches) to policy B (with --variant patches).",
    )
    diff.add_argument("a", metavar="A", help="the policy before the change (a policy YAML file)")
    diff.add_argument("b", metavar="B", nargs="?", help="the policy after the change (default: A)")
    diff.add_argument(
        "--base-variant",
        action="append",
        default=[],
        metavar="V",
        help="variant file applied to A (repeatable, in order)",
    )
    diff.add_argument(
        "--variant", action="append", default=[], metavar="V", help="variant file applied to B (repeatable, in order)"
    )
    diff.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_floor_arguments(diff)
    diff.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch ``simkit policy SUBCOMMAND``."""
    if args.policy_command == "diff":
        return run_diff(args)
    raise AssertionError(f"unknown policy subcommand {args.policy_command!r}")  # pragma: no cover


def run_diff(args: argparse.Namespace) -> int:
    """Load both policies, print their differences; always exit 0 when both load."""
    from simkit.compliance.floor import floor_of

    a = load_policy(args.a, args.base_variant)
    b = load_policy(args.b or args.a, args.variant)
    floor = {"a": floor_of(a), "b": floor_of(b)}
    refuse(floor["b"], args)
    changes = diff_policies(a, b)
    if args.json:
        sys.stdout.write(dumps({**_as_json(a, b, changes), "floor": {k: floor_json(v) for k, v in floor.items()}}))
    else:
        sys.stdout.write(_as_text(a, b, changes))
    warn([f for f in floor["b"] if f not in floor["a"]], args)
    return 0


def _describe(policy: Policy) -> dict[str, Any]:
    return {"id": policy.id, "files": list(policy.files), "variants": list(policy.variants), "digest": policy.digest}


def _as_json(a: Policy, b: Policy, changes: list[ParameterChange]) -> dict[str, Any]:
    return {"a": _describe(a), "b": _describe(b), "changes": [change.to_dict() for change in changes]}


def _as_text(a: Policy, b: Policy, changes: list[ParameterChange]) -> str:
    count = len(changes)
    noun = "parameter differs" if count == 1 else "parameters differ"
    head = f"{a.id} → {b.id}: " + (f"{count} {noun}" if count else "no parameter differs")
    return "\n".join([head, *(change.describe() for change in changes)]) + "\n"
