"""The rows of an orders file (CSV or JSON Lines), each with its line; what is no row goes to the problems."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from simkit.errors import LogError, Problem
from simkit.logs.lines import MAX_JSON_LINE_BYTES, bounded_lines, flatten, not_utf8, unique_keys

CSV_ROW_BYTES = 1 << 22
"""A CSV row longer than this (4 MB, the audit's limit) cannot be read."""


def csv_rows(path: Path, problems: list[Problem], columns: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) of each well-formed CSV row; the others go to `problems`, the header to `columns`.

    Read as the audit reads a CSV log: UTF-8 (a byte-order mark allowed), rows up to 4 MB, each
    column named once; a file that breaks one of these is refused with the line that breaks it.
    """
    file = str(path)
    with open(path, "rb") as handle, field_limit(CSV_ROW_BYTES):
        reader = csv.reader(text_lines(handle, file))
        try:
            header = next(reader, None)
            if header is None:
                return
            header = [column.strip() for column in header]
            no_duplicates(header, file)
            columns += header
            for fields in reader:
                line = reader.line_num
                if not fields or all(not f.strip() for f in fields):
                    problems.append(Problem(file, line, "row", "malformed row: empty line"))
                    continue
                if len(fields) != len(header):
                    problems.append(
                        Problem(file, line, "row", f"malformed row: expected {len(header)} fields, found {len(fields)}")
                    )
                    continue
                yield line, dict(zip(header, fields, strict=True))
        except csv.Error as exc:
            line = reader.line_num
            if "field limit" in str(exc):
                message = f"a row longer than {CSV_ROW_BYTES >> 20} MB cannot be read (a field too long?)"
                raise LogError(Problem(file, line, "row", message)) from None
            raise LogError(Problem(file, line, "row", f"cannot read the orders file: {exc}")) from None


@contextlib.contextmanager
def field_limit(limit: int) -> Iterator[None]:
    """`csv`'s field size limit set to `limit` while reading (its default is 128 KB)."""
    before = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def text_lines(handle: IO[bytes], file: str) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 or longer than a row may be refuses the file."""
    for number, data in enumerate(bounded_lines(handle, CSV_ROW_BYTES), start=1):
        if data is None:
            message = f"a row longer than {CSV_ROW_BYTES >> 20} MB cannot be read (a field too long?)"
            raise LogError(Problem(file, number, "row", message))
        try:
            yield data.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise LogError(Problem(file, number, "", not_utf8(data, exc))) from None


def no_duplicates(header: list[str], file: str) -> None:
    """Refuse a header that names a column twice (which of the two would be read?)."""
    seen: dict[str, int] = {}
    for number, column in enumerate(header, start=1):
        if column in seen:
            message = f"duplicate column (columns {seen[column]} and {number} have this name): rename or drop one"
            raise LogError(Problem(file, 1, column, message))
        seen[column] = number


def json_rows(path: Path, problems: list[Problem]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, flattened object) of each JSON object line; the others go to `problems`."""
    file = str(path)
    with open(path, "rb") as handle:
        for line, data in enumerate(bounded_lines(handle, MAX_JSON_LINE_BYTES), start=1):
            record, what = json_object(data, line)
            if record is None:
                problems.append(Problem(file, line, "row", f"malformed row: {what}"))
                continue
            yield line, record


def json_object(data: bytes | None, line: int) -> tuple[dict[str, Any] | None, str]:
    """One line as a flattened JSON object, or (None, what is wrong with it)."""
    if data is None:
        return None, f"longer than {MAX_JSON_LINE_BYTES >> 20} MB (a field too long?)"
    try:
        text = data.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return None, not_utf8(data, exc)
    if not text.strip():
        return None, "empty line"
    try:
        record = json.loads(text, object_pairs_hook=unique_keys)
        if not isinstance(record, dict):
            return None, "not a JSON object"
        return flatten(record), ""
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg})"
    except RecursionError:
        return None, "not JSON (nested too deeply)"
    except ValueError as exc:  # a key twice
        return None, str(exc)
