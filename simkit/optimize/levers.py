"""Levers: the parameters a search may set, parsed and cut to what the national floor allows.

A lever is written ``path=lo:hi`` (a range: a whole number stays whole, a quantity keeps its
unit, as in `simkit sweep --range`) or ``path=a,b,c`` (a list of choices). Before anything runs,
each lever is checked against the national floor (`simkit.compliance.floor.check_floor`) on the
policy with that lever set and every other parameter as the scenario has it — no simulation:

* a choice that breaks the floor is removed;
* a range whose one end breaks it is cut at the last legal value (found by bisection on the
  floor check, so the bound is the law's own figure written in the lever's unit);
* a lever with no legal value is refused with one line naming the clause.

The bound applied and its source (the clause and the floor's own words) are kept on the lever.
Only violations bound the search: a floor *warning* (a value that may fall below the law depending
on what a merchant does) is shown by the floor guard as everywhere else, but does not cut.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from simkit.compliance.findings import Finding
from simkit.errors import Problem, UsageError
from simkit.experiment.design import Range, build_design

POLICY_SECTIONS = ("categories", "national", "tmall", "channels")
"""Paths under these change the policy (`simkit.scenario.load_scenario`); no other value can break the floor."""
BISECTION_STEPS = 40
"""Bisection steps when a range crosses the floor (the bound is exact to the lever's decimals)."""


@dataclass(frozen=True, slots=True)
class FloorBound:
    """Where the national floor cut a lever.

    Attributes:
        side: ``"lo"`` or ``"hi"``: which end of the asked range was moved (``"choices"`` for a list).
        asked: The value asked for at that end (or the choices removed, comma-separated).
        applied: The legal value the search stops at (or the choices kept).
        clause: The national rule that sets the bound (``national.no_reason_return``).
        source: The floor's own words: what the law expects (``tmall.after_sale_window.window at least 7 days``).
        name: The clause's English and Chinese names.
    """

    side: str
    asked: str
    applied: str
    clause: str
    source: str
    name: str

    def to_dict(self) -> dict[str, str]:
        """Plain data (JSON, reports)."""
        return {
            "side": self.side,
            "asked": self.asked,
            "applied": self.applied,
            "clause": self.clause,
            "source": self.source,
            "name": self.name,
        }


@dataclass(frozen=True, slots=True)
class Lever:
    """One searched parameter.

    Attributes:
        path: The parameter (a path `simkit params` lists).
        choices: The values to choose from (override text), for a list lever.
        range: The legal range, for a range lever.
        current: The value the scenario gives it (override text).
        bound: Where the floor cut it, if it did.
        text: The lever as written.
    """

    path: str
    choices: tuple[str, ...] = ()
    range: Range | None = None
    current: str = ""
    bound: FloorBound | None = None
    text: str = ""

    @property
    def kind(self) -> str:
        """``"choice"``, ``"int"`` or ``"float"``."""
        if self.range is None:
            return "choice"
        return "int" if self.range.integer else "float"

    def value(self, x: Any) -> str:
        """Override text for a sampled value: a choice as it is, a number in the lever's unit and decimals."""
        if self.range is None:
            return str(x)
        rng = self.range
        return rng.value((float(x) - rng.lo) / (rng.hi - rng.lo) if rng.hi > rng.lo else 0.0)

    def number(self, text: str) -> float:
        """The number in a value's text (``"48 hours"`` → 48.0; a choice → its position)."""
        if self.range is None:
            return float(self.choices.index(text)) if text in self.choices else float("nan")
        return float(str(text).split()[0])

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the experiment definition, JSON, reports)."""
        out: dict[str, Any] = {"path": self.path, "kind": self.kind, "current": self.current, "text": self.text}
        if self.range is not None:
            r = self.range
            out.update(lo=r.lo, hi=r.hi, unit=r.unit, decimals=r.decimals)
        else:
            out["choices"] = list(self.choices)
        out["floor"] = self.bound.to_dict() if self.bound is not None else None
        return out


Settings = tuple[tuple[str, str], ...]
"""``((path, override text), …)``: values set together."""
Violations = Callable[[Settings], list[Finding]]
"""``settings -> the floor violations the policy has with those values and not without them``."""


def parse_lever(parameters: dict[str, Any], text: str) -> Lever:
    """A lever as written, checked against the scenario's parameters (no floor yet).

    Raises:
        UsageError: Unknown path, malformed or inverted range, empty choice.
    """
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path or not raw.strip():
        raise _usage(path or text, f"--lever expects path=lo:hi or path=a,b,c, got {text!r}")
    try:
        if ":" in raw and "," not in raw:
            design = build_design(parameters, ranges=[f"{path}={raw}"], lhs=1)
            return Lever(path, range=design.ranges[0], current=_current(parameters[path]), text=text)
        design = build_design(parameters, grid=[f"{path}={raw}"])
    except UsageError as exc:
        raise UsageError([_as_lever(p) for p in exc.problems]) from None
    choices = tuple(dict.fromkeys(design.grid[0][1]))
    return Lever(path, choices=choices, current=_current(parameters[path]), text=text)


def check_distinct(levers: Sequence[Lever]) -> None:
    """Refuse a parameter given twice.

    Raises:
        UsageError: Naming the parameter.
    """
    seen: set[str] = set()
    for lever in levers:
        if lever.path in seen:
            raise _usage(lever.path, "--lever: the parameter is given twice")
        seen.add(lever.path)


def bound_by_floor(lever: Lever, violations: Violations) -> Lever:
    """`lever` cut to the values the national floor allows (no simulation).

    Raises:
        UsageError: When no value of the lever is legal: one line naming the clause.
    """
    if lever.range is None:
        return _bound_choices(lever, violations)
    rng = lever.range
    lo_text, hi_text = rng.value(0.0), rng.value(1.0)
    lo_bad, hi_bad = violations(((lever.path, lo_text),)), violations(((lever.path, hi_text),))
    if not lo_bad and not hi_bad:
        return lever
    if lo_bad and hi_bad:
        raise _below(lever, f"{lo_text}:{hi_text}", lo_bad[0])
    good, bad = (1.0, 0.0) if lo_bad else (0.0, 1.0)
    finding = (lo_bad or hi_bad)[0]
    for _ in range(BISECTION_STEPS):
        mid = (good + bad) / 2
        if rng.value(mid) in (rng.value(good), rng.value(bad)):
            break
        if violations(((lever.path, rng.value(mid)),)):
            bad = mid
        else:
            good = mid
    legal = rng.value(good)
    number = float(legal.split()[0])
    cut = replace(rng, lo=number) if lo_bad else replace(rng, hi=number)
    side, asked = ("lo", lo_text) if lo_bad else ("hi", hi_text)
    bound = FloorBound(side, asked, legal, finding.clause, finding.expected, _name(finding))
    return replace(lever, range=cut, bound=bound)


def _bound_choices(lever: Lever, violations: Violations) -> Lever:
    bad = {choice: violations(((lever.path, choice),)) for choice in lever.choices}
    kept = tuple(c for c in lever.choices if not bad[c])
    removed = [c for c in lever.choices if bad[c]]
    if not removed:
        return lever
    first = bad[removed[0]][0]
    if not kept:
        raise _below(lever, ",".join(lever.choices), first)
    bound = FloorBound("choices", ",".join(removed), ",".join(kept), first.clause, first.expected, _name(first))
    return replace(lever, choices=kept, bound=bound)


def floor_violations(scenario: str, overrides: Sequence[str], variants: Sequence[str]) -> Violations:
    """The `Violations` of a scenario: the floor check of its policy with some values set.

    A violation the policy already has without the lever is not the lever's (the floor guard
    reports it as for any command); only new ones count. Only the policy's values are checked
    (a scenario value cannot break the floor), each setting of them once.
    """
    from simkit.compliance.floor import floor_of
    from simkit.scenario import load_scenario

    def key(finding: Finding) -> tuple[str, str]:
        return finding.clause, finding.check

    base_policy = load_scenario(scenario, list(overrides), list(variants)).policy
    base = {key(f) for f in floor_of(base_policy) if f.severity == "violation"}

    @functools.lru_cache(maxsize=4096)
    def policy_check(settings: Settings) -> list[Finding]:
        values = [f"{path}={value}" for path, value in settings]
        policy = load_scenario(scenario, [*overrides, *values], list(variants)).policy
        return [f for f in floor_of(policy) if f.severity == "violation" and key(f) not in base]

    def check(settings: Settings) -> list[Finding]:
        return policy_check(tuple((p, v) for p, v in settings if p.split(".", 1)[0] in POLICY_SECTIONS))

    return check


def _below(lever: Lever, asked: str, finding: Finding) -> UsageError:
    return _usage(
        lever.path,
        f"--lever {asked}: every value is below the legal floor ({finding.clause}, {_name(finding)}): "
        f"expected {finding.expected}",
    )


def _name(finding: Finding) -> str:
    return f"{finding.name_en} / {finding.name_zh}"


def _current(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _as_lever(problem: Problem) -> Problem:
    message = problem.message.replace("--range", "--lever").replace("--grid", "--lever")
    message = message.replace("--lever expects path=lo:hi (e.g. 24:96 hours)", "--lever expects path=lo:hi")
    return Problem(problem.file, problem.line, problem.path, message)


def _usage(path: str, message: str) -> UsageError:
    return UsageError(Problem("<cli>", 0, path, message))
