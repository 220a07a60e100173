"""`simkit run SCENARIO [--seed N] [--reps R] [--set path=value]… [--out DIR] [--json] [--quiet]`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--set", "orders.count=600", "--set", "merchants.count=8", "--set", "scenario.horizon=30 days"]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_run_prints_metrics_table(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # without a terminal rich draws 80 columns and cuts the metric names
    assert main(["run", "scenarios/tmall_baseline.yaml", "--reps", "2", "--quiet", *SMALL]) == 0
    out = capsys.readouterr().out
    for metric in ("refund_rate", "dispute_rate", "auto_approval_share", "cost_total", "open_cases"):
        assert metric in out
    assert "95% CI" in out


def test_run_json(capsys):
    assert main(["run", "scenarios/channels_baseline.yaml", "--reps", "2", "--seed", "4", "--json", *SMALL]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scenario"] == "channels_baseline" and data["seed"] == 4 and data["replications"] == 2
    rate = data["metrics"]["refund_rate"]
    assert rate["ci_low"] <= rate["mean"] <= rate["ci_high"] and rate["n"] == 2


def test_run_out_writes_three_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "scenarios/tmall_baseline.yaml", "--reps", "2", "--quiet", "--out", str(out), *SMALL]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["events.parquet", "metrics.csv", "run.json"]
    events = pq.read_table(out / "events.parquet").to_pandas()
    assert {"case:concept:name", "concept:name", "time:timestamp"} <= set(events.columns)
    metrics = pd.read_csv(out / "metrics.csv")
    assert set(metrics["replication"]) == {0, 1}
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["scenario"]["id"] == "tmall_baseline"
    assert len(info["policy"]["sha256"]) == 64
    assert info["seed"] == 20260302 and info["overrides"]["orders.count"] == 600
    assert {"simkit", "simpy", "numpy", "python"} <= set(info["versions"])


def test_run_is_reproducible(tmp_path):
    for name in ("a", "b"):
        assert (
            main(
                [
                    "run",
                    "scenarios/tmall_baseline.yaml",
                    "--reps",
                    "1",
                    "--quiet",
                    "--seed",
                    "3",
                    "--out",
                    str(tmp_path / name),
                    *SMALL,
                ]
            )
            == 0
        )
    assert (tmp_path / "a/events.parquet").read_bytes() == (tmp_path / "b/events.parquet").read_bytes()
    assert (tmp_path / "a/metrics.csv").read_text() == (tmp_path / "b/metrics.csv").read_text()


def test_set_error_names_cli_with_suggestion(capsys):
    assert main(["run", "scenarios/tmall_baseline.yaml", "--set", "merchants.staf.per_merchant=3"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "<cli>: merchants.staf.per_merchant: unknown parameter (did you mean 'merchants.staff.per_merchant'?)\n"
    )


def test_policy_override_changes_the_outcome(capsys):
    args = [
        "run",
        "scenarios/tmall_baseline.yaml",
        "--reps",
        "1",
        "--json",
        "--set",
        "merchants.playbook=stall",
        *SMALL,
    ]
    assert main(args) == 0
    slow = json.loads(capsys.readouterr().out)["metrics"]["resolution_mean_h"]["mean"]
    assert main([*args, "--set", "tmall.refund_auto_agree.timeout=24 hours"]) == 0
    fast = json.loads(capsys.readouterr().out)["metrics"]["resolution_mean_h"]["mean"]
    assert fast < slow


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--reps", "0", "<cli>: --reps: must be between 1 and 10000, got 0\n"),
        ("--reps", "10001", "<cli>: --reps: must be between 1 and 10000, got 10001\n"),
        ("--seed", "-1", "<cli>: --seed: must be between 0 and 18446744073709551615, got -1\n"),
        ("--seed", str(2**64), "<cli>: --seed: must be between 0 and 18446744073709551615, got 18446744073709551616\n"),
    ],
)
def test_bad_reps_and_seed(option, value, message, capsys):
    assert main(["run", "scenarios/tmall_baseline.yaml", option, value]) == 2
    assert capsys.readouterr() == ("", message)


def test_missing_file(capsys):
    assert main(["run", "scenarios/nope.yaml"]) == 2
    assert capsys.readouterr().err == "scenarios/nope.yaml: <root>: file not found\n"
