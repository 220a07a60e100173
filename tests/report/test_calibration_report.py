"""The fit report, developed against a stand-in Calibration built from real censored scipy fits."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simkit.calibration.simlog import simulate_log
from simkit.calibration.validate import Validation, period_scenario, validate_twin
from simkit.report.calibration import build_calibration_report, calibration_report, ecdf_figure
from simkit.scenario import Scenario, load_scenario

TIMER_H = 72.0  # tmall.refund_auto_agree.timeout: "卖家在3天内未处理的，系统自动同意退款"


@dataclass
class _Sample:
    exact: np.ndarray
    right: np.ndarray
    low: np.ndarray = field(default_factory=lambda: np.empty(0))


@dataclass
class _Fit:
    name: str
    family: str
    sample: _Sample
    frozen: Any

    def cdf(self, x: Any) -> Any:
        return self.frozen.cdf(x)


@dataclass
class _Calibration:
    scenario: Scenario
    parameters: pd.DataFrame
    fits: list[_Fit]
    validation: Validation | None
    train: tuple[dt.datetime, dt.datetime]
    holdout_period: tuple[dt.datetime, dt.datetime]

    def to_dict(self) -> dict[str, Any]:
        return {"parameters": self.parameters.to_dict("records")}


def _reply_fit() -> _Fit:
    """Reply times drawn from a planted lognormal (median 30 h, sigma 0.9), cut by the 72 h timer, fitted censored."""
    rng = np.random.default_rng(7)
    draws = stats.lognorm(0.9, scale=30.0).rvs(400, random_state=rng)
    exact, right = draws[draws < TIMER_H], np.full(int((draws >= TIMER_H).sum()), TIMER_H)
    shape, _, scale = stats.lognorm.fit(stats.CensoredData(uncensored=exact, right=right), floc=0)
    return _Fit("merchants.slow_response_time", "lognormal", _Sample(exact, right), stats.lognorm(shape, scale=scale))


def _stand_in() -> _Calibration:
    shop = {"orders.count": 1500, "orders.window": "7 days", "scenario.horizon": "7 days", "merchants.count": 30}
    truth = load_scenario("scenarios/tmall_baseline.yaml", shop)
    period = (dt.datetime(2026, 3, 9), dt.datetime(2026, 3, 16))
    real = simulate_log(period_scenario(truth, truth.policy, period), seed=11, replication=0).orders
    validation = validate_twin(truth, real, policy=truth.policy, shape="simkit", period=period, reps=4, seed=1)
    fit = _reply_fit()
    median = float(fit.frozen.median())
    params = pd.DataFrame(
        [
            {
                "parameter": "merchants.slow_response_time.median",
                "estimate": median,
                "ci_low": float("nan"),
                "ci_high": float("nan"),
                "n": fit.sample.exact.size + fit.sample.right.size,
                "method": "censored MLE (scipy CensoredData)",
                "identified": True,
                "note": "",
            },
            {
                "parameter": "merchants.misjudge",
                "estimate": 0.2,
                "ci_low": None,
                "ci_high": None,
                "n": 0,
                "method": "base",
                "identified": False,
                "note": "not identified from this log: misjudgement cannot be told apart from evidence",
            },
        ]
    )
    return _Calibration(truth, params, [fit], validation, (dt.datetime(2026, 3, 2), period[0]), period)


def test_the_censored_fit_recovers_what_the_observed_replies_alone_miss() -> None:
    # the stand-in's fit is a real one: censoring at the timer, it finds the planted median of 30 h
    fit = _reply_fit()
    assert fit.sample.right.size > 40
    assert float(fit.frozen.median()) == pytest.approx(30.0, rel=0.1)
    assert float(np.median(fit.sample.exact)) < 27.0  # the replies seen alone look faster


def test_the_figure_takes_values_flags_and_a_frozen_distribution() -> None:
    fit = _reply_fit()
    values = np.concatenate([fit.sample.exact, fit.sample.right])
    flags = np.r_[np.zeros(fit.sample.exact.size, bool), np.ones(fit.sample.right.size, bool)]
    fig = ecdf_figure("reply", values, flags, fit.frozen)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["data (Kaplan–Meier)", "fit", f"censored ({fit.sample.right.size})"]
    with pytest.raises(ValueError, match="3 values but 2 censoring flags"):
        ecdf_figure("x", [1.0, 2.0, 3.0], [False, True], fit.frozen)
    with pytest.raises(ValueError, match="every value is censored"):
        ecdf_figure("x", [72.0], [True], fit.frozen)


def test_the_report_has_every_part_in_html_markdown_and_json(tmp_path: Path) -> None:
    cal = _stand_in()
    paths = calibration_report(cal, tmp_path / "fit")
    assert sorted(p.name for p in paths.values()) == ["report.html", "report.json", "report.md"]
    data = json.loads((tmp_path / "fit" / "report.json").read_text())
    titles = [s["title"] for s in data["sections"]]
    assert titles == [
        "Verdict",
        "Parameters",
        "Fitted distributions",
        "KPI validation",
        "Log distances against their noise floor",
        "Not identified",
    ]
    sections = {s["title"]: s for s in data["sections"]}
    assert sections["Verdict"]["items"][0]["detail"] == cal.validation.verdict  # type: ignore[union-attr]
    assert sections["Verdict"]["items"][1]["detail"] == "1 fitted from the log, 1 kept from the base"
    # the summary lists failures only: what did not fit, never the sample sizes under a passing verdict
    fits = cal.validation.fits  # type: ignore[union-attr]
    assert sections["Verdict"]["lines"] == ([] if fits else [cal.validation.verdict])  # type: ignore[union-attr]
    figure = sections["Fitted distributions"]["figures"][0]
    n, cut = cal.fits[0].sample.exact.size, cal.fits[0].sample.right.size
    assert figure["caption"] == f"lognormal fit to {n + cut} observations, {cut} right-censored."
    kpi_rows = sections["KPI validation"]["rows"]
    assert [r["label"] for r in kpi_rows] == cal.validation.kpis["label"].tolist()  # type: ignore[union-attr]
    assert [r["label"] for r in sections["Log distances against their noise floor"]["rows"]] == [
        "n-gram distribution (n = 3)",
        "cycle time, 1 h bins",
        "circadian events (hour per weekday)",
        "case arrivals, 1 h bins",
    ]
    lines = sections["Not identified"]["lines"]
    assert (
        lines[0] == "merchants.misjudge: not identified from this log: misjudgement cannot be told apart from evidence"
    )
    assert "KPI cost_shipping: who paid the return shipping is not in the log" in lines
    md = (tmp_path / "fit" / "report.md").read_text()
    assert "merchants.slow_response_time.median" in md and "no: not identified from this log" in md
    html = (tmp_path / "fit" / "report.html").read_text()
    assert "data:image/png;base64," in html
    report = build_calibration_report(cal)
    assert report.passed is cal.validation.fits  # type: ignore[union-attr]
    assert report.facts[1] == ("trained on", "2026-03-02 00:00 – 2026-03-09 00:00")
