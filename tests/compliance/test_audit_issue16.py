"""Issue 16, audit: JSON Lines read like CSV, nothing skipped in silence, duplicates once, the shape
recognised, messages that point at the right line, open cases pending, a version without metadata.

Each test quotes the sentence its expected value is written from (the issue, the policy file or
docs/log-format.md); no expected value is read off the audit.
"""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.metadata
import json
import re
from pathlib import Path

import pytest

from simkit.cli.main import main
from simkit.compliance.audit import audit_log
from simkit.errors import LogError
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "scenarios" / "examples"
SHOP_LOG = EXAMPLES / "tmall_shop_log.csv"
TMALL = load_policy(ROOT / "policies" / "tmall.yaml")
CHANNELS = load_policy(ROOT / "policies" / "video_channel.yaml")
CHINA = dt.timezone(dt.timedelta(hours=8))


def _brief(result):
    return sorted((f.case_id, f.clause, f.check, f.severity) for f in result.findings)


def _unix(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=CHINA).timestamp())


def _shop_lines() -> list[str]:
    return SHOP_LOG.read_text(encoding="utf-8").splitlines(keepends=True)


# --- JSON Lines in the simkit shape -------------------------------------------------------------


def test_json_lines_with_the_documented_field_names_are_read_like_the_same_rows_as_csv(tmp_path):
    # Issue 16: "JSON Lines in the simkit shape with the documented field names (case_id, order_id,
    # time, activity, …) are rejected … although the same rows as CSV are read. Read them alike."
    import csv

    rows = list(csv.DictReader(_shop_lines()[:115]))  # lines 2-115: the well-formed rows
    renamed = [
        {
            {"case:concept:name": "case_id", "time:timestamp": "time", "concept:name": "activity"}.get(k, k): v
            for k, v in row.items()
            if v != ""  # a JSON record leaves out what it does not know
        }
        for row in rows
    ]
    as_csv = tmp_path / "log.csv"
    with as_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(dict.fromkeys(k for row in renamed for k in row)))
        writer.writeheader()
        writer.writerows(renamed)
    as_jsonl = tmp_path / "log.jsonl"
    as_jsonl.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in renamed), encoding="utf-8")
    from_csv, from_jsonl = audit_log(as_csv, TMALL), audit_log(as_jsonl, TMALL)
    assert from_jsonl.problems == [] and from_csv.problems == []
    assert (from_jsonl.rows, from_jsonl.orders, from_jsonl.cases) == (114, 14, 14)
    assert _brief(from_jsonl) == _brief(from_csv) == _brief(audit_log(SHOP_LOG, TMALL))


def test_json_lines_name_the_documented_field_in_a_message(tmp_path):
    # docs/log-format.md lists `time` as the field; a JSON record with a bad `time` is reported under it.
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"case_id": "C1", "order_id": "1", "time": "2026-03-02 10:00:00", "activity": "pay"}\n'
        '{"case_id": "C1", "order_id": "1", "time": "yesterday", "activity": "ship"}\n',
        encoding="utf-8",
    )
    assert [str(p) for p in audit_log(log, TMALL).problems] == [f"{log}:2: time: not a valid time: 'yesterday'"]


# --- nothing skipped in silence: the receipt timer in snapshot exports -------------------------


def _wechat(tmp_path: Path, snapshots: list[tuple[str, str, str]]) -> Path:
    """A WeChat RETURN after-sale export: (after_sale_order_id, status, update time) per snapshot."""
    created = {}
    lines = []
    for case, status, when in snapshots:
        created.setdefault(case, when)
        record = {
            "after_sale_order_id": case,
            "order_id": f"W{case}",
            "status": status,
            "type": "RETURN",
            "create_time": _unix(created[case]),
            "update_time": _unix(when),
            "refund_info": {"amount": 9900},
        }
        lines.append(json.dumps(record) + "\n")
    log = tmp_path / "aftersales.jsonl"
    log.write_text("".join(lines), encoding="utf-8")
    return log


def _taobao(tmp_path: Path, snapshots: list[tuple[str, str, str]]) -> Path:
    """A Taobao refund export with a return (has_good_return true): (refund_id, status, modified) per snapshot."""
    created = {}
    lines = ["refund_id,tid,status,created,modified,refund_fee,total_fee,has_good_return,cs_status\n"]
    for case, status, when in snapshots:
        created.setdefault(case, when)
        lines.append(f"{case},T{case},{status},{created[case]},{when},99.00,99.00,true,1\n")
    log = tmp_path / "refunds.csv"
    log.write_text("".join(lines), encoding="utf-8")
    return log


def test_a_return_left_12_days_in_merchant_wait_receipt_is_a_finding(tmp_path):
    # Issue 16: "A return left 12 days in MERCHANT_WAIT_RECEIPT is a finding: the platform's timer
    # should have fired." policies/video_channel.yaml: review_deadlines: merchant_receipt: 10 days;
    # the status "begins when the buyer ships the return" (here 2026-03-06 10:00).
    log = _wechat(
        tmp_path,
        [
            ("A9", "MERCHANT_PROCESSING", "2026-03-05 10:00:00"),
            ("A9", "USER_WAIT_RETURN", "2026-03-05 12:00:00"),
            ("A9", "MERCHANT_WAIT_RECEIPT", "2026-03-06 10:00:00"),
            ("A9", "MERCHANT_WAIT_RECEIPT", "2026-03-18 10:00:00"),
        ],
    )
    result = audit_log(log, CHANNELS, fmt=None)
    assert result.fmt == "wechat"
    assert [(f.case_id, f.clause, f.check, f.expected, f.actual) for f in result.violations] == [
        (
            "A9",
            "channels.review_deadlines",
            "receipt",
            "the return confirmed by 2026-03-16T10:00:00+08:00, else refunded automatically then",
            "still MERCHANT_WAIT_RECEIPT at 2026-03-18T10:00:00+08:00, 12.0 days after the return was shipped "
            "(the platform's timer should have refunded)",
        )
    ]


def test_a_return_confirmed_in_time_from_a_snapshot_export_passes_the_receipt_check(tmp_path):
    log = _wechat(
        tmp_path,
        [
            ("A1", "MERCHANT_PROCESSING", "2026-03-05 10:00:00"),
            ("A1", "USER_WAIT_RETURN", "2026-03-05 12:00:00"),
            ("A1", "MERCHANT_WAIT_RECEIPT", "2026-03-06 10:00:00"),
            ("A1", "PLATFORM_REFUNDING", "2026-03-09 10:00:00"),
            ("A1", "MERCHANT_RETURN_SUCCESS", "2026-03-09 11:00:00"),
        ],
    )
    result = audit_log(log, CHANNELS, fmt="wechat")
    assert result.violations == []
    assert result.coverage.checked[("channels.review_deadlines", "receipt", "pass")] == 1


def test_the_taobao_receipt_timer_runs_from_wait_seller_confirm_goods(tmp_path):
    # policies/tmall.yaml: return_deadlines: merchant_confirm_within: 10 days, from when the refund
    # enters WAIT_SELLER_CONFIRM_GOODS (2026-03-06 10:00): due 2026-03-16 10:00; still waiting 12 days on.
    log = _taobao(
        tmp_path,
        [
            ("R9", "WAIT_SELLER_AGREE", "2026-03-05 10:00:00"),
            ("R9", "WAIT_BUYER_RETURN_GOODS", "2026-03-05 12:00:00"),
            ("R9", "WAIT_SELLER_CONFIRM_GOODS", "2026-03-06 10:00:00"),
            ("R9", "WAIT_SELLER_CONFIRM_GOODS", "2026-03-18 10:00:00"),
        ],
    )
    result = audit_log(log, TMALL, fmt=None)
    assert (result.fmt, result.detected) == ("taobao", "recognised from the columns refund_id, tid")
    assert [(f.case_id, f.clause, f.check, f.expected) for f in result.violations] == [
        (
            "R9",
            "tmall.return_deadlines",
            "receipt",
            "the return confirmed by 2026-03-16T10:00:00+08:00, else refunded automatically then",
        )
    ]
    # The legal refund deadline counts from the return's arrival, which no snapshot shows: said per clause.
    assert dict(result.coverage.skipped) == {
        ("national.refund_deadline", "refund_deadline", "the export does not show when the return arrived"): 1
    }


def test_where_the_export_cannot_show_when_the_receipt_status_began_the_check_is_listed_per_clause(tmp_path):
    # Issue 16: "Where the export cannot show it, the coverage lists that check as not checkable, per clause."
    wechat = _wechat(
        tmp_path,
        [
            ("A5", "MERCHANT_WAIT_RECEIPT", "2026-03-06 10:00:00"),
            ("A5", "MERCHANT_WAIT_RECEIPT", "2026-03-20 10:00:00"),
        ],
    )
    result = audit_log(wechat, CHANNELS)
    assert result.violations == [] or all(f.check != "receipt" for f in result.violations)
    assert (
        result.coverage.skipped[
            ("channels.review_deadlines", "receipt", "the export does not show when MERCHANT_WAIT_RECEIPT began")
        ]
        == 1
    )
    taobao = _taobao(
        tmp_path,
        [
            ("R5", "WAIT_SELLER_CONFIRM_GOODS", "2026-03-06 10:00:00"),
            ("R5", "WAIT_SELLER_CONFIRM_GOODS", "2026-03-20 10:00:00"),
        ],
    )
    result = audit_log(taobao, TMALL)
    assert dict(result.coverage.skipped) == {
        ("national.refund_deadline", "refund_deadline", "the export does not show when the return arrived"): 1,
        ("tmall.return_deadlines", "receipt", "the export does not show when WAIT_SELLER_CONFIRM_GOODS began"): 1,
    }
    assert "tmall.return_deadlines" in {row["clause"] for row in result.coverage.table(TMALL) if row["not_checkable"]}


def test_taobao_good_return_time_shows_when_the_wait_began(tmp_path):
    # The Taobao Refund model's good_return_time (退货时间) is when the buyer shipped the return: with it,
    # a refund first seen in WAIT_SELLER_CONFIRM_GOODS is checked from that time (10 days, tmall.yaml).
    log = tmp_path / "refunds.csv"
    log.write_text(
        "refund_id,tid,status,created,modified,has_good_return,good_return_time\n"
        "R6,T6,WAIT_SELLER_CONFIRM_GOODS,2026-03-05 10:00:00,2026-03-07 09:00:00,true,2026-03-06 10:00:00\n"
        "R6,T6,WAIT_SELLER_CONFIRM_GOODS,2026-03-05 10:00:00,2026-03-18 10:00:00,true,2026-03-06 10:00:00\n",
        encoding="utf-8",
    )
    result = audit_log(log, TMALL)
    receipt = [f for f in result.violations if f.check == "receipt"]
    assert [(f.clause, f.expected, f.actual) for f in receipt] == [
        (
            "tmall.return_deadlines",
            "the return confirmed by 2026-03-16T10:00:00+08:00, else refunded automatically then",
            "still WAIT_SELLER_CONFIRM_GOODS at 2026-03-18T10:00:00+08:00, 12.0 days after the return was shipped "
            "(the platform's timer should have refunded)",
        )
    ]


# --- exact duplicate rows -------------------------------------------------------------------------


def test_a_duplicated_reopen_entry_is_counted_once_and_reported_with_its_line(tmp_path):
    # Issue 16: "a duplicated reopen_entry must not become 'reopened twice'". Order 9 of the example
    # log (lines 72-84) reopens its entry once (line 78), which tmall.reopen_entry allows once per order.
    lines = _shop_lines()
    log = tmp_path / "log.csv"
    log.write_text(lines[0] + "".join(lines[71:78]) + lines[77] + "".join(lines[78:84]), encoding="utf-8")
    result = audit_log(log, TMALL)
    assert (result.findings, result.problems) == ([], [])
    assert [str(p) for p in result.duplicates] == [f"{log}:9: row: duplicate of line 8 (counted once)"]
    assert result.passed and result.rows == 14


def test_a_duplicated_file_complaint_is_not_a_second_complaint(tmp_path):
    # "nor a duplicated file_complaint a second complaint": order 8's first complaint (line 66), doubled.
    lines = _shop_lines()
    log = tmp_path / "log.csv"
    log.write_text(lines[0] + "".join(lines[58:66]) + lines[65] + "".join(lines[66:68]), encoding="utf-8")
    result = audit_log(log, TMALL)
    assert result.findings == []
    assert [str(p) for p in result.duplicates] == [f"{log}:10: row: duplicate of line 9 (counted once)"]


def test_a_polled_export_repeating_every_snapshot_audits_like_the_export_once(tmp_path):
    source = EXAMPLES / "taobao_refunds.csv"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    doubled = tmp_path / "refunds.csv"
    doubled.write_text(lines[0] + "".join(lines[1:]) + "".join(lines[1:]), encoding="utf-8")
    once, twice = audit_log(source, TMALL, fmt="taobao"), audit_log(doubled, TMALL, fmt="taobao")
    assert _brief(twice) == _brief(once)
    malformed = {p.line for p in once.problems}  # the example's planted bad row is reported twice, not deduplicated
    good = [n for n in range(2, len(lines) + 1) if n not in malformed]
    expected = [(n + len(lines) - 1, f"duplicate of line {n} (counted once)") for n in good]
    assert sorted((p.line, p.message) for p in twice.duplicates) == expected
    spilled = audit_log(doubled, TMALL, fmt="taobao", partition_rows=10, batch_rows=7)  # read in many partitions
    assert _brief(spilled) == _brief(once)
    assert sorted((p.line, p.message) for p in spilled.duplicates) == expected


def test_duplicates_on_the_command_line(tmp_path, capsys):
    lines = _shop_lines()
    log = tmp_path / "log.csv"
    log.write_text(lines[0] + "".join(lines[71:78]) + lines[77] + "".join(lines[78:84]), encoding="utf-8")
    assert (
        main(
            [
                "audit",
                "--no-floor-warnings",
                "--policy",
                str(ROOT / "policies" / "tmall.yaml"),
                "--format",
                "simkit",
                str(log),
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"{log}:9: row: duplicate of line 8 (counted once)"]
    assert captured.out.splitlines()[1] == "  1 exact duplicate row(s) counted once"


# --- --format is optional ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("log", "shape", "why"),
    [
        ("taobao_refunds.csv", "taobao", "recognised from the columns refund_id, tid"),
        ("wechat_aftersales.jsonl", "wechat", "recognised from the column after_sale_order_id"),
        ("tmall_shop_log.csv", "simkit", "recognised from the columns case:concept:name, concept:name"),
    ],
)
def test_the_shape_is_recognised_from_the_header_and_said(log, shape, why, capsys):
    # Issue 16: "refund_id/tid → taobao, WeChat's after-sale fields → wechat, case/activity fields →
    # simkit, and say which was chosen".
    policy = "video_channel" if shape == "wechat" else "tmall"
    given = audit_log(EXAMPLES / log, load_policy(ROOT / "policies" / f"{policy}.yaml"), fmt=shape)
    found = audit_log(EXAMPLES / log, load_policy(ROOT / "policies" / f"{policy}.yaml"), fmt=None)
    assert (found.fmt, found.detected, given.detected) == (shape, why, "")
    assert _brief(found) == _brief(given)
    main(["audit", "--no-floor-warnings", "--policy", str(ROOT / "policies" / f"{policy}.yaml"), str(EXAMPLES / log)])
    assert f"  read as the {shape} shape ({why}; --format to choose another)" in capsys.readouterr().out.splitlines()


def test_a_header_that_fits_no_shape_is_refused_listing_its_columns(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("id,order,when,what\n1,7,2026-03-02 10:00:00,pay\n", encoding="utf-8")
    with pytest.raises(LogError) as caught:
        audit_log(log, TMALL, fmt=None)
    assert str(caught.value.problems[0]) == (
        f"{log}:1: <root>: cannot tell the log's shape from its columns (use --format, or --map the case and "
        "activity columns); recognised by taobao: refund_id or tid; wechat: after_sale_order_id; simkit: case_id "
        "(or case:concept:name) and activity (or concept:name); columns: id, order, when, what"
    )
    # --map can name the case and activity columns
    mapped = audit_log(
        log, TMALL, fmt=None, maps={"id": "case_id", "order": "order_id", "when": "time", "what": "activity"}
    )
    assert (mapped.fmt, mapped.detected) == ("simkit", "recognised from the columns id, what")


# --- messages -------------------------------------------------------------------------------------


def test_a_gbk_byte_is_named_on_its_own_line(tmp_path):
    # Issue 16: "the GBK error names the line of the undecodable byte, not line 1".
    lines = _shop_lines()
    gbk_row = "O99,99,2026-03-02T10:00:00+08:00,buyer,pay,WAIT_SELLER_SEND_GOODS,0,,,100.00,,服装,100.00,normal,true\n"
    log = tmp_path / "log.csv"
    log.write_bytes(("".join(lines[:30]) + gbk_row).encode("gbk"))
    column = gbk_row.index("服") + 1
    with pytest.raises(LogError) as caught:
        audit_log(log, TMALL)
    assert str(caught.value.problems[0]) == (
        f"{log}:31: <root>: not UTF-8 (byte 0x{'服'.encode('gbk')[0]:02x} at column {column}); save the log as "
        "UTF-8 (e.g. iconv -f GBK -t UTF-8 for a GBK export)"
    )


def test_gzip_bytes_in_a_file_named_csv_are_reported_as_compressed_with_the_fix(tmp_path):
    log = tmp_path / "shop.csv"
    log.write_bytes(gzip.compress(SHOP_LOG.read_bytes()))
    with pytest.raises(LogError) as caught:
        audit_log(log, TMALL)
    assert str(caught.value.problems[0]) == (
        f"{log}:1: <root>: the file is gzip-compressed although it is named .csv: name it shop.csv.gz "
        "(or decompress it with gunzip)"
    )


def test_the_docs_list_every_column_name_the_messages_use():
    # Issue 16: "the messages use the field names the docs list (or the docs list the XES names the
    # messages use)". A message names the column as the log spells it; every preset column is documented.
    from simkit.logs.format import PRESETS

    docs = (ROOT / "docs" / "log-format.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([^`\s]+)`", docs))
    assert sorted(c for preset in PRESETS.values() for c in preset.columns if c not in documented) == []


# --- open cases are pending -----------------------------------------------------------------------


def test_cases_still_open_at_the_end_of_the_export_are_pending_never_violations(tmp_path):
    # Issue 16: "Cases still open at the end of the export are pending, never violations".
    # A return refund requested 2 h before the log ends (the merchant's 72 h answer not yet due), and a
    # return 5 days in MERCHANT_WAIT_RECEIPT (10 days allowed) when the export ends.
    lines = _shop_lines()
    log = tmp_path / "log.csv"
    log.write_text(
        lines[0]
        + "O1,1,2026-03-02T10:00:00+08:00,buyer,pay,WAIT_SELLER_SEND_GOODS,0,,,100.00,,apparel,100.00,normal,true\n"
        + "O1,1,2026-03-03T10:00:00+08:00,merchant,ship,WAIT_BUYER_CONFIRM_GOODS,0,,,0,,,,,\n"
        + "O1,1,2026-03-05T10:00:00+08:00,logistics,deliver,WAIT_BUYER_CONFIRM_GOODS,0,,,0,,,,,\n"
        + "O1-1,1,2026-03-06T08:00:00+08:00,buyer,request,WAIT_SELLER_AGREE,0,return_refund,changed_mind,100.00,,,,,\n"
        + "O2,2,2026-03-06T10:00:00+08:00,buyer,pay,WAIT_SELLER_SEND_GOODS,0,,,50.00,,apparel,50.00,normal,true\n",
        encoding="utf-8",
    )
    result = audit_log(log, TMALL)
    assert (result.findings, result.problems, result.passed) == ([], [], True)
    assert result.coverage.checked[("tmall.refund_auto_agree", "auto_approval", "pass")] == 1
    wechat = _wechat(
        tmp_path,
        [
            ("A7", "MERCHANT_PROCESSING", "2026-03-05 10:00:00"),
            ("A7", "USER_WAIT_RETURN", "2026-03-05 12:00:00"),
            ("A7", "MERCHANT_WAIT_RECEIPT", "2026-03-06 10:00:00"),
            ("A7", "MERCHANT_WAIT_RECEIPT", "2026-03-11 10:00:00"),
        ],
    )
    assert audit_log(wechat, CHANNELS).violations == []


# --- the version without package metadata ----------------------------------------------------------


def test_the_version_lookup_does_not_raise_without_package_metadata(monkeypatch, capsys):
    # Issue 16: "The CLI runs from a source checkout without installed package metadata".
    import simkit

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"simkit {simkit.__version__}\n"
