"""What kind of simkit file a YAML document is, read from its top-level keys.

``scenario:`` makes a scenario, ``variant:`` a variant, ``order:`` or ``request:`` a case (for
``simkit explain``) and ``policy:`` a policy; scenario and case files may name their policy
with a top-level ``policy: FILE``, so the other keys are looked at first. A loader given a
file of another kind says so in one line instead of listing the keys it does not know.
"""

from __future__ import annotations

from typing import Any, Literal

from simkit.errors import Problem
from simkit.yamlio import LineIndex, line_of

Kind = Literal["scenario", "variant", "case", "policy"]

_KEYS: tuple[tuple[Kind, tuple[str, ...]], ...] = (
    ("scenario", ("scenario",)),
    ("variant", ("variant",)),
    ("case", ("order", "request")),
    ("policy", ("policy",)),
)
_HEADERS: dict[Kind, str] = {
    "scenario": "a scenario has a 'scenario:' header",
    "variant": "a variant has a 'variant:' header and a 'set:' mapping",
    "case": "a case has 'order:' and 'request:'",
    "policy": "a policy has a 'policy:' header with its id, name and platform",
}


def kind_of(data: Any) -> tuple[Kind, str] | None:
    """The kind of a loaded document and the top-level key that shows it, or None."""
    if not isinstance(data, dict):
        return None
    for kind, keys in _KEYS:
        for key in keys:
            if key in data:
                return kind, key
    return None


def wrong_kind(data: Any, lines: LineIndex, file: str, expected: Kind) -> Problem | None:
    """A problem when the document is a simkit file of another kind than `expected`, else None."""
    found = kind_of(data)
    if found is None or found[0] == expected:
        return None
    kind, key = found
    message = f"this is a {kind} file, not a {expected} ({_HEADERS[expected]})"
    return Problem(file, line_of(lines, key), "", message)
