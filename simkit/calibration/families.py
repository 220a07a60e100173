"""Duration distributions fitted to censored samples, one family chosen by AIC.

A sample holds exact durations, right-censored ones (the case ended, a timer fired or the log was
cut before the event: the duration exceeds the value) and interval-censored ones (the event fell
somewhere in ``[low, high]``, e.g. a request read while the shop was closed). Single families are
fitted by maximum likelihood with `scipy.stats.CensoredData` and ``dist.fit``; the two-group
lognormal mixture (fast and slow stores) maximises the same censored likelihood, written with
scipy's ``logpdf`` / ``logsf`` / ``cdf``, with `scipy.optimize`. Confidence intervals come from the
observed information (the Hessian of the log-likelihood at its maximum): parameters are drawn from
the normal approximation and every derived figure (median, p90) is read off the draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

FAMILIES = ("lognormal", "gamma", "weibull", "exponential", "mixture")
"""Candidate families; ``mixture`` is two lognormal groups (fast and slow stores)."""

SCENARIO_FAMILIES = frozenset({"lognormal", "gamma", "exponential", "mixture"})
"""Families a scenario's duration can be written in (the schema has no Weibull)."""

_DRAWS = 200
_FLOOR = 1e-6


@dataclass
class Sample:
    """Durations (hours) with their censoring."""

    exact: np.ndarray
    right: np.ndarray = field(default_factory=lambda: np.empty(0))
    low: np.ndarray = field(default_factory=lambda: np.empty(0))
    high: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        self.exact = np.maximum(np.asarray(self.exact, dtype=float), _FLOOR)
        self.right = np.maximum(np.asarray(self.right, dtype=float), _FLOOR)
        self.low = np.maximum(np.asarray(self.low, dtype=float), 0.0)
        self.high = np.maximum(np.asarray(self.high, dtype=float), _FLOOR)
        swap = self.low >= self.high
        if swap.any():  # a degenerate interval is an exact value
            self.exact = np.concatenate([self.exact, self.high[swap]])
            self.low, self.high = self.low[~swap], self.high[~swap]

    @property
    def n(self) -> int:
        """Observations in all."""
        return len(self.exact) + len(self.right) + len(self.low)

    @property
    def censored(self) -> int:
        """Right- and interval-censored observations."""
        return len(self.right) + len(self.low)

    def censored_data(self) -> stats.CensoredData:
        """The sample as scipy's `CensoredData`."""
        interval = np.column_stack([self.low, self.high]) if len(self.low) else None
        return stats.CensoredData(uncensored=self.exact, right=self.right, interval=interval)

    def uncensored(self) -> Sample:
        """The naive sample: exact values only (what a fit that ignores the censoring sees)."""
        return Sample(self.exact)

    def values(self) -> pd.DataFrame:
        """One row per observation: value (the interval's upper end), censoring (exact, right, interval)."""
        return pd.DataFrame(
            {
                "value": np.concatenate([self.exact, self.right, self.high]),
                "low": np.concatenate([self.exact, self.right, self.low]),
                "censoring": ["exact"] * len(self.exact) + ["right"] * len(self.right) + ["interval"] * len(self.low),
            }
        )


@dataclass
class Family:
    """One family's maximum-likelihood fit."""

    name: str
    theta: np.ndarray
    loglik: float
    cov: np.ndarray | None
    k: int

    @property
    def aic(self) -> float:
        """Akaike's information criterion."""
        return 2 * self.k - 2 * self.loglik


@dataclass
class FittedDistribution:
    """A duration distribution fitted to a censored sample.

    Attributes:
        name: The scenario parameter it is written to (dotted path).
        family: The family chosen (least AIC among `families`).
        params: The chosen family's parameters in the scenario's terms (hours).
        aic: Every candidate: family, k, loglik, aic, delta (to the best).
        sample: The data (values with their censoring).
        median, p90: The fitted median and 90th percentile (hours) with 95 % CIs (low, high).
        note: Why the family was chosen (e.g. the best by AIC cannot be written in a scenario).
    """

    name: str
    family: str
    params: dict[str, float]
    aic: pd.DataFrame
    sample: Sample
    median: tuple[float, float, float]
    p90: tuple[float, float, float]
    note: str = ""
    fits: dict[str, Family] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Observations."""
        return self.sample.n

    def quantile(self, q: float, family: str | None = None) -> float:
        """The fitted `q` quantile (hours) of `family` (default the chosen one)."""
        fit = self.fits[family or self.family]
        return quantile_of(fit.name, fit.theta, q)

    def cdf(self, x: np.ndarray, family: str | None = None) -> np.ndarray:
        """The fitted distribution function."""
        fit = self.fits[family or self.family]
        return np.asarray(cdf_of(fit.name, fit.theta, np.asarray(x, dtype=float)))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        return {
            "name": self.name,
            "family": self.family,
            "params": self.params,
            "median": list(self.median),
            "p90": list(self.p90),
            "n": self.n,
            "censored": self.sample.censored,
            "aic": self.aic.to_dict(orient="records"),
            "note": self.note,
        }


def _single(name: str) -> Any:
    return {"lognormal": stats.lognorm, "gamma": stats.gamma, "weibull": stats.weibull_min, "exponential": stats.expon}[
        name
    ]


class _LogNormal:
    """A lognormal group written with scipy's normal-distribution functions (no frozen object per call)."""

    __slots__ = ("mu", "sigma")

    def __init__(self, mu: float, sigma: float) -> None:
        self.mu, self.sigma = mu, sigma

    def _z(self, x: np.ndarray) -> np.ndarray:
        return np.asarray((np.log(x) - self.mu) / self.sigma)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # a trial sigma near 0 gives -inf: a likelihood the optimiser rejects
            z = self._z(x)
            return np.asarray(-np.log(x) - math.log(self.sigma) - 0.5 * math.log(2 * math.pi) - 0.5 * z * z)

    def logsf(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(special.log_ndtr(-self._z(x)))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(special.ndtr(self._z(np.maximum(x, 1e-300))))

    def ppf(self, q: float) -> float:
        with np.errstate(over="ignore"):
            return float(np.exp(self.mu + self.sigma * special.ndtri(q)))


def _mixture_parts(theta: np.ndarray) -> tuple[float, _LogNormal, _LogNormal]:
    p = float(1.0 / (1.0 + math.exp(-theta[0])))
    fast = _LogNormal(float(theta[1]), math.exp(theta[2]))
    slow = _LogNormal(float(theta[1] + math.exp(min(theta[3], 5.0))), math.exp(min(theta[4], 5.0)))
    return p, fast, slow


def _args(name: str, theta: np.ndarray) -> tuple[Any, tuple[float, ...], float]:
    """The scipy distribution, its shape arguments and scale for unconstrained parameters."""
    if name == "lognormal":
        return stats.lognorm, (math.exp(theta[1]),), math.exp(theta[0])
    if name == "gamma":
        return stats.gamma, (math.exp(theta[0]),), math.exp(theta[1])
    if name == "weibull":
        return stats.weibull_min, (math.exp(theta[0]),), math.exp(theta[1])
    if name == "exponential":
        return stats.expon, (), math.exp(theta[0])
    raise ValueError(name)


def loglik(name: str, theta: np.ndarray, s: Sample) -> float:
    """The censored log-likelihood of `s` under family `name` with unconstrained parameters `theta`."""
    if name == "mixture":
        p, fast, slow = _mixture_parts(theta)
        lp, lq = math.log(max(p, 1e-300)), math.log(max(1 - p, 1e-300))
        total = np.logaddexp(lq + fast.logpdf(s.exact), lp + slow.logpdf(s.exact)).sum()
        total += np.logaddexp(lq + fast.logsf(s.right), lp + slow.logsf(s.right)).sum()
        if len(s.low):
            mass = (1 - p) * (fast.cdf(s.high) - fast.cdf(s.low)) + p * (slow.cdf(s.high) - slow.cdf(s.low))
            total += np.log(np.maximum(mass, 1e-300)).sum()
        return float(total)
    dist, shape, scale = _args(name, theta)
    total = dist.logpdf(s.exact, *shape, scale=scale).sum() + dist.logsf(s.right, *shape, scale=scale).sum()
    if len(s.low):
        mass = dist.cdf(s.high, *shape, scale=scale) - dist.cdf(s.low, *shape, scale=scale)
        total += np.log(np.maximum(mass, 1e-300)).sum()
    return float(total) if np.isfinite(total) else -1e300


def cdf_of(name: str, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The distribution function of a family at `x`."""
    if name == "mixture":
        p, fast, slow = _mixture_parts(theta)
        return np.asarray((1 - p) * fast.cdf(x) + p * slow.cdf(x))
    dist, shape, scale = _args(name, theta)
    return np.asarray(dist.cdf(x, *shape, scale=scale))


def quantile_of(name: str, theta: np.ndarray, q: float) -> float:
    """The `q` quantile of a family."""
    if name != "mixture":
        dist, shape, scale = _args(name, theta)
        return float(dist.ppf(q, *shape, scale=scale))
    p, fast, slow = _mixture_parts(theta)
    lo, hi = sorted((fast.ppf(q), slow.ppf(q)))
    if hi - lo < 1e-12:
        return lo
    return float(optimize.brentq(lambda x: (1 - p) * fast.cdf(np.asarray(x)) + p * slow.cdf(np.asarray(x)) - q, lo, hi))


def _start(name: str, s: Sample) -> np.ndarray:
    """Starting values: scipy's censored fit for a single family, a split of the lognormal for the mixture."""
    if name == "mixture":
        single = _fit_single("lognormal", s).theta
        return np.array([-2.0, single[0] - 0.3, single[1] - 0.3, math.log(2.5), single[1] - 0.3])
    return _fit_single(name, s).theta


def _fit_single(name: str, s: Sample) -> Family:
    dist = _single(name)
    data: Any = s.censored_data() if s.censored else s.exact
    if name == "exponential":
        _, scale = dist.fit(data, floc=0)
        theta = np.array([math.log(scale)])
    elif name == "lognormal":
        shape, _, scale = dist.fit(data, floc=0)
        theta = np.array([math.log(scale), math.log(shape)])
    else:
        shape, _, scale = dist.fit(data, floc=0)
        theta = np.array([math.log(shape), math.log(scale)])
    return Family(name, theta, loglik(name, theta, s), None, len(theta))


def fit_family(name: str, s: Sample) -> Family:
    """The maximum-likelihood fit of one family, with the covariance of its unconstrained parameters."""
    theta0 = _start(name, s)
    best = optimize.minimize(lambda t: -loglik(name, t, s), theta0, method="L-BFGS-B")
    if name == "mixture":
        starts = [(-2.0, 3.5, -0.3), (-1.4, 3.5, -0.3), (-1.4, 2.5, 0.0), (-2.0, 4.5, -0.3)]
        for weight, gap, slow_sigma in starts:
            alt0 = np.array([weight, theta0[1], theta0[2], math.log(gap), slow_sigma])
            alt = optimize.minimize(lambda t: -loglik(name, t, s), alt0, method="L-BFGS-B")
            if alt.fun < best.fun:
                best = alt
        for gap in (4.0, 8.0):
            alt0 = theta0.copy()
            alt0[3] = math.log(gap)
            alt = optimize.minimize(lambda t: -loglik(name, t, s), alt0, method="L-BFGS-B")
            if alt.fun < best.fun:
                best = alt
    theta = np.asarray(best.x, dtype=float)
    return Family(name, theta, -float(best.fun), _covariance(lambda t: loglik(name, t, s), theta), len(theta))


def _covariance(ll: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray | None:
    """The inverse observed information (numerical Hessian of the log-likelihood), or None when singular."""
    k = len(theta)
    h = np.empty((k, k))
    step = 1e-4 * np.maximum(1.0, np.abs(theta))
    f0 = ll(theta)
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.zeros(k), np.zeros(k)
            ei[i], ej[j] = step[i], step[j]
            if i == j:
                val = (ll(theta + ei) - 2 * f0 + ll(theta - ei)) / step[i] ** 2
            else:
                val = (ll(theta + ei + ej) - ll(theta + ei - ej) - ll(theta - ei + ej) + ll(theta - ei - ej)) / (
                    4 * step[i] * step[j]
                )
            h[i, j] = h[j, i] = val
    try:
        cov = np.linalg.inv(-h)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
        return None
    return np.asarray(cov)


def interval(fit: Family, figure: Callable[[np.ndarray], float], seed: int = 0) -> tuple[float, float, float]:
    """A derived figure with its 95 % interval from draws of the parameters' normal approximation."""
    value = figure(fit.theta)
    if fit.cov is None:
        return value, math.nan, math.nan
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(fit.theta, fit.cov, size=_DRAWS, check_valid="ignore")
    values = np.array([_safe(figure, t) for t in draws])
    values = values[np.isfinite(values)]
    if not len(values):
        return value, math.nan, math.nan
    return value, float(np.quantile(values, 0.025)), float(np.quantile(values, 0.975))


def _safe(figure: Callable[[np.ndarray], float], theta: np.ndarray) -> float:
    """A figure of drawn parameters; NaN where the draw lies outside what the family can compute."""
    try:
        with np.errstate(all="ignore"):
            return figure(theta)
    except (ValueError, OverflowError, ZeroDivisionError, RuntimeError):
        return math.nan


def scenario_params(name: str, theta: np.ndarray) -> dict[str, float]:
    """A family's parameters in the scenario's terms (hours)."""
    if name == "lognormal":
        return {"median": math.exp(theta[0]), "sigma": math.exp(theta[1])}
    if name == "gamma":
        shape, scale = math.exp(theta[0]), math.exp(theta[1])
        return {"mean": shape * scale, "shape": shape}
    if name == "weibull":
        return {"shape": math.exp(theta[0]), "scale": math.exp(theta[1])}
    if name == "exponential":
        return {"mean": math.exp(theta[0])}
    p, _, _ = _mixture_parts(theta)
    return {
        "slow_share": p,
        "median": math.exp(theta[1]),
        "sigma": math.exp(theta[2]),
        "slow_median": math.exp(theta[1] + math.exp(theta[3])),
        "slow_sigma": math.exp(theta[4]),
    }


def fit_duration(name: str, s: Sample, families: Sequence[str] = FAMILIES, seed: int = 0) -> FittedDistribution:
    """Fit every candidate family to `s`, choose the least AIC that a scenario can hold, and say why.

    Args:
        name: The scenario parameter (dotted path).
        s: The censored sample (hours).
        families: Candidates (see `FAMILIES`).
        seed: Seeds the draws behind the intervals.
    """
    fits: dict[str, Family] = {}
    for family in families:
        try:
            fits[family] = fit_family(family, s)
        except (ValueError, RuntimeError, FloatingPointError, OverflowError, np.linalg.LinAlgError):
            continue
    if not fits:
        raise ValueError(f"{name}: no family could be fitted")
    table = pd.DataFrame(
        [{"family": f.name, "k": f.k, "loglik": f.loglik, "aic": f.aic} for f in fits.values()]
    ).sort_values("aic", ignore_index=True)
    table["delta"] = table["aic"] - table["aic"].iloc[0]
    best = str(table["family"].iloc[0])
    chosen = next(f for f in table["family"] if f in SCENARIO_FAMILIES)
    note = f"{best} has the least AIC"
    if chosen != best:
        delta = float(table.loc[table.family == chosen, "delta"].iloc[0])
        note += f"; a scenario cannot hold a {best} duration, so the twin uses {chosen} (ΔAIC {delta:.1f})"
    fit = fits[chosen]
    return FittedDistribution(
        name,
        chosen,
        scenario_params(chosen, fit.theta),
        table,
        s,
        interval(fit, lambda t: quantile_of(chosen, t, 0.5), seed),
        interval(fit, lambda t: quantile_of(chosen, t, 0.9), seed + 1),
        note,
        fits,
    )


@dataclass
class CureFit:
    """A share that ever acts and an exponential delay, fitted with the windows that cut the delay short.

    Those who act after ``d`` hours count ``p f(d)`` (``p F(d)`` when they acted at the earliest
    allowed moment, so that the wish may have come earlier); those who did not act within a window
    ``w`` count ``1 - p F(w)`` (``1 - p`` when no window closed). Used for escalation after a
    refusal (the intervention window) and for return shipping (the return deadline).
    """

    share: tuple[float, float, float]
    mean: tuple[float, float, float]
    n: int
    acted: int
    cut: int
    sample: Sample


def fit_cure(delays: np.ndarray, early: np.ndarray, windows: np.ndarray, seed: int = 0) -> CureFit:
    """Fit `CureFit` by maximum likelihood.

    Args:
        delays: Delays of those who acted (hours).
        early: Per delay, whether the act came at the earliest allowed moment (the delay is an upper bound).
        windows: For those who did not act, how long they had (hours; inf when no window closed).
    """
    delays = np.maximum(np.asarray(delays, dtype=float), _FLOOR)
    early = np.asarray(early, dtype=bool)
    windows = np.asarray(windows, dtype=float)
    exact, upper = delays[~early], delays[early]
    finite = windows[np.isfinite(windows)]
    never = int((~np.isfinite(windows)).sum())

    def ll(theta: np.ndarray) -> float:
        p = 1.0 / (1.0 + math.exp(-theta[0]))
        scale = math.exp(theta[1])
        total = len(delays) * math.log(max(p, 1e-300))
        total += float(stats.expon.logpdf(exact, scale=scale).sum() + stats.expon.logcdf(upper, scale=scale).sum())
        total += float(np.log(np.maximum(1.0 - p * stats.expon.cdf(finite, scale=scale), 1e-300)).sum())
        total += never * math.log(max(1.0 - p, 1e-300))
        return total

    share0 = min(max(len(delays) / max(len(delays) + len(windows), 1), 0.01), 0.99)
    theta0 = np.array(
        [math.log(share0 / (1 - share0)), math.log(max(float(np.mean(delays)) if len(delays) else 1.0, 0.01))]
    )
    best = optimize.minimize(lambda t: -ll(t), theta0, method="L-BFGS-B")
    theta = np.asarray(best.x, dtype=float)
    fam = Family("cure", theta, -float(best.fun), _covariance(ll, theta), 2)
    share = interval(fam, lambda t: float(1.0 / (1.0 + math.exp(-t[0]))), seed)
    mean = interval(fam, lambda t: float(math.exp(t[1])), seed + 1)
    sample = Sample(exact, right=finite, low=np.zeros(len(upper)), high=upper)
    return CureFit(share, mean, len(delays) + len(windows), len(delays), len(finite), sample)


def fit_truncated_exponential(delays: np.ndarray, limits: np.ndarray, seed: int = 0) -> tuple[Family, float]:
    """An exponential delay seen only when it beat a competing time drawn from `limits`' distribution.

    An unshipped refund shows only when the buyer asked before the parcel left; a later wish becomes a
    changed-mind return. Each observed delay ``d`` counts ``f(d) / P``, where ``P = E[F(S)]`` over the
    shipping delays `limits` (the share of wishes that beat the parcel).

    Returns:
        The fit (``theta = [log mean]``) and ``P`` at the fit.
    """
    d = np.maximum(np.asarray(delays, dtype=float), _FLOOR)
    s = np.asarray(limits, dtype=float)
    s = s[np.isfinite(s) & (s > 0)]

    def share(mean: float) -> float:
        return float(np.mean(-np.expm1(-s / mean)))

    def ll(theta: np.ndarray) -> float:
        mean = math.exp(theta[0])
        return float(stats.expon.logpdf(d, scale=mean).sum() - len(d) * math.log(max(share(mean), 1e-300)))

    best = optimize.minimize_scalar(
        lambda t: -ll(np.array([t])), bounds=(math.log(1e-3), math.log(1e5)), method="bounded"
    )
    theta = np.array([float(best.x)])
    fam = Family("exponential", theta, -float(best.fun), _covariance(ll, theta), 1)
    return fam, share(math.exp(theta[0]))
