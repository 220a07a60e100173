"""Means and 95% confidence intervals over replications (Student t, no SciPy needed)."""

from __future__ import annotations

import math

import numpy as np

_T975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    21: 2.080,
    22: 2.074,
    23: 2.069,
    24: 2.064,
    25: 2.060,
    26: 2.056,
    27: 2.052,
    28: 2.048,
    29: 2.045,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}


def t_quantile(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom (table, conservative between rows)."""
    if df <= 0:
        return math.nan
    if df in _T975:
        return _T975[df]
    for key in sorted(_T975):
        if key > df:
            return _T975[key - 10] if key - 10 in _T975 and key <= 40 else _T975[max(k for k in _T975 if k < df)]
    return 1.960


def mean_ci(values: np.ndarray | list[float]) -> tuple[float, float, float, int]:
    """``(mean, low, high, n)`` of the 95% t interval, ignoring NaN; one value gives a zero-width interval."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    n = int(arr.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(arr.mean())
    if n == 1:
        return mean, mean, mean, 1
    half = t_quantile(n - 1) * float(arr.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half, n
