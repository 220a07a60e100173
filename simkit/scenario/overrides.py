"""`--set dotted.path=value` overrides: parsing, with errors that name `<cli>`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simkit.errors import Problem, ScenarioError, SimkitError
from simkit.yamlio import load_yaml_text


@dataclass(frozen=True)
class Override:
    """One override: a dotted path and the value to put there."""

    path: str
    value: Any


def parse_override(text: str) -> Override:
    """Parse ``"a.b.c=value"``; the value is read as safe YAML (a scalar, list or mapping).

    Raises:
        ScenarioError: When there is no ``=``, the path is empty or the value is not YAML
            (one line, whatever the YAML parser says).
    """
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError(Problem("<cli>", 0, path, f"expected dotted.path=value, got {text!r}"))
    if any(not part for part in path.split(".")):
        raise ScenarioError(Problem("<cli>", 0, path, "empty part in the dotted path"))
    if not raw.strip():
        return Override(path, "")
    try:
        value, _ = load_yaml_text(raw, "<cli>")
    except SimkitError as exc:
        problem = exc.problems[0]
        where = f" (line {problem.line})" if "\n" in raw.strip() else ""
        message = problem.message.removeprefix("invalid YAML: ")
        raise ScenarioError(Problem("<cli>", 0, path, f"value is not valid YAML: {message}{where}")) from None
    return Override(path, value)


def parse_overrides(items: Iterable[str] | Mapping[str, Any]) -> list[Override]:
    """Parse many overrides; a mapping is taken as already parsed. The last one for a path wins."""
    if isinstance(items, Mapping):
        parsed = [Override(str(k), v) for k, v in items.items()]
    else:
        parsed = [parse_override(item) for item in items]
    last: dict[str, Override] = {}
    for item in parsed:
        last[item.path] = item
    return list(last.values())
