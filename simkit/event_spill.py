"""Sorted rows spilled to disk, merged back in order: a run's buffer bounded whatever the run's length.

The log is sorted by order id, and an order can stay open for most of a run (a long
after-sale case), so the rows of the orders after it cannot be handed on before it settles.
Instead of holding them, a recorder sorts the rows it holds and writes them to a temporary
Arrow file (a sorted run of the run). Handing on the orders below a watermark then merges the
heads of the spilled runs with the settled rows still in memory, a slice of order ids at a
time, so memory holds a read batch or two per spilled run and the slice being merged (of the
rows still in memory, about a read batch per slice too). Runs
are merged into one on disk whenever `FAN_IN` of them have been written (an external merge
sort), so their number, and the memory of a merge, stay bounded however long the run.

Ties keep emission order: every row of a spilled run was emitted before every row of a later
one and before the rows in memory, so the merge joins its sources in that order and sorts
them stably.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from simkit.event_buffer import Columns, rows_of, sort_index

FAN_IN = 8
"""Spilled runs merged at once: when there are this many, they are merged into one on disk."""

EVERY_ORDER = int(np.iinfo(np.int64).max)
"""A watermark above every order id: the run has ended."""


class _SortedRun:
    """One spilled run: an Arrow IPC file of sorted rows, read from its head a batch at a time."""

    def __init__(self, path: Path, pieces: Iterable[Columns], read_rows: int) -> None:
        writer: pa.ipc.RecordBatchFileWriter | None = None
        with pa.OSFile(str(path), "wb") as sink:
            for piece in pieces:
                table = pa.table(piece)
                if writer is None:
                    writer = pa.ipc.new_file(sink, table.schema)
                    self.head: Columns = _empty_like(piece)
                writer.write_table(table, max_chunksize=read_rows)
            if writer is None:
                raise ValueError("a spilled run needs rows")
            writer.close()
        self.path = path
        self._file = pa.OSFile(str(path), "rb")  # read, not mapped: mapped pages would count as the process's memory
        self._reader = pa.ipc.open_file(self._file)
        self._next_batch = 0

    @property
    def more(self) -> bool:
        """Whether batches are left to read after `head`."""
        left: bool = self._next_batch < self._reader.num_record_batches
        return left

    def read(self) -> None:
        """Append the next batch to `head`."""
        batch = self._reader.get_batch(self._next_batch)
        self._next_batch += 1
        rows = {name: batch.column(name).to_numpy() for name in self.head}
        self.head = {name: np.concatenate([self.head[name], rows[name]]) for name in self.head}

    def take_below(self, order_below: int) -> Columns:
        """The head's rows of orders below `order_below` (a prefix: the run is sorted), removed from it."""
        cut = int(np.searchsorted(self.head["order_id"], order_below, side="left"))
        taken = {name: values[:cut] for name, values in self.head.items()}
        self.head = {name: values[cut:] for name, values in self.head.items()}
        return taken

    def close(self) -> None:
        """Release and delete the file."""
        self._file.close()
        self.path.unlink()


def _empty_like(columns: Columns) -> Columns:
    return {name: values[:0].copy() for name, values in columns.items()}


class SpilledRuns:
    """The sorted runs a recorder has spilled in one run of the simulation, in the order they were written.

    Args:
        read_rows: Rows per record batch written, and so per read.
    """

    def __init__(self, read_rows: int) -> None:
        self.read_rows = read_rows
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._runs: list[_SortedRun] = []
        self._written = 0

    def __bool__(self) -> bool:
        return bool(self._runs)

    def spill(self, columns: Columns) -> None:
        """Write sorted rows (all emitted after those spilled before) as a new run; merge `FAN_IN` runs into one."""
        self._runs.append(_SortedRun(self._path(), [columns], self.read_rows))
        if len(self._runs) >= FAN_IN:
            merged = _SortedRun(self._path(), self.merged_below(EVERY_ORDER, None), self.read_rows)
            for run in self._runs:
                run.close()
            self._runs = [merged]

    def _path(self) -> Path:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="simkit-spill-")
        self._written += 1
        return Path(self._folder.name) / f"run{self._written}.arrow"

    def merged_below(self, order_below: int, newest: Columns | None) -> Iterator[Columns]:
        """The spilled rows of orders below `order_below` merged with `newest`, in sorted slices.

        Args:
            order_below: The watermark (`EVERY_ORDER` at the run's end).
            newest: Sorted rows of orders below the watermark emitted after every spilled row
                (None: none).
        """
        memory = newest
        while True:
            for run in self._runs:  # every run shows the head rows of its lowest order below the watermark
                while run.more and (not rows_of(run.head) or run.head["order_id"][-1] == run.head["order_id"][0]):
                    run.read()
            live = [run for run in self._runs if rows_of(run.head) and run.head["order_id"][0] < order_below]
            if not live:
                break
            # rows of an order id below every unread run's last head order are all in the heads
            upper = min([order_below, *(int(run.head["order_id"][-1]) for run in live if run.more)])
            if memory is not None and rows_of(memory) > self.read_rows:
                # a slice of about `read_rows` of the newest rows at a time, not all of them at once
                upper = min(upper, max(int(memory["order_id"][self.read_rows]), int(memory["order_id"][0]) + 1))
            parts = [run.take_below(upper) for run in live]
            if memory is not None:
                cut = int(np.searchsorted(memory["order_id"], upper, side="left"))
                parts.append({name: values[:cut] for name, values in memory.items()})
                memory = {name: values[cut:] for name, values in memory.items()}
            yield _merged(parts)
        if memory is not None and rows_of(memory):
            yield memory

    def close(self) -> None:
        """Delete the runs (the run of the simulation is over)."""
        for run in self._runs:
            run.close()
        self._runs = []
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


def _merged(parts: list[Columns]) -> Columns:
    """Sorted parts, in emission order, as one sorted part (ties keep the parts' order)."""
    parts = [part for part in parts if rows_of(part)]
    if len(parts) == 1:
        return parts[0]
    joined = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    index = sort_index(joined["order_id"], joined["case_no"], joined["time_h"])
    return {name: values[index] for name, values in joined.items()}
