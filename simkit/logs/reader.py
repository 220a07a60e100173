"""Stream a log file (CSV, Parquet or JSON Lines) in chunks of canonical rows.

Memory holds one chunk at a time. CSV rows keep their physical line numbers (the header is
line 1; a row with the wrong number of fields or an empty line is reported and skipped, and
the lines after it keep their numbers); Parquet rows are numbered from 1; JSON Lines by line.
The shape is recognised from the header when none is given (`simkit.logs.format.detect_shape`).
A file that cannot be read (not UTF-8, compressed but named ``.csv``, a truncated ``.gz``, a
row longer than the reader's block, a duplicate or nested column) is refused with the line
that stops it.
"""

from __future__ import annotations

import csv
import json
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from simkit.errors import LogError, Problem, UsageError
from simkit.logs.format import (
    PRESETS,
    Preset,
    candidate_columns,
    check_maps,
    detect_shape,
    resolve_columns,
    signature_text,
)
from simkit.logs.lines import (
    MAX_JSON_LINE_BYTES,
    bounded_lines,
    columns_text,
    flatten,
    not_a_file,
    not_utf8,
)
from simkit.logs.normalise import Normaliser
from simkit.logs.rawfile import (
    BLOCK_BYTES,
    GZIP_MAGIC,
    bad_utf8_line,
    file_kind,
    json_record,
    json_table,
    long_line,
    open_binary,
    physical_lines,
    table_slices,
    undecodable_rows,
    whole_lines,
)

HEADER_SEARCH_LINES = 1000
"""JSON Lines: the shape is recognised from the first object among this many lines."""


class LogReader:
    """A log file opened for streaming.

    Args:
        path: The log file.
        fmt: ``simkit``, ``taobao`` or ``wechat``; None recognises the shape from the header.
        maps: Extra raw column → field mappings (``--map``).
        batch_rows: Rows per chunk.

    Attributes:
        preset: The shape read.
        detected: Why the shape was chosen (the columns that told it), or "" when it was given.

    Raises:
        LogError: When the file cannot be read, fits no shape, or lacks a required column.
        UsageError: On an unknown format.
    """

    def __init__(
        self,
        path: str | Path,
        fmt: str | None = "simkit",
        maps: Mapping[str, str] | None = None,
        batch_rows: int = 100_000,
    ) -> None:
        self.path = Path(path)
        self.file = str(path)
        if fmt is not None and fmt not in PRESETS:
            raise UsageError.at("<cli>", 0, "--format", f"unknown format {fmt!r}; use one of {', '.join(PRESETS)}")
        self.maps = check_maps(maps or {})
        self.batch_rows = batch_rows
        self.problems: list[Problem] = []
        self.rows = 0
        """Data rows read, malformed ones included."""
        unreadable = not_a_file(self.path)
        if unreadable:
            raise LogError(Problem(self.file, 0, "", unreadable))
        self.kind = file_kind(self.path)
        self.header = self._header()
        self.detected = ""
        if fmt is None:
            fmt, self.detected = self._detect()
        self.preset: Preset = PRESETS[fmt]
        self.columns = resolve_columns(self.preset, self.header, self.maps)
        self._check_columns()
        self.normalise = Normaliser(self.file, self.preset, self.columns)

    @property
    def estimated_rows(self) -> int:
        """An estimate of the number of rows (exact for Parquet)."""
        if self.kind == "parquet":
            return int(pq.ParquetFile(self.path).metadata.num_rows)
        size = self.path.stat().st_size * (6 if self.path.suffix == ".gz" else 1)
        return max(1, size // 120)

    def _fail(self, line: int, path: str, message: str) -> LogError:
        return LogError(Problem(self.file, line, path, " ".join(message.split())))

    def _header(self) -> list[str]:
        if self.kind == "parquet":
            try:
                schema = pq.ParquetFile(self.path).schema_arrow
            except (OSError, pa.ArrowException) as exc:
                raise self._fail(1, "", f"cannot read the Parquet log: {exc}") from None
            header = list(schema.names)
            self._no_duplicates(header)
            return header
        try:
            with open_binary(self.path) as handle:
                first = handle.readline(BLOCK_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise self._fail(1, "", f"cannot read the compressed log: {exc}") from None
        if not first:
            raise self._fail(1, "", "the file is empty: no header, no rows")
        if self.path.suffix.lower() != ".gz" and first.startswith(GZIP_MAGIC):
            raise self._fail(
                1,
                "",
                f"the file is gzip-compressed although it is named {self.path.suffix}: "
                f"name it {self.path.name}.gz (or decompress it with gunzip)",
            )
        if self.kind == "jsonl":
            return self._json_header()
        if len(first) > BLOCK_BYTES and not first.endswith(b"\n"):
            raise self._fail(
                1,
                "row",
                f"a header longer than {BLOCK_BYTES >> 20} MB cannot be read (so many columns, or no line ends?)",
            )
        text = self._decode(first, 1)
        header = next(csv.reader([text]), [])
        header = [column.strip() for column in header]
        self._no_duplicates(header)
        return header

    def _decode(self, data: bytes, line: int) -> str:
        try:
            return data.decode("utf-8-sig" if line == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise self._fail(line, "", not_utf8(data, exc)) from None

    def _no_duplicates(self, header: list[str]) -> None:
        seen: dict[str, int] = {}
        for number, column in enumerate(header, start=1):
            if column in seen:
                raise self._fail(
                    1,
                    column,
                    f"duplicate column (columns {seen[column]} and {number} have this name): rename or drop one",
                )
            seen[column] = number

    def _json_header(self) -> list[str]:
        """The keys of the first JSON object among the first lines ([] when none is found)."""
        try:
            with open_binary(self.path) as handle:
                for number, data in enumerate(bounded_lines(handle, MAX_JSON_LINE_BYTES), start=1):
                    if number > HEADER_SEARCH_LINES:
                        break
                    try:
                        record = None if data is None else json_record(data.decode("utf-8-sig"))
                        if isinstance(record, dict):
                            return list(flatten(record))
                    except (ValueError, RecursionError):
                        continue
        except (OSError, EOFError, zlib.error):
            return []  # a damaged file is refused with its line when its rows are read
        return []

    def _detect(self) -> tuple[str, str]:
        found = detect_shape(self.header, self.maps)
        if found is None:
            raise self._fail(
                1,
                "",
                f"cannot tell the log's shape from its columns (use --format, or --map the case and activity "
                f"columns); recognised by {signature_text()}; columns: {columns_text(self.header)}",
            )
        shape, columns = found
        return shape, f"recognised from the column{'s' if len(columns) > 1 else ''} {', '.join(columns)}"

    def _check_columns(self) -> None:
        if self.kind == "jsonl":  # records may differ in their keys: any preset or mapped key may appear
            self.header = list(dict.fromkeys([*self.header, *self.preset.columns, *self.maps]))
            self.columns = candidate_columns(self.preset, self.maps)
        missing_maps = [column for column in self.maps if column not in self.header]
        if missing_maps:
            raise self._fail(
                1, missing_maps[0], f"--map names a column the log does not have; columns: {columns_text(self.header)}"
            )
        mapped = set(self.columns.values())
        for name in self.preset.required:
            if name not in mapped:
                wanted = [c for c, f in self.preset.columns.items() if f == name]
                raise self._fail(
                    1,
                    wanted[0] if wanted else name,
                    f"required column missing for the {self.preset.name} format "
                    f"(one of {', '.join(wanted) or name}, or --map COLUMN={name}); "
                    f"columns: {columns_text(self.header)}",
                )
        if self.kind == "parquet":
            schema = pq.ParquetFile(self.path).schema_arrow
            for column in self.columns:
                kind = schema.field(column).type
                if pa.types.is_nested(kind) or (pa.types.is_dictionary(kind) and pa.types.is_nested(kind.value_type)):
                    raise self._fail(
                        1,
                        column,
                        f"a {kind} column cannot be read as the field {self.columns[column]} "
                        "(one plain value per row is needed); flatten it, or read another column with --map",
                    )

    def chunks(self) -> Iterator[pa.Table]:
        """Canonical tables, chunk by chunk; problems accumulate in `problems`."""
        source = {"csv": self._csv, "parquet": self._parquet, "jsonl": self._jsonl}[self.kind]
        for raw, lines in source():
            self.rows += raw.num_rows
            table, problems = self.normalise(raw, lines)
            self.problems += problems
            yield table

    def _csv(self) -> Iterator[tuple[pa.Table, np.ndarray]]:
        skipped: list[int] = []

        def invalid(row: Any) -> str:
            number = int(row.number) if row.number is not None else 0
            skipped.append(number)
            self.rows += 1
            what = (
                "empty line"
                if not (row.text or "").strip()
                else f"expected {row.expected_columns} fields, found {row.actual_columns}"
            )
            self.problems.append(Problem(self.file, number, "row", f"malformed row: {what}"))
            return "skip"

        names = [c for c in self.header if c in self.columns]
        last = 1
        undecodable: list[BaseException] = []
        try:
            with undecodable_rows(undecodable):
                reader = pacsv.open_csv(
                    pa.input_stream(str(self.path), compression="gzip")
                    if self.path.suffix == ".gz"
                    else str(self.path),
                    read_options=pacsv.ReadOptions(
                        use_threads=False,
                        block_size=BLOCK_BYTES,
                        encoding="utf8",
                        column_names=self.header,
                        skip_rows=1,
                    ),
                    parse_options=pacsv.ParseOptions(invalid_row_handler=invalid, ignore_empty_lines=False),
                    convert_options=pacsv.ConvertOptions(
                        column_types=dict.fromkeys(self.header, pa.string()),
                        include_columns=names,
                        strings_can_be_null=False,
                    ),
                )
            seen = 0
            while True:
                with undecodable_rows(undecodable):
                    batch = next(reader, None)
                if batch is None:
                    break
                lines = physical_lines(seen, batch.num_rows, skipped)
                seen += batch.num_rows
                if len(lines):
                    last = int(lines[-1])
                table, lines = self._drop_empty(pa.Table.from_batches([batch]), lines)
                yield from table_slices(table, lines, self.batch_rows)
        except (pa.ArrowInvalid, OSError, EOFError) as exc:
            if undecodable:  # a malformed row that is not UTF-8: pyarrow cannot hand it to `invalid`
                line, message = bad_utf8_line(self.path)
                if line:
                    raise self._fail(line, "", message) from None
            raise self._csv_error(exc, max([last, *skipped])) from None

    def _csv_error(self, exc: Exception, last: int) -> LogError:
        """The one-line refusal of a CSV log the reader stopped on, naming the line that stopped it."""
        text = str(exc)
        if "straddl" in text or ("block" in text.lower() and "boundar" in text.lower()):
            line = long_line(self.path, last) or last + 1
            return self._fail(
                line, "row", f"a row longer than {BLOCK_BYTES // (1 << 20)} MB cannot be read (a field too long?)"
            )
        if "UTF8" in text or "UTF-8" in text or "utf8" in text:
            line, message = bad_utf8_line(self.path)
            return self._fail(line or last + 1, "", message or f"not UTF-8: {text}")
        if isinstance(exc, (OSError, EOFError)):
            last = max(last, whole_lines(self.path))
            return self._fail(
                last + 1, "", f"the compressed log is damaged or truncated after line {last} ({exc}); nothing audited"
            )
        return self._fail(last + 1, "", f"cannot read the CSV log after line {last}: {text}")

    def _drop_empty(self, table: pa.Table, lines: np.ndarray) -> tuple[pa.Table, np.ndarray]:
        """Report and leave out empty lines (every field blank)."""
        if table.num_columns == 0 or table.num_rows == 0:
            return table, lines
        empty = np.ones(table.num_rows, dtype=bool)
        for column in table.columns:
            blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(column), ""), True)
            empty &= np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)
        if not empty.any():
            return table, lines
        self.rows += int(empty.sum())
        for line in lines[empty]:
            self.problems.append(Problem(self.file, int(line), "row", "malformed row: empty line"))
        return table.filter(pa.array(~empty)), lines[~empty]

    def _parquet(self) -> Iterator[tuple[pa.Table, np.ndarray]]:
        names = [c for c in self.header if c in self.columns]
        seen = 0
        try:
            for batch in pq.ParquetFile(self.path).iter_batches(batch_size=self.batch_rows, columns=names):
                lines = np.arange(seen + 1, seen + 1 + batch.num_rows, dtype=np.int64)
                seen += batch.num_rows
                yield pa.Table.from_batches([batch]), lines
        except (OSError, pa.ArrowException) as exc:
            raise self._fail(seen + 1, "", f"cannot read the Parquet log after row {seen}: {exc}") from None

    def _jsonl(self) -> Iterator[tuple[pa.Table, np.ndarray]]:
        records: list[dict[str, Any]] = []
        lines: list[int] = []
        number = 0
        try:
            with open_binary(self.path) as handle:
                for number, data in enumerate(bounded_lines(handle, MAX_JSON_LINE_BYTES), start=1):
                    record = self._json_row(number, data)
                    if record is None:
                        continue
                    records.append(record)
                    lines.append(number)
                    if len(records) >= self.batch_rows:
                        yield json_table(records), np.array(lines, dtype=np.int64)
                        records, lines = [], []
        except (OSError, EOFError, zlib.error) as exc:
            raise self._fail(
                number + 1, "", f"the compressed log is damaged or truncated after line {number} ({exc})"
            ) from None
        if records:
            yield json_table(records), np.array(lines, dtype=np.int64)

    def _json_row(self, number: int, data: bytes | None) -> dict[str, Any] | None:
        """One line (None: longer than the limit) as a flat record, or None (reported) when it is no JSON object."""

        def malformed(what: str) -> None:
            self.rows += 1
            self.problems.append(Problem(self.file, number, "row", f"malformed row: {what}"))

        if data is None:
            malformed(f"longer than {MAX_JSON_LINE_BYTES >> 20} MB (a field too long?)")
            return None

        try:
            text = data.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            malformed(not_utf8(data, exc))
            return None
        if not text.strip():
            malformed("empty line")
            return None
        try:
            record = json_record(text)
            flat = flatten(record) if isinstance(record, dict) else None
            if flat is not None:  # only the keys read as fields: a record may hold a million others
                flat = {key: value for key, value in flat.items() if key in self.columns}
        except json.JSONDecodeError as exc:
            malformed(f"not JSON ({exc.msg})")
            return None
        except RecursionError:
            malformed("not JSON (nested too deeply)")
            return None
        except ValueError as exc:
            malformed(str(exc))
            return None
        if flat is None:
            malformed("not a JSON object")
        return flat
