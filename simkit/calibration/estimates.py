"""One fitted figure (`Estimate`: value, 95 % CI, n, method, the parameter it sets) and the intervals behind them.

Also the thresholds every fit shares: how many observations a duration or a share needs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scipy import stats

from simkit.calibration.families import CureFit, FittedDistribution
from simkit.calibration.shifts import WorkPattern

MIN_DURATIONS = 30
"""Observations needed to fit a duration distribution."""
MIN_SHARES = 20
"""Observations needed to estimate a share."""
NOT_IDENTIFIED = "not identified from this log"
BACKLOG_H = 2.0
"""How long a night's backlog may take to clear after a shift opens. A request that reaches the next closed
spell unanswered is read by when its reply came: before the close, exactly; within this long after the next
opening (plus the handling), only as lying between the close and this long after the opening (the reply may
be the backlog's); later, exactly. The classes depend on the request time alone, so the coarsening is at
random and the censored likelihood stays unbiased."""
DURATION_FAMILIES = ("exponential", "gamma", "lognormal")


@dataclass
class Estimate:
    """One fitted figure.

    Attributes:
        parameter: The scenario's dotted path (or a descriptive path when ``in_twin`` is False).
        estimate, ci_low, ci_high: The value and its 95 % CI (NaN when none).
        n: Observations it rests on.
        method: How it was estimated.
        identified: False when the log cannot show it (the base value is kept).
        note: Anything a reader must know (the base kept, no knob in the scenario model, …).
        in_twin: Whether the value is written into the twin.
        value: What is written to the twin at `parameter` (a number, a duration mapping, a list).
    """

    parameter: str
    estimate: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    n: int = 0
    method: str = ""
    identified: bool = True
    note: str = ""
    in_twin: bool = True
    value: Any = None

    def comment(self, unit: str = "") -> str:
        """The twin's comment for this value."""
        if not self.identified:
            return f"{NOT_IDENTIFIED}: {self.note}" if self.note else NOT_IDENTIFIED
        note = f"; {self.note}" if self.note else ""
        if math.isnan(self.estimate):
            return f"fitted: n={self.n}, {self.method}{note}"
        ci = "" if math.isnan(self.ci_low) else f" [{_fmt(self.ci_low)}, {_fmt(self.ci_high)}]{unit} 95% CI"
        return f"fitted {_fmt(self.estimate)}{unit}{ci}, n={self.n}, {self.method}{note}"


@dataclass
class FitResult:
    """What `fit_all` found."""

    estimates: list[Estimate] = field(default_factory=list)
    fits: list[FittedDistribution] = field(default_factory=list)
    cures: dict[str, CureFit] = field(default_factory=dict)
    pattern: WorkPattern | None = None
    warnings: list[str] = field(default_factory=list)
    volume_from: str = "orders"

    def add(self, e: Estimate) -> None:
        self.estimates.append(e)


def _fmt(x: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 1:
        return f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"
    return f"{x:.3g}"


def share_ci(k: int, n: int) -> tuple[float, float, float]:
    """A share with its Wilson 95 % interval (scipy's binomtest)."""
    if n == 0:
        return math.nan, math.nan, math.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return k / n, float(ci.low), float(ci.high)


def rate_ci(k: int, exposure: float) -> tuple[float, float, float]:
    """A Poisson rate (events per unit of exposure) with its exact 95 % interval."""
    lo = stats.chi2.ppf(0.025, 2 * k) / 2 if k else 0.0
    hi = stats.chi2.ppf(0.975, 2 * k + 2) / 2
    return k / exposure, float(lo) / exposure, float(hi) / exposure


def hours_text(h: float) -> str:
    """A duration as the scenario writes it (no exponent; under a minute is 0)."""
    text = f"{max(h, 0.0):.4f}".rstrip("0").rstrip(".")
    if h >= 100:
        text = f"{h:.1f}"
    return "0.0 hours" if text in ("0", "") or h < 1 / 60 else f"{text} hours"


def duration_value(family: str, params: Mapping[str, float]) -> dict[str, Any]:
    """A fitted family's parameters as a scenario duration mapping (the fast group for a mixture)."""
    if family in ("exponential", "gamma") and params["mean"] < 1 / 60:
        return {"dist": "fixed", "value": "0.0 hours"}
    if family in ("lognormal", "mixture"):
        return {"dist": "lognormal", "median": hours_text(params["median"]), "sigma": round(params["sigma"], 4)}
    if family == "gamma":
        return {"dist": "gamma", "mean": hours_text(params["mean"]), "shape": round(params["shape"], 4)}
    return {"dist": "exponential", "mean": hours_text(params["mean"])}
