"""Experiment designs: which parameter values each point of a sweep gets.

A parameter is any path `simkit params` lists. Values are written as on the command line:
``--grid merchants.staff.per_merchant=1,2,4`` (a full grid), ``--range
tmall.refund_auto_agree.timeout=24:96 hours`` (sampled by Latin hypercube or Sobol). A value
keeps the kind of the parameter it replaces: a whole number stays whole, a quantity keeps its
unit. A range written in hours at one end and days at the other (``24 hours:4 days``) is sampled
in hours; ends that measure different things (hours and CNY) are refused. A sampled value keeps
`EXTRA_DECIMALS` more decimals than the finest written in its range or in the parameter
(``0.4:0.9`` gives ``0.634``, ``24:96 hours`` gives ``50.79 hours``). Parameters named with
``--lever`` are levers (what a rule team or merchant decides); the others are uncertainties
(assumptions no one knows exactly).
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

from simkit.errors import Problem, UsageError, shorten

_QUANTITY = re.compile(r"^\s*(-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z%]+)?\s*$")
"""A number (``24``, ``0.5``, ``.5``, ``1e-3``) with an optional unit; ``1.2.3`` or ``.`` is no number."""


_UNITS = {"h": "hours", "hour": "hours", "hours": "hours", "d": "days", "day": "days", "days": "days", "%": "percent"}
"""Spellings of one unit (as the policy files accept them), by their canonical name."""
_IN_HOURS = {"hours": 1.0, "days": 24.0}
"""Durations: the one pair of units that converts (a range ``24 hours:4 days`` samples in hours)."""
EXTRA_DECIMALS = 2
"""A sampled value keeps this many decimals more than the finest written in its range or parameter."""
MAX_POINTS = 10_000
"""The most points a design may have (the grid crossed with the samples)."""


@dataclass(frozen=True, slots=True)
class Range:
    """A sampled parameter: ``lo`` to ``hi`` in `unit` (whole numbers when `integer`), `decimals` kept."""

    path: str
    lo: float
    hi: float
    unit: str = ""
    integer: bool = False
    decimals: int = 6

    def value(self, fraction: float) -> str:
        """The parameter value at `fraction` of the way from lo to hi, as override text, rounded to `decimals`."""
        x = self.lo + fraction * (self.hi - self.lo)
        if self.integer:
            return str(round(x))
        text = f"{round(x, self.decimals):.{self.decimals}f}".rstrip("0").rstrip(".") if self.decimals else f"{x:.0f}"
        return f"{text} {self.unit}" if self.unit else text


@dataclass(frozen=True, slots=True)
class Design:
    """The points of a sweep.

    Attributes:
        grid: Each grid parameter and its values (as override text).
        ranges: The sampled parameters.
        method: ``"grid"``, ``"lhs"`` or ``"sobol"``.
        samples: N for LHS (points) or Sobol (base sample size).
        levers: The parameters that are levers.
        seed: Seed of the sampling.
    """

    grid: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ranges: tuple[Range, ...] = ()
    method: str = "grid"
    samples: int = 0
    levers: tuple[str, ...] = ()
    seed: int = 0

    @property
    def parameters(self) -> list[str]:
        """Every parameter the design sets, grid first."""
        return [path for path, _ in self.grid] + [r.path for r in self.ranges]

    @property
    def uncertainties(self) -> list[str]:
        """The parameters that are not levers."""
        return [p for p in self.parameters if p not in self.levers]

    def unit_samples(self) -> np.ndarray:
        """The sampled points in the unit cube, one row per sample (empty without ranges)."""
        d = len(self.ranges)
        if d == 0:
            return np.zeros((1, 0))
        if self.method == "sobol":
            from SALib.sample import sobol

            problem = self.salib_problem(unit=True)
            return np.asarray(sobol.sample(problem, self.samples, calc_second_order=False, seed=self.seed))
        return np.asarray(qmc.LatinHypercube(d=d, seed=self.seed).random(self.samples))

    def salib_problem(self, unit: bool = False) -> dict[str, Any]:
        """The SALib problem of the sampled parameters (in the unit cube when `unit`)."""
        return {
            "num_vars": len(self.ranges),
            "names": [r.path for r in self.ranges],
            "bounds": [[0.0, 1.0] if unit else [r.lo, r.hi] for r in self.ranges],
        }

    def count(self) -> int:
        """How many points the design has (without drawing them)."""
        samples = 1 if not self.ranges else self.samples * (len(self.ranges) + 2 if self.method == "sobol" else 1)
        return math.prod(len(values) for _, values in self.grid) * samples

    def points(self) -> list[dict[str, str]]:
        """Every point: parameter path → override text (the grid crossed with the samples)."""
        grid_values = [values for _, values in self.grid]
        grid_paths = [path for path, _ in self.grid]
        samples = self.unit_samples()
        out = []
        for combo in itertools.product(*grid_values) if grid_values else [()]:
            for row in samples:
                point = dict(zip(grid_paths, combo, strict=True))
                for rng, fraction in zip(self.ranges, row.tolist(), strict=True):
                    point[rng.path] = rng.value(fraction)
                out.append(point)
        return out

    def to_dict(self) -> dict[str, Any]:
        """A plain description (for the experiment definition)."""
        return {
            "grid": {path: list(values) for path, values in self.grid},
            "ranges": {r.path: [r.lo, r.hi, r.unit, r.integer, r.decimals] for r in self.ranges},
            "method": self.method,
            "samples": self.samples,
            "levers": list(self.levers),
            "seed": self.seed,
        }


def build_design(
    parameters: Mapping[str, Any],
    grid: Sequence[str] = (),
    ranges: Sequence[str] = (),
    lhs: int | None = None,
    sobol: int | None = None,
    levers: Sequence[str] = (),
    seed: int = 0,
) -> Design:
    """Parse ``--grid``/``--range``/``--lhs``/``--sobol``/``--lever`` against a scenario's parameters.

    Raises:
        UsageError: One line naming the bad argument (unknown path with a did-you-mean,
            malformed grid or range, a range without --lhs/--sobol, both methods).
    """
    if lhs is not None and sobol is not None:
        raise _usage("--lhs", "choose one of --lhs and --sobol")
    grid_items = tuple(_grid(parameters, text) for text in grid)
    range_items = tuple(_range(parameters, text) for text in ranges)
    n = lhs if lhs is not None else sobol
    if range_items and n is None:
        raise _usage("--range", "a --range needs --lhs N or --sobol N to sample it")
    if n is not None and not range_items:
        raise _usage("--lhs" if lhs is not None else "--sobol", "sampling needs at least one --range path=lo:hi")
    if n is not None and n < 1:
        raise _usage("--lhs" if lhs is not None else "--sobol", f"the sample size must be >= 1, got {n}")
    if sobol is not None and sobol & (sobol - 1):
        lower = 1 << (sobol.bit_length() - 1)
        raise _usage(
            "--sobol",
            f"N must be a power of 2 (the balance of Sobol' points needs it), got {sobol}: use {lower} or {lower * 2}",
        )
    if not grid_items and not range_items:
        raise _usage("--grid", "a sweep needs --grid path=v1,v2,… or --range path=lo:hi with --lhs/--sobol")
    names = [p for p, _ in grid_items] + [r.path for r in range_items]
    dupes = sorted({p for p in names if names.count(p) > 1})
    if dupes:
        raise _usage(dupes[0], "the parameter is given twice")
    for lever in levers:
        if lever not in names:
            raise _usage(lever, f"--lever names a parameter the sweep does not vary; varied: {', '.join(names)}")
    method = "sobol" if sobol is not None else ("lhs" if lhs is not None else "grid")
    design = Design(grid_items, range_items, method, n or 0, tuple(levers), seed)
    count = design.count()
    if count > MAX_POINTS:
        flag = "--grid" if not range_items else ("--sobol" if sobol is not None else "--lhs")
        raise _usage(flag, f"the design has {count:,} points; at most {MAX_POINTS:,}")
    return design


FIXED_BY_OPTIONS = {"scenario.seed": "--seed", "scenario.replications": "--reps"}
"""Parameters an experiment sets itself: every point runs on the same seeds and replications."""


def _known(parameters: Mapping[str, Any], path: str, flag: str) -> Any:
    if path in FIXED_BY_OPTIONS:
        raise _usage(
            path,
            f"{flag}: set by {FIXED_BY_OPTIONS[path]}, not varied (every point runs on the same seeds and "
            "replications, so varying it would change nothing)",
        )
    if path in parameters:
        return parameters[path]
    close = difflib.get_close_matches(path, list(parameters), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise _usage(path, f"{flag}: unknown parameter{hint}; `simkit params SCENARIO` lists them")


def _grid(parameters: Mapping[str, Any], text: str) -> tuple[str, tuple[str, ...]]:
    path, sep, raw = text.partition("=")
    path = path.strip()
    values = tuple(v.strip() for v in raw.split(","))
    if not sep or not path or not raw.strip() or any(not v for v in values):
        raise _usage(path or text, f"--grid expects path=v1,v2,…, got {text!r}")
    _known(parameters, path, "--grid")
    return path, values


def _range(parameters: Mapping[str, Any], text: str) -> Range:
    path, sep, raw = text.partition("=")
    path = path.strip()
    lo_text, colon, hi_text = raw.partition(":")
    if not sep or not path or not colon:
        raise _usage(path or text, f"--range expects path=lo:hi (e.g. 24:96 hours), got {text!r}")
    current = _known(parameters, path, "--range")
    lo_m, hi_m = _QUANTITY.match(lo_text), _QUANTITY.match(hi_text)
    if lo_m is None or hi_m is None:
        raise _usage(path, f"--range expects numbers lo:hi with an optional unit, got {raw!r}")
    lo, hi = float(lo_m.group(1)), float(hi_m.group(1))
    lo_unit, hi_unit = _canonical(lo_m.group(2)), _canonical(hi_m.group(2))
    unit = hi_unit or lo_unit or _unit_of(current)
    if lo_unit and hi_unit and lo_unit != hi_unit:
        if lo_unit not in _IN_HOURS or hi_unit not in _IN_HOURS:
            raise _usage(path, f"--range: the two ends have different units ({lo_unit!r} and {hi_unit!r}), got {raw!r}")
        lo, hi, unit = lo * _IN_HOURS[lo_unit], hi * _IN_HOURS[hi_unit], "hours"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise _usage(path, f"--range: an end is too large to be a number, got {shorten(raw)}")
    if hi <= lo:
        raise _usage(path, f"--range needs lo < hi, got {raw!r}")
    integer = isinstance(current, int) and not isinstance(current, bool)
    numeric = not isinstance(current, str) or _QUANTITY.match(current) is not None
    if isinstance(current, bool) or not isinstance(current, (int, float, str)) or not numeric:
        raise _usage(path, f"--range needs a numeric parameter; its value is {current!r}")
    written = [_decimals(m.group(1)) for m in (lo_m, hi_m)]
    current_m = _QUANTITY.match(str(current))
    if current_m is not None:
        written.append(_decimals(current_m.group(1)))
    return Range(path, lo, hi, unit, integer, max(written) + EXTRA_DECIMALS)


def _canonical(unit: str | None) -> str:
    return _UNITS.get(unit, unit) if unit else ""


def _decimals(number: str) -> int:
    """Decimals written in `number` (``0.25`` → 2, ``96`` → 0)."""
    mantissa = number.lower().partition("e")[0]
    return len(mantissa.partition(".")[2])


def _unit_of(value: Any) -> str:
    if isinstance(value, str):
        match = _QUANTITY.match(value)
        if match and match.group(2):
            return _canonical(match.group(2))
    return ""


def _usage(path: str, message: str) -> UsageError:
    return UsageError(Problem("<cli>", 0, path, message))
