"""Reading logs: CSV, Parquet and JSON Lines, presets and --map, malformed rows reported by line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from simkit.compliance.audit import audit_log
from simkit.errors import LogError, UsageError
from simkit.logs.format import parse_maps
from simkit.logs.reader import LogReader
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "examples" / "tmall_shop_log.csv"
TMALL = load_policy(ROOT / "policies" / "tmall.yaml")
HEADER = "case:concept:name,order_id,time:timestamp,concept:name,status,amount\n"


def _brief(result):
    return sorted((f.case_id, f.clause, f.check) for f in result.findings)


def test_the_same_log_as_parquet_and_csv_gives_the_same_findings(tmp_path):
    frame = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False, on_bad_lines="skip")
    good = frame[~frame["concept:name"].isin(["teleport", ""])]
    good = good[~good["time:timestamp"].str.startswith("2026-03-33")]
    good.to_parquet(tmp_path / "log.parquet")
    good.to_csv(tmp_path / "log.csv", index=False)
    from_parquet = audit_log(tmp_path / "log.parquet", TMALL)
    from_csv = audit_log(tmp_path / "log.csv", TMALL)
    assert _brief(from_parquet) == _brief(from_csv) == _brief(audit_log(EXAMPLE, TMALL))
    assert from_parquet.problems == [] and from_csv.problems == []
    with gzip.open(tmp_path / "log.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write((tmp_path / "log.csv").read_text(encoding="utf-8"))
    assert _brief(audit_log(tmp_path / "log.csv.gz", TMALL)) == _brief(from_csv)


def test_small_partitions_give_the_same_audit_as_one(tmp_path):
    whole = audit_log(EXAMPLE, TMALL)
    spilled = audit_log(EXAMPLE, TMALL, partition_rows=10, batch_rows=7)
    assert _brief(spilled) == _brief(whole)
    assert [str(p) for p in spilled.problems] == [str(p) for p in whole.problems]
    assert (spilled.orders, spilled.cases, spilled.rows) == (whole.orders, whole.cases, whole.rows)
    assert spilled.coverage.checked == whole.coverage.checked


def test_malformed_rows_are_reported_by_line_and_the_rest_is_audited(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        HEADER
        + "O1,1,2026-03-02T10:00:00,pay,WAIT_SELLER_SEND_GOODS,100\n"
        + "\n"
        + "O1,1,2026-03-03T10:00:00,ship,WAIT_BUYER_CONFIRM_GOODS\n"
        + "O1,1,2026-03-03T10:00:00,ship,WAIT_BUYER_CONFIRM_GOODS,0\n"
        + ",1,2026-03-04T10:00:00,deliver,WAIT_BUYER_CONFIRM_GOODS,0\n"
        + "O1,1,yesterday,deliver,WAIT_BUYER_CONFIRM_GOODS,0\n"
        + "O1,1,2026-03-05T10:00:00,deliver,WAIT_BUYER_CONFIRM_GOODS,ten\n"
        + "O1,1,2026-03-06T10:00:00,confirm_receipt,TRADE_FINISHED,0\n",
        encoding="utf-8",
    )
    result = audit_log(log, TMALL)
    assert [str(p) for p in result.problems] == [
        f"{log}:3: row: malformed row: empty line",
        f"{log}:4: row: malformed row: expected 6 fields, found 5",
        f"{log}:6: case:concept:name: required value is missing",
        f"{log}:7: time:timestamp: not a valid time: 'yesterday'",
        f"{log}:8: amount: not a valid number: 'ten'",
    ]
    assert result.rows == 8
    assert (result.orders, result.cases) == (1, 0)
    assert result.coverage.checked, "the good rows were audited"
    assert not result.passed


def test_maps_read_other_column_names(tmp_path):
    log = tmp_path / "renamed.csv"
    text = EXAMPLE.read_text(encoding="utf-8").splitlines()
    text[0] = text[0].replace("case:concept:name", "售后单号").replace("concept:name", "动作")
    log.write_text("\n".join(text) + "\n", encoding="utf-8")
    maps = parse_maps(["售后单号=case_id", "动作=activity"])
    assert _brief(audit_log(log, TMALL, maps=maps)) == _brief(audit_log(EXAMPLE, TMALL))


def test_a_missing_required_column_is_bad_input(tmp_path):
    log = tmp_path / "short.csv"
    log.write_text("case:concept:name,order_id,concept:name\nO1,1,pay\n", encoding="utf-8")
    with pytest.raises(LogError) as info:
        LogReader(log)
    assert str(info.value) == (
        f"{log}:1: time:timestamp: required column missing for the simkit format "
        "(one of time:timestamp, time, or --map COLUMN=time); columns: case:concept:name, order_id, concept:name"
    )


def test_bad_arguments_and_files():
    with pytest.raises(UsageError) as info:
        parse_maps(["refund_id=cse_id"])
    assert str(info.value).startswith(
        "<cli>: --map: unknown field 'cse_id' (did you mean 'case_id'?); fields: run_id, "
    )
    with pytest.raises(UsageError) as info:
        parse_maps(["refund_id"])
    assert str(info.value) == "<cli>: --map: expected column=field, got 'refund_id'"
    with pytest.raises(UsageError) as info:
        LogReader(EXAMPLE, fmt="jd")
    assert str(info.value) == "<cli>: --format: unknown format 'jd'; use one of simkit, taobao, wechat"
    with pytest.raises(LogError) as info:
        LogReader(ROOT / "README.md")
    assert str(info.value) == (
        f"{ROOT / 'README.md'}: <root>: unknown log file type '.md': use .csv, .csv.gz, .parquet, .jsonl or .jsonl.gz"
    )
    with pytest.raises(LogError) as info:
        LogReader(ROOT / "no_such.csv")
    assert str(info.value) == f"{ROOT / 'no_such.csv'}: <root>: no such file"


def test_a_map_naming_an_absent_column(tmp_path):
    with pytest.raises(LogError) as info:
        LogReader(EXAMPLE, maps={"订单号": "order_id"})
    assert str(info.value).startswith(f"{EXAMPLE}:1: 订单号: --map names a column the log does not have; columns: ")


def test_a_utf8_bom_and_naive_times_in_china(tmp_path):
    log = tmp_path / "bom.csv"
    log.write_bytes(
        "\ufeff".encode()
        + (
            HEADER
            + "O1,1,2026-03-02 10:00:00,pay,WAIT_SELLER_SEND_GOODS,100\n"
            + "O1,1,2026-03-02T03:00:00Z,ship,WAIT_BUYER_CONFIRM_GOODS,0\n"
        ).encode("utf-8")
    )
    reader = LogReader(log)
    table = next(reader.chunks())
    assert reader.problems == []
    assert table.column("time").to_pylist() == [1772416800000000, 1772420400000000]
