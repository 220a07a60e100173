"""Compare two policies parameter by parameter, and say whom each change favours.

Values are compared as parsed (``72 hours`` equals ``3 days``; a dated value equals another
only when every version is the same). Whether a change favours the buyer comes from the
``buyer`` direction of the schema field (``higher``: a higher value favours the buyer),
applied to the latest version of a dated value. Enums, flags and lists are ``neutral``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from simkit.policy.model import Policy
from simkit.policy.values import Dated

Favours = Literal["buyer", "merchant", "neutral"]
ChangeKind = Literal["changed", "added", "removed"]

_FAVOURS_TEXT: dict[str, str] = {
    "buyer": "more favourable to the buyer",
    "merchant": "less favourable to the buyer",
    "neutral": "neutral/unknown",
}


@dataclass(frozen=True)
class ParameterChange:
    """One parameter that differs between two policies.

    Attributes:
        path: Dotted parameter path (``tmall.refund_auto_agree.timeout``).
        old: The value in the first policy as written (None when added).
        new: The value in the second policy as written (None when removed).
        favours: ``buyer`` when the change is more favourable to the buyer, ``merchant`` when
            less, ``neutral`` when it has no direction (or is unknown).
        change: ``changed``, ``added`` or ``removed``.
    """

    path: str
    old: Any
    new: Any
    favours: Favours
    change: ChangeKind = "changed"

    def describe(self) -> str:
        """One line: ``path: old → new (more favourable to the buyer)``."""
        old = "(absent)" if self.change == "added" else format_value(self.old)
        new = "(absent)" if self.change == "removed" else format_value(self.new)
        note = _FAVOURS_TEXT[self.favours] if self.change == "changed" else self.change
        return f"{self.path}: {old} → {new} ({note})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {"path": self.path, "old": self.old, "new": self.new, "favours": self.favours, "change": self.change}


class _Missing:
    """Marker for a path that does not exist in a policy."""


_MISSING = _Missing()


def diff_policies(a: Policy, b: Policy) -> list[ParameterChange]:
    """Every parameter that differs from `a` to `b`.

    Paths are listed in `a`'s parameter order, then the paths only `b` has. A path written in
    one policy but only defaulted in the other is compared with the default.

    Args:
        a: The policy before the change.
        b: The policy after the change.

    Returns:
        The changes; empty when the policies set every parameter alike.
    """
    written_a, written_b = a.parameters(), b.parameters()
    paths = list(written_a) + [path for path in written_b if path not in written_a]
    changes = []
    for path in paths:
        value_a, buyer = _resolve(a, path)
        value_b, buyer_b = _resolve(b, path)
        buyer = buyer or buyer_b
        if value_a == value_b:
            continue
        old = _written(written_a, path, value_a)
        new = _written(written_b, path, value_b)
        if old is None or new is None:
            kind: ChangeKind = "added" if old is None else "removed"
            changes.append(ParameterChange(path, old, new, "neutral", kind))
        else:
            changes.append(ParameterChange(path, old, new, _favours(value_a, value_b, buyer)))
    return changes


def _resolve(policy: Policy, path: str) -> tuple[Any, str | None]:
    """The typed value at `path` (or `_MISSING`) and the buyer direction of its field."""
    node: Any = policy.spec
    buyer: str | None = None
    for part in path.split("."):
        buyer = None
        if node is None:
            return _MISSING, None
        if isinstance(node, BaseModel):
            fields = type(node).model_fields
            if part not in fields:
                return _MISSING, None
            extra = fields[part].json_schema_extra
            buyer = extra.get("buyer") if isinstance(extra, dict) else None  # type: ignore[assignment]
            node = getattr(node, part)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING, None
    return node, buyer


def _written(written: dict[str, Any], path: str, value: Any) -> Any:
    """The value as written in the file, else the typed default in policy notation."""
    if path in written:
        return written[path]
    if isinstance(value, _Missing):
        return None
    if isinstance(value, Dated):
        return value.to_yaml()
    if isinstance(value, list):
        return [item.to_yaml() if isinstance(item, Dated) else item for item in value]
    return value


def _favours(old: Any, new: Any, buyer: str | None) -> Favours:
    if buyer not in ("higher", "lower") or not isinstance(old, Dated) or not isinstance(new, Dated):
        return "neutral"
    before, after = old.versions[-1][1], new.versions[-1][1]
    if before == after:
        return "neutral"
    return "buyer" if (after > before) == (buyer == "higher") else "merchant"


def format_value(value: Any) -> str:
    """A parameter value in one line of policy notation."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {format_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)
