"""Recovery: a shop simulated with planted parameters is fitted back to them.

Every expectation comes from the planted truth in tests/calibration/planted_tmall.yaml (quoted
beside each test), never from the fit itself.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from scipy import optimize, stats

from simkit.calibration.api import Calibration
from simkit.calibration.families import fit_duration

DAYS = 28.0
ORDERS = 6000  # orders.count: 6000 over window: 28 days
SHARES = {"apparel": 0.6, "electronics": 0.4}  # orders.categories.*.share


def planted_reply_quantile(q: float) -> float:
    """The planted reply time: 80 % of requests at stores with lognormal(median 2 h, sigma 1.0), 20 % at
    slow stores with lognormal(median 60 h, sigma 0.7) (merchants.response_time, slow_share 0.2,
    slow_response_time)."""

    def cdf(x: float) -> float:
        return 0.8 * stats.norm.cdf(math.log(x / 2.0) / 1.0) + 0.2 * stats.norm.cdf(math.log(x / 60.0) / 0.7)

    return float(optimize.brentq(lambda x: cdf(x) - q, 1e-3, 1e4))


def value(cal: Calibration, parameter: str) -> float:
    rows = cal.parameters[cal.parameters["parameter"] == parameter]
    assert len(rows) == 1, parameter
    return float(rows["estimate"].iloc[0])


def count(cal: Calibration, parameter: str) -> int:
    return int(cal.parameters.loc[cal.parameters["parameter"] == parameter, "n"].iloc[0])


def test_arrival_rates_per_category_within_five_percent(planted_fit: Calibration) -> None:
    days = value(planted_fit, "orders.window") / 24.0
    total = value(planted_fit, "orders.count") / days
    for category, share in SHARES.items():
        planted = ORDERS / DAYS * share
        fitted = total * value(planted_fit, f"orders.categories.{category}.share")
        assert abs(fitted / planted - 1.0) <= 0.05, (category, fitted, planted)


def test_reply_time_median_and_p90_within_ten_percent_with_timeouts(planted_fit: Calibration) -> None:
    fit = next(f for f in planted_fit.fits if f.name == "merchants.response_time")
    assert fit.family == "mixture"  # two planted groups of stores: the mixture wins by AIC
    assert fit.sample.censored > 0.05 * fit.n
    median, p90 = planted_reply_quantile(0.5), planted_reply_quantile(0.9)
    assert abs(fit.median[0] / median - 1.0) <= 0.10, (fit.median, median)
    assert abs(fit.p90[0] / p90 - 1.0) <= 0.10, (fit.p90, p90)
    assert value(planted_fit, "merchants.slow_share") == pytest.approx(0.2, abs=0.04)


def test_timeouts_are_a_real_share_of_requests(planted_fit: Calibration) -> None:
    # the planted slow stores (median 60 h) often outlast the 72 h timer: up to 20 % time out
    fit = next(f for f in planted_fit.fits if f.name == "merchants.response_time")
    right = len(fit.sample.right)
    assert 0.03 * fit.n < right < 0.3 * fit.n


def test_shift_hours_exactly(planted_fit: Calibration) -> None:
    # merchants.shifts: - {start: 9, end: 22}
    assert planted_fit.result is not None and planted_fit.result.pattern is not None
    assert planted_fit.result.pattern.shifts() == [{"start": 9, "end": 22}]
    assert "shifts: [{start: 9, end: 22}]" in planted_fit.yaml_text


def _within(fitted: float, planted: float, n: int, floor: float) -> None:
    # the binomial noise of the planted share at this n (3 sd), but never looser than `floor`
    tolerance = max(floor, 3.0 * math.sqrt(planted * (1.0 - planted) / n))
    assert abs(fitted - planted) <= tolerance, (fitted, planted, n, tolerance)


def test_acceptance_refusal_and_escalation_shares(planted_fit: Calibration) -> None:
    # accept_offer_base 0.1 + accept_offer_per_percent 0.02 x compensation 20 % = 0.5
    _within(value(planted_fit, "buyers.offer_acceptance"), 0.5, count(planted_fit, "buyers.offer_acceptance"), 0.02)
    # not_as_described under by_the_rules: the merchant refuses when it finds against the buyer:
    # founded (evidence 0.6) and misread (misjudge 0.2), or unfounded and read right: 0.6*0.2 + 0.4*0.8
    refuse = "merchants.decisions.not_as_described.refuse"
    _within(value(planted_fit, refuse), 0.44, count(planted_fit, refuse), 0.02)
    # escalate_after_refusal: 0.5 (Tmall: intervention is open while the refund is in progress)
    _within(value(planted_fit, "buyers.escalation_share"), 0.5, count(planted_fit, "buyers.escalation_share"), 0.02)
    # the playbook's offer (changed_mind: offer, compensation 20 %) is recovered
    assert "changed_mind: offer" in planted_fit.yaml_text
    assert value(planted_fit, "merchants.offer_size_percent") == pytest.approx(20.0, abs=0.5)


def test_the_uncensored_fit_misses_the_p90_by_more(planted_fit: Calibration) -> None:
    fit = next(f for f in planted_fit.fits if f.name == "merchants.response_time")
    naive = fit_duration("naive", fit.sample.uncensored())
    truth = planted_reply_quantile(0.9)
    assert abs(naive.p90[0] - truth) > abs(fit.p90[0] - truth) + 0.1 * truth
    assert naive.p90[0] < truth  # ignoring the timers hides the slowest replies


def test_return_and_escalation_parameters_bracket_the_truth(planted_fit: Calibration) -> None:
    rows = planted_fit.parameters.set_index("parameter")
    # return_on_time 0.9, return_delay exponential mean 30 h
    for name, truth in (("buyers.return_on_time", 0.9), ("buyers.return_delay", 30.0)):
        assert rows.loc[name, "ci_low"] <= truth <= rows.loc[name, "ci_high"], (name, rows.loc[name].to_dict())


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("SIMKIT_SLOW"), reason="slow: set SIMKIT_SLOW=1")
def test_shares_within_two_points_on_a_large_shop(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from simkit.calibration.api import calibrate
    from tests.calibration.conftest import PLANTED, simulate, write_log

    log = write_log(simulate(PLANTED, ["orders.count=60000"]), tmp_path / "large.parquet")
    cal = calibrate("policies/tmall.yaml", log, validate=False)
    assert abs(value(cal, "buyers.offer_acceptance") - 0.5) <= 0.02
    assert abs(value(cal, "merchants.decisions.not_as_described.refuse") - 0.44) <= 0.02
    assert abs(value(cal, "buyers.escalation_share") - 0.5) <= 0.02
    fit = next(f for f in cal.fits if f.name == "merchants.response_time")
    np.testing.assert_allclose(fit.median[0], planted_reply_quantile(0.5), rtol=0.10)


def test_issue_probabilities_and_delays_bracket_the_planted_truth(planted_fit: Calibration) -> None:
    rows = planted_fit.parameters.set_index("parameter")
    planted = {
        # issues.apparel.unshipped_refund: {p: 0.08, after: 8 hours}: a wish after the parcel left
        # becomes a changed-mind return, so both are fitted with the shipments they raced
        "issues.apparel.unshipped_refund.p": 0.08,
        "issues.apparel.unshipped_refund.after": 8.0,
        "issues.electronics.unshipped_refund.p": 0.04,
        "issues.electronics.unshipped_refund.after": 8.0,
        "issues.apparel.changed_mind.p": 0.10,
        "issues.apparel.not_as_described.p": 0.06,
        "issues.apparel.not_as_described.after": 48.0,
        "issues.electronics.quality.p": 0.06,
        "issues.electronics.quality.after": 96.0,
        "issues.electronics.not_as_described.p": 0.05,
        "issues.electronics.not_as_described.after": 72.0,
        # merchants.ship_time is not planted: the schema's default, exponential with mean 20 hours
        # (the estimate is the median, 20 h x ln 2)
        "merchants.ship_time": 20.0 * math.log(2.0),
    }
    for name, truth in planted.items():
        assert rows.loc[name, "ci_low"] <= truth <= rows.loc[name, "ci_high"], (name, rows.loc[name].to_dict())


def test_figures_show_every_fit(planted_fit: Calibration) -> None:
    figures = planted_fit.figures()
    assert set(figures) == {f.name for f in planted_fit.fits}
    ax = figures["merchants.response_time"].axes[0]
    assert ax.get_title() == "merchants.response_time"
    fit = next(f for f in planted_fit.fits if f.name == "merchants.response_time")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == [f"data (n={fit.n}, {fit.sample.censored} censored)", "fit: mixture", "right-censored"]
