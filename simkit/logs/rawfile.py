"""What the log reader needs from the raw file: its kind, line numbers, undecodable rows, JSON records as Arrow."""

from __future__ import annotations

import contextlib
import gzip
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa

from simkit.errors import LogError, Problem
from simkit.logs.lines import (
    bounded_lines,
    not_utf8,
    unique_keys,
)

SUFFIXES = {".csv": "csv", ".gz": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
GZIP_MAGIC = b"\x1f\x8b"
BLOCK_BYTES = 1 << 22
"""The CSV reader's block: a row longer than this cannot be read."""


class JsonNumber(str):
    """A JSON number (or NaN, Infinity) as written."""

    __slots__ = ()


def json_record(text: str) -> Any:
    """A JSON value with numbers kept as written (so that 1e400, NaN and big integers are judged, not rounded)."""
    return json.loads(
        text, parse_float=JsonNumber, parse_int=JsonNumber, parse_constant=JsonNumber, object_pairs_hook=unique_keys
    )


def json_text(value: Any) -> str:
    """A nested JSON value written back as JSON (numbers as they were written)."""
    if isinstance(value, JsonNumber):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(json_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def json_table(records: list[dict[str, Any]]) -> pa.Table:
    names = list(dict.fromkeys(name for record in records for name in record))
    columns = {name: pa.array([json_scalar(record.get(name)) for record in records], pa.string()) for name in names}
    return pa.table(columns) if columns else pa.table({})


def json_scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        return json_text(value)
    except RecursionError:
        return "<nested JSON>"


def table_slices(table: pa.Table, lines: np.ndarray, size: int) -> Iterator[tuple[pa.Table, np.ndarray]]:
    for first in range(0, table.num_rows, size):
        yield table.slice(first, size), lines[first : first + size]


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".gz" and Path(path.stem).suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"  # log.jsonl.gz
    if suffix not in SUFFIXES:
        raise LogError(
            Problem(
                str(path), 0, "", f"unknown log file type {suffix!r}: use .csv, .csv.gz, .parquet, .jsonl or .jsonl.gz"
            )
        )
    return SUFFIXES[suffix]


def open_binary(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def bad_utf8_line(path: Path) -> tuple[int, str]:
    """The first line that is not UTF-8, with the message; (0, "") when none is found."""
    with open_binary(path) as handle:
        for number, data in enumerate(handle, start=1):
            try:
                data.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                return number, not_utf8(data, exc)
    return 0, ""


def physical_lines(seen: int, rows: int, skipped: list[int]) -> np.ndarray:
    """The physical lines of the next `rows` rows read after `seen`, past the header and the `skipped` lines.

    Row k (counted from 0 over the file) stands on line ``k + 2`` plus the skipped lines before
    it: with the skipped lines sorted, ``s_i - i`` is non-decreasing, and the skipped lines before
    row k are those with ``s_i - i <= k + 2``.
    """
    base = np.arange(seen, seen + rows, dtype=np.int64) + 2
    if not skipped:
        return base
    ordered = np.sort(np.asarray(skipped, dtype=np.int64))
    shifted = ordered - np.arange(len(ordered), dtype=np.int64)
    return base + np.searchsorted(shifted, base, side="right")


@contextlib.contextmanager
def undecodable_rows(caught: list[BaseException]) -> Iterator[None]:
    """Collect (not print) the decoding errors pyarrow meets handing a malformed row that is not UTF-8 to the handler.

    pyarrow reports them as "Exception ignored" on stderr and then stops with a parse error; the
    caller names the line that is not UTF-8 instead.
    """
    before = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, UnicodeDecodeError):
            caught.append(unraisable.exc_value)
        else:
            before(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = before


def whole_lines(path: Path) -> int:
    """The complete lines a damaged compressed file gives before the damage."""
    count = 0
    try:
        with open_binary(path) as handle:
            for data in bounded_lines(handle, BLOCK_BYTES):
                if data is None or not data.endswith(b"\n"):
                    break
                count += 1
    except (OSError, EOFError, zlib.error):
        pass
    return count


def long_line(path: Path, after: int) -> int:
    """The first physical line after line `after` longer than the reader's block (0 when none)."""
    with open_binary(path) as handle:
        number = 0
        while True:
            data = handle.readline(BLOCK_BYTES + 1)
            if not data:
                return 0
            number += 1
            if len(data) > BLOCK_BYTES and number > after:
                return number
            while len(data) > BLOCK_BYTES and not data.endswith(b"\n"):  # the rest of a long line
                data = handle.readline(BLOCK_BYTES + 1)
