"""Override policy parameters from the command line or Python (``--set path=value``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from simkit.errors import PolicyError, Problem
from simkit.policy.base import Names
from simkit.policy.loader import build_policy
from simkit.policy.model import Policy
from simkit.policy.variants import Variant, VariantHeader, apply_variants


def parse_value(text: str) -> Any:
    """Read a ``--set`` value as YAML (``3`` → 3, ``true`` → True, ``48 hours`` stays text)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def with_overrides(policy: Policy, changes: Mapping[str, Any], origin: str = "<cli>") -> Policy:
    """A new policy with dotted-path parameters replaced, validated again.

    Args:
        policy: The base policy (unchanged).
        changes: Dotted path → value as it would be written in a policy file.
        origin: Named in error messages instead of a file.

    Raises:
        PolicyError: On an unknown path (with a suggestion) or an invalid value.
    """
    if not changes:
        return policy
    header = VariantHeader(id="overrides", name=Names(zh="命令行覆盖", en="Overrides"), source="assumption overrides")
    variant = Variant("overrides", origin, header, dict(changes), dict.fromkeys(changes, 0))
    base = policy.located
    previous = list(base.data.pop("_variant_ids", []))
    try:
        tree = apply_variants(base, [variant])
    except PolicyError as exc:
        raise PolicyError([_at_origin(p, origin) for p in exc.problems]) from None
    built = build_policy(tree, policy.files, [])
    tree.data["_variant_ids"] = [*previous, "overrides"]
    return Policy(built.spec, policy.files, (*policy.variants, origin), tree)


def _at_origin(problem: Problem, origin: str) -> Problem:
    path = problem.path.removeprefix("set.")
    return Problem(origin, 0, path, problem.message)
