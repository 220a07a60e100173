"""Clause coverage: which policy clauses fired with which outcomes, and which never fired.

Two views, both per clause, merged over any number of runs or logs:

* **fired**: the clauses the log cites (its ``rule`` column) with the outcome of each step
  (the activity), e.g. ``tmall.refund_auto_agree → auto_agree × 68``;
* **checked**: the audit's own checks per clause: passed, violations, warnings, and the
  checks that could not be made (with why, e.g. "needs category").

A clause of the policy that neither fired nor was checked is reported as never fired: those
are the untested rules, as OPA reports uncovered lines.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from simkit.compliance.findings import clause_names
from simkit.policy.model import Policy

Outcome = Literal["pass", "violation", "warning", "skipped"]


@dataclass
class Coverage:
    """Fired and checked clauses, mergeable.

    Attributes:
        fired: ``(clause, outcome)`` → steps citing the clause with that outcome.
        checked: ``(clause, check, outcome)`` → times a check ended so.
        skipped: ``(clause, check, why)`` → checks that could not be made.
    """

    fired: Counter[tuple[str, str]] = field(default_factory=Counter)
    checked: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    skipped: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def check(self, clause: str, check: str, outcome: Outcome, why: str = "") -> None:
        """Count one check."""
        self.checked[(clause, check, outcome)] += 1
        if outcome == "skipped":
            self.skipped[(clause, check, why)] += 1

    def fire(self, steps: Iterable[tuple[str, str]]) -> None:
        """Count ``(clause, outcome)`` steps the log cites (empty clauses are ignored)."""
        self.fired.update(step for step in steps if step[0])

    def merge(self, other: Coverage) -> None:
        """Add another coverage into this one."""
        self.fired.update(other.fired)
        self.checked.update(other.checked)
        self.skipped.update(other.skipped)

    def clauses(self) -> set[str]:
        """Every clause that fired or was checked (not counting checks that were only skipped)."""
        fired = {clause for clause, _ in self.fired}
        checked = {clause for clause, _, outcome in self.checked if outcome != "skipped"}
        return fired | checked

    def never_fired(self, policy: Policy) -> list[str]:
        """The policy's clauses that neither fired nor were checked."""
        seen = self.clauses()
        return [rule for rule in policy.rule_ids() if rule not in seen]

    def table(self, policy: Policy | None) -> list[dict[str, Any]]:
        """One row per clause: names, outcomes fired, checks made, and whether it is covered."""
        clauses = sorted(
            self.clauses() | {c for c, _, _ in self.checked} | set(policy.rule_ids() if policy else ()),
            key=_order,
        )
        rows = []
        for clause in clauses:
            zh, en = clause_names(policy, clause)
            fired = {outcome: n for (c, outcome), n in sorted(self.fired.items()) if c == clause}
            checks: dict[str, dict[str, int]] = {}
            for (c, check, outcome), n in sorted(self.checked.items()):
                if c == clause:
                    checks.setdefault(check, {})[outcome] = n
            why = {f"{check}: {reason}": n for (c, check, reason), n in sorted(self.skipped.items()) if c == clause}
            rows.append(
                {
                    "clause": clause,
                    "name": {"zh": zh, "en": en},
                    "fired": fired,
                    "checks": checks,
                    "not_checkable": why,
                    "covered": clause in self.clauses(),
                }
            )
        return rows

    def to_dict(self, policy: Policy | None) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "clauses": self.table(policy),
            "never_fired": self.never_fired(policy) if policy is not None else [],
        }


def _order(clause: str) -> tuple[int, str]:
    head = clause.split(".")[0]
    rank = {"national": 0, "tmall": 1, "channels": 1, "status": 2, "log": 3}.get(head, 4)
    return rank, clause
