"""Errors for bad input: every one names the file, the line and the dotted path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")

Reference = tuple[str, int, str]
"""Where a file is referred to: the referring file, its line and the dotted path (``policy.extends``)."""


def shorten(value: Any, width: int = 60) -> str:
    """The repr of `value`, cut to about `width` characters so that a message stays readable."""
    text = repr(value)
    return text if len(text) <= width else f"{text[: width - 5]}…{text[-4:]}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    Attributes:
        file: The file the problem is in (or "<cli>" / "<python>").
        line: 1-based line number, or 0 when unknown.
        path: Dotted path of the offending value ("" for the whole file).
        message: What is wrong, in one line.
        via: When `file` was reached through references (``extends:``, a scenario's
            ``policy:`` or ``variants``), each reference, nearest first.
    """

    file: str
    line: int
    path: str
    message: str
    via: tuple[Reference, ...] = ()

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        path = self.path or "<root>"
        refs = " ← ".join(f"{file}:{line} {ref}" if line else f"{file} {ref}" for file, line, ref in self.via)
        return f"{where}: {path}: {self.message}" + (f" (referenced from {refs})" if refs else "")

    def referenced_from(self, referrers: Mapping[str, Reference]) -> Problem:
        """This problem with the chain of references that leads to its file appended to `via`.

        Args:
            referrers: For a referenced file, where it is referred to.
        """
        via = list(self.via)
        seen = {self.file, *(ref[0] for ref in via)}
        current = via[-1][0] if via else self.file
        while current in referrers and referrers[current][0] not in seen:
            via.append(referrers[current])
            current = referrers[current][0]
            seen.add(current)
        return self if len(via) == len(self.via) else replace(self, via=tuple(via))


class SimkitError(Exception):
    """Bad input. Carries one or more `Problem`s; `str()` is one line per problem."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems: list[Problem] = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, file: str | Path, line: int, path: str, message: str) -> SimkitError:
        """Build an error with a single problem."""
        return cls(Problem(str(file), line, path, message))


def referenced(refs: Mapping[str, Reference], load: Callable[..., _T], *args: Any) -> _T:
    """``load(*args)``; the problems it raises also name where their files are referred to (`refs`)."""
    try:
        return load(*args)
    except SimkitError as exc:
        raise type(exc)([problem.referenced_from(refs) for problem in exc.problems]) from None


class PolicyError(SimkitError):
    """A policy or variant file is invalid."""


class ScenarioError(SimkitError):
    """A scenario file or a `--set` override is invalid."""


class CaseError(SimkitError):
    """A case file for `simkit explain` is invalid."""


class LogError(SimkitError):
    """An event log given to the audit is invalid."""


class UsageError(SimkitError):
    """Command-line arguments are invalid."""
