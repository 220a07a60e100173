"""Variants (reforms): small YAML patches of dotted paths applied to a base policy.

A variant file::

    variant:
      id: tmall_ship_48h
      name: {zh: 48小时发货, en: 48-hour shipping promise}
      source: assumption public quote of the Tmall shipping rule
      applies_to: tmall          # optional: the policy id it is meant for
    set:
      tmall.ship_promise.normal: 48 hours
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError, field_validator

from simkit.errors import PolicyError, Problem, SimkitError
from simkit.policy.base import Names, Strict
from simkit.policy.filekind import wrong_kind
from simkit.policy.schema import _check_source
from simkit.policy.tree import Located, get_path, located, set_path, validation_problems
from simkit.yamlio import load_yaml


class VariantHeader(Strict):
    """The ``variant:`` header."""

    id: str
    name: Names
    source: str
    note: str | None = None
    applies_to: str | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return _check_source(value)


class VariantFile(Strict):
    """A whole variant file."""

    variant: VariantHeader
    set: dict[str, Any]


@dataclass(frozen=True)
class Variant:
    """A loaded variant: which paths it sets, and where each was written."""

    id: str
    file: str
    header: VariantHeader
    changes: dict[str, Any]
    lines: dict[str, int]
    header_lines: dict[str, int] = field(default_factory=dict)


def load_variant(path: str | Path) -> Variant:
    """Read and check a variant file.

    Raises:
        PolicyError: On bad YAML or a bad header.
    """
    try:
        data, lines = load_yaml(path)
    except SimkitError as exc:
        raise PolicyError(exc.problems) from None
    tree = located(data, lines, str(path))
    other = wrong_kind(data, lines, str(path), "variant")
    if other is not None:
        raise PolicyError(other)
    try:
        parsed = VariantFile.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(validation_problems(exc, tree)) from None
    if not parsed.set:
        raise PolicyError(tree.problem("set", "a variant must set at least one parameter"))
    change_lines = {key: lines.get(f"set.{key}", 0) for key in parsed.set}
    header_lines = {key: line for key, line in lines.items() if key == "variant" or key.startswith("variant.")}
    return Variant(parsed.variant.id, str(path), parsed.variant, dict(parsed.set), change_lines, header_lines)


def apply_variants(tree: Located, variants: list[Variant]) -> Located:
    """Apply variants in order to a merged policy tree (which is not changed).

    Raises:
        PolicyError: On an unknown path, a variant meant for another policy, or two
            variants setting one path to different values.
    """
    out = tree.copy()
    set_by: dict[str, tuple[Variant, Any]] = {}
    problems: list[Problem] = []
    header = tree.data.get("policy")
    policy_id = header.get("id") if isinstance(header, dict) else None
    for variant in variants:
        wanted = variant.header.applies_to
        if wanted is not None and wanted != policy_id:
            problems.append(
                Problem(
                    variant.file,
                    _header_line(variant),
                    "variant.applies_to",
                    f"variant is for policy {wanted!r}, not {policy_id!r}",
                )
            )
            continue
        for path, value in variant.changes.items():
            where = Problem(variant.file, variant.lines[path], f"set.{path}", "")
            earlier = set_by.get(path)
            if earlier is not None and earlier[1] != value:
                other = earlier[0]
                problems.append(
                    Problem(
                        where.file,
                        where.line,
                        where.path,
                        f"conflicts with {other.file}:{other.lines[path]} ({earlier[1]!r} vs {value!r})",
                    )
                )
                continue
            try:
                _check_settable(out.data, path)
            except KeyError as exc:
                problems.append(Problem(where.file, where.line, where.path, str(exc.args[0])))
                continue
            set_path(out.data, path, value)
            for origin in [p for p in out.origins if p == path or p.startswith(path + ".")]:
                del out.origins[origin]
            out.origins[path] = (variant.file, variant.lines[path])
            set_by[path] = (variant, value)
    if problems:
        raise PolicyError(problems)
    return out


def _header_line(variant: Variant) -> int:
    """The line of ``variant.applies_to`` (or of the header, or of the first change)."""
    for key in ("variant.applies_to", "variant"):
        if variant.header_lines.get(key):
            return variant.header_lines[key]
    return min(variant.lines.values(), default=1)


FIXED = ("policy", "policy.id", "policy.platform", "policy.extends")
"""Header paths a variant cannot set: they are fixed by the policy file (`extends` is resolved first)."""


def _check_settable(data: dict[str, Any], path: str) -> None:
    """A path may be set when it exists, or when its parent mapping exists (new optional key)."""
    if path in FIXED:
        raise KeyError(f"a variant cannot set {path!r}: the policy's id, platform and extends are fixed by its file")
    try:
        get_path(data, path)
    except KeyError:
        parent, _, _ = path.rpartition(".")
        if not parent or not isinstance(get_path(data, parent), dict):
            raise
