"""Replications: long-form metrics, mean and 95% CI, events as a DataFrame, seeds."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from simkit.experiment import mean_ci, run
from simkit.experiment.stats import t_quantile
from simkit.metrics import METRICS
from simkit.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"orders.count": 800, "merchants.count": 10, "scenario.horizon": "30 days"}


@pytest.fixture(scope="module")
def result():
    return run(load_scenario(ROOT / "scenarios/tmall_baseline.yaml", SMALL), seed=11, reps=3)


def test_metrics_long_form(result):
    m = result.metrics
    assert list(m.columns) == ["run_id", "scenario", "policy", "variant", "replication", "seed", "metric", "value"]
    assert len(m) == 3 * len(METRICS)
    assert sorted(m["replication"].unique()) == [0, 1, 2]
    assert set(m["run_id"]) == {"tmall_baseline-s11-r0", "tmall_baseline-s11-r1", "tmall_baseline-s11-r2"}


def test_summary_mean_and_ci(result):
    s = result.summary.set_index("metric")
    values = result.metrics[result.metrics["metric"] == "refund_rate"]["value"]
    assert s.loc["refund_rate", "mean"] == pytest.approx(values.mean())
    assert s.loc["refund_rate", "ci_low"] <= s.loc["refund_rate", "mean"] <= s.loc["refund_rate", "ci_high"]
    assert s.loc["orders", "n"] == 3
    assert result.value("orders") == pytest.approx(s.loc["orders", "mean"])


def test_events_frame_has_pm4py_columns(result):
    ev = result.events
    for col in (
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "run_id",
        "order_id",
        "merchant_id",
        "time_h",
        "actor",
        "status",
        "amount",
        "rule",
    ):
        assert col in ev.columns
    assert pd.api.types.is_datetime64_any_dtype(ev["time:timestamp"])
    assert ev["run_id"].nunique() == 3
    first = ev.iloc[0]
    expected = pd.Timestamp("2026-03-02", tz="Asia/Shanghai") + pd.Timedelta(hours=first["time_h"])
    assert abs(first["time:timestamp"] - expected) < pd.Timedelta(microseconds=1)


def test_replications_differ_but_repeat(result):
    again = run(result.scenario, seed=11, reps=3, recorder="none")
    pd.testing.assert_frame_equal(again.metrics, result.metrics)
    orders = result.metrics[result.metrics["metric"] == "orders"]["value"]
    assert orders.nunique() > 1


def test_parquet_recorder(tmp_path):
    sc = load_scenario(ROOT / "scenarios/channels_baseline.yaml", SMALL)
    res = run(sc, seed=2, reps=2, recorder="parquet", events_path=tmp_path / "e.parquet")
    table = pq.read_table(tmp_path / "e.parquet")
    assert table.num_rows > 0 and res.events.empty
    assert set(table.column("run_id").to_pylist()) == {"channels_baseline-s2-r0", "channels_baseline-s2-r1"}


def test_run_accepts_a_path_and_overrides():
    res = run(
        ROOT / "scenarios/tmall_baseline.yaml",
        overrides=[f"{k}={v}" for k, v in SMALL.items()],
        reps=1,
        recorder="none",
    )
    assert res.reps == 1 and res.seed == 20260302


def test_mean_ci():
    assert mean_ci([1.0]) == (1.0, 1.0, 1.0, 1)
    mean, _low, high, n = mean_ci([1.0, 2.0, 3.0, float("nan")])
    assert (mean, n) == (2.0, 3)
    assert high - mean == pytest.approx(4.3026527 * 1.0 / math.sqrt(3))  # t(0.975, df=2)
    assert math.isnan(mean_ci([])[0])
    assert t_quantile(1000) == pytest.approx(1.9623, abs=1e-4) and t_quantile(35) >= t_quantile(40)  # t tables


def test_stopping_rule_adds_replications_until_the_half_width_is_reached():
    from simkit.experiment.stats import half_width

    overrides = {"orders.count": 800, "merchants.count": 10}
    result = run(
        ROOT / "scenarios" / "tmall_baseline.yaml",
        seed=3,
        reps=2,
        overrides=overrides,
        recorder="none",
        target_ci={"refund_rate": 0.004},
        max_reps=40,
    )
    values = result.metrics.loc[result.metrics["metric"] == "refund_rate", "value"].to_numpy()
    assert result.reps == len(values) >= 5  # never fewer than 5 replications behind a stopping decision
    assert half_width(values) <= 0.004 or result.reps == 40
    assert half_width(values[:-1]) > 0.004 or result.reps == 5  # it stopped as soon as it was precise
