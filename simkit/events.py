"""The one flat event record, and recorders: in memory, streaming Parquet, none.

The model hands a recorder plain tuples (one per step, `Event` field order without the
run id and timestamp) and, for order timelines drawn in bulk, column blocks. Recorders
turn them into Arrow tables with pm4py-ready column names: ``case:concept:name``
(the case id), ``concept:name`` (the activity) and ``time:timestamp``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


class Event(NamedTuple):
    """One step of one case, as the model emits it.

    The case id is ``O<order>`` for the order's own lifecycle and ``O<order>-<n>`` for its
    n-th after-sale case. ``cs_status`` is Taobao's intervention status (0 when none).
    """

    order_id: int
    case_no: int
    merchant_id: int
    time_h: float
    actor: str
    activity: str
    status: str
    cs_status: int
    kind: str
    reason: str
    amount: float
    rule: str


COLUMNS = (
    "run_id",
    "case:concept:name",
    "order_id",
    "merchant_id",
    "time_h",
    "time:timestamp",
    "actor",
    "concept:name",
    "status",
    "cs_status",
    "kind",
    "reason",
    "amount",
    "rule",
)
"""Columns of an event log, in order."""

SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("case:concept:name", pa.string()),
        ("order_id", pa.int64()),
        ("merchant_id", pa.int32()),
        ("time_h", pa.float64()),
        ("time:timestamp", pa.timestamp("us")),
        ("actor", pa.string()),
        ("concept:name", pa.string()),
        ("status", pa.string()),
        ("cs_status", pa.int8()),
        ("kind", pa.string()),
        ("reason", pa.string()),
        ("amount", pa.float64()),
        ("rule", pa.string()),
    ]
)

Block = tuple[int, dict[str, Any]]
"""A column block: its length and each field as an array or a scalar (broadcast)."""


class Recorder(Protocol):
    """Where events go. ``records`` is False for a recorder that keeps none (the model then builds none)."""

    records: bool

    def begin(self, run_id: str, start: dt.datetime) -> None: ...
    def emit(self, event: tuple[Any, ...]) -> None: ...
    def emit_block(self, block: Block) -> None: ...
    def end(self) -> None: ...


class NullRecorder:
    """Keeps no events: only the model's online counters (and so the metrics) remain."""

    records = False

    def begin(self, run_id: str, start: dt.datetime) -> None:
        """Nothing to do."""

    def emit(self, event: tuple[Any, ...]) -> None:
        """Drop the event."""

    def emit_block(self, block: Block) -> None:
        """Drop the block."""

    def end(self) -> None:
        """Nothing to do."""


class _Buffered:
    """Buffers tuples and blocks, converting them to Arrow tables in chunks."""

    records = True
    chunk_rows = 250_000

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] = []
        self._run_id = ""
        self._start = dt.datetime(2000, 1, 1)

    def begin(self, run_id: str, start: dt.datetime) -> None:
        """Start a run: every event gets `run_id`; timestamps count from `start`."""
        self._run_id, self._start = run_id, start.replace(tzinfo=None)
        self._rows = []

    def emit(self, event: tuple[Any, ...]) -> None:
        """Keep one event tuple."""
        self._rows.append(event)
        if len(self._rows) >= self.chunk_rows:
            self._flush_rows()

    def emit_block(self, block: Block) -> None:
        """Keep a column block."""
        n, cols = block
        if n:
            self._table(_block_columns(n, cols))

    def end(self) -> None:
        """Flush what is left."""
        self._flush_rows()

    def _flush_rows(self) -> None:
        if self._rows:
            rows, self._rows = self._rows, []
            cols = list(zip(*rows, strict=True))
            self._table(
                {
                    name: np.asarray(col) if name in _NUMERIC else list(col)
                    for name, col in zip(Event._fields, cols, strict=True)
                }
            )

    def _table(self, cols: dict[str, Any]) -> None:
        self._write(to_table(cols, self._run_id, self._start))

    def _write(self, table: pa.Table) -> None:
        raise NotImplementedError


_NUMERIC = frozenset({"order_id", "case_no", "merchant_id", "time_h", "cs_status", "amount"})


class MemoryRecorder(_Buffered):
    """Keeps every event in memory; `frame()` gives one pandas DataFrame over all runs."""

    def __init__(self) -> None:
        super().__init__()
        self._runs: list[list[pa.Table]] = []

    def begin(self, run_id: str, start: dt.datetime) -> None:
        """Start a run (its events are kept together)."""
        super().begin(run_id, start)
        self._runs.append([])

    def _write(self, table: pa.Table) -> None:
        self._runs[-1].append(table)

    def table(self) -> pa.Table:
        """All events as one Arrow table: run by run, each in time order (stable)."""
        tables = [sort_table(pa.concat_tables(run)) for run in self._runs if run]
        if not tables:
            return SCHEMA.empty_table()
        return pa.concat_tables(tables)

    def frame(self) -> Any:
        """All events as a pandas DataFrame."""
        return self.table().to_pandas()


class ParquetRecorder(_Buffered):
    """Streams events to a Parquet file in row groups; memory stays bounded."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer: pq.ParquetWriter | None = None
        self.rows = 0

    def _write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, SCHEMA, compression="zstd")
        self._writer.write_table(sort_table(table))
        self.rows += table.num_rows

    def close(self) -> None:
        """Finish the file (an empty log still gets a valid file)."""
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, SCHEMA, compression="zstd")
        self._writer.close()


def _block_columns(n: int, cols: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in Event._fields:
        value = cols[name]
        if isinstance(value, np.ndarray):
            out[name] = value
        elif name in _NUMERIC:
            out[name] = np.full(n, value)
        else:
            out[name] = pa.DictionaryArray.from_arrays(np.zeros(n, dtype=np.int32), pa.array([value], pa.string()))
    return out


def to_table(cols: dict[str, Any], run_id: str, start: dt.datetime) -> pa.Table:
    """Build an Arrow table with `SCHEMA` from event columns."""
    order = np.asarray(cols["order_id"], dtype=np.int64)
    case_no = np.asarray(cols["case_no"], dtype=np.int64)
    n = order.size
    order_s = pc.binary_join_element_wise("O", pc.cast(pa.array(order), pa.string()), "")
    case_s = pc.binary_join_element_wise(order_s, pc.cast(pa.array(case_no), pa.string()), "-")
    case_id = pc.if_else(pa.array(case_no == 0), order_s, case_s)
    time_h = np.asarray(cols["time_h"], dtype=np.float64)
    micros = np.rint(time_h * 3_600_000_000.0).astype(np.int64)
    stamp = np.datetime64(start, "us") + micros.astype("timedelta64[us]")

    def text(value: Any) -> pa.Array:
        arr = value if isinstance(value, (pa.Array, pa.ChunkedArray)) else pa.array(value, pa.string())
        return arr.cast(pa.string()) if arr.type != pa.string() else arr

    arrays = [
        pa.DictionaryArray.from_arrays(np.zeros(n, dtype=np.int32), pa.array([run_id])).cast(pa.string()),
        case_id,
        pa.array(order),
        pa.array(np.asarray(cols["merchant_id"], dtype=np.int32)),
        pa.array(time_h),
        pa.array(stamp, pa.timestamp("us")),
        text(cols["actor"]),
        text(cols["activity"]),
        text(cols["status"]),
        pa.array(np.asarray(cols["cs_status"], dtype=np.int8)),
        text(cols["kind"]),
        text(cols["reason"]),
        pa.array(np.asarray(cols["amount"], dtype=np.float64)),
        text(cols["rule"]),
    ]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def sort_table(table: pa.Table) -> pa.Table:
    """Events in time order (ties keep the order they were emitted in, which is causal)."""
    if table.num_rows == 0:
        return table
    idx = np.argsort(table.column("time_h").to_numpy(), kind="stable")
    return table.take(pa.array(idx))


def empty_frame() -> Any:
    """An event DataFrame with no rows and all the columns."""
    return SCHEMA.empty_table().to_pandas()
