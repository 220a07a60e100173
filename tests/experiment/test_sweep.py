"""Sweeps: designs, robustness, Sobol sensitivity, executors give identical tables, resume after SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from simkit.experiment import sweep
from simkit.experiment.executors import DaskExecutor, LocalExecutor, SerialExecutor

ROOT = Path(__file__).resolve().parents[2]
TMALL = ROOT / "scenarios" / "tmall_baseline.yaml"
SURGE = ROOT / "scenarios" / "double11_surge.yaml"
SMALL = ["orders.count=1500", "merchants.count=20"]


def test_grid_crossed_with_lhs_and_robustness_over_uncertainties():
    result = sweep(
        SURGE,
        grid=["merchants.staff.per_merchant=1,3"],
        ranges=["buyers.evidence=0.5:0.9"],
        lhs=2,
        levers=["merchants.staff.per_merchant"],
        reps=1,
        seed=4,
        executor="serial",
    )
    assert len(result.points) == 4
    assert [p["merchants.staff.per_merchant"] for p in result.points] == ["1", "1", "3", "3"]
    robust = result.robustness("auto_approval_share", "platform").set_index("param:merchants.staff.per_merchant")
    # more staff: fewer automatic approvals at every uncertainty sample, so no regret for 3 agents
    assert robust.loc["3", "mean"] < robust.loc["1", "mean"]
    assert robust.loc["3", "max_regret"] == 0.0 and robust.loc["1", "max_regret"] > 0
    assert (
        list(robust.columns)
        == ["param:merchants.staff.per_merchant", "mean", "spread", "worst", "max_regret", "mean_regret", "samples"][1:]
    )


def test_sensitivity_ranks_the_parameter_that_drives_the_metric():
    # merchants.slow_share drives automatic approvals; logistics.return_fee cannot touch them
    result = sweep(
        TMALL,
        ranges=["merchants.slow_share=0:0.6", "logistics.return_fee=5:30"],
        sobol=16,
        overrides=SMALL,
        reps=1,
        seed=2,
        executor="serial",
    )
    indices = result.sensitivity("auto_approval_share").set_index("parameter")
    assert indices.loc["merchants.slow_share", "ST"] > 0.5
    assert indices.loc["merchants.slow_share", "ST"] > indices.loc["logistics.return_fee", "ST"] + 0.4
    with pytest.raises(ValueError, match="needs a Sobol design"):
        sweep(TMALL, grid=["buyers.evidence=0.5,0.7"], overrides=SMALL, reps=1, executor="serial").sensitivity(
            "refund_rate"
        )


def _small_sweep(executor):
    return sweep(
        TMALL,
        grid=["merchants.slow_share=0,0.3", "buyers.evidence=0.5,0.9"],
        overrides=SMALL,
        reps=2,
        seed=9,
        executor=executor,
    ).table


def test_every_executor_gives_the_same_table():
    serial = _small_sweep(SerialExecutor())
    local = LocalExecutor(2)
    try:
        pooled = _small_sweep(local)
    finally:
        local.close()
    pd.testing.assert_frame_equal(serial, pooled)
    dask = DaskExecutor(workers=2)  # a real distributed.LocalCluster
    try:
        on_dask = _small_sweep(dask)
    finally:
        dask.close()
    pd.testing.assert_frame_equal(serial, on_dask)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "simkit.cli.main", "sweep", str(TMALL), *args]


SWEEP_ARGS = (
    "--grid",
    "merchants.slow_share=0,0.1,0.2,0.3,0.4,0.5",
    "--grid",
    "buyers.evidence=0.5,0.7",
    "--set",
    "orders.count=3000",
    "--set",
    "merchants.count=20",
    "--reps",
    "1",
    "--executor",
    "serial",
    "--quiet",
    "--json",
)


def test_resume_after_sigkill_gives_the_uninterrupted_table(tmp_path):
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    subprocess.run(_cli(*SWEEP_ARGS, "--out", str(whole)), check=True, capture_output=True, timeout=300)
    proc = subprocess.Popen(
        _cli(*SWEEP_ARGS, "--out", str(broken)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 120
    while time.time() < deadline and len(list((broken / "tasks").glob("*.parquet"))) < 3:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((broken / "tasks").glob("*.parquet")))
    assert 3 <= done < 12 and not (broken / "results.parquet").exists()
    resumed = subprocess.run(
        _cli(*SWEEP_ARGS, "--out", str(broken), "--resume"), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    a = pd.read_parquet(whole / "results.parquet")
    b = pd.read_parquet(broken / "results.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert not a.duplicated(["point", "replication", "metric"]).any()
