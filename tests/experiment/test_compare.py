"""Paired comparison: common random numbers narrow the CI; verdicts from the catalogue; stopping rule."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from simkit.experiment import compare
from simkit.experiment.stats import mean_ci, paired_difference

ROOT = Path(__file__).resolve().parents[2]
TMALL = ROOT / "scenarios" / "tmall_baseline.yaml"
RESPONSE_48H = ROOT / "policies" / "variants" / "tmall_response_48h.yaml"
SMALL = ["orders.count=3000", "merchants.count=40"]


def test_common_random_numbers_narrow_the_dispute_rate_interval():
    # The shipped baseline against a real variant, fixed seeds: the paired CI of the dispute-rate
    # difference is far narrower than the same comparison with independent seeds.
    result = compare(TMALL, [RESPONSE_48H], reps=6, seed=11, workers=2)
    row = result.summary().set_index("metric").loc["dispute_rate"]
    assert row["paired_width"] > 0
    assert row["independent_width"] / row["paired_width"] >= 4.0
    assert row["pairing_gain"] == pytest.approx(row["independent_width"] / row["paired_width"])


def test_summary_has_difference_ci_relative_change_and_verdict():
    result = compare(TMALL, [RESPONSE_48H], common=SMALL, reps=4, seed=3, executor="serial")
    row = result.summary().set_index("metric").loc["auto_approval_share"]
    base = result.values("base", "auto_approval_share")
    variant = result.values("tmall_response_48h", "auto_approval_share")
    assert row["diff"] == pytest.approx(float(np.mean(variant - base)))
    assert row["relative"] == pytest.approx(row["diff"] / float(np.mean(base)))
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]
    # a 48 h timer approves more requests automatically: worse for merchants and the platform (catalogue)
    assert row["verdict"] == "higher"
    assert row["worse_for"] == "merchant, platform"
    assert row["better_for"] == ""


def test_a_metric_that_does_not_move_gets_no_verdict():
    result = compare(TMALL, [RESPONSE_48H], common=SMALL, reps=3, seed=3, executor="serial")
    row = result.summary().set_index("metric").loc["orders"]
    assert row["diff"] == 0.0
    assert row["verdict"] == "no detectable difference at this precision"


def test_set_overrides_form_one_more_arm_and_the_table_is_long_form():
    result = compare(
        TMALL,
        [],
        overrides=["tmall.refund_auto_agree.timeout=24 hours"],
        common=SMALL,
        reps=2,
        seed=3,
        executor="serial",
    )
    assert [v.name for v in result.variants] == ["tmall.refund_auto_agree.timeout=24 hours"]
    assert list(result.table.columns) == [
        "run_id",
        "experiment",
        "variant",
        "point",
        "pairing",
        "replication",
        "seed",
        "metric",
        "value",
    ]
    assert set(result.table["pairing"]) == {"paired", "independent"}


def test_stopping_rule_adds_replications_until_precise():
    target = 0.004
    result = compare(
        TMALL,
        [RESPONSE_48H],
        common=SMALL,
        reps=2,
        seed=5,
        executor="serial",
        target_ci={"auto_approval_share": target},
        max_reps=12,
    )
    row = result.summary().set_index("metric").loc["auto_approval_share"]
    assert result.reps >= 5  # the rule never trusts fewer than 5 replications
    assert row["paired_width"] / 2 <= target or result.reps == 12


def test_intervals_respect_the_metric_domain():
    # a count's interval never goes below zero, a rate's never above one
    mean, low, high, n = mean_ci([0.0, 0.0, 5.0], "open_cases")
    assert (mean, n) == (pytest.approx(5 / 3), 3) and low == 0.0 and high > mean
    mean, low, high, _ = mean_ci([0.99, 1.0, 0.9], "remedy_share")
    assert high == 1.0 and low < mean
    diff = paired_difference(np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 4.1]))
    assert diff.mean == pytest.approx(1.0333333) and diff.detected and not math.isnan(diff.relative)
