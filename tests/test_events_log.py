"""The recorders' contract: case ids unique per run, (run, case, time, step) order, zone-aware time."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import simkit
from simkit.events import Event, MemoryRecorder, ParquetRecorder

ROOT = Path(__file__).resolve().parents[1]
START = dt.datetime(2026, 3, 2)  # a scenario's naive start: local time in Shanghai


def event(order: int, case_no: int, time_h: float, activity: str, amount: float = 0.0) -> tuple[Any, ...]:
    return tuple(Event(order, case_no, 7, time_h, "buyer", activity, "", 0, "", "", amount, ""))


def block(orders: list[int], times: list[float], activity: str) -> tuple[int, dict[str, Any]]:
    """A lifecycle block as the model emits it: arrays for what varies, scalars for the rest."""
    return (
        len(orders),
        {
            "order_id": np.array(orders, np.int64),
            "case_no": 0,
            "merchant_id": np.full(len(orders), 7, np.int32),
            "time_h": np.array(times),
            "actor": "buyer",
            "activity": activity,
            "status": np.array(["S"] * len(orders), dtype=object),
            "cs_status": 0,
            "kind": "",
            "reason": "",
            "amount": 0.0,
            "rule": "",
        },
    )


def record(rec: Any) -> None:
    """Two runs whose events arrive the way the model sends them: lifecycle blocks first, then cases."""
    rec.begin("b", START)
    rec.emit_block(block([0, 10, 2], [1.0, 0.5, 3.0], "pay"))
    rec.emit_block(block([10, 0], [30.0, 20.0], "ship"))
    rec.emit(event(10, 1, 40.0, "request"))
    rec.emit(event(0, 1, 25.0, "request"))
    rec.emit(event(10, 2, 41.0, "file_complaint"))
    rec.emit(event(10, 1, 40.0, "agree"))  # same time as the request: stays after it
    rec.emit(event(0, 0, 26.0, "close_trade"))
    rec.emit(event(0, 1, 26.0, "refund"))
    rec.end()
    rec.begin("a", START)  # runs keep the order they ran in
    rec.emit(event(1, 0, 2.0, "pay"))
    rec.end()


EXPECTED = [
    ("b:O0", "pay", 1.0),
    ("b:O0", "ship", 20.0),
    ("b:O0", "close_trade", 26.0),
    ("b:O0-1", "request", 25.0),
    ("b:O0-1", "refund", 26.0),
    ("b:O2", "pay", 3.0),
    ("b:O10", "pay", 0.5),
    ("b:O10", "ship", 30.0),
    ("b:O10-1", "request", 40.0),
    ("b:O10-1", "agree", 40.0),
    ("b:O10-2", "file_complaint", 41.0),
    ("a:O1", "pay", 2.0),
]


def rows(df: pd.DataFrame) -> list[tuple[str, str, float]]:
    return list(zip(df["case:concept:name"], df["concept:name"], df["time_h"], strict=True))


def test_memory_recorder_exact_row_order():
    rec = MemoryRecorder()
    record(rec)
    assert rows(rec.frame()) == EXPECTED


def test_parquet_recorder_exact_row_order_in_row_groups(tmp_path):
    rec = ParquetRecorder(tmp_path / "e.parquet", batch_rows=4)
    record(rec)
    rec.close()
    assert rows(pd.read_parquet(tmp_path / "e.parquet")) == EXPECTED
    meta = pq.ParquetFile(tmp_path / "e.parquet").metadata
    # run b: 11 rows in groups of 4, 4, 3; run a: 1 row
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [4, 4, 3, 1]
    assert rec.rows == 12


def test_timestamps_are_the_right_instant_in_shanghai():
    rec = MemoryRecorder()
    rec.begin("naive", START)
    rec.emit(event(0, 0, 1.5, "pay"))
    rec.end()
    rec.begin("aware", dt.datetime(2026, 3, 1, 16, tzinfo=dt.UTC))  # the same instant, given in UTC
    rec.emit(event(0, 0, 1.5, "pay"))
    rec.end()
    table = rec.table()
    assert table.schema.field("time:timestamp").type == pa.timestamp("us", tz="Asia/Shanghai")
    stamps = rec.frame()["time:timestamp"].tolist()
    assert stamps == [pd.Timestamp("2026-03-01T17:30:00Z")] * 2
    assert stamps[0].isoformat() == "2026-03-02T01:30:00+08:00"


def test_an_empty_log_is_a_valid_file(tmp_path):
    rec = ParquetRecorder(tmp_path / "e.parquet")
    rec.begin("r", START)
    rec.end()
    rec.close()
    table = pq.read_table(tmp_path / "e.parquet")
    assert table.num_rows == 0
    assert "case:concept:name" in table.column_names


def test_events_outside_a_run_are_refused():
    with pytest.raises(RuntimeError, match=r"events recorded outside a run: call begin\(\) first"):
        MemoryRecorder().emit_block(block([0], [1.0], "pay"))


def test_a_simulated_log_is_grouped_by_case_in_time_order():
    result = simkit.run(ROOT / "scenarios/tmall_baseline.yaml", seed=4, reps=2, overrides=["orders.count=300"])
    df = result.events
    assert df["run_id"].unique().tolist() == ["tmall_baseline-s4-r0", "tmall_baseline-s4-r1"]
    expected_ids = [
        f"{run}:O{order}" + (f"-{no}" if no else "")
        for run, order, no in zip(df["run_id"], df["order_id"], df["case_no"], strict=True)
    ]
    assert df["case:concept:name"].tolist() == expected_ids
    # each case's rows are contiguous, cases in (run, order, case number) order
    key = list(zip(df["run_id"].str.slice(-1).astype(int), df["order_id"], df["case_no"], strict=True))
    assert key == sorted(key)
    starts = df["case:concept:name"].ne(df["case:concept:name"].shift())
    assert starts.sum() == df["case:concept:name"].nunique() > 300
    # time never goes back within a case
    same_case = ~starts.to_numpy()[1:]
    assert (np.diff(df["time_h"].to_numpy())[same_case] >= 0).all()


# --- any interleaving ends up in (run, order, case number, time, emission) order -----------------

EVENTS = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 3), st.sampled_from([0.0, 0.5, 1.0, 2.0, 30.25])),
    max_size=40,
)
"""Order id, case number and time: few distinct values, so ties are common."""


@settings(max_examples=80, deadline=None)
@given(
    runs=st.lists(st.tuples(EVENTS, st.lists(st.integers(1, 6), max_size=10)), min_size=1, max_size=3),
    chunk_rows=st.integers(1, 7),
    batch_rows=st.integers(1, 9),
)
@example(runs=[([(0, 0, 0.0)] * 3, [1, 1, 1])], chunk_rows=2, batch_rows=1)  # block, tuple, block: all tied
def test_any_interleaving_is_sorted_by_run_order_case_time_emission(runs, chunk_rows, batch_rows):
    memory = MemoryRecorder(chunk_rows=chunk_rows, batch_rows=batch_rows)
    with tempfile.TemporaryDirectory() as tmp:
        parquet = ParquetRecorder(Path(tmp) / "e.parquet", chunk_rows=chunk_rows, batch_rows=batch_rows)
        expected: list[tuple[str, int, int, float, float]] = []
        for r, (events, cuts) in enumerate(runs):
            run_id = f"run{2 - r}"  # names that do not sort in run order
            for rec in (memory, parquet):
                rec.begin(run_id, START)
                _send(rec, events, cuts)
                rec.end()
            tagged = [(order, no, time, float(step)) for step, (order, no, time) in enumerate(events)]
            expected += [(run_id, *e) for e in sorted(tagged)]
        parquet.close()
        written = pd.read_parquet(Path(tmp) / "e.parquet")
    for df in (memory.frame(), written):
        got = list(zip(df["run_id"], df["order_id"], df["case_no"], df["time_h"], df["amount"], strict=True))
        assert got == expected
        ids = [f"{r}:O{o}" + (f"-{n}" if n else "") for r, o, n, *_ in expected]
        assert df["case:concept:name"].tolist() == ids


def _send(rec: Any, events: list[tuple[int, int, float]], cuts: list[int]) -> None:
    """Emit `events` in order, some as single tuples and some as column blocks (sizes from `cuts`)."""
    i = 0
    for k, size in enumerate(cuts):
        part = events[i : i + size]
        i += len(part)
        if k % 2:
            for step, (order, no, time) in enumerate(part, start=i - len(part)):
                rec.emit(event(order, no, time, "a", float(step)))
        elif part:
            rec.emit_block(
                (
                    len(part),
                    {
                        "order_id": np.array([e[0] for e in part]),
                        "case_no": np.array([e[1] for e in part]),
                        "merchant_id": 7,
                        "time_h": np.array([e[2] for e in part]),
                        "actor": "buyer",
                        "activity": np.array(["a"] * len(part), dtype=object),
                        "status": "",
                        "cs_status": 0,
                        "kind": "",
                        "reason": "",
                        "amount": np.arange(i - len(part), i, dtype=float),
                        "rule": "",
                    },
                )
            )
    for step, (order, no, time) in enumerate(events[i:], start=i):
        rec.emit(event(order, no, time, "a", float(step)))


# --- the fast sort agrees with the three-key sort -------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.integers(0, 20), st.just(2**50)),  # 2**50: beyond the packed key, the full sort
            st.one_of(st.integers(0, 4), st.just(70_000)),
            st.sampled_from([0.0, 0.5, 1.0, 2.0, 30.25]),
        ),
        max_size=60,
    ),
    in_time_order=st.booleans(),
)
def test_sort_index_equals_lexsort(rows: list[tuple[int, int, float]], in_time_order: bool) -> None:
    from simkit.events import sort_index

    if in_time_order:  # how a simulation emits: each case's events in time order (the fast path)
        rows = sorted(rows, key=lambda row: row[2])
    order_id = np.array([r[0] for r in rows], np.int64)
    case_no = np.array([r[1] for r in rows], np.int32)
    time_h = np.array([r[2] for r in rows], np.float64)
    expected = sorted(range(len(rows)), key=lambda i: (rows[i][0], rows[i][1], rows[i][2], i))
    assert sort_index(order_id, case_no, time_h).tolist() == expected
