"""Hostile inputs the reviewers' corpora hold, each once, on the path where it broke.

Every case gives one located line (`FILE:LINE: path: message`, exit 2) or a result with the
bad rows reported with their lines; never a traceback, a hang or a memory blow-up. Messages
follow docs/log-format.md ("Malformed rows, duplicates and unreadable logs").
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

from simkit.calibration.families import Sample, fit_duration
from simkit.calibration.merchant_fits import typical_reply
from simkit.cli.main import main
from simkit.compliance.audit import audit_log
from simkit.errors import LogError, Problem
from simkit.logs.facts import read_order_facts
from simkit.logs.rawfile import physical_lines
from simkit.logs.reader import LogReader
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
TMALL_FILE = str(ROOT / "policies" / "tmall.yaml")
TMALL = load_policy(TMALL_FILE)
HEAD = "case_id,order_id,time,activity,amount,price,channel,category"
TRADES = (
    "tid,pay_time,payment,category,channel\n"
    "1001,2026-03-01 12:00:00,189.00,apparel,normal\n"
)  # fmt: skip


def _audit_cli(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str]]:
    code = main(["audit", "--no-floor-warnings", "--policy", TMALL_FILE, str(path), *extra])
    return code, capsys.readouterr().err.splitlines()


# --- unreadable logs: one line, exit 2 ---------------------------------------------------------


def test_a_malformed_row_in_gbk_is_named_by_its_line_not_a_pyarrow_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.csv"
    # Line 3 is one field of GBK text (退款原因): pyarrow cannot hand it to the malformed-row handler.
    log.write_bytes(
        f"{HEAD}\nC1,1,2026-03-02 10:00:00,pay,10,10,normal,apparel\n".encode() + "退款原因\n".encode("gbk")
    )
    code, err = _audit_cli(log, capsys)
    assert code == 2
    assert err == [
        f"{log}:3: <root>: not UTF-8 (byte 0xcd at column 1); save the log as UTF-8 "
        "(e.g. iconv -f GBK -t UTF-8 for a GBK export)"
    ]


def test_a_header_of_a_million_columns_is_refused_on_line_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log.csv"
    header = HEAD + "".join(f",c{i}" for i in range(1_000_000))  # 6.9 MB: longer than the 4 MB a row may have
    log.write_text(f"{header}\nC1,1,2026-03-02 10:00:00,pay\n", encoding="utf-8")
    code, err = _audit_cli(log, capsys)
    assert code == 2
    assert err == [f"{log}:1: row: a header longer than 4 MB cannot be read (so many columns, or no line ends?)"]


def test_a_truncated_csv_gz_names_the_first_line_it_lacks(tmp_path: Path) -> None:
    rows = "".join(f"C{i},{i},2026-03-02 10:00:00,pay,10,10,normal,apparel\n" for i in range(2000))
    data = gzip.compress(f"{HEAD}\n{rows}".encode())
    log = tmp_path / "log.csv.gz"
    log.write_bytes(data[: len(data) // 2])
    whole = zlib.decompressobj(31).decompress(log.read_bytes()).count(b"\n")  # lines before the cut
    with pytest.raises(LogError) as caught:
        audit_log(log, TMALL)
    assert str(caught.value) == (
        f"{log}:{whole + 1}: <root>: the compressed log is damaged or truncated after line {whole} "
        "(Truncated compressed stream); nothing audited"
    )


@pytest.mark.parametrize("kind", ["directory", "fifo", "device"])
def test_a_directory_a_pipe_or_a_device_is_named_and_never_waited_on(tmp_path: Path, kind: str) -> None:
    if kind == "directory":
        path = tmp_path / "log.csv"
        path.mkdir()
        message = "is a directory, not a file"
    elif kind == "fifo":
        path = tmp_path / "log.csv"
        os.mkfifo(path)  # opening it would wait for a writer for ever
        message = "not a regular file (a pipe, a socket or a device): save the data to a file and give that"
    else:
        path = Path("/dev/null")
        message = "not a regular file (a pipe, a socket or a device): save the data to a file and give that"
    for read in (lambda: audit_log(path, TMALL), lambda: read_order_facts(path, "taobao")):
        with pytest.raises(LogError) as caught:
            read()
        assert str(caught.value) == f"{path}: <root>: {message}"


# --- read in bounded memory --------------------------------------------------------------------


def test_a_json_record_with_thousands_of_keys_keeps_only_the_keys_read(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    record = {"case_id": "C1", "order_id": "1", "time": "2026-03-02 10:00:00", "activity": "pay"}
    extra = {f"c{i}": i for i in range(5000)}
    log.write_text("".join(json.dumps({**record, **extra}) + "\n" for _ in range(3)), encoding="utf-8")
    reader = LogReader(log, None)
    raw = [table for table, _ in reader._jsonl()]
    assert [table.column_names for table in raw] == [["case_id", "order_id", "time", "activity"]]


def test_a_30_mb_reason_in_a_taobao_export_stays_within_memory(tmp_path: Path) -> None:
    """Mapping Taobao's reason texts took every value from the distinct ones, sized by their mean length:
    one 30 MB reason among 300 rows asked for 9 GB. Under a 1.5 GB address-space limit it is read."""
    rows = 300
    table = pa.table(
        {
            "refund_id": [str(100 + i // 3) for i in range(rows)],
            "tid": [str(100 + i // 3) for i in range(rows)],
            "status": ["WAIT_SELLER_AGREE"] * rows,
            "created": ["2026-03-02 10:00:00"] * rows,
            "modified": ["2026-03-02 10:00:00"] * rows,
            "reason": ["x" * 30_000_000 if i == 5 else ("质量问题" if i % 2 else f"r{i}") for i in range(rows)],
        }
    )
    log = tmp_path / "refunds.parquet"
    pq.write_table(table, log)
    script = (
        "import sys; from simkit.logs.orders import LogOrders\n"
        "with LogOrders(sys.argv[1], 'taobao') as log: print(sum(1 for _ in log))"
    )

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))

    done = subprocess.run(
        [sys.executable, "-c", script, str(log)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert (done.returncode, done.stdout, done.stderr[-300:]) == (0, "100\n", "")


def test_row_lines_count_the_malformed_lines_before_them() -> None:
    # Rows read in order stand on lines 2, 3, …; lines 3, 4 and 7 were malformed (skipped):
    # the rows stand on lines 2, 5, 6, 8, 9.
    assert physical_lines(0, 5, [7, 3, 4]).tolist() == [2, 5, 6, 8, 9]
    assert physical_lines(3, 2, [7, 3, 4]).tolist() == [8, 9]  # the next chunk, after three rows
    assert physical_lines(0, 3, []).tolist() == [2, 3, 4]


# --- order facts given twice --------------------------------------------------------------------


def test_an_order_fact_given_again_with_another_value_is_reported_and_the_first_used(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        f"{HEAD}\n"
        "C1,1,2026-03-02 10:00:00,pay,150,150,normal,apparel\n"
        "C1,1,2026-03-02 12:00:00,ship,,,,apparel\n"
        "C1,1,2026-03-03 12:00:00,deliver,,99999.99,presale,apparel\n",
        encoding="utf-8",
    )
    result = audit_log(log, TMALL)
    expected = [
        f"{log}:4: channel: the order's channel is 'normal' (line 2); 'presale' here is not used",
        f"{log}:4: price: the order's price is 150 (line 2); 99999.99 here is not used",
    ]
    assert [str(p) for p in result.problems] == expected
    assert not result.passed
    problems: list[Problem] = []
    facts = read_order_facts(log, "simkit", problems=problems)
    assert (facts["price"].tolist(), facts["channel"].tolist()) == ([150.0], ["normal"])
    assert sorted(str(p) for p in problems) == expected


def test_a_taobao_refund_with_another_price_for_its_order_is_reported(tmp_path: Path) -> None:
    log = tmp_path / "refunds.csv"
    head = "refund_id,tid,status,created,modified,total_fee"
    log.write_text(
        f"{head}\n"
        "R1,T1,WAIT_SELLER_AGREE,2026-03-02 10:00:00,2026-03-02 10:00:00,100.00\n"
        "R2,T1,WAIT_SELLER_AGREE,2026-03-03 10:00:00,2026-03-03 10:00:00,120.00\n",
        encoding="utf-8",
    )
    result = audit_log(log, TMALL, fmt="taobao")
    assert [str(p) for p in result.problems] == [
        f"{log}:3: total_fee: the order's price is 100 (line 2); 120 here is not used"
    ]


# --- read_order_facts ---------------------------------------------------------------------------


def test_order_facts_json_nested_100000_deep_and_a_key_twice_are_malformed_rows(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    good = {"order_id": "1", "order_detail": {"pay_info": {"pay_time": 1772337600}}}
    deep = "[" * 100_000 + "]" * 100_000
    path.write_text(f"{json.dumps(good)}\n{deep}\n" + '{"order_id": "2", "order_id": "3"}\n', encoding="utf-8")
    problems: list[Problem] = []
    facts = read_order_facts(path, "wechat", problems=problems)
    assert facts["order_id"].tolist() == ["1"]
    assert [str(p) for p in problems] == [
        f"{path}:2: row: malformed row: not JSON (nested too deeply)",
        f"{path}:3: row: malformed row: duplicate key 'order_id'",
    ]


def test_order_facts_bad_values_are_reported_as_the_audit_reports_them(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    path.write_text(
        TRADES
        + "1002,2026-03-01 12:00:00,-5,apparel,livestream\n"
        + "1003,9999-12-31 12:00:00,5,apparel,normal\n"
        + "1004,1000000000000000000,5,apparel,normal\n"
        + "1005,2026-03-01 12:00:00,inf,apparel,normal\n"
        + "1001,2026-03-01 12:00:00,189.00,apparel,normal\n"
        + "1001,2026-03-01 12:00:00,99.00,apparel,normal\n",
        encoding="utf-8",
    )
    problems: list[Problem] = []
    facts = read_order_facts(path, "taobao", problems=problems)
    assert [str(p) for p in problems] == [
        f"{path}:3: payment: not a valid price: -5.0 is negative",
        f"{path}:3: channel: unknown channel 'livestream' (channels: juhuasuan, normal, presale)",
        f"{path}:4: pay_time: not a valid time: '9999-12-31 12:00:00'",  # from 2200 on: no time
        f"{path}:5: pay_time: not a valid time: '1000000000000000000'",
        f"{path}:6: payment: not a valid number: 'inf'",
        f"{path}:7: tid: duplicate of line 2 (counted once)",
        f"{path}:8: tid: the order again, with other facts than on line 2: left out (line 2 is used)",
    ]
    assert facts["order_id"].tolist() == ["1001", "1002", "1005"]
    assert facts["price"].iloc[0] == 189.0 and facts["price"].iloc[1:].isna().all()  # negative, inf: unknown
    assert facts["channel"].tolist() == ["normal", None, "normal"]


def test_order_facts_files_that_cannot_be_read_name_the_line(tmp_path: Path) -> None:
    cases = {
        "long.csv": (TRADES + "1002," + "x" * 5_000_000 + "\n").encode(),
        "gbk.csv": TRADES.encode() + "1002,2026-03-01 12:00:00,5,服装,normal\n".encode("gbk"),
        "twice.csv": b"tid,pay_time,tid\n1,2026-03-01 12:00:00,2\n",
    }
    expected = {
        "long.csv": "3: row: a row longer than 4 MB cannot be read (a field too long?)",
        "gbk.csv": "3: <root>: not UTF-8 (byte 0xb7 at column 28); save the log as UTF-8 "
        "(e.g. iconv -f GBK -t UTF-8 for a GBK export)",
        "twice.csv": "1: tid: duplicate column (columns 1 and 3 have this name): rename or drop one",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(LogError) as caught:
            read_order_facts(path, "taobao", problems=[])
        assert str(caught.value) == f"{path}:{expected[name]}"


# --- calibration ---------------------------------------------------------------------------------


def test_the_reply_time_shown_when_gamma_wins_is_its_median() -> None:
    """A gamma (or exponential) reply-time fit has no median parameter; calibrate crashed (KeyError 'median')
    on a log where gamma won by AIC. The figure shown is then the gamma's median."""
    draws = stats.gamma(a=0.6, scale=40.0).rvs(size=400, random_state=np.random.default_rng(3))
    fit = fit_duration("merchants.response_time", Sample(draws), ("gamma",))
    shape, mean = fit.params["shape"], fit.params["mean"]
    assert typical_reply(fit) == pytest.approx(stats.gamma(a=shape, scale=mean / shape).median(), rel=1e-6)


def test_a_category_the_policy_lacks_is_reported_on_its_line_and_read_as_unknown(tmp_path: Path) -> None:
    """A twin cannot hold a category its policy lacks: calibrate failed on a temporary twin file."""
    trades = tmp_path / "trades.csv"
    trades.write_text(TRADES + "1002,2026-03-01 12:00:00,5,X,normal\n", encoding="utf-8")
    log = tmp_path / "log.csv"
    log.write_text(
        f"{HEAD}\nC1,1,2026-03-02 10:00:00,pay,150,150,normal,apparel\nC2,2,2026-03-02 11:00:00,pay,9,9,normal,X\n",
        encoding="utf-8",
    )
    known = (
        "apparel, cosmetics, custom_made, digital, electronics, fresh, furniture, periodicals"  # policies/tmall.yaml
    )
    for path, shape, line, column in ((trades, "taobao", 3, "category"), (log, "simkit", 3, "category")):
        problems: list[Problem] = []
        facts = read_order_facts(path, shape, problems=problems, categories=TMALL.spec.categories)
        assert [str(p) for p in problems] == [
            f"{path}:{line}: {column}: unknown category 'X' (categories of the policy: {known}): read as unknown"
        ]
        assert facts["category"].tolist() == ["apparel", None]
        assert "_line" not in facts


@pytest.mark.parametrize("name", ["log.csv", "log.jsonl", "log.csv.gz"])
def test_an_empty_file_is_refused_not_passed(tmp_path: Path, name: str) -> None:
    log = tmp_path / name
    log.write_bytes(gzip.compress(b"") if name.endswith(".gz") else b"")
    for fmt in (None, "simkit"):  # with --format an empty JSON Lines log passed with 0 rows
        with pytest.raises(LogError) as caught:
            audit_log(log, TMALL, fmt=fmt)
        assert str(caught.value) == f"{log}:1: <root>: the file is empty: no header, no rows"
    orders = tmp_path / "trades.csv"
    orders.write_bytes(b"")
    with pytest.raises(LogError) as caught:
        read_order_facts(orders, "taobao")
    assert str(caught.value) == f"{orders}:1: <root>: the file is empty: no header, no rows"


def test_json_lines_gz_is_read_as_json_lines(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl.gz"
    row = {"case_id": "C1", "order_id": "1", "time": "2026-03-02 10:00:00", "activity": "pay", "amount": 10}
    log.write_bytes(gzip.compress((json.dumps(row) + "\n{oops\n").encode()))
    result = audit_log(log, TMALL)
    assert (result.fmt, result.rows) == ("simkit", 2)
    assert [str(p) for p in result.problems] == [
        f"{log}:2: row: malformed row: not JSON (Expecting property name enclosed in double quotes)"
    ]


def test_a_header_of_control_bytes_is_listed_shortened(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_bytes(b"\x00" * 100_000)  # one line: a header of one column, 100,000 NUL bytes long
    with pytest.raises(LogError) as caught:
        audit_log(log, TMALL, fmt="simkit")
    name = repr("\x00" * 100_000)
    assert str(caught.value) == (
        f"{log}:1: case:concept:name: required column missing for the simkit format (one of case:concept:name, "
        f"case_id, or --map COLUMN=case_id); columns: {name[:55]}…{name[-4:]}"
    )


def test_a_nul_byte_in_a_value_is_reported_and_read_as_unknown(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_bytes(
        f"{HEAD}\n".encode()
        + b"C1,1,2026-03-02 10:00:00,pay,10,10,normal,appa\x00rel\n"
        + b"C\x002,2,2026-03-02 11:00:00,pay,10,10,normal,apparel\n"
    )
    result = audit_log(log, TMALL)
    assert [str(p) for p in result.problems] == [
        f"{log}:2: category: not a valid text: 'appa\\x00rel'",
        f"{log}:3: case_id: not a valid text: 'C\\x002'",  # a required value: the row is left out
    ]
    assert (result.rows, result.orders) == (2, 1)


def test_a_lognormal_trial_with_sigma_near_zero_is_minus_infinity_without_a_warning() -> None:
    """The mixture fit tries such sigmas; numpy's overflow warning reached calibrate's stderr (a WeChat log with
    a 30 MB reason)."""
    from simkit.calibration.families import _LogNormal

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert _LogNormal(0.0, 1e-200).logpdf(np.array([5.0])).tolist() == [-np.inf]


def test_calibrate_refuses_an_orders_file_without_orders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A header-only orders file said 'required column missing; columns: none'; read as it is, it would
    fit an order volume of none."""
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,order_detail.pay_info.pay_time\n", encoding="utf-8")
    twin = tmp_path / "twin.yaml"
    log = ROOT / "scenarios" / "examples" / "wechat_aftersales.jsonl"
    argv = ["calibrate", "--policy", str(ROOT / "policies" / "video_channel.yaml"), str(log), "--orders", str(orders)]
    code = main([*argv, "--out", str(twin), "--no-validate", "--quiet", "--no-floor-warnings"])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[-1] == f"{orders}:1: <root>: no order in the file (a header only, or every row malformed)"
    assert not twin.exists()
