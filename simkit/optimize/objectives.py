"""Objectives (``METRIC[:min|max]``) and outcome constraints (``METRIC<=VALUE``), from the metric catalogue.

An objective without a direction takes the catalogue's: the direction every audience the
catalogue names agrees on; a metric no audience ranks (``orders``) or one they disagree on
needs ``:min`` or ``:max``. A constraint's bound is a value of the metric's kind: a rate or a
share is a fraction in [0, 1] (``0.002`` or ``0.2%``), hours may be written in hours or days,
a cost in CNY; a bound of another kind (``dispute_rate<=5``, ``cost_total<=3 days``) is refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from simkit.errors import Problem, UsageError, shorten
from simkit.metrics import CATALOGUE, Metric

_BOUND = re.compile(
    r"^\s*(?P<metric>[a-z_0-9]+)\s*(?P<op><=|>=)\s*(?P<number>-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e-?[0-9]+)?)\s*(?P<unit>(?:[A-Za-z%]\S*)?)\s*$"
)
_UNITS: dict[str, dict[str, float]] = {
    "rate": {"": 1.0, "%": 0.01, "percent": 0.01},
    "share": {"": 1.0, "%": 0.01, "percent": 0.01},
    "hours": {"": 1.0, "h": 1.0, "hour": 1.0, "hours": 1.0, "d": 24.0, "day": 24.0, "days": 24.0},
    "CNY": {"": 1.0, "cny": 1.0},
    "count": {"": 1.0},
    "points": {"": 1.0, "points": 1.0},
}
"""The units a bound may carry, by metric kind, and their factor to the metric's own unit."""
_KIND_WORDS = {
    "rate": "a rate per paid order, a fraction in [0, 1] (0.002 or 0.2%)",
    "share": "a share, a fraction in [0, 1] (0.05 or 5%)",
    "hours": "a duration in hours (48, 48 hours or 2 days)",
    "CNY": "an amount in CNY",
    "count": "a count",
    "points": "penalty points",
}


@dataclass(frozen=True, slots=True)
class Objective:
    """A metric to minimise or maximise.

    Attributes:
        metric: The catalogue metric.
        sense: ``"min"`` or ``"max"``.
    """

    metric: str
    sense: str

    @property
    def sign(self) -> float:
        """+1 to minimise, -1 to maximise: ``sign * value`` is always minimised."""
        return 1.0 if self.sense == "min" else -1.0

    @property
    def label(self) -> str:
        """``dispute_rate (min)``."""
        return f"{self.metric} ({self.sense})"


@dataclass(frozen=True, slots=True)
class Constraint:
    """An outcome that must hold with 95 % confidence.

    Attributes:
        metric: The catalogue metric.
        op: ``"<="`` or ``">="``.
        bound: The bound, in the metric's own unit.
        text: As written.
    """

    metric: str
    op: str
    bound: float
    text: str

    def holds(self, low: float, high: float) -> bool:
        """Whether a 95 % interval ``[low, high]`` of the metric's mean lies on the right side of the bound."""
        if math.isnan(low) or math.isnan(high):
            return False
        return high <= self.bound if self.op == "<=" else low >= self.bound

    def excess(self, mean: float) -> float:
        """How far the mean is past the bound (<= 0 when the mean is on the right side)."""
        return mean - self.bound if self.op == "<=" else self.bound - mean


def parse_objective(text: str) -> Objective:
    """``METRIC[:min|max]``.

    Raises:
        UsageError: Unknown metric, unknown direction, or no direction where the catalogue gives none.
    """
    name, sep, sense = text.strip().partition(":")
    metric = _metric(name.strip(), "--objective")
    if sep:
        if sense not in ("min", "max"):
            raise _usage("--objective", f"expected METRIC[:min|max], got {text!r}")
        return Objective(metric.name, sense)
    directions = set(metric.better.values())
    if len(directions) != 1:
        why = "no audience ranks it" if not directions else "its audiences disagree"
        raise _usage(
            "--objective", f"{metric.name}: the catalogue gives no direction ({why}); write {name}:min or :max"
        )
    return Objective(metric.name, "min" if directions == {"lower"} else "max")


def parse_constraint(text: str) -> Constraint:
    """``METRIC<=VALUE`` or ``METRIC>=VALUE``, the value of the metric's kind.

    Raises:
        UsageError: Malformed, unknown metric, or a bound of the wrong kind.
    """
    match = _BOUND.match(text)
    if match is None:
        raise _usage("--constraint", f"expected METRIC<=VALUE or METRIC>=VALUE, got {shorten(text)}")
    metric = _metric(match["metric"], "--constraint")
    units = _UNITS[metric.kind]
    unit = match["unit"].lower()
    number = float(match["number"])
    if unit not in units or not math.isfinite(number):
        raise _wrong_kind(metric, text)
    bound = number * units[unit]
    if bound < 0 or (metric.bounded and bound > 1):
        raise _wrong_kind(metric, text)
    return Constraint(metric.name, match["op"], bound, text.strip())


def check_distinct(objectives: list[Objective]) -> None:
    """Refuse a metric given twice as an objective (with the same direction or opposite ones).

    Raises:
        UsageError: Naming the metric.
    """
    seen: set[str] = set()
    for objective in objectives:
        if objective.metric in seen:
            raise _usage("--objective", f"{objective.metric} is given twice; an objective is searched once")
        seen.add(objective.metric)


def _wrong_kind(metric: Metric, text: str) -> UsageError:
    return _usage(
        "--constraint",
        f"{shorten(text.strip())}: {metric.name} is {_KIND_WORDS[metric.kind]}; the bound is not (see docs/metrics.md)",
    )


def _metric(name: str, flag: str) -> Metric:
    if name not in CATALOGUE:
        raise _usage(flag, f"unknown metric {name!r}; see docs/metrics.md")
    return CATALOGUE[name]


def _usage(flag: str, message: str) -> UsageError:
    return UsageError(Problem("<cli>", 0, flag, message))
