"""Base against variant: one case decided under two policies, with what differs and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simkit.policy.diff import ParameterChange, diff_policies
from simkit.policy.model import Policy
from simkit.policy.tree import Located
from simkit.rules.case import Case
from simkit.rules.decision import Decision
from simkit.rules.explain import decide, explain_case

COMPARED_FIELDS = (
    "allowed",
    "outcome",
    "deadline",
    "deadline_kind",
    "amount",
    "amount_form",
    "payer",
    "advance_payer",
    "burden_of_proof",
    "points",
    "timeline",
)
"""The decision fields compared (the reason texts and rule lists are reported apart)."""


@dataclass(frozen=True)
class DecisionComparison:
    """One case decided under a base policy and under a variant of it.

    Attributes:
        base_policy: The base policy's id.
        variant_policy: The variant policy's id (``base+variant``).
        base: The decision under the base policy.
        variant: The decision under the variant.
        fields: Decision fields whose values differ, in `COMPARED_FIELDS` order.
        rules_added: Rules the variant's decision cites and the base's does not.
        rules_removed: Rules the base's decision cites and the variant's does not.
        values: Parameters the variant changes under a rule either decision cites (or under the
            case's category): the values behind the difference.
        other_values: Parameters the variant changes that neither decision rests on.
    """

    base_policy: str
    variant_policy: str
    base: Decision
    variant: Decision
    fields: tuple[str, ...]
    rules_added: tuple[str, ...]
    rules_removed: tuple[str, ...]
    values: tuple[ParameterChange, ...]
    other_values: tuple[ParameterChange, ...]

    @property
    def changed(self) -> bool:
        """True when the two decisions differ in a field or in the rules they cite."""
        return bool(self.fields or self.rules_added or self.rules_removed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as printed by ``simkit explain --compare --json``."""
        return {
            "changed": self.changed,
            "base": {"policy": self.base_policy, **self.base.to_dict()},
            "variant": {"policy": self.variant_policy, **self.variant.to_dict()},
            "differences": {
                "fields": list(self.fields),
                "rules_added": list(self.rules_added),
                "rules_removed": list(self.rules_removed),
                "values": [change.to_dict() for change in self.values],
                "other_values": [change.to_dict() for change in self.other_values],
            },
        }


def compare_decision(base: Policy, variant: Policy, case: Case, tree: Located | None = None) -> DecisionComparison:
    """Decide `case` under `base` and under `variant`, and say what differs and which values differ.

    Args:
        base: The base policy.
        variant: The same policy with one or more variants applied.
        case: The case.
        tree: The case file's located tree; when given, the case is checked first (as by
            ``simkit explain``) under both policies.

    Raises:
        CaseError: With `tree`, when the case is inconsistent with either policy.
    """
    if tree is not None:
        first, second = explain_case(base, case, tree), explain_case(variant, case, tree)
    else:
        first, second = decide(base, case), decide(variant, case)
    a, b = first.to_dict(), second.to_dict()
    fields = tuple(name for name in COMPARED_FIELDS if a[name] != b[name])
    added = tuple(rule for rule in second.rules if rule not in first.rules)
    removed = tuple(rule for rule in first.rules if rule not in second.rules)
    cited = {*first.rules, *second.rules}
    used: list[ParameterChange] = []
    other: list[ParameterChange] = []
    for change in diff_policies(base, variant):
        owner = change.path.rsplit(".", 1)[0]
        in_category = change.path.startswith(f"categories.{case.order.category}.")
        (used if in_category or any(owner == r or owner.startswith(f"{r}.") for r in cited) else other).append(change)
    return DecisionComparison(base.id, variant.id, first, second, fields, added, removed, tuple(used), tuple(other))
