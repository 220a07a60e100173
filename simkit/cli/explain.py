"""`simkit explain`: the decision for one case and the rules it rests on; `--compare` puts the base
policy's decision beside a variant's."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

from simkit.cli._floor import add_floor_arguments, floor_json, refuse, warn
from simkit.cli._io import dumps
from simkit.compliance.floor import floor_of
from simkit.errors import Problem, UsageError
from simkit.policy.diff import ParameterChange
from simkit.policy.loader import load_policy
from simkit.policy.model import Policy
from simkit.rules.case import load_case, policy_files
from simkit.rules.compare import DecisionComparison, compare_decision
from simkit.rules.decision import Decision, iso
from simkit.rules.explain import explain_file


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``explain``."""
    parser = sub.add_parser(
        "explain",
        help="decide one case and cite the rules",
        description=(
            "Print the decision for one case file and the rules it rests on. With --compare, decide it "
            "under the base policy and under the base with the --variant files, side by side."
        ),
    )
    parser.add_argument("--policy", help="policy file (default: the case file's `policy:`)")
    parser.add_argument("--variant", action="append", default=[], help="variant file to apply (repeatable)")
    parser.add_argument("--case", required=True, help="case file (YAML)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="compare the base decision with the decision under the --variant files",
    )
    add_floor_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the case and policy, decide, print."""
    if getattr(args, "compare", False):
        return _compare(args)
    _, policy, decision = explain_file(args.case, args.policy, args.variant)
    floor = floor_of(policy)
    refuse(floor, args)
    if args.json:
        print(dumps({"case": args.case, "policy": policy.id, **decision.to_dict(), "floor": floor_json(floor)}), end="")
    else:
        print(render(decision, policy, args.case))
    warn(floor, args, policy.files)
    return 0


def _compare(args: argparse.Namespace) -> int:
    if not args.variant:
        raise UsageError(Problem("<cli>", 0, "--compare", "needs at least one --variant to compare with"))
    case, tree = load_case(args.case)
    base_file, own = policy_files(case, tree, args.case, args.policy)
    base = load_policy(base_file, own)
    variant = load_policy(base_file, [*own, *(Path(v) for v in args.variant)])
    floor = {"base": floor_of(base), "variant": floor_of(variant)}
    refuse(floor["variant"], args)
    comparison = compare_decision(base, variant, case, tree)
    if args.json:
        payload = {"case": args.case, **comparison.to_dict(), "floor": {k: floor_json(v) for k, v in floor.items()}}
        print(dumps(payload), end="")
    else:
        print(render_comparison(comparison, base, variant, args.case))
    warn([*floor["base"], *floor["variant"]], args, variant.files)
    return 0


def _rows(decision: Decision) -> list[tuple[str, str]]:
    """The decision as (label, value) rows."""
    amount = f"{decision.amount:.2f} CNY ({decision.amount_form})" if decision.amount is not None else "-"
    deadline = f"{iso(decision.deadline)}  ({decision.deadline_kind})" if decision.deadline else "-"
    timeline = ", ".join(f"{kind} {iso(moment)}" for kind, moment in decision.timeline) or "-"
    return [
        ("decision", f"{'ALLOWED' if decision.allowed else 'NOT ALLOWED'} ({decision.outcome})"),
        ("deadline", deadline),
        ("amount", amount),
        ("payer", f"{decision.payer or '-'}  (return shipping)"),
        ("advance", f"{decision.advance_payer or '-'}  (先行赔付: advances the money)"),
        ("proof", f"{decision.burden_of_proof or '-'}  (burden of proof)"),
        ("points", str(decision.points)),
        ("timeline", timeline),
    ]


def _rule_line(policy: Policy, rule_id: str) -> str:
    rule = policy.rule(rule_id)
    return f"  {rule_id:<32} {rule.name.zh} / {rule.name.en}  [{'; '.join(rule.source)}]"


def render(decision: Decision, policy: Policy, case_file: str) -> str:
    """The decision as readable text, with each rule's names and sources."""
    lines = [f"case      {case_file}", f"policy    {policy.id}"]
    lines += [f"{label:<9} {value}" for label, value in _rows(decision)]
    lines += [f"reason    {decision.reason_en}", f"          {decision.reason_zh}", "rules"]
    lines += [_rule_line(policy, rule_id) for rule_id in decision.rules]
    for path, since in decision.versions:
        lines.append(f"  version   {path} in force since {since}")
    return "\n".join(lines)


def render_comparison(comparison: DecisionComparison, base: Policy, variant: Policy, case_file: str) -> str:
    """The two decisions side by side, then the rules and the values that differ."""
    left, right = _rows(comparison.base), _rows(comparison.variant)
    width = max(_width(value) for _, value in left) + 2
    lines = [
        f"case      {case_file}",
        f"base      {comparison.base_policy}",
        f"variant   {comparison.variant_policy}",
        f"{'':<9} {'base':<{width}}variant",
    ]
    changed = {"decision": "allowed" in comparison.fields or "outcome" in comparison.fields}
    for (label, a), (_, b) in zip(left, right, strict=True):
        differs = a != b or changed.get(label, False)
        lines.append(f"{label:<9} {a}{' ' * (width - _width(a))}{b}{'   <- differs' if differs else ''}")
    lines.append(f"verdict   {'the decisions differ' if comparison.changed else 'the same decision'}")
    lines.append("rules only under the variant" + ("" if comparison.rules_added else "  -"))
    lines += [_rule_line(variant, rule_id) for rule_id in comparison.rules_added]
    lines.append("rules only under the base" + ("" if comparison.rules_removed else "  -"))
    lines += [_rule_line(base, rule_id) for rule_id in comparison.rules_removed]
    lines.append("values that differ (under the rules cited)" + ("" if comparison.values else "  -"))
    lines += [_change_line(change) for change in comparison.values]
    if comparison.other_values:
        lines.append("other values the variant changes (not used by this decision)")
        lines += [_change_line(change) for change in comparison.other_values]
    lines += [
        f"reason    base     {comparison.base.reason_en}",
        f"                   {comparison.base.reason_zh}",
        f"          variant  {comparison.variant.reason_en}",
        f"                   {comparison.variant.reason_zh}",
    ]
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns `text` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _change_line(change: ParameterChange) -> str:
    return f"  {change.describe()}"
