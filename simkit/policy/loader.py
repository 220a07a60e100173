"""Load policy files: `extends`, variants, validation and cross-references."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simkit.errors import PolicyError, Problem, SimkitError, referenced
from simkit.policy.base import suggest
from simkit.policy.filekind import wrong_kind
from simkit.policy.model import Policy
from simkit.policy.schema import NAMESPACES, PolicySpec
from simkit.policy.tree import Located, deep_merge, located, validation_problems
from simkit.policy.variants import Variant, apply_variants, load_variant
from simkit.yamlio import is_file, load_yaml, missing_file

PathLike = str | Path


def load_policy_tree(path: PathLike, _seen: tuple[Path, ...] = ()) -> Located:
    """Read a policy file and the files it extends, merged, with origins.

    Raises:
        PolicyError: On unreadable YAML or a bad `extends`.
    """
    path = Path(path)
    try:
        data, lines = load_yaml(path)
    except SimkitError as exc:
        raise PolicyError(exc.problems) from None
    tree = located(data, lines, str(path))
    if not isinstance(data, dict):
        raise PolicyError(tree.problem("", "a policy file must be a mapping with a 'policy' header"))
    other = wrong_kind(data, lines, str(path), "policy")
    if other is not None:
        raise PolicyError(other)
    header = data.get("policy")
    parent = header.get("extends") if isinstance(header, dict) else None
    if parent is None:
        return tree
    if not isinstance(parent, str):
        raise PolicyError(tree.problem("policy.extends", "must be a file name such as 'national.yaml'"))
    parent_path = Path(os.path.normpath(path.parent / parent))
    if parent_path.resolve() in _seen or parent_path.resolve() == path.resolve():
        raise PolicyError(tree.problem("policy.extends", f"circular extends through {parent!r}"))
    if not is_file(parent_path):
        raise PolicyError(tree.problem("policy.extends", f"extended policy {parent!r} {missing_file(parent_path)}"))
    reference = {str(parent_path): (str(path), tree.where("policy.extends")[1], "policy.extends")}
    base = referenced(reference, load_policy_tree, parent_path, (*_seen, path.resolve()))
    base.referrers.update(reference)
    merged = deep_merge(base, tree)
    merged.data["policy"]["extends"] = parent
    merged.data.setdefault("_files", [])
    merged.data["_files"] = [*base.data.get("_files", [str(parent_path)]), str(path)]
    return merged


def load_policy(path: PathLike, variants: Sequence[PathLike] = ()) -> Policy:
    """Load, merge, patch and validate a policy.

    Args:
        path: The policy file (e.g. ``policies/tmall.yaml``).
        variants: Variant files applied in order.

    Raises:
        PolicyError: With every problem found, each naming file, line and path.
    """
    tree = load_policy_tree(path)
    files = tuple(tree.data.pop("_files", [str(path)]))
    loaded = [load_variant(v) for v in variants]
    tree = apply_variants(tree, loaded)
    return build_policy(tree, files, loaded)


def build_policy(tree: Located, files: tuple[str, ...], variants: Iterable[Variant] = ()) -> Policy:
    """Validate a merged tree and return the frozen `Policy`."""
    variants = list(variants)
    data = {k: v for k, v in tree.data.items() if not (isinstance(k, str) and k.startswith("_"))}
    try:
        spec = PolicySpec.model_validate(data)
    except ValidationError as exc:
        raise PolicyError([_category_hint(p, data) for p in validation_problems(exc, tree)]) from None
    problems = cross_reference_problems(spec, tree)
    if problems:
        raise PolicyError(problems)
    tree = tree.copy()
    tree.data["_variant_ids"] = [v.id for v in variants]
    return Policy(spec, files, tuple(v.file for v in variants), tree)


def _category_hint(problem: Problem, data: dict[str, Any]) -> Problem:
    """A nameless new category close to a known one is probably a typo of it: say so."""
    parts = problem.path.split(".")
    categories = data.get("categories")
    missing_name = len(parts) == 3 and parts[0] == "categories" and parts[2] == "name"
    if not missing_name or problem.message != "required key is missing" or not isinstance(categories, dict):
        return problem
    hint = suggest(parts[1], [str(key) for key in categories if key != parts[1]])
    if not hint:
        return problem
    return Problem(
        problem.file, problem.line, f"categories.{parts[1]}", f"a new category needs a name{hint}", problem.via
    )


def cross_reference_problems(spec: PolicySpec, tree: Located) -> list[Problem]:
    """Check references between parts of a policy (categories, rule ids, platform sections)."""
    problems: list[Problem] = []
    national = spec.national
    for key, category in spec.categories.items():
        path = f"categories.{key}"
        if category.no_reason == "eligible" and category.exclusion is not None:
            problems.append(tree.problem(f"{path}.exclusion", "an eligible category cannot name an exclusion"))
        if category.no_reason == "excluded" and category.exclusion not in national.no_reason_exclusions.kinds:
            problems.append(
                tree.problem(
                    f"{path}.exclusion",
                    f"excluded categories need an exclusion from national.no_reason_exclusions.kinds "
                    f"{national.no_reason_exclusions.kinds}, got {category.exclusion!r}",
                )
            )
        if category.no_reason == "confirm" and category.exclusion not in national.no_reason_confirm.kinds:
            problems.append(
                tree.problem(
                    f"{path}.exclusion",
                    f"'confirm' categories need an exclusion from national.no_reason_confirm.kinds "
                    f"{national.no_reason_confirm.kinds}, got {category.exclusion!r}",
                )
            )
    platform = spec.policy.platform
    wanted = {"tmall": "tmall", "video_channel": "channels"}.get(platform)
    for namespace in ("tmall", "channels"):
        present = getattr(spec, namespace) is not None
        if present and namespace != wanted:
            section_file = tree.where(namespace)[0]
            if section_file == tree.where("policy.platform")[0]:
                problems.append(
                    tree.problem(namespace, f"section {namespace!r} does not belong to platform {platform!r}")
                )
            else:  # the section is inherited: the platform set in this file is what clashes
                problems.append(
                    tree.problem(
                        "policy.platform",
                        f"section {namespace!r} (from {section_file}) does not belong to platform {platform!r}",
                    )
                )
        if not present and namespace == wanted:
            problems.append(tree.problem("policy.platform", f"platform {platform!r} needs a {namespace!r} section"))
    rule_ids = _rule_ids(spec)
    policy_dir = Path(tree.where("policy")[0]).parent
    for rule_id in rule_ids:
        rule = _rule(spec, rule_id)
        for index, ref in enumerate(rule.see_also):
            if ref not in rule_ids:
                problems.append(
                    tree.problem(
                        f"{rule_id}.see_also.{index}", f"unknown rule id {ref!r}{suggest(ref, sorted(rule_ids))}"
                    )
                )
        for index, alternative in enumerate(rule.alternatives):
            if not _variant_exists(tree, rule_id, index, alternative.variant, policy_dir):
                problems.append(
                    tree.problem(
                        f"{rule_id}.alternatives.{index}.variant", f"variant file {alternative.variant!r} not found"
                    )
                )
    return problems


def _variant_exists(tree: Located, rule_id: str, index: int, name: str, default_dir: Path) -> bool:
    file = tree.where(f"{rule_id}.alternatives.{index}.variant")[0]
    base = Path(file).parent if file else default_dir
    return is_file(base / name)


def _rule_ids(spec: PolicySpec) -> set[str]:
    ids = set()
    for namespace in NAMESPACES:
        section = getattr(spec, namespace)
        if section is not None:
            ids |= {f"{namespace}.{name}" for name in type(section).model_fields}
    return ids


def _rule(spec: PolicySpec, rule_id: str) -> Any:
    namespace, _, key = rule_id.partition(".")
    return getattr(getattr(spec, namespace), key)
