"""Physical lines and JSON objects of a log or orders file, read alike by every reader.

A line is read in bounded memory: one longer than the reader's limit is read through in pieces
and given as None, so that a file of one endless line (or a 30 MB field) cannot exhaust memory.
JSON objects keep a key once (a key twice is an error, not a silent override), and nested
objects become dotted names down to `MAX_JSON_DEPTH`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from simkit.errors import shorten

MAX_JSON_LINE_BYTES = 1 << 26
"""JSON Lines: a line longer than this (64 MB) is reported as a malformed row and read through, not held."""
MAX_JSON_DEPTH = 32
"""JSON objects nested deeper than this are not flattened (their value is kept as it is)."""
COLUMNS_SHOWN = 30
"""Columns a message lists before it says how many more there are."""


def not_a_file(path: Path) -> str | None:
    """Why `path` cannot be read as a file (missing, a directory, a pipe or a device), or None when it can.

    A named pipe is refused before it is opened: reading one waits for a writer, for ever.
    """
    if path.is_file():
        return None
    if not path.exists():
        return "no such file"
    if path.is_dir():
        return "is a directory, not a file"
    return "not a regular file (a pipe, a socket or a device): save the data to a file and give that"


def bounded_lines(handle: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The file's physical lines (with their line ends); None for a line longer than `limit` bytes.

    Args:
        handle: A binary file.
        limit: The longest line held in memory, in bytes (its line end not counted).
    """
    while True:
        data = handle.readline(limit + 1)
        if not data:
            return
        if len(data) > limit and not data.endswith(b"\n"):
            while data and not data.endswith(b"\n"):  # the rest of the long line, a piece at a time
                data = handle.readline(limit + 1)
            yield None
            continue
        yield data


def not_utf8(data: bytes, exc: UnicodeDecodeError) -> str:
    """The message for a line that is not UTF-8: the byte, its column, and how to convert a GBK export."""
    byte = data[exc.start : exc.start + 1].hex()
    return (
        f"not UTF-8 (byte 0x{byte} at column {exc.start + 1}); save the log as UTF-8 "
        "(e.g. iconv -f GBK -t UTF-8 for a GBK export)"
    )


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict (``object_pairs_hook``).

    Raises:
        ValueError: On a key given twice.
    """
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def flatten(record: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Nested objects as dotted names (``refund_info.amount``); deeper than `MAX_JSON_DEPTH` kept as they are.

    Raises:
        ValueError: When a dotted key and a nested object name one field twice.
    """
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        nested = isinstance(value, dict) and value and depth < MAX_JSON_DEPTH
        inner = flatten(value, f"{name}.", depth + 1) if nested else {}
        for key_name, key_value in (inner or {name: value}).items():
            if key_name in out:
                raise ValueError(f"duplicate key {key_name!r} (a dotted key and a nested object name it twice)")
            out[key_name] = key_value
    return out


def columns_text(columns: Sequence[str]) -> str:
    """Columns for a message: the first `COLUMNS_SHOWN`, then how many more (a header may hold a million)."""
    if not columns:
        return "none"
    shown = ", ".join(c if c.isprintable() and len(c) <= 60 else shorten(c) for c in columns[:COLUMNS_SHOWN])
    more = len(columns) - COLUMNS_SHOWN
    return f"{shown} … and {more:,} more" if more > 0 else shown
