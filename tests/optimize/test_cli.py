"""`simkit optimize` on the command line: one-line errors with exit 2, JSON, output sets, resume after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SHOP = str(ROOT / "scenarios" / "bench" / "small_shop.yaml")
TIMEOUT = "tmall.refund_auto_agree.timeout"
BASE = ["optimize", SHOP, "--objective", "cost_total", "--objective", "resolution_mean_h", "--quiet"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--lever", f"{TIMEOUT}=24:96", "--objective", "dispute_ratio"],
            "<cli>: --objective: unknown metric 'dispute_ratio'; see docs/metrics.md",
        ),
        (
            ["--lever", "tmall.refund_auto_agree.timout=24:96"],
            "<cli>: tmall.refund_auto_agree.timout: --lever: unknown parameter "
            "(did you mean 'tmall.refund_auto_agree.timeout'?); `simkit params SCENARIO` lists them",
        ),
        (["--lever", f"{TIMEOUT}=96:24"], f"<cli>: {TIMEOUT}: --lever needs lo < hi, got '96:24'"),
        (["--lever", f"{TIMEOUT}=24:96", "--budget", "0"], "<cli>: --budget: must be between 1 and 1000000, got 0"),
        (
            ["--lever", f"{TIMEOUT}=24:96", "--constraint", "dispute_rate<=5"],
            "<cli>: --constraint: 'dispute_rate<=5': dispute_rate is a rate per paid order, a fraction in [0, 1] "
            "(0.002 or 0.2%); the bound is not (see docs/metrics.md)",
        ),
        (
            ["--lever", "tmall.after_sale_window.window=2:6"],
            "<cli>: tmall.after_sale_window.window: --lever 2 days:6 days: every value is below the legal floor "
            "(national.no_reason_return, 7-day no-reason return / 七日无理由退货): expected "
            "tmall.after_sale_window.window at least 7 days (national.no_reason_return.window): "
            "the buyer files a no-reason return through the after-sale window",
        ),
        (
            ["--lever", f"{TIMEOUT}=24:96", "--sampler", "annealing"],
            "<cli>: --sampler: unknown sampler 'annealing': use nsga2, nsga3, tpe, random, qmc",
        ),
        (["--lever", f"{TIMEOUT}=24:96", "--resume"], "<cli>: --resume: needs --out DIR (the experiment to complete)"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(extra, message, capsys):
    assert main([*BASE, *extra]) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [message]
    assert out == ""


def test_json_names_the_front_and_the_floor_bound(capsys):
    argv = [*BASE, "--lever", f"{TIMEOUT}=24:96", "--lever", "tmall.after_sale_window.window=3:20"]
    assert main([*argv, "--budget", "24", "--reps", "3", "--executor", "serial", "--json"]) == 0
    out, err = capsys.readouterr()
    payload = json.loads(out)
    assert payload["floor_bounds"][0]["applied"] == "7 days"
    assert payload["floor_bounds"][0]["clause"] == "national.no_reason_return"
    assert payload["simulations"]["search"] <= 24
    assert payload["front"], "a front"
    for member in payload["front"]:
        assert float(member["param:tmall.after_sale_window.window"].split()[0]) >= 7
        assert member["cost_total_low"] <= member["cost_total"] <= member["cost_total_high"]
    assert "Traceback" not in err


def test_out_and_report_are_written_as_sets(tmp_path, capsys):
    out, report = tmp_path / "search", tmp_path / "report"
    argv = [*BASE, "--lever", f"{TIMEOUT}=24:96", "--budget", "18", "--reps", "3", "--executor", "serial"]
    assert main([*argv, "--out", str(out), "--report", str(report)]) == 0
    text = capsys.readouterr().out
    assert "Pareto front" in text and "current policy: cost_total=" in text
    assert sorted(p.name for p in (out / "search").iterdir()) == sorted(
        ["candidates.csv", "front.csv", "front.png", "hypervolume.png", "levers.png", "result.json"]
    )
    assert (out / "results.parquet").is_file() and (out / "experiment.json").is_file()
    assert sorted(p.name for p in report.iterdir()) == ["report.html", "report.json", "report.md"]
    assert "Pareto front" in (report / "report.md").read_text(encoding="utf-8")
    front = pd.read_csv(out / "search" / "front.csv")
    assert list(front.columns[:2]) == ["candidate", f"param:{TIMEOUT}"]


RESUME_ARGS = [
    *BASE,
    "--lever",
    f"{TIMEOUT}=24:96",
    "--lever",
    "playbooks.offer_first.compensation=5:30",
    "--budget",
    "24",
    "--reps",
    "3",
    "--recheck-reps",
    "3",
    "--executor",
    "serial",
    "--json",
]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "simkit.cli.main", *args]


def test_a_search_killed_and_resumed_ends_with_the_uninterrupted_front(tmp_path):
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(_cli(*RESUME_ARGS, "--out", str(whole)), check=True, capture_output=True, timeout=300, env=env)
    proc = subprocess.Popen(
        _cli(*RESUME_ARGS, "--out", str(broken)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    deadline = time.time() + 120
    while time.time() < deadline and len(list((broken / "tasks").glob("*.parquet"))) < 3:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((broken / "tasks").glob("*.parquet")))
    assert done >= 3 and not (broken / "results.parquet").exists()
    resumed = subprocess.run(
        _cli(*RESUME_ARGS, "--out", str(broken), "--resume"), capture_output=True, text=True, timeout=300, env=env
    )
    assert resumed.returncode == 0, resumed.stderr
    pd.testing.assert_frame_equal(
        pd.read_csv(whole / "search" / "front.csv"), pd.read_csv(broken / "search" / "front.csv")
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(whole / "results.parquet"), pd.read_parquet(broken / "results.parquet")
    )
