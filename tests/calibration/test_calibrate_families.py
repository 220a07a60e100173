"""Censored fits on synthetic samples whose truth is drawn, not fitted."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simkit.calibration.families import Sample, fit_duration
from simkit.calibration.shifts import infer_pattern


@settings(max_examples=12, deadline=None)
@given(
    median=st.floats(0.5, 20.0),
    sigma=st.floats(0.3, 1.5),
    censored_share=st.floats(0.05, 0.4),
    seed=st.integers(0, 2**32 - 1),
)
def test_censored_lognormal_fit_recovers_the_median_and_p90(
    median: float, sigma: float, censored_share: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.lognormal(math.log(median), sigma, 3000)
    # a timer at the quantile that leaves `censored_share` of the sample unobserved
    timer = median * math.exp(sigma * float(np.sqrt(2)) * _erfinv(1 - 2 * censored_share))
    s = Sample(x[x < timer], np.full(int((x >= timer).sum()), timer))
    fit = fit_duration("t", s, families=("lognormal",))
    p90 = median * math.exp(1.2815515655446004 * sigma)
    assert abs(fit.median[0] / median - 1) < 0.1
    # the p90 lies beyond the timer when censoring is heavy: its error grows with sigma
    assert abs(math.log(fit.p90[0] / p90)) < 0.15 * max(1.0, sigma)
    naive = fit_duration("t", s.uncensored(), families=("lognormal",))
    assert naive.p90[0] < fit.p90[0]  # dropping the censored values always shortens the tail


def _erfinv(y: float) -> float:
    from scipy.special import erfinv

    return float(erfinv(y))


def test_interval_censored_values_are_used() -> None:
    rng = np.random.default_rng(3)
    x = rng.lognormal(math.log(4.0), 0.8, 4000)
    # half the values are only known to lie within a 6-hour spell (read after a closed spell)
    known = np.arange(len(x)) % 2 == 0
    low = np.floor(x[~known] / 6.0) * 6.0
    s = Sample(x[known], low=low, high=low + 6.0)
    fit = fit_duration("t", s, families=("lognormal",))
    assert abs(fit.median[0] / 4.0 - 1) < 0.1


def test_weibull_wins_but_the_twin_uses_a_family_a_scenario_can_hold() -> None:
    rng = np.random.default_rng(5)
    s = Sample(rng.weibull(0.6, 5000) * 10.0)
    fit = fit_duration("x", s, families=("weibull", "lognormal", "gamma"))
    assert fit.aic["family"].iloc[0] == "weibull"
    assert fit.family in ("lognormal", "gamma")
    assert fit.note.startswith("weibull has the least AIC; a scenario cannot hold a weibull duration, so the twin uses")


def test_shift_pattern_with_a_day_off() -> None:
    rng = np.random.default_rng(1)
    # replies Monday to Saturday between 08:00 and 18:00 China time (UTC+8), from 2026-03-02 (a Monday)
    day0 = 20514 * 24.0  # 2026-03-02 00:00 UTC in hours since the epoch
    days = rng.integers(0, 28, 5000)
    days = days[(days % 7) != 6]
    t = day0 + days * 24.0 + rng.uniform(8.0, 18.0, len(days)) - 8.0
    p = infer_pattern(t)
    assert p.shifts() == [{"start": 8, "end": 18, "days": ["mon", "tue", "wed", "thu", "fri", "sat"]}]


@settings(max_examples=10, deadline=None)
@given(
    share=st.floats(0.2, 0.8),
    mean=st.floats(5.0, 50.0),
    window_in_means=st.floats(0.7, 3.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_share_cut_short_by_its_window_is_recovered(
    share: float, mean: float, window_in_means: float, seed: int
) -> None:
    # buyers who would escalate (share) after an exponential delay (mean), but only within the window
    from simkit.calibration.families import fit_cure

    rng = np.random.default_rng(seed)
    n, window = 4000, mean * window_in_means
    wants = rng.random(n) < share
    delay = rng.exponential(mean, n)
    acted = wants & (delay <= window)
    fit = fit_cure(delay[acted], np.zeros(int(acted.sum()), dtype=bool), np.full(int((~acted).sum()), window))
    assert abs(fit.share[0] - share) < 0.06 + 0.04 / window_in_means
    # the delay's mean within four of its standard errors (read off its 95 % interval on the log scale):
    # a short window leaves few delays, so a fixed tolerance would fail there by chance alone
    log_se = (math.log(fit.mean[2]) - math.log(fit.mean[1])) / (2 * 1.96)
    assert abs(math.log(fit.mean[0] / mean)) < max(4 * log_se, 0.05)
    assert log_se < 0.4  # and that interval says something (share and delay trade off when the window is short)
    # the naive share (acted / all) misses those the window cut off; the censored fit does not
    assert abs(fit.share[0] - share) <= abs(acted.mean() - share) + 0.02
