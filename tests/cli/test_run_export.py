"""`simkit run SCENARIO --out DIR --export SHAPE…`: the log in the platforms' export shapes, beside the run's files."""

from __future__ import annotations

import shlex
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import simkit
from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--set", "orders.count=600", "--set", "merchants.count=8", "--set", "scenario.horizon=30 days"]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_export_writes_each_shape_in_the_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["run", "scenarios/tmall_baseline.yaml", "--reps", "2", "--quiet", "--out", str(out), *SMALL]
    assert main([*args, "--export", "taobao", "--export", "simkit", "--export", "taobao"]) == 0
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == [
        "events.parquet",
        "export/simkit/events.csv",
        "export/taobao/refunds.csv",
        "export/taobao/trades.csv",
        "metrics.csv",
        "run.json",
    ]
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"wrote {out / 'events.parquet'}, metrics.csv, run.json, export/taobao/, export/simkit/"
    )
    policy = simkit.load_policy(ROOT / "policies" / "tmall.yaml")
    refunds = simkit.audit_log(out / "export" / "taobao" / "refunds.csv", policy, fmt="taobao")
    assert refunds.problems == [] and refunds.cases > 0
    events = simkit.audit_log(out / "export" / "simkit" / "events.csv", policy)
    assert events.problems == []
    assert events.rows == pq.read_metadata(out / "events.parquet").num_rows


def test_the_export_of_a_seed_is_the_same_every_time(tmp_path: Path) -> None:
    for name in ("a", "b"):
        args = ["run", "scenarios/channels_baseline.yaml", "--reps", "1", "--seed", "3", "--quiet", *SMALL]
        assert main([*args, "--out", str(tmp_path / name), "--export", "wechat"]) == 0
    for file in ("aftersale_orders.jsonl", "orders.jsonl"):
        a = (tmp_path / "a" / "export" / "wechat" / file).read_bytes()
        assert a == (tmp_path / "b" / "export" / "wechat" / file).read_bytes()
        assert len(a) > 1000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--export", "taobao"], "<cli>: --export: needs --out DIR: the export is written to DIR/export/SHAPE/\n"),
        (
            ["--out", "never-written", "--export", "shopee"],
            "<cli>: --export: unknown shape 'shopee'; use one of simkit, taobao, wechat\n",
        ),
    ],
)
def test_bad_export_options(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "scenarios/tmall_baseline.yaml", *args]) == 2
    assert capsys.readouterr() == ("", message)
    assert not (ROOT / "never-written").exists()


def test_the_commands_in_docs_log_format_exports_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "docs" / "log-format.md").read_text(encoding="utf-8")
    block = text.split("## Exports", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line.replace("shop/", f"{tmp_path}/shop/")) for line in block.splitlines()]
    assert [c[:2] for c in commands] == [["simkit", "run"], ["simkit", "audit"]]
    for command in commands:
        assert main(command[1:]) == 0
    assert "0 violation(s), 0 warning(s), 0 malformed row(s)" in capsys.readouterr().out


def test_a_new_run_with_export_replaces_an_earlier_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["run", "scenarios/tmall_baseline.yaml", "--reps", "1", "--quiet", "--out", str(out), *SMALL]
    assert main([*args, "--export", "taobao"]) == 0
    assert main([*args, "--export", "wechat"]) == 0, capsys.readouterr().err
    assert sorted(p.name for p in (out / "export").iterdir()) == ["wechat"]


def test_a_run_into_an_earlier_set_with_a_stray_file_in_export_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["run", "scenarios/tmall_baseline.yaml", "--reps", "1", "--quiet", "--out", str(out), *SMALL]
    assert main([*args, "--export", "taobao"]) == 0
    (out / "export" / "taobao" / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(args) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"<cli>: --out: {out} holds other things than events.parquet, metrics.csv, run.json ('export'); "
        "give a new directory, or one that simkit run wrote"
    )
    assert (out / "export" / "taobao" / "notes.txt").read_text(encoding="utf-8") == "mine"
