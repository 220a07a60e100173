"""Issue 17, audit: hostile logs give one line (exit 2) or a malformed-row report with its line while
the rest is audited; nothing is accepted in silence; numpy never warns.

Expected messages follow docs/log-format.md ("Malformed rows, duplicates and unreadable logs"):
a message names the file, the line and the column, then what is wrong with the value.
"""

from __future__ import annotations

import gzip
import json
import warnings
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simkit.cli.main import main
from simkit.compliance.audit import audit_log
from simkit.errors import LogError, UsageError
from simkit.logs.format import parse_maps
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
SHOP_LOG = ROOT / "scenarios" / "examples" / "tmall_shop_log.csv"
TMALL_FILE = str(ROOT / "policies" / "tmall.yaml")
TMALL = load_policy(TMALL_FILE)
PAY = "case_id,order_id,time,activity"


def _audit(path: Path, **kwargs):
    """The audit with numpy's RuntimeWarnings turned into errors (issue 17: none reaches stderr)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return audit_log(path, TMALL, **kwargs)


def _refusal(path: Path, **kwargs) -> str:
    with pytest.raises(LogError) as caught, warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        audit_log(path, TMALL, **kwargs)
    assert len(caught.value.problems) == 1
    return str(caught.value.problems[0])


def _problems(result) -> list[str]:
    return [str(p) for p in result.problems]


# --- crashes that become one line --------------------------------------------------------------


def test_a_truncated_csv_gz_is_one_line(tmp_path):
    log = tmp_path / "log.csv.gz"
    log.write_bytes(gzip.compress(SHOP_LOG.read_bytes())[:300])
    # The 300 bytes decompress to the header and three rows whole, and a part of the fifth line:
    assert zlib.decompressobj(31).decompress(log.read_bytes()).count(b"\n") == 4
    message = _refusal(log)
    assert message.startswith(f"{log}:5: <root>: the compressed log is damaged or truncated after line 4 (")
    assert message.endswith("); nothing audited")


def test_a_duplicate_column_is_one_line(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(f"{PAY},amount,amount\nC1,1,2026-03-02 10:00:00,pay,1,2\n", encoding="utf-8")
    assert _refusal(log) == f"{log}:1: amount: duplicate column (columns 5 and 6 have this name): rename or drop one"


def test_a_json_line_nested_100000_deep_is_a_malformed_row_and_the_rest_is_audited(tmp_path):
    log = tmp_path / "log.jsonl"
    good = '{"case_id": "C1", "order_id": "1", "time": "2026-03-02 10:00:00", "activity": "%s"}\n'
    log.write_text(good % "pay" + "[" * 100_000 + "]" * 100_000 + "\n" + good % "ship", encoding="utf-8")
    result = _audit(log)
    assert _problems(result) == [f"{log}:2: row: malformed row: not JSON (nested too deeply)"]
    assert (result.rows, result.orders) == (3, 1)


def test_a_json_value_nested_in_a_field_is_reported_as_a_bad_value(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"case_id": "C1", "order_id": "1", "time": "2026-03-02 10:00:00", "activity": "pay", "amount": [1, 2]}\n'
        '{"case_id": "C1", "order_id": "1", "time": "2026-03-02 10:00:00", "activity": "pay", "order_id": "2"}\n'
        '{"case_id": "C1", "order_id": "1", "time": "2026-03-02 10:00:00", "activity": "pay", '
        '"x.y": 1, "x": {"y": 2}}\n',
        encoding="utf-8",
    )
    assert _problems(_audit(log)) == [
        f"{log}:1: amount: not a valid number: '[1, 2]'",
        f"{log}:2: row: malformed row: duplicate key 'order_id'",
        f"{log}:3: row: malformed row: duplicate key 'x.y' (a dotted key and a nested object name it twice)",
    ]


@pytest.mark.parametrize(
    ("array", "type_text"),
    [
        (pa.array([[1.0], [2.0]]), "list<element: double>"),
        (pa.array([{"yuan": 1.0}, {"yuan": 2.0}]), "struct<yuan: double>"),
    ],
)
def test_a_parquet_list_or_struct_column_read_as_a_field_is_one_line(tmp_path, array, type_text):
    log = tmp_path / "log.parquet"
    base = {"case_id": ["C1", "C1"], "order_id": ["1", "1"], "time": ["2026-03-02 10:00:00"] * 2}
    pq.write_table(pa.table({**base, "activity": ["pay", "ship"], "amount": array}), log)
    assert _refusal(log) == (
        f"{log}:1: amount: a {type_text} column cannot be read as the field amount (one plain value per row is "
        "needed); flatten it, or read another column with --map"
    )


def test_a_nested_parquet_column_the_audit_does_not_read_is_ignored(tmp_path):
    log = tmp_path / "log.parquet"
    table = {
        "case_id": ["C1"],
        "order_id": ["1"],
        "time": ["2026-03-02 10:00:00"],
        "activity": ["pay"],
        "tags": pa.array([["a"]]),
    }
    pq.write_table(pa.table(table), log)
    assert _audit(log).problems == []


def test_parquet_binary_columns_are_read_as_utf8_text_and_other_bytes_reported(tmp_path):
    log = tmp_path / "log.parquet"
    table = {
        "case_id": pa.array([b"C1", b"C1"]),
        "order_id": ["1", "1"],
        "time": ["2026-03-02 10:00:00", "2026-03-03 10:00:00"],
        "activity": pa.array([b"pay", b"ship"]),
        "rule": pa.array([b"tmall.ship_promise", b"\xff\xfe"]),
    }
    pq.write_table(pa.table(table), log)
    result = _audit(log)
    assert _problems(result) == [f"{log}:2: rule: not a valid text: b'\\xff\\xfe'"]
    assert (result.orders, result.rows) == (1, 2)


def test_an_int64_time_of_10_to_the_18_is_a_malformed_row(tmp_path):
    # docs/log-format.md: "A time before 1970 or from 2200 on (an int64 time of 10^18, year 9999) is no time."
    log = tmp_path / "log.parquet"
    table = {
        "case_id": ["C1", "C1"],
        "order_id": ["1", "1"],
        "time": pa.array([10**18, 1772676000], pa.int64()),
        "activity": ["pay", "ship"],
    }
    pq.write_table(pa.table(table), log)
    result = _audit(log)
    assert _problems(result) == [f"{log}:1: time: not a valid time: 1000000000000000000"]
    assert (result.rows, result.orders) == (2, 1)
    csv_log = tmp_path / "log.csv"
    csv_log.write_text(f"{PAY}\nC1,1,1000000000000000000,pay\nC1,1,9999-12-31T23:59:59,ship\n", encoding="utf-8")
    assert _problems(_audit(csv_log)) == [
        f"{csv_log}:2: time: not a valid time: '1000000000000000000'",
        f"{csv_log}:3: time: not a valid time: '9999-12-31T23:59:59'",
    ]


def test_an_unknown_channel_is_reported_with_its_line_and_the_rest_is_audited(tmp_path):
    # docs/log-format.md: `channel` (`normal`, `juhuasuan`, `presale`).
    log = tmp_path / "log.csv"
    log.write_text(
        f"{PAY},channel,price\nC1,1,2026-03-02 10:00:00,pay,livestream,100\nC1,1,2026-03-03 10:00:00,ship,,\n",
        encoding="utf-8",
    )
    result = _audit(log)
    assert _problems(result) == [
        f"{log}:2: channel: unknown channel 'livestream' (channels: juhuasuan, normal, presale)"
    ]
    assert dict(result.coverage.skipped) == {
        ("tmall.ship_promise", "ship_promise", "needs the payment time and the channel"): 1
    }


def test_a_row_with_a_30_mb_field_names_its_line(tmp_path):
    # Issue 17: "A 30 MB CSV field gives pyarrow's 'straddling object straddles two block boundaries'
    # with no line — name the line."
    lines = SHOP_LOG.read_text(encoding="utf-8").splitlines(keepends=True)[:20]
    long_row = lines[1].replace("O1,1,", "O99,99,").replace("apparel", "x" * 30_000_000)  # order 1's pay row
    log = tmp_path / "log.csv"
    log.write_text("".join(lines[:5]) + long_row + "".join(lines[5:]), encoding="utf-8")
    assert long_row.count(",") == lines[0].count(",")  # the row has its 15 fields: only its length is wrong
    assert _refusal(log) == f"{log}:6: row: a row longer than 4 MB cannot be read (a field too long?)"


# --- silent accepts --------------------------------------------------------------------------------


def test_non_finite_amounts_and_prices_and_negative_prices_are_reported_in_csv(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        f"{PAY},amount,price\n"
        "C1,1,2026-03-02 10:00:00,pay,1e400,-5\n"
        "C1,1,2026-03-03 10:00:00,ship,-inf,inf\n"
        "C1,1,2026-03-04 10:00:00,deliver,NaN,100\n",
        encoding="utf-8",
    )
    result = _audit(log)
    assert _problems(result) == [
        f"{log}:2: amount: not a valid number: '1e400'",
        f"{log}:2: price: not a valid price: -5.0 is negative",
        f"{log}:3: amount: not a valid number: '-inf'",
        f"{log}:3: price: not a valid number: 'inf'",
        f"{log}:4: amount: not a valid number: 'NaN'",
    ]
    assert not result.passed


def test_non_finite_amounts_and_a_cs_status_of_10_to_the_30_are_reported_in_json_lines(tmp_path):
    log = tmp_path / "log.jsonl"
    head = '{"case_id": "C1", "order_id": "1", "activity": "pay", '
    log.write_text(
        head
        + '"time": "2026-03-02 10:00:00", "amount": 1e400, "price": -Infinity}\n'
        + head
        + '"time": "2026-03-03 10:00:00", "amount": NaN, "cs_status": 1000000000000000000000000000000}\n',
        encoding="utf-8",
    )
    assert _problems(_audit(log)) == [
        f"{log}:1: amount: not a valid number: '1e400'",
        f"{log}:1: price: not a valid number: '-Infinity'",
        f"{log}:2: amount: not a valid number: 'NaN'",
        f"{log}:2: cs_status: not a valid int: '1000000000000000000000000000000'",
    ]


def test_non_finite_amounts_and_prices_are_reported_in_parquet(tmp_path):
    log = tmp_path / "log.parquet"
    table = {
        "case_id": ["C1"] * 3,
        "order_id": ["1"] * 3,
        "time": ["2026-03-02 10:00:00", "2026-03-03 10:00:00", "2026-03-04 10:00:00"],
        "activity": ["pay", "ship", "deliver"],
        "amount": [float("inf"), float("-inf"), float("nan")],
        "price": [-5.0, float("nan"), 100.0],
        "cs_status": pa.array([1e30, 1.0, 2.5]),
    }
    pq.write_table(pa.table(table), log)
    assert _problems(_audit(log)) == [
        f"{log}:1: amount: not a valid number: inf",
        f"{log}:1: cs_status: not a valid int: 1e+30",
        f"{log}:1: price: not a valid price: -5.0 is negative",
        f"{log}:2: amount: not a valid number: -inf",
        f"{log}:2: price: not a valid number: nan",
        f"{log}:3: amount: not a valid number: nan",
        f"{log}:3: cs_status: not a valid int: 2.5",
    ]


def test_two_maps_for_the_same_field_are_refused():
    # Issue 17: "two --map options for the same field (today the last wins silently)".
    with pytest.raises(UsageError) as caught:
        parse_maps(["退款金额=amount", "refund=amount"])
    assert str(caught.value.problems[0]) == (
        "<cli>: --map: field 'amount' is mapped from two columns ('退款金额' and 'refund'); map it once"
    )
    with pytest.raises(UsageError) as caught:
        parse_maps(["fee=amount", "fee=price"])
    assert (
        str(caught.value.problems[0])
        == "<cli>: --map: column 'fee' is mapped twice ('amount' and 'price'); map it once"
    )


def test_two_columns_mapped_to_one_field_through_the_api_are_refused(tmp_path):
    with pytest.raises(UsageError) as caught:
        audit_log(SHOP_LOG, TMALL, maps={"amount": "price", "price": "price"})
    assert str(caught.value.problems[0]) == (
        "<cli>: --map: field 'price' is mapped from two columns ('amount' and 'price'); map it once"
    )


def test_two_maps_for_the_same_field_exit_2_on_the_command_line(capsys):
    code = main(
        [
            "audit",
            "--no-floor-warnings",
            "--policy",
            TMALL_FILE,
            str(SHOP_LOG),
            "--map",
            "amount=price",
            "--map",
            "price=price",
        ]
    )
    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        "<cli>: --map: field 'price' is mapped from two columns ('amount' and 'price'); map it once"
    ]


def test_hostile_logs_on_the_command_line_exit_2_with_one_located_line(tmp_path, capsys):
    log = tmp_path / "log.json.csv"
    log.write_text(f"{PAY},amount,amount\n", encoding="utf-8")
    assert main(["audit", "--no-floor-warnings", "--policy", TMALL_FILE, str(log)]) == 2
    assert capsys.readouterr().err == (
        f"{log}:1: amount: duplicate column (columns 5 and 6 have this name): rename or drop one\n"
    )
    deep = tmp_path / "deep.jsonl"
    deep.write_text(
        json.dumps({"case_id": "C1", "order_id": "1", "time": "2026-03-02 10:00:00", "activity": "pay"})
        + "\n"
        + "[" * 50_000
        + "\n",
        encoding="utf-8",
    )
    assert main(["audit", "--no-floor-warnings", "--policy", TMALL_FILE, str(deep)]) == 1
    assert capsys.readouterr().err == f"{deep}:2: row: malformed row: not JSON (nested too deeply)\n"
