"""The twin: the base scenario with every fitted value set, each carrying a comment (CI, n, method).

The YAML is written here (PyYAML cannot keep comments): block mappings, each leaf on its own line
in flow style, and the comment of the value at that dotted path after it. Values the log cannot
identify stay as the base had them, marked ``not identified from this log``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from simkit.calibration.estimates import NOT_IDENTIFIED, Estimate

KEPT = {
    "merchants.misjudge": "the export shows decisions, not the evidence a merchant misread",
    "arbiters.misjudge": "the export shows rulings, not the evidence behind them",
    "buyers.evidence": "whether a claim holds is not in an export",
    "merchants.handling_time": "an export shows when an answer came, not how long it took to write",
    "merchants.count": "store ids are not in every export",
    "merchants.size_shape": "store ids are not in every export",
    "merchants.staff": "staff numbers are not in an export",
    "arbiters.staff": "the platform's staffing is not in an export",
    "arbiters.severity": "penalty severity is not in an export",
    "buyers.accept_offer_per_percent": "one offer size cannot separate the slope from the base",
    "buyers.complaint": "rule complaints are separate records",
    "buyers.patience": "not fitted from this log",
    "buyers.escalate_after_stall": "not fitted from this log",
    "buyers.confirm_early": "not fitted from this log",
    "buyers.confirm_delay": "not fitted from this log",
    "buyers.quality_request": "not fitted from this log",
    "buyers.claim_late_shipment": "late-shipment claims are not fitted",
    "buyers.claim_delay": "late-shipment claims are not fitted",
    "merchants.ship_time": "the log shows no shipments",
    "logistics": "transit times, loss and damage are not fitted",
}
"""Parameters kept from the base, and why (written beside them in the twin)."""


def set_path(tree: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path in a nested mapping, creating mappings on the way."""
    keys = path.split(".")
    node = tree
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = value


def build_tree(
    base: Mapping[str, Any], estimates: Sequence[Estimate], *, header: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The twin's data and its comments by dotted path.

    Args:
        base: The base scenario (raw YAML mapping).
        estimates: What was fitted.
        header: Values for the ``scenario:`` header (id, name, policy, start, horizon, …).
    """
    tree = copy.deepcopy(dict(base))
    tree.pop("expect", None)
    comments: dict[str, str] = {}
    for key, value in header.items():
        tree["scenario"][key] = value
    fitted_cats = {
        e.parameter.split(".")[2] for e in estimates if e.parameter.startswith("orders.categories.") and e.in_twin
    }
    if fitted_cats:
        cats = tree["orders"].get("categories") or {}
        tree["orders"]["categories"] = {c: cats.get(c, {"share": 1.0, "price": 100}) for c in sorted(fitted_cats)}
        issues = tree.get("issues") or {}
        tree["issues"] = {
            c: issues.get(c, {}) for c in sorted(fitted_cats) if issues.get(c) or _has_issue(estimates, c)
        }
    for e in estimates:
        if not e.in_twin:
            continue
        if not e.identified:
            if _exists(tree, e.parameter):
                comments[e.parameter] = e.comment()
            continue
        if e.value is None and e.parameter == "merchants.shifts":
            tree["merchants"].pop("shifts", None)
            comments["merchants"] = f"shifts: none (fitted: {e.note}, n={e.n})"
            continue
        if e.value is None:
            continue
        if e.value == {}:
            set_path(tree, e.parameter, {})
            continue
        if e.parameter.startswith("issues.") and e.parameter.split(".")[1] not in tree.get("issues", {}):
            continue
        set_path(tree, e.parameter, e.value)
        comments[e.parameter] = e.comment(unit=_unit(e.parameter))
    for path, why in KEPT.items():
        if _exists(tree, path):
            comments.setdefault(path, f"{NOT_IDENTIFIED}: kept from the base ({why})")
    for cat, kinds in (tree.get("issues") or {}).items():
        for kind, issue in (kinds or {}).items():
            if isinstance(issue, dict) and "used" in issue:
                comments.setdefault(f"issues.{cat}.{kind}.used", f"{NOT_IDENTIFIED}: kept from the base")
    return tree, comments


def _has_issue(estimates: Sequence[Estimate], cat: str) -> bool:
    return any(e.parameter.startswith(f"issues.{cat}.") and e.identified for e in estimates)


def _unit(path: str) -> str:
    if path.endswith(("response_time", "slow_response_time", ".after", "delay", "decision_time", "ship_time")):
        return " h"
    if path.endswith("median") and ".price" in path:
        return " CNY"
    return ""


def _exists(tree: Mapping[str, Any], path: str) -> bool:
    node: Any = tree
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def to_yaml(tree: Mapping[str, Any], comments: Mapping[str, str], preamble: Sequence[str] = ()) -> str:
    """The twin as YAML text with a comment after each commented value."""
    lines = [f"# {line}" if line else "#" for line in preamble]
    _emit(tree, "", 0, comments, lines)
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000, sort_keys=False).strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    return text.removesuffix("...").strip()


def _emit(node: Mapping[str, Any], prefix: str, depth: int, comments: Mapping[str, str], out: list[str]) -> None:
    pad = "  " * depth
    for key, value in node.items():
        path = f"{prefix}{key}"
        note = comments.get(path)
        tail = f"  # {note}" if note else ""
        name = _flow(key) if not isinstance(key, str) else (key if _plain(key) else _flow(key))
        if isinstance(value, Mapping) and value and not _is_leaf(path, value, comments):
            out.append(f"{pad}{name}:{tail}")
            _emit(value, f"{path}.", depth + 1, comments, out)
        else:
            out.append(f"{pad}{name}: {_flow(_plain_value(value))}{tail}")


def _is_leaf(path: str, value: Mapping[str, Any], comments: Mapping[str, str]) -> bool:
    """A mapping is written on one line when it is a distribution, a playbook or a price (it has a comment)."""
    if "dist" in value or (path in comments and not any(f"{path}.{k}" in comments for k in value)):
        return all(not isinstance(v, Mapping) or "dist" in v for v in value.values()) and (
            "dist" in value or len(value) <= 6
        )
    return False


def _plain(key: str) -> bool:
    return key.replace("_", "").isalnum() and not key[0].isdigit()


def _plain_value(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.6g}")
    return value
