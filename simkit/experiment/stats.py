"""Means, differences and 95% confidence intervals over replications (Student t from SciPy).

Intervals respect the metric's domain (from the metric catalogue): a rate or share lies in
[0, 1], a count, duration or cost is never negative. The t interval is intersected with the
domain; since the true mean lies in the domain, the intersection covers it exactly as often
as the t interval does, and it never shows impossible values such as a negative count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simkit.metrics import CATALOGUE

LEVEL = 0.95


def t_quantile(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom (NaN for df < 1)."""
    if df < 1:
        return math.nan
    return float(stats.t.ppf(0.5 + LEVEL / 2, df))


def domain(metric: str | None) -> tuple[float, float]:
    """The values a metric's mean can take (catalogue kind); unknown metrics are unbounded."""
    entry = CATALOGUE.get(metric or "")
    if entry is None:
        return -math.inf, math.inf
    return (0.0, 1.0) if entry.bounded else (0.0, math.inf)


def mean_ci(values: np.ndarray | list[float], metric: str | None = None) -> tuple[float, float, float, int]:
    """``(mean, low, high, n)``: the 95% t interval within the metric's domain, ignoring NaN.

    One value gives a zero-width interval.
    """
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    n = int(arr.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(arr.mean())
    if n == 1:
        return mean, mean, mean, 1
    half = t_quantile(n - 1) * float(arr.std(ddof=1)) / math.sqrt(n)
    lo, hi = domain(metric)
    return mean, max(lo, mean - half), min(hi, mean + half), n


def half_width(values: np.ndarray | list[float]) -> float:
    """Half the width of the 95% t interval of the mean (inf with fewer than two values)."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    if arr.size < 2:
        return math.inf
    return t_quantile(arr.size - 1) * float(arr.std(ddof=1)) / math.sqrt(arr.size)


@dataclass(frozen=True, slots=True)
class Difference:
    """A variant minus the baseline, over replications.

    Attributes:
        mean: Mean difference.
        low: Lower end of the 95% interval.
        high: Upper end.
        n: Number of replications (pairs).
        base: Mean of the baseline.
        relative: ``mean / base`` (NaN when the baseline mean is 0).
    """

    mean: float
    low: float
    high: float
    n: int
    base: float
    relative: float

    @property
    def width(self) -> float:
        """Width of the interval."""
        return self.high - self.low

    @property
    def detected(self) -> bool:
        """Whether the interval excludes zero."""
        return self.low > 0 or self.high < 0


def paired_difference(base: np.ndarray, variant: np.ndarray) -> Difference:
    """The paired difference (same seeds): t interval of the per-replication differences."""
    a, b = np.asarray(base, dtype=np.float64), np.asarray(variant, dtype=np.float64)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    diff = b - a
    mean, low, high, n = mean_ci(diff)
    return _difference(mean, low, high, n, a)


def independent_difference(base: np.ndarray, variant: np.ndarray) -> Difference:
    """The same difference from independent seeds: Welch's t interval."""
    a = np.asarray(base, dtype=np.float64)
    b = np.asarray(variant, dtype=np.float64)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size < 2 or b.size < 2:
        mean = float(b.mean() - a.mean()) if a.size and b.size else math.nan
        return _difference(mean, mean, mean, min(a.size, b.size), a)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    mean = float(b.mean() - a.mean())
    se = math.sqrt(va + vb)
    if se == 0:
        return _difference(mean, mean, mean, min(a.size, b.size), a)
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + LEVEL / 2, dof)) * se
    return _difference(mean, mean - half, mean + half, min(a.size, b.size), a)


def _difference(mean: float, low: float, high: float, n: int, base: np.ndarray) -> Difference:
    base_mean = float(base.mean()) if base.size else math.nan
    relative = mean / base_mean if base_mean not in (0.0,) and not math.isnan(base_mean) else math.nan
    return Difference(mean, low, high, n, base_mean, relative)
