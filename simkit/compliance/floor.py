"""National floor check: a policy (or variant) must never give buyers less than the law.

The floor is the national policy the platform policy extends (``policies/national.yaml``),
loaded on its own, without variants. Three kinds of comparison, each finding citing the
national rule it breaks and the file and line of the offending value:

* every ``national.*`` parameter against the floor's, in the direction that favours the
  buyer (the schema marks it: a longer no-reason window, a shorter refund deadline…), at
  every effective date either side names;
* every category the floor knows: no stricter no-reason status, 三包 kept, no shorter warranty;
* platform parameters that stand in for a legal right (`RELATIONS`), against the floor's value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from simkit.compliance.findings import Finding, Severity, make_finding
from simkit.errors import PolicyError, Problem
from simkit.policy.loader import load_policy
from simkit.policy.model import Policy
from simkit.policy.tree import META_KEYS
from simkit.policy.values import Dated, format_quantity

_NO_REASON_RANK = {"excluded": 0, "confirm": 1, "eligible": 2}

_LISTS = {"national.quality_return.later_remedies": "superset"}
"""List parameters: the remedies after the return period may not shrink. (The exclusion kinds
cannot grow beyond the law's: the schema admits only those.)"""

_CHOICES = {
    "national.no_reason_return.counted_from": ("receipt", "day_after_receipt"),
    "national.goods_intact.used_goods_accepted": (False, True),
}
"""Choice parameters, from least to most favourable to the buyer."""


@dataclass(frozen=True, slots=True)
class Relation:
    """A platform parameter that must stand in the given relation to a legal one.

    Attributes:
        path: The platform parameter (dotted path).
        law: The national parameter it is compared with (the floor's value).
        op: ``">="`` (at least the legal value) or ``"<="`` (at most).
        clause: The national rule cited.
        severity: ``violation`` or ``warning``.
        why: One sentence on why the two are compared.
    """

    path: str
    law: str
    op: str
    clause: str
    severity: Severity
    why: str


def _receipt_timer_relations(timer: str) -> tuple[Relation, Relation]:
    """A platform's timer for confirming a returned item against the law's refund deadlines."""
    return (
        Relation(
            timer,
            "national.refund_deadline.violation_after",
            "<=",
            "national.refund_deadline",
            "violation",
            "the refund follows the receipt timer when the merchant does not confirm the return",
        ),
        Relation(
            timer,
            "national.refund_deadline.refund_within",
            "<=",
            "national.refund_deadline",
            "warning",
            "a merchant who waits for the receipt timer refunds later than the law's deadline",
        ),
    )


RELATIONS: tuple[Relation, ...] = (
    Relation(
        "tmall.after_sale_window.window",
        "national.no_reason_return.window",
        ">=",
        "national.no_reason_return",
        "violation",
        "the buyer files a no-reason return through the after-sale window",
    ),
    Relation(
        "channels.over_period_scenarios.quality_period",
        "national.quality_return.return_within",
        ">=",
        "national.quality_return",
        "violation",
        "the buyer returns a defective item within the quality period",
    ),
    *(
        relation
        for timer in ("tmall.return_deadlines.merchant_confirm_within", "channels.review_deadlines.merchant_receipt")
        for relation in _receipt_timer_relations(timer)
    ),
    Relation(
        "tmall.counterfeit.multiple",
        "national.fraud.multiple",
        ">=",
        "national.fraud",
        "violation",
        "selling counterfeits as genuine is fraud under the consumer law",
    ),
    Relation(
        "channels.counterfeit.multiple",
        "national.fraud.multiple",
        ">=",
        "national.fraud",
        "violation",
        "selling counterfeits as genuine is fraud under the consumer law",
    ),
)
"""Platform parameters compared with the law."""


def load_floor(policy: Policy) -> Policy:
    """The national floor `policy` extends: its first file, loaded without variants.

    Raises:
        PolicyError: When that file is not a national floor (``platform: national``).
    """
    floor = load_policy(policy.files[0])
    if floor.platform != "national":
        raise PolicyError(
            Problem(
                policy.files[0],
                0,
                "policy.platform",
                "the national floor check needs a policy that extends a national floor (platform: national)",
            )
        )
    return floor


def check_floor(policy: Policy, floor: Policy | None = None) -> list[Finding]:
    """Every way `policy` gives buyers less than the national floor.

    Args:
        policy: The policy under test, variants and overrides applied.
        floor: The floor (default: `load_floor(policy)`).

    Returns:
        Findings in a stable order: national parameters, categories, platform relations.
    """
    floor = floor or load_floor(policy)
    return [*_national(policy, floor), *_categories(policy, floor), *_relations(policy, floor)]


def _where(policy: Policy, path: str) -> str:
    file, line = policy.located.where(path)
    return f"{file}:{line}" if line else file


def _value(policy: Policy, path: str) -> Any:
    node: Any = policy.spec
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
        if node is None:
            return None
    return node


def _probes(*values: Dated) -> list[dt.date]:
    """The dates on which two dated values are compared: always, and every effective date."""
    dates = {since for value in values for since, _ in value.versions if since is not None}
    return [dt.date.min, *sorted(dates)]


def _dated_breaks(mine: Dated, law: Dated, higher_is_better: bool) -> Iterator[tuple[dt.date, float, float]]:
    """``(date, value, legal value)`` where `mine` is less favourable than `law`."""
    for probe in _probes(mine, law):
        try:
            ours, theirs = mine.at(probe), law.at(probe)
        except LookupError:
            continue
        worse = ours < theirs if higher_is_better else ours > theirs
        if worse:
            yield probe, ours, theirs
            return


def _since(date: dt.date) -> str:
    return "" if date == dt.date.min else f" (from {date.isoformat()})"


def _national(policy: Policy, floor: Policy) -> Iterator[Finding]:
    for rule_name in type(floor.spec.national).model_fields:
        clause = f"national.{rule_name}"
        mine, law = getattr(policy.spec.national, rule_name), getattr(floor.spec.national, rule_name)
        for name, field in type(law).model_fields.items():
            if name in META_KEYS:
                continue
            path = f"{clause}.{name}"
            ours, theirs = getattr(mine, name), getattr(law, name)
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            if isinstance(theirs, Dated) and isinstance(ours, Dated) and extra.get("buyer"):
                for date, a, b in _dated_breaks(ours, theirs, extra["buyer"] == "higher"):
                    word = "at least" if extra["buyer"] == "higher" else "at most"
                    yield make_finding(
                        policy,
                        "floor",
                        clause,
                        name,
                        f"{path} {word} {format_quantity(b, theirs.kind)} (the law){_since(date)}",
                        format_quantity(a, ours.kind),
                        where=_where(policy, path),
                    )
            elif path in _LISTS:
                yield from _list_break(policy, clause, path, list(ours), list(theirs))
            elif path in _CHOICES:
                order = _CHOICES[path]
                if ours in order and theirs in order and order.index(ours) < order.index(theirs):
                    yield make_finding(
                        policy,
                        "floor",
                        clause,
                        name,
                        f"{path}: {theirs} (the law)",
                        str(ours),
                        where=_where(policy, path),
                    )
            elif isinstance(theirs, str) and name.endswith("payer") and ours == "buyer" and theirs != "buyer":
                yield make_finding(
                    policy,
                    "floor",
                    clause,
                    name,
                    f"{path}: {theirs} pays (the law)",
                    "buyer",
                    where=_where(policy, path),
                )


def _list_break(policy: Policy, clause: str, path: str, ours: list[Any], law: list[Any]) -> Iterator[Finding]:
    name = path.rpartition(".")[2]
    if _LISTS[path] == "subset":
        extra = [kind for kind in ours if kind not in law]
        if extra:
            yield make_finding(
                policy,
                "floor",
                clause,
                name,
                f"{path} only {law} (the law)",
                f"also {extra}",
                where=_where(policy, path),
            )
    else:
        missing = [kind for kind in law if kind not in ours]
        if missing:
            yield make_finding(
                policy,
                "floor",
                clause,
                name,
                f"{path} includes {law} (the law)",
                f"{ours}, without {missing}",
                where=_where(policy, path),
            )


def _categories(policy: Policy, floor: Policy) -> Iterator[Finding]:
    no_fresh_return = policy.spec.channels is not None and not policy.spec.channels.fresh.no_reason
    for key, law in floor.spec.categories.items():
        cat = policy.spec.categories.get(key)
        if cat is None:
            continue
        path = f"categories.{key}"
        if _NO_REASON_RANK[cat.no_reason] < _NO_REASON_RANK[law.no_reason]:
            clause = "national.no_reason_exclusions" if cat.no_reason == "excluded" else "national.no_reason_confirm"
            yield make_finding(
                policy,
                "floor",
                clause,
                "category_no_reason",
                f"{path}.no_reason: {law.no_reason} (the law does not exclude {law.name.en})",
                f"{cat.no_reason} ({cat.exclusion})",
                where=_where(policy, f"{path}.no_reason"),
            )
        if cat.fresh and not law.fresh and no_fresh_return and law.no_reason != "excluded":
            yield make_finding(
                policy,
                "floor",
                "national.no_reason_exclusions",
                "category_fresh",
                f"{path} keeps the no-reason return (the law does not class {law.name.en} as perishable)",
                "fresh: true, which the video channel excludes from no-reason returns",
                where=_where(policy, f"{path}.fresh"),
            )
        if law.three_guarantees and not cat.three_guarantees:
            yield make_finding(
                policy,
                "floor",
                "national.three_guarantees",
                "category_three_guarantees",
                f"{path}.three_guarantees: true (三包 covers {law.name.en})",
                "false",
                where=_where(policy, f"{path}.three_guarantees"),
            )
        breaks = list(_dated_breaks(cat.warranty, law.warranty, higher_is_better=True))
        if breaks:
            date, a, b = breaks[0]
            clause = "national.three_guarantees" if law.three_guarantees else "national.quality_return"
            yield make_finding(
                policy,
                "floor",
                clause,
                "category_warranty",
                f"{path}.warranty at least {format_quantity(b, law.warranty.kind)} (the law){_since(date)}",
                format_quantity(a, cat.warranty.kind),
                where=_where(policy, f"{path}.warranty"),
            )


def _relations(policy: Policy, floor: Policy) -> Iterator[Finding]:
    for rel in RELATIONS:
        ours, law = _value(policy, rel.path), _value(floor, rel.law)
        if not isinstance(ours, Dated) or not isinstance(law, Dated):
            continue
        if rel.severity == "warning" and _stricter_relation_broken(policy, floor, rel):
            continue
        for date, a, b in _dated_breaks(ours, law, higher_is_better=rel.op == ">="):
            word = "at least" if rel.op == ">=" else "at most"
            yield make_finding(
                policy,
                "floor",
                rel.clause,
                rel.path.split(".", 1)[1],
                f"{rel.path} {word} {format_quantity(b, law.kind)} ({rel.law}): {rel.why}{_since(date)}",
                format_quantity(a, ours.kind),
                severity=rel.severity,
                where=_where(policy, rel.path),
            )
    yield from _fresh_quality(policy)
    yield from _counterfeit_minimum(policy, floor)


def _stricter_relation_broken(policy: Policy, floor: Policy, warning: Relation) -> bool:
    """Whether a violation on the same platform parameter already covers this warning."""
    for rel in RELATIONS:
        if rel.path == warning.path and rel.severity == "violation" and rel.clause == warning.clause:
            ours, law = _value(policy, rel.path), _value(floor, rel.law)
            dated = isinstance(ours, Dated) and isinstance(law, Dated)
            if dated and list(_dated_breaks(ours, law, higher_is_better=rel.op == ">=")):
                return True
    return False


def _fresh_quality(policy: Policy) -> Iterator[Finding]:
    channels = policy.spec.channels
    if channels is not None and not channels.fresh.quality_exception:
        yield make_finding(
            policy,
            "floor",
            "national.quality_return",
            "fresh_quality_exception",
            "channels.fresh.quality_exception: true (a defective item may always be returned)",
            "false",
            where=_where(policy, "channels.fresh.quality_exception"),
        )


def _counterfeit_minimum(policy: Policy, floor: Policy) -> Iterator[Finding]:
    """A counterfeit multiple without a minimum pays less than the legal minimum on cheap items."""
    law = floor.spec.national.fraud
    for path in ("tmall.counterfeit", "channels.counterfeit"):
        rule = _value(policy, path)
        if rule is None:
            continue
        multiple, minimum = float(rule.multiple), float(law.minimum)
        if multiple <= 0:
            continue
        below = minimum / multiple
        yield make_finding(
            policy,
            "floor",
            "national.fraud",
            "counterfeit_minimum",
            f"at least {minimum:g} CNY for a counterfeit (national.fraud.minimum)",
            f"{path}.multiple {multiple:g}x without a minimum pays less for prices under {below:.2f} CNY",
            severity="warning",
            where=_where(policy, f"{path}.multiple"),
        )


def floor_of(policy: Policy) -> list[Finding]:
    """`check_floor` for the commands: no findings for a policy that extends no national floor."""
    try:
        return check_floor(policy)
    except PolicyError:
        return []


def floor_line(finding: Finding) -> str:
    """The warning a command prints for a floor finding.

    ``FILE:LINE: CLAUSE: warning: below the legal floor (EN / ZH): expected …; found …`` for a
    violation (the policy gives less than the law), ``may fall below`` for a warning (it can,
    depending on what a merchant does or what the item costs).
    """
    head = "below" if finding.severity == "violation" else "may fall below"
    return (
        f"{finding.where or '<policy>'}: {finding.clause}: warning: {head} the legal floor "
        f"({finding.name_en} / {finding.name_zh}): expected {finding.expected}; found {finding.actual}"
    )


def strict_refusal(findings: Sequence[Finding]) -> PolicyError | None:
    """The refusal ``--strict`` gives when the policy in force breaks the floor (its violations), else None.

    Floor warnings (the shipped platform policies have two each, docs/compliance.md) do not refuse.
    """
    problems = []
    for finding in dict.fromkeys(f for f in findings if f.severity == "violation"):
        file, _, line = finding.where.rpartition(":")
        if not file or not line.isdigit():
            file, line = finding.where or "<policy>", "0"
        problems.append(
            Problem(
                file,
                int(line),
                finding.clause,
                f"below the legal floor ({finding.name_en} / {finding.name_zh}), refused by --strict: "
                f"expected {finding.expected}; found {finding.actual}",
            )
        )
    return PolicyError(problems) if problems else None
