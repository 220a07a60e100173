"""`simkit compare` and `simkit sweep` from the command line: output, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
TMALL = str(ROOT / "scenarios" / "tmall_baseline.yaml")
VARIANT = str(ROOT / "policies" / "variants" / "tmall_response_48h.yaml")
SMALL = ["--set", "orders.count=1500", "--set", "merchants.count=20"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["sweep", TMALL, "--grid", "merchants.staf.per_merchant=1,2"],
            "<cli>: merchants.staf.per_merchant: --grid: unknown parameter (did you mean "
            "'merchants.staff.per_merchant'?); `simkit params SCENARIO` lists them",
        ),
        (
            ["sweep", TMALL, "--range", "buyers.evidence=0.9:0.1", "--lhs", "4"],
            "<cli>: buyers.evidence: --range needs lo < hi, got '0.9:0.1'",
        ),
        (
            ["sweep", TMALL, "--range", "buyers.evidence=low:high", "--lhs", "4"],
            "<cli>: buyers.evidence: --range expects numbers lo:hi with an optional unit, got 'low:high'",
        ),
        (
            ["sweep", TMALL, "--grid", "buyers.evidence"],
            "<cli>: buyers.evidence: --grid expects path=v1,v2,…, got 'buyers.evidence'",
        ),
        (
            ["sweep", TMALL, "--range", "buyers.evidence=0.2:0.8"],
            "<cli>: --range: a --range needs --lhs N or --sobol N to sample it",
        ),
        (
            ["sweep", TMALL, "--grid", "buyers.evidence=0.5", "--lever", "merchants.count"],
            "<cli>: merchants.count: --lever names a parameter the sweep does not vary; varied: buyers.evidence",
        ),
        (["compare", TMALL], "<cli>: --variant: compare needs at least one --variant FILE or --set"),
        (
            ["compare", TMALL, "--set", "buyers.evidence=0.5", "--target-ci", "dispute_rat=0.1"],
            "<cli>: --target-ci: expected METRIC=HALFWIDTH with a catalogue metric and a positive number, got "
            "'dispute_rat=0.1'",
        ),
        (
            ["compare", TMALL, "--variant", VARIANT, "--resume"],
            "<cli>: --resume: needs --out DIR (the experiment to complete)",
        ),
        (["compare", TMALL, "--variant", VARIANT, "--reps", "0"], "<cli>: --reps: must be between 1 and 10000, got 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == message


def test_unreachable_dask_address(capsys):
    assert main(["compare", TMALL, "--variant", VARIANT, "--address", "tcp://127.0.0.1:9", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("<cli>: --address: cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")
    assert "\n" not in err


def test_resume_refuses_a_changed_experiment(tmp_path, capsys):
    out = tmp_path / "cmp"
    base = [
        "compare",
        TMALL,
        "--variant",
        VARIANT,
        "--common",
        "orders.count=800",
        "--executor",
        "serial",
        "--quiet",
        "--json",
        "--out",
        str(out),
    ]
    assert main([*base, "--reps", "2"]) == 0
    capsys.readouterr()
    assert main([*base, "--reps", "3", "--resume"]) == 2
    assert capsys.readouterr().err.strip() == f"<cli>: --out: {out} holds a different experiment: reps 2 → 3"
    assert main([*base, "--reps", "2"]) == 2
    assert "already holds this experiment: add --resume" in capsys.readouterr().err


def test_compare_json_and_files(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = [
        "compare",
        TMALL,
        "--variant",
        VARIANT,
        "--common",
        "orders.count=1500",
        "--reps",
        "3",
        "--executor",
        "serial",
        "--json",
        "--quiet",
        "--out",
        str(out),
        "--metric",
        "auto_approval_share",
    ]
    assert main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    (row,) = payload["rows"]
    assert (row["variant"], row["metric"], payload["replications"]) == ("tmall_response_48h", "auto_approval_share", 3)
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]
    assert sorted(p.name for p in out.iterdir()) == [
        "experiment.json",
        "forest.png",
        "results.parquet",
        "summary.csv",
        "tasks",
    ]


def test_sweep_table_output(capsys):
    argv = [
        "sweep",
        TMALL,
        *SMALL,
        "--grid",
        "merchants.slow_share=0,0.5",
        "--lever",
        "merchants.slow_share",
        "--reps",
        "1",
        "--executor",
        "serial",
        "--quiet",
        "--metric",
        "auto_approval_share",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "sweep · 2 points × 1 replications" in out
    assert "robustness of auto-approval share" in out
