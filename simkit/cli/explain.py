"""`simkit explain`: the decision for one case and the rules it rests on."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from simkit.cli._io import dumps
from simkit.errors import CaseError, Reference, referenced
from simkit.policy.loader import load_policy
from simkit.policy.model import Policy
from simkit.policy.tree import Located
from simkit.rules.case import Case, load_case
from simkit.rules.decision import Decision
from simkit.rules.explain import explain_case
from simkit.yamlio import is_file


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``explain``."""
    parser = sub.add_parser(
        "explain",
        help="decide one case and cite the rules",
        description="Print the decision for one case file and the rules it rests on.",
    )
    parser.add_argument("--policy", help="policy file (default: the case file's `policy:`)")
    parser.add_argument("--variant", action="append", default=[], help="variant file to apply (repeatable)")
    parser.add_argument("--case", required=True, help="case file (YAML)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the case and policy, decide, print."""
    case, tree = load_case(args.case)
    policy_path, variants = _policy_of(args, case, tree)
    policy = referenced(_references(args, case, tree), load_policy, policy_path, variants)
    decision = explain_case(policy, case, tree)
    if args.json:
        print(dumps({"case": args.case, "policy": policy.id, **decision.to_dict()}), end="")
    else:
        print(render(decision, policy, args.case))
    return 0


def _policy_of(args: argparse.Namespace, case: Case, tree: Located) -> tuple[Path, list[Path]]:
    if args.policy:
        return Path(args.policy), [Path(v) for v in args.variant]
    if case.policy is None:
        raise CaseError(tree.problem("policy", "no --policy given and the case file names no `policy:`"))
    for where, name in _named_files(case):
        if not is_file(_beside(args.case, name)):
            kind = "policy" if where == "policy" else "variant"
            raise CaseError(tree.problem(where, f"{kind} file {name!r} not found"))
    own = [_beside(args.case, v) for v in case.variants]
    return _beside(args.case, case.policy), own + [Path(v) for v in args.variant]


def _beside(case_file: str, name: str) -> Path:
    """A file named in the case file, relative to it."""
    return Path(os.path.normpath(Path(case_file).parent / name))


def _named_files(case: Case) -> list[tuple[str, str]]:
    """The case's own ``policy:`` and ``variants``, with their dotted paths."""
    own = [("policy", case.policy)] if case.policy is not None else []
    return own + [(f"variants.{index}", name) for index, name in enumerate(case.variants)]


def _references(args: argparse.Namespace, case: Case, tree: Located) -> dict[str, Reference]:
    """Where the case file refers to its policy and variants (none when ``--policy`` is given)."""
    if args.policy:
        return {}
    return {
        str(_beside(args.case, name)): (args.case, tree.where(where)[1], where) for where, name in _named_files(case)
    }


def render(decision: Decision, policy: Policy, case_file: str) -> str:
    """The decision as readable text, with each rule's names and sources."""
    verdict = "ALLOWED" if decision.allowed else "NOT ALLOWED"
    lines = [
        f"case      {case_file}",
        f"policy    {policy.id}",
        f"decision  {verdict} ({decision.outcome})",
        f"deadline  {decision.deadline.isoformat() if decision.deadline else '-'}",
        f"amount    {f'{decision.amount:.2f} CNY ({decision.amount_form})' if decision.amount is not None else '-'}",
        f"payer     {decision.payer or '-'}  (return shipping)",
        f"points    {decision.points}",
        f"reason    {decision.reason_en}",
        f"          {decision.reason_zh}",
        "rules",
    ]
    for rule_id in decision.rules:
        rule = policy.rule(rule_id)
        lines.append(f"  {rule_id:<32} {rule.name.zh} / {rule.name.en}  [{'; '.join(rule.source)}]")
    for path, since in decision.versions:
        lines.append(f"  version   {path} in force since {since}")
    return "\n".join(lines)
