"""A log as a stream of whole orders (`OrderLog`): the one reading the audit and calibration share.

Memory stays bounded whatever the log's size: the log is read in chunks of canonical rows and,
when large, spilled to temporary Parquet partitions by a hash of the order id, so that each
partition holds whole orders; partitions are then read back one at a time. A small log (or a
simulated run held in memory) stays in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simkit.errors import Problem, shorten
from simkit.logs.encode import iso_time
from simkit.logs.format import SIMKIT, resolve_columns
from simkit.logs.normalise import CANONICAL, Normaliser
from simkit.logs.orderlog import OrderLog, build_order
from simkit.logs.reader import LogReader

FACT_COLUMNS = ("category", "price", "free_shipping", "channel", "paid_at", "presale_ship_by")
"""Order facts a simulated run keeps beside its events (joined onto the events by order id)."""

_SORT = [(name, "ascending", "at_start") for name in ("run_id", "order_id", "case_id", "time", "_line")]
_COLUMNS = [f.name for f in CANONICAL]


class LogOrders:
    """A log file read as whole orders, in bounded memory; use it as a context manager.

    Attributes:
        path: The log file.
        fmt: The shape (``simkit``, ``taobao``, ``wechat``), recognised from the header when None is given.
        detected: Why the shape was chosen when it was recognised, else "".
        rows: Rows read (known once the log has been read, on entering).
        problems: Malformed rows, each with its line.
        as_of: The log's last time (microseconds since the epoch, UTC), or None when empty.
    """

    def __init__(
        self,
        path: str | Path,
        fmt: str | None = "simkit",
        maps: Mapping[str, str] | None = None,
        *,
        partition_rows: int = 250_000,
        batch_rows: int = 100_000,
    ) -> None:
        self.path = Path(path)
        self._reader = LogReader(path, fmt, maps, batch_rows=batch_rows)
        self.fmt: str = self._reader.preset.name
        self.detected = self._reader.detected
        self._parts = max(1, -(-self._reader.estimated_rows // partition_rows))
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._tables: list[Any] = []
        self.as_of: int | None = None

    @property
    def rows(self) -> int:
        """Rows read so far."""
        return self._reader.rows

    def column_of(self, name: str) -> str:
        """The log's column read as field `name` (the field's own name when none is)."""
        return self._reader.normalise.raw_of.get(name, name)

    @property
    def problems(self) -> list[Problem]:
        """Malformed rows reported so far."""
        return self._reader.problems

    def __enter__(self) -> LogOrders:
        self._tmp = tempfile.TemporaryDirectory(prefix="simkit-log-")
        self._tables, self.as_of = _spill(self._reader.chunks(), self._parts, Path(self._tmp.name))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._tables = []
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def tables(self) -> Iterator[pa.Table]:
        """The canonical rows, one partition of whole orders at a time."""
        if self._tmp is None:
            raise RuntimeError("LogOrders must be entered (`with LogOrders(...) as log:`) before reading")
        for table in self._tables:
            yield table() if callable(table) else table

    def __iter__(self) -> Iterator[OrderLog]:
        for table in self.tables():
            yield from self.orders(table)

    def orders(self, table: pa.Table) -> Iterator[OrderLog]:
        """The orders of one partition (`tables`); a fact given again with another value joins `problems`."""
        file, columns = self._reader.file, self._reader.normalise.raw_of
        for order in orders_in(table, self.fmt):
            self._reader.problems.extend(conflict_problems(order, file, columns))
            yield order


def canonical_events(
    events: pd.DataFrame | pa.Table, *, facts: pd.DataFrame | None = None, source: str = "<events>"
) -> tuple[pa.Table, list[Problem], int]:
    """An event log held in memory (``simkit`` shape) as canonical rows.

    Args:
        events: One row per event, with the simkit log columns (e.g. `simkit.run(...).events`).
        facts: Order facts (``order_id`` and any of `FACT_COLUMNS`), joined onto the events.
        source: Named in problems.

    Returns:
        The canonical rows, the malformed rows (each with its line) and the number of rows read.
    """

    table = events if isinstance(events, pa.Table) else pa.Table.from_pandas(events, preserve_index=False)
    if facts is not None and len(facts):
        table = _join_facts(table, facts)
    normalise = Normaliser(source, SIMKIT, resolve_columns(SIMKIT, table.column_names, {}))
    canonical, problems = normalise(table, np.arange(1, table.num_rows + 1, dtype=np.int64))
    return canonical, problems, table.num_rows


def orders_in(table: pa.Table, shape: str) -> Iterator[OrderLog]:
    """Every order in a table of canonical rows holding whole orders, in (run, order) order."""
    if table.num_rows == 0:
        return
    table = table.take(pc.sort_indices(table, sort_keys=_SORT))
    cols = {name: _column(table, name) for name in _COLUMNS}
    runs, orders_col = cols["run_id"], cols["order_id"]
    n = table.num_rows
    repeats = _repeat_rows(table)
    differing = _differing_facts(table)
    del table
    k = c = 0
    for start, stop in _groups(runs, orders_col, n):
        while k < len(repeats) and repeats[k] < start:
            k += 1
        while c < len(differing) and differing[c] < start:
            c += 1
        repeat = k < len(repeats) and repeats[k] < stop
        yield build_order(cols, start, stop, shape, repeat, c < len(differing) and differing[c] < stop)


def conflict_problems(order: OrderLog, file: str, columns: Mapping[str, str] | None = None) -> list[Problem]:
    """The order's facts given again with another value, one problem each (on the later row).

    Args:
        order: The order.
        file: Named in the problems.
        columns: Field → the log's column giving it (the field's own name when absent).
    """
    out = []
    for c in order.conflicts:
        column = (columns or {}).get(c.name, c.name)
        first, value = _fact_text(c.name, c.first), _fact_text(c.name, c.value)
        message = f"the order's {c.name} is {first} (line {c.first_line}); {value} here is not used"
        out.append(Problem(file, c.line, column, message))
    return out


def _fact_text(name: str, value: Any) -> str:
    """A fact's value for a message (times in China time)."""
    if name in ("paid_at", "presale_ship_by"):
        return iso_time(value // 1_000_000)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.15g}"
    return shorten(value)


def _differing_facts(table: pa.Table) -> list[int]:
    """Rows of a sorted table whose order fact differs from the one on the order's previous row giving it.

    A fact given twice with two values shows as such a row (the order's own rows are neighbours);
    found without a Python loop, so that only those orders are searched row by row.
    """
    n = table.num_rows
    if n < 2:
        return []
    new_order = np.zeros(n, dtype=bool)
    new_order[0] = True
    for name in ("run_id", "order_id"):
        column = table.column(name)
        equal = pc.equal(column.slice(1), column.slice(0, n - 1))
        both_null = pc.and_(pc.is_null(column.slice(1)), pc.is_null(column.slice(0, n - 1)))
        same = pc.or_kleene(pc.fill_null(equal, False), both_null).to_numpy(zero_copy_only=False)
        new_order[1:] |= ~np.asarray(same, dtype=bool)
    group = np.cumsum(new_order)
    rows: set[int] = set()
    for name in FACT_COLUMNS:
        column = table.column(name)
        valid = np.flatnonzero(np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), dtype=bool))
        if len(valid) < 2:
            continue
        given = column.take(pa.array(valid))
        differ = pc.fill_null(pc.not_equal(given.slice(1), given.slice(0, len(valid) - 1)), False)
        flags = np.asarray(differ.to_numpy(zero_copy_only=False), dtype=bool)
        flags &= group[valid[1:]] == group[valid[:-1]]
        rows.update(valid[1:][flags].tolist())
    return sorted(rows)


def _repeat_rows(table: pa.Table) -> list[int]:
    """Rows of a sorted table where exact duplicates may stand (sorted row numbers).

    Rows sort by (run, order, case, time, line), so the repeats of a row stand in its group of
    rows with the same run, order, case and time: in a group of two they are neighbours with
    the same activity; a group of three or more is searched whole.
    """
    n = table.num_rows
    if n < 2:
        return []
    same = np.ones(n - 1, dtype=bool)
    for name in ("run_id", "order_id", "case_id", "time", "activity"):
        column = table.column(name)
        equal = pc.equal(column.slice(1), column.slice(0, n - 1))
        both_null = pc.and_(pc.is_null(column.slice(1)), pc.is_null(column.slice(0, n - 1)))
        flags = pc.or_kleene(pc.fill_null(equal, False), both_null).to_numpy(zero_copy_only=False)
        if name == "time":
            group = same.copy()  # same run, order, case and time as the row before
            group &= np.asarray(flags, dtype=bool)
        same &= np.asarray(flags, dtype=bool)
    triple = group[1:] & group[:-1]  # rows i, i+1, i+2 in one group
    candidates = np.zeros(n, dtype=bool)
    candidates[1:] |= same
    candidates[2:] |= triple
    return [int(i) for i in np.flatnonzero(candidates)]


def max_time(table: pa.Table) -> int | None:
    """The latest time in canonical rows (microseconds since the epoch), or None."""
    if table.num_rows == 0:
        return None
    value = pc.max(table.column("time")).as_py()
    return int(value) if value is not None else None


def _join_facts(table: pa.Table, facts: pd.DataFrame) -> pa.Table:
    """Add the fact columns to every event of each order."""
    known = [c for c in FACT_COLUMNS if c in facts]
    keyed = facts.set_index(facts["order_id"].astype("int64"))[known]
    order_ids = pd.Index(table.column("order_id").to_numpy(zero_copy_only=False).astype("int64"))
    rows = keyed.reindex(order_ids)
    for name in known:
        if name in table.column_names:
            continue
        table = table.append_column(name, pa.array(rows[name].to_numpy(), from_pandas=True))
    return table


def _spill(chunks: Iterable[pa.Table], parts: int, tmp: Path) -> tuple[list[Any], int | None]:
    """Partitions of whole orders: in memory when one, else Parquet files read back one at a time."""
    as_of: int | None = None
    if parts == 1:
        kept = []
        for chunk in chunks:
            as_of = _later(as_of, max_time(chunk))
            kept.append(chunk)
        return [pa.concat_tables(kept) if kept else CANONICAL.empty_table()], as_of
    writers: dict[int, pq.ParquetWriter] = {}
    try:
        for chunk in chunks:
            as_of = _later(as_of, max_time(chunk))
            if chunk.num_rows == 0:
                continue
            ids = chunk.column("order_id").to_numpy(zero_copy_only=False)
            part = (pd.util.hash_array(np.asarray(ids, dtype=object)) % np.uint64(parts)).astype(np.int64)
            for p in np.unique(part):
                writer = writers.get(int(p))
                if writer is None:
                    writer = writers[int(p)] = pq.ParquetWriter(tmp / f"part-{int(p):04d}.parquet", CANONICAL)
                writer.write_table(chunk.filter(pa.array(part == p)))
    finally:
        for writer in writers.values():
            writer.close()
    files = sorted(tmp.glob("part-*.parquet"))
    return [_loader(file) for file in files], as_of


def _loader(file: Path) -> Any:
    return lambda: pq.read_table(file)


def _later(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def _column(table: pa.Table, name: str) -> list[Any]:
    """A column as a Python list; repeated strings share one object."""
    array = table.column(name).combine_chunks()
    if array.null_count == len(array):  # a field the log does not have
        return [None] * len(array)
    if pa.types.is_string(array.type):
        encoded = pc.dictionary_encode(array)
        words = encoded.dictionary.to_pylist()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        if encoded.indices.null_count:
            valid = pc.is_valid(encoded.indices).to_numpy(zero_copy_only=False)
            return [words[int(c)] if ok else None for c, ok in zip(codes, valid, strict=True)]
        return [words[c] for c in codes.tolist()]
    values: list[Any] = array.to_pylist()
    return values


def _groups(runs: list[Any], orders: list[Any], n: int) -> Iterator[tuple[int, int]]:
    start = 0
    for i in range(1, n + 1):
        if i == n or orders[i] != orders[start] or runs[i] != runs[start]:
            yield start, i
            start = i
