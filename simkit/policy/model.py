"""The frozen `Policy`: a validated spec plus the plain tree it came from."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simkit.policy.schema import PolicySpec, Rule
from simkit.policy.tree import Located, iter_leaves


@dataclass(frozen=True)
class Policy:
    """A validated, immutable policy.

    Attributes:
        spec: The typed rules, read by `simkit.rules`.
        files: Policy files it was built from, base first.
        variants: Variant files applied, in order.
    """

    spec: PolicySpec
    files: tuple[str, ...]
    variants: tuple[str, ...] = ()
    _tree: Located = field(repr=False, compare=False, default_factory=lambda: Located({}))

    @property
    def id(self) -> str:
        """The policy id, with applied variant ids after a '+'."""
        names = [self.spec.policy.id, *self.variant_ids]
        return "+".join(names)

    @property
    def variant_ids(self) -> tuple[str, ...]:
        """Ids of the applied variants."""
        return tuple(self._tree.data.get("_variant_ids", ()))

    @property
    def platform(self) -> str:
        """``national``, ``tmall`` or ``video_channel``."""
        return self.spec.policy.platform

    @property
    def tree(self) -> dict[str, Any]:
        """A copy of the plain data the policy was validated from."""
        data = copy.deepcopy(self._tree.data)
        data.pop("_variant_ids", None)
        return data

    @property
    def located(self) -> Located:
        """A copy of the plain tree with the file and line of every path."""
        return self._tree.copy()

    def parameters(self) -> dict[str, Any]:
        """Every addressable parameter (dotted path → value as written)."""
        tree = self.tree
        out: dict[str, Any] = {}
        for section in ("categories", "national", "tmall", "channels"):
            if section in tree:
                out.update(iter_leaves(tree[section], section))
        return out

    def rule(self, rule_id: str) -> Rule:
        """The rule model for an id such as ``tmall.refund_auto_agree``.

        Raises:
            KeyError: When the policy has no such rule.
        """
        namespace, _, key = rule_id.partition(".")
        section = getattr(self.spec, namespace, None) if namespace in ("national", "tmall", "channels") else None
        rule = getattr(section, key, None) if section is not None and key else None
        if not isinstance(rule, Rule):
            raise KeyError(f"policy {self.id!r} has no rule {rule_id!r}")
        return rule

    def rule_ids(self) -> list[str]:
        """All rule ids in this policy."""
        ids = []
        for namespace in ("national", "tmall", "channels"):
            section = getattr(self.spec, namespace)
            if section is not None:
                names = [name for name in type(section).model_fields if getattr(section, name) is not None]
                ids += [f"{namespace}.{name}" for name in names]
        return ids

    @property
    def digest(self) -> str:
        """A SHA-256 of the canonical policy content (variants included)."""
        return hashlib.sha256(_canonical(self._tree.data).encode()).hexdigest()


def _canonical(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
