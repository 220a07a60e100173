"""Plain-data trees: deep merge, dotted-path get/set, flattening, located errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from simkit.errors import Problem, Reference
from simkit.policy.base import suggest
from simkit.yamlio import plain_copy

META_KEYS = frozenset({"name", "source", "note", "alternatives", "see_also"})


@dataclass
class Located:
    """A plain-data tree with the file and line of every dotted path."""

    data: dict[str, Any]
    origins: dict[str, tuple[str, int]] = field(default_factory=dict)
    default_file: str = ""
    referrers: dict[str, Reference] = field(default_factory=dict)
    """For a file reached through a reference (``extends:``, a scenario's ``policy:``), where it is referred to."""

    def where(self, path: str) -> tuple[str, int]:
        """The file and line of `path`, or of its nearest located ancestor."""
        probe = path
        while probe:
            if probe in self.origins:
                return self.origins[probe]
            probe = probe.rpartition(".")[0]
        return self.origins.get("", (self.default_file, 0))

    def problem(self, path: str, message: str) -> Problem:
        """A `Problem` located at `path`."""
        file, line = self.where(path)
        return Problem(file, line, path, message).referenced_from(self.referrers)

    def copy(self) -> Located:
        """A deep copy."""
        return Located(plain_copy(self.data), dict(self.origins), self.default_file, dict(self.referrers))


def located(data: Any, lines: Mapping[str, int], file: str) -> Located:
    """Wrap loaded YAML data and its line index."""
    if not isinstance(data, dict):
        data = {}
    return Located(data, {path: (file, line) for path, line in lines.items()}, file)


def deep_merge(base: Located, over: Located) -> Located:
    """Merge `over` onto `base`: mappings merge key by key, everything else is replaced."""
    merged = base.copy()
    _merge_into(merged.data, over.data, "", merged, over)
    merged.default_file = over.default_file
    merged.referrers.update(over.referrers)
    return merged


def _merge_into(target: dict[str, Any], source: dict[str, Any], prefix: str, into: Located, over: Located) -> None:
    for key, value in source.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            if path in over.origins:
                into.origins[path] = over.origins[path]
            _merge_into(target[key], value, path, into, over)
        else:
            target[key] = plain_copy(value)
            for origin_path in [p for p in into.origins if p == path or p.startswith(path + ".")]:
                del into.origins[origin_path]
            into.origins.update({p: o for p, o in over.origins.items() if p == path or p.startswith(path + ".")})


def get_path(data: Any, path: str) -> Any:
    """The value at dotted `path`.

    Raises:
        KeyError: With a message naming the missing part and a suggestion.
    """
    node = data
    walked: list[str] = []
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            here = ".".join(walked) or "the top level"
            choices = [str(k) for k in node] if isinstance(node, dict) else []
            raise KeyError(f"unknown parameter {path!r}: no {part!r} under {here}{suggest(part, choices)}")
        walked.append(part)
    return node


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set dotted `path` (which must exist) to `value`."""
    parent_path, _, last = path.rpartition(".")
    parent = get_path(data, parent_path) if parent_path else data
    if isinstance(parent, list):
        parent[int(last)] = value
    else:
        parent[last] = value


def iter_leaves(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(dotted_path, value)`` for every parameter; lists and dated values are leaves."""
    if isinstance(data, dict) and not _is_dated_mapping(data):
        for key, value in data.items():
            if key in META_KEYS:
                continue
            yield from iter_leaves(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, data


def _is_dated_mapping(data: dict[Any, Any]) -> bool:
    import datetime as dt

    return bool(data) and all(
        isinstance(k, dt.date) or (isinstance(k, str) and len(k) == 10 and k[4] == "-" and k[7] == "-") for k in data
    )


def validation_problems(exc: ValidationError, tree: Located) -> list[Problem]:
    """Turn pydantic errors into located one-line problems (one per path)."""
    problems: dict[str, Problem] = {}
    for error in exc.errors():
        parts = _data_path(tree.data, error["loc"])
        ctx = error.get("ctx") or {}
        if error["type"] == "unknown_key":
            parts.append(str(ctx["key"]))
        path = ".".join(parts)
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if error["type"] == "missing":
            message = "required key is missing"
        if path not in problems:
            problems[path] = tree.problem(path, message)
    return list(problems.values())


def _data_path(data: Any, loc: Sequence[int | str]) -> list[str]:
    """Keep the parts of a pydantic `loc` that index into `data` (drops union tags)."""
    parts: list[str] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            node = node[part]
            parts.append(str(part))
        elif isinstance(node, dict) and isinstance(part, str) and not part[:1].isupper() and "[" not in part:
            parts.append(part)
            node = None
    return parts
