"""Figures of a calibration: each fitted distribution against its data, censored observations shown."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from simkit.calibration.families import FittedDistribution


def fit_figure(f: FittedDistribution) -> Figure:
    """The data's distribution function (scipy's `ecdf`, Kaplan–Meier under right censoring) against the fit.

    Interval-censored observations enter at their upper end; right-censored ones are ticked on the axis.
    """
    s = f.sample
    exact = np.concatenate([s.exact, s.high])
    data = stats.CensoredData(uncensored=exact, right=s.right) if len(s.right) else exact
    ecdf = stats.ecdf(data)
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.add_subplot()
    q = ecdf.cdf.quantiles
    ax.step(q, ecdf.cdf.evaluate(q), where="post", label=f"data (n={s.n}, {s.censored} censored)")
    grid = np.linspace(0.0, float(np.quantile(np.concatenate([exact, s.right]), 0.99)), 400)
    ax.plot(grid, f.cdf(grid), label=f"fit: {f.family}")
    if len(s.right):
        ax.plot(s.right, np.zeros(len(s.right)), "|", color="grey", alpha=0.4, label="right-censored")
    ax.set_xlabel("hours")
    ax.set_ylabel("share done")
    ax.set_title(f.name)
    ax.legend(loc="lower right")
    return fig
