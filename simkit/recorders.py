"""Recorders that keep the events: in memory, or written to Parquet as the run goes.

Each keeps the rows not yet handed on compactly (`simkit.event_buffer`). When the model
says the rows of some orders are complete (``settled``) or the run ends, those rows are sorted
and handed on in batches of `batch_rows` rows: the Parquet recorder writes each batch as one
row group, the memory recorder keeps them. Rows come out exactly as if the whole run had been
sorted at its end (see `simkit.events` for the order), whenever ``settled`` was called.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simkit.event_buffer import NUMBERS, TEXT, Batcher, Columns, RunBuffer, Vocabulary, batches
from simkit.event_spill import EVERY_ORDER, FAN_IN, SpilledRuns
from simkit.events import COLUMNS, SCHEMA, TIME_ZONE, Block, Event

_TEXT_COLUMNS = {"activity": "concept:name"}
"""Text fields whose log column has another name."""


def _epoch_micros(start: dt.datetime) -> int:
    """Microseconds since the Unix epoch of `start`; a naive `start` is local time in `TIME_ZONE`."""
    aware = start if start.tzinfo is not None else start.replace(tzinfo=ZoneInfo(TIME_ZONE))
    return (aware - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


class _Run(RunBuffer):
    """A run's buffer with its id and start (microseconds since the epoch)."""

    def __init__(self, run_id: str, start: dt.datetime, min_sort_rows: int) -> None:
        super().__init__(min_sort_rows)
        self.run_id = run_id
        self.start_us = _epoch_micros(start)


class _Buffered:
    """Keeps the rows of a run not yet settled compactly; hands settled rows on sorted, in batches.

    Args:
        chunk_rows: Event tuples kept as Python tuples before they are packed into columns;
            also the rows that must come between two sorts of settled rows.
        batch_rows: Rows per sorted batch handed on (a Parquet row group); every batch of a
            run is full but its last.
        spill_rows: Rows held in memory at most (besides a chunk of tuples): beyond it they
            are sorted and spilled to a temporary file, merged back as they are handed on.
            None: never spill.
    """

    records = True

    def __init__(self, *, chunk_rows: int = 250_000, batch_rows: int = 250_000, spill_rows: int | None = None) -> None:
        self.chunk_rows, self.batch_rows, self.spill_rows = chunk_rows, batch_rows, spill_rows
        self._vocabulary = Vocabulary()
        self._tuples: list[tuple[Any, ...]] = []
        self._run: _Run | None = None
        self._spilled = SpilledRuns(max(1, (spill_rows or 0) // (2 * FAN_IN)))

    def begin(self, run_id: str, start: dt.datetime) -> None:
        """Start a run: every event gets `run_id`; timestamps count from `start` (naive means Asia/Shanghai)."""
        self._run, self._tuples = _Run(run_id, start, self.chunk_rows), []

    def emit(self, event: tuple[Any, ...]) -> None:
        """Keep one event tuple (`Event` field order)."""
        self._tuples.append(event)
        if len(self._tuples) >= self.chunk_rows:
            self._pack_tuples()

    def emit_block(self, block: Block) -> None:
        """Keep a column block (after the tuples emitted before it: emission order breaks ties)."""
        n, values = block
        if not n:
            return
        self._pack_tuples()
        columns: Columns = {}
        for name in Event._fields:
            value = values[name]
            if name in NUMBERS:
                dtype = NUMBERS[name]
                columns[name] = np.array(value, dtype) if np.ndim(value) else np.full(n, value, dtype)
            elif np.ndim(value):
                columns[name] = self._vocabulary.codes(value)
            else:
                columns[name] = np.full(n, self._vocabulary.code(value), np.int32)
        self._add(columns)

    def settled(self, order_below: int) -> None:
        """No event of an order with id < `order_below` comes again in this run: its rows may be handed on.

        A call that raises nothing returns at once. The settled rows are sorted and handed on
        once `chunk_rows` rows (and at least as many as were left unsettled) have come since
        the last sort, so the cost per row does not grow with the run.
        """
        run = self._current()
        if order_below <= run.below:
            return
        if run.settle(order_below, len(self._tuples)):
            self._pack_tuples()
            self._hand_on_settled(run)

    def end(self) -> None:
        """Finish the run: every row settles and is handed on."""
        self._pack_tuples()
        run, self._run = self._current(), None
        try:
            for part in self._spilled.merged_below(EVERY_ORDER, run.take_settled(everything=True)):
                self._hand_on(run, part)
            self._run_ended(run)
        finally:
            self._spilled.close()

    def _hand_on_settled(self, run: _Run) -> None:
        """Hand on the settled rows held in memory and spilled."""
        settled = run.take_settled()
        if not self._spilled:
            self._hand_on(run, settled)
            return
        for part in self._spilled.merged_below(run.below, settled):
            self._hand_on(run, part)

    def _add(self, columns: Columns) -> None:
        """Add packed rows to the run; beyond `spill_rows` rows held, hand on what settled and spill the rest."""
        run = self._current()
        run.add(columns)
        if self.spill_rows is not None and run.rows_held >= self.spill_rows:
            self._hand_on_settled(run)
            rest = run.take_settled(everything=True)
            if rest is not None:
                self._spilled.spill(rest)
            pa.default_memory_pool().release_unused()  # what the spill and the writes let go, back to the system

    def _current(self) -> _Run:
        if self._run is None:
            raise RuntimeError("events recorded outside a run: call begin() first")
        return self._run

    def _pack_tuples(self) -> None:
        if not self._tuples:
            return
        rows, self._tuples = self._tuples, []
        fields = zip(*rows, strict=True)
        columns = {
            name: np.array(values, NUMBERS[name]) if name in NUMBERS else self._vocabulary.codes(values)
            for name, values in zip(Event._fields, fields, strict=True)
        }
        self._add(columns)

    def _table(self, run_id: str, start_us: int, cols: Columns) -> pa.Table:
        """One batch as an Arrow table; case ids and timestamps are built here."""
        n = len(cols["order_id"])
        order = pa.array(cols["order_id"])
        case_no = pa.array(cols["case_no"])
        order_id = pc.binary_join_element_wise(f"{run_id}:O", pc.cast(order, pa.string()), "")
        case_id = pc.if_else(
            pc.equal(case_no, 0), order_id, pc.binary_join_element_wise(order_id, pc.cast(case_no, pa.string()), "-")
        )
        micros = start_us + np.rint(cols["time_h"] * 3_600_000_000.0).astype(np.int64)
        columns: dict[str, Any] = {
            "run_id": pa.DictionaryArray.from_arrays(np.zeros(n, np.int32), pa.array([run_id])).cast(pa.string()),
            "case:concept:name": case_id,
            "time:timestamp": pa.array(micros, SCHEMA.field("time:timestamp").type),
        }
        for name in NUMBERS:
            columns[name] = pa.array(cols[name])
        for name in TEXT:
            columns[_TEXT_COLUMNS.get(name, name)] = self._vocabulary.strings(cols[name])
        return pa.Table.from_arrays([columns[name] for name in COLUMNS], schema=SCHEMA)

    def _hand_on(self, run: _Run, rows: Columns | None) -> None:
        """Take sorted settled rows of `run` (None: none), which follow those handed on before."""
        raise NotImplementedError

    def _run_ended(self, run: _Run) -> None:
        """Every row of `run` has been handed on."""
        raise NotImplementedError


class MemoryRecorder(_Buffered):
    """Keeps every event in memory; `frame()` gives one pandas DataFrame over all runs.

    It keeps every row anyway, so it spills none unless `spill_rows` is given (tests do).
    """

    def __init__(self, *, chunk_rows: int = 250_000, batch_rows: int = 250_000, spill_rows: int | None = None) -> None:
        super().__init__(chunk_rows=chunk_rows, batch_rows=batch_rows, spill_rows=spill_rows)
        self._runs: list[tuple[str, int, list[Columns]]] = []
        self._pieces: list[Columns] = []

    def _hand_on(self, run: _Run, rows: Columns | None) -> None:
        if rows is not None:
            self._pieces.append(rows)

    def _run_ended(self, run: _Run) -> None:
        self._runs.append((run.run_id, run.start_us, self._pieces))
        self._pieces = []

    def table(self) -> pa.Table:
        """All events as one Arrow table, in (run, case, time, step) order (a chunk per batch)."""
        tables = [
            self._table(run_id, start_us, batch)
            for run_id, start_us, pieces in self._runs
            for batch in batches(pieces, self.batch_rows)
        ]
        return pa.concat_tables(tables) if tables else SCHEMA.empty_table()

    def frame(self) -> Any:
        """All events as a pandas DataFrame."""
        return self.table().to_pandas()


class ParquetRecorder(_Buffered):
    """Writes each run's events to a Parquet file as they settle, sorted, in row groups of `batch_rows` rows.

    Memory holds at most `spill_rows` rows not yet handed on (compactly; more are spilled to
    a temporary file, sorted, and merged back), a chunk of tuples and a remainder of fewer
    than `batch_rows` sorted rows: the same whatever the run's length.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        chunk_rows: int = 250_000,
        batch_rows: int = 250_000,
        spill_rows: int | None = 1_000_000,
    ) -> None:
        super().__init__(chunk_rows=chunk_rows, batch_rows=batch_rows, spill_rows=spill_rows)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer: pq.ParquetWriter | None = None
        self._batcher = Batcher(batch_rows)
        self.rows = 0

    def _hand_on(self, run: _Run, rows: Columns | None) -> None:
        for batch in self._batcher.add(rows) if rows is not None else []:
            self._write(run, batch)

    def _run_ended(self, run: _Run) -> None:
        rest = self._batcher.rest()
        if rest is not None:
            self._write(run, rest)

    def _write(self, run: _Run, batch: Columns) -> None:
        table = self._table(run.run_id, run.start_us, batch)
        self._open().write_table(table, row_group_size=self.batch_rows)
        self.rows += table.num_rows

    def _open(self) -> pq.ParquetWriter:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, SCHEMA, compression="zstd")
        return self._writer

    def close(self) -> None:
        """Finish the file (an empty log still gets a valid file)."""
        self._open().close()
