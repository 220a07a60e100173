"""One run's events between the model and a recorder's output: compact columns, sorted as orders settle.

The model emits events in time order, the log wants them by (order, case number, time). A
`RunBuffer` keeps the rows not yet handed on as numpy columns (text as codes into a
`Vocabulary`) in emission order. When the model says that no event of an order below some id
will come again (``settled``), the rows of those orders can be sorted and handed on: they sort
among themselves exactly as they would in the whole run. A `Batcher` then cuts the sorted rows
into batches of a fixed size, carrying the remainder until more rows settle or the run ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pyarrow as pa

from simkit.events import Event

Columns = dict[str, np.ndarray]
"""Equally long arrays, one per `Event` field."""

NUMBERS: dict[str, type[np.generic]] = {
    "order_id": np.int64,
    "case_no": np.int32,
    "merchant_id": np.int32,
    "time_h": np.float64,
    "cs_status": np.int8,
    "amount": np.float64,
}
"""Numeric fields and the dtype each is kept in."""

TEXT = ("actor", "activity", "status", "kind", "reason", "rule")
"""Text fields: few distinct values, kept as codes into a `Vocabulary`."""

NOTHING_SETTLED = int(np.iinfo(np.int64).min)
"""The watermark before any ``settled`` call: every order id is at or above it."""


class Vocabulary:
    """Distinct strings, each with an int32 code (in order of first sight)."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._words: list[str] = []
        self._array: pa.Array | None = None

    def code(self, word: str) -> int:
        """The code of one string."""
        code = self._codes.get(word)
        if code is None:
            code = self._codes[word] = len(self._words)
            self._words.append(word)
            self._array = None
        return code

    def codes(self, words: Sequence[str] | np.ndarray) -> np.ndarray:
        """Codes of many strings (encoded in Arrow, then mapped: one lookup per distinct string)."""
        encoded = pa.array(words, pa.string()).dictionary_encode()
        mapping = np.array([self.code(w) for w in encoded.dictionary.to_pylist()], dtype=np.int32)
        indices: np.ndarray = encoded.indices.to_numpy(zero_copy_only=False)
        return np.take(mapping, indices)

    def strings(self, codes: np.ndarray) -> pa.Array:
        """The strings of `codes`, as an Arrow string array."""
        if self._array is None:
            self._array = pa.array(self._words, pa.string())
        return self._array.take(pa.array(codes))


def sort_index(order_id: np.ndarray, case_no: np.ndarray, time_h: np.ndarray) -> np.ndarray:
    """Row order by (order, case number, time), ties in emission order.

    Always equal to ``np.lexsort((time_h, case_no, order_id))``. A case emits its events in
    time order, so one stable sort on an (order, case number) key usually settles it, about
    five times faster than the three-key sort; when some case's times are not in order after
    it, the full sort is done instead.
    """
    if order_id.size == 0:
        return np.empty(0, np.intp)
    if case_no.min() < 0 or case_no.max() >= 1 << 16 or order_id.min() < 0 or order_id.max() >= 1 << 46:
        return np.lexsort((time_h, case_no, order_id))
    key = (order_id.astype(np.int64) << 16) | case_no.astype(np.int64)
    index = np.argsort(key, kind="stable")
    key, time = key[index], time_h[index]
    if np.any((key[1:] == key[:-1]) & (time[1:] < time[:-1])):
        return np.lexsort((time_h, case_no, order_id))
    return index


def rows_of(columns: Columns) -> int:
    """How many rows `columns` hold."""
    return len(columns["order_id"])


class RunBuffer:
    """The rows of one run not yet handed on, in emission order, and what the model has settled.

    Rows are added as packed columns. `settle` records the model's watermark (no event of an
    order below it will come again) and says when enough rows have come to sort again;
    `take_settled` then returns the settled orders' rows sorted and keeps the others.

    Args:
        min_sort_rows: Rows that must come after a sort before `settle` asks for another one
            (at least as many as are kept from it, so each row is sorted over a bounded
            number of times).
    """

    def __init__(self, min_sort_rows: int) -> None:
        self.min_sort_rows = min_sort_rows
        self.below = NOTHING_SETTLED
        self._chunks: dict[str, list[np.ndarray]] = {name: [] for name in Event._fields}
        self._kept_rows = 0  # rows kept at the last sort (all emitted before it)
        self._new_rows = 0  # rows added since
        self._sorted_below = NOTHING_SETTLED  # the watermark at the last sort: orders below it are handed on
        self._marks: list[tuple[int, int]] = []  # (rows emitted before a settled call, its watermark) since

    @property
    def rows_held(self) -> int:
        """Rows added and not yet taken."""
        return self._kept_rows + self._new_rows

    def add(self, columns: Columns) -> None:
        """Append equally long columns (every `Event` field), emitted after the rows before them."""
        for name, values in columns.items():
            self._chunks[name].append(values)
        self._new_rows += rows_of(columns)

    def settle(self, order_below: int, unpacked: int) -> bool:
        """Raise the watermark to `order_below`; True when it is time to sort (`take_settled`).

        Args:
            order_below: No event of an order with a lower id comes again.
            unpacked: Rows emitted before this call that are not added yet.
        """
        self.below = order_below
        emitted = self._kept_rows + self._new_rows + unpacked
        if self._marks and self._marks[-1][0] == emitted:
            self._marks[-1] = (emitted, order_below)
        else:
            self._marks.append((emitted, order_below))
        return self._new_rows + unpacked >= max(self.min_sort_rows, self._kept_rows)

    def take_settled(self, everything: bool = False) -> Columns | None:
        """The rows of the settled orders (`everything`: of all), sorted; None when there are none.

        Rows are sorted by (order, case number, time), ties in emission order; the others stay,
        in emission order. Each field is joined and split in turn, its chunks freed.

        Raises:
            RuntimeError: An event came for an order after its rows were handed on.
        """
        chunks, self._chunks = self._chunks, {name: [] for name in Event._fields}

        def joined(name: str) -> np.ndarray:
            parts = chunks.pop(name)
            if len(parts) == 1:
                return parts[0]
            return np.concatenate(parts) if parts else np.empty(0, NUMBERS.get(name, np.int32))

        order_id, case_no, time_h = joined("order_id"), joined("case_no"), joined("time_h")
        self._check(order_id)
        settled = None if everything else order_id < self.below
        if settled is None or settled.all():
            take, keep = sort_index(order_id, case_no, time_h), None
        else:
            keep = np.flatnonzero(~settled)
            take = np.flatnonzero(settled)
            take = take[sort_index(order_id[take], case_no[take], time_h[take])]
        self._kept_rows = 0 if keep is None else keep.size
        self._new_rows, self._sorted_below, self._marks = 0, self.below, []
        out: Columns = {}
        for name, values in (("order_id", order_id), ("case_no", case_no), ("time_h", time_h)):
            out[name] = self._split(name, values, take, keep)
        del order_id, case_no, time_h
        for name in list(chunks):
            out[name] = self._split(name, joined(name), take, keep)
        return out if take.size else None

    def _split(self, name: str, values: np.ndarray, take: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
        """`values` at `take` (handed on); at `keep`, kept as the field's one chunk."""
        if keep is not None and keep.size:
            self._chunks[name].append(values if not take.size else values[keep])
        handed_on: np.ndarray = values[take]
        return handed_on

    def _check(self, order_id: np.ndarray) -> None:
        """Refuse rows added since the last sort for orders below the watermark in force when they came."""
        marks = self._marks
        starts = np.array([self._kept_rows, *(row for row, _ in marks), order_id.size], np.int64)
        watermarks = np.array([self._sorted_below, *(below for _, below in marks)], np.int64)
        in_force = np.repeat(watermarks, np.diff(starts))
        late = order_id[self._kept_rows :] < in_force
        if late.any():
            first = int(np.argmax(late))
            raise RuntimeError(
                f"an event of order {int(order_id[self._kept_rows + first])} was emitted after "
                f"settled({int(in_force[first])})"
            )


class Batcher:
    """Cuts sorted rows, given in pieces of any size, into batches of exactly `size` rows.

    Rows that do not fill a batch are carried (as copies, so the pieces they came from are
    freed) until more come; `rest` gives them as the last, short batch.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._pending: list[Columns] = []
        self._pending_rows = 0

    def add(self, piece: Columns) -> list[Columns]:
        """The full batches that `piece` completes, in order."""
        full: list[Columns] = []
        rows, first = rows_of(piece), 0
        while first < rows:
            last = min(rows, first + self.size - self._pending_rows)
            part = {name: values[first:last] for name, values in piece.items()}
            self._pending_rows += last - first
            if self._pending_rows == self.size:
                self._pending.append(part)
                full.append(self._joined())
            else:  # the tail, carried: a copy unless it is the whole piece
                self._pending.append(part if last - first == rows else {n: v.copy() for n, v in part.items()})
            first = last
        return full

    def rest(self) -> Columns | None:
        """The rows carried, as one short batch (None when there are none); the batcher starts afresh."""
        return self._joined() if self._pending_rows else None

    def _joined(self) -> Columns:
        parts, self._pending, self._pending_rows = self._pending, [], 0
        if len(parts) == 1:
            return parts[0]
        return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def batches(pieces: Iterable[Columns], size: int) -> Iterator[Columns]:
    """`pieces` (sorted rows, in order) cut into batches of `size` rows, the last one short."""
    batcher = Batcher(size)
    for piece in pieces:
        yield from batcher.add(piece)
    rest = batcher.rest()
    if rest is not None:
        yield rest
