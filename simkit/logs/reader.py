"""Stream a log file (CSV, Parquet or JSON Lines) in chunks of canonical rows.

Memory holds one chunk at a time. CSV rows keep their physical line numbers (the header is
line 1; a row with the wrong number of fields or an empty line is reported and skipped, and
the lines after it keep their numbers); Parquet rows are numbered from 1; JSON Lines by line.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from simkit.errors import LogError, Problem, UsageError
from simkit.logs.format import PRESETS, Preset, resolve_columns
from simkit.logs.normalise import Normaliser

SUFFIXES = {".csv": "csv", ".gz": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class LogReader:
    """A log file opened for streaming.

    Args:
        path: The log file.
        fmt: ``simkit``, ``taobao`` or ``wechat``.
        maps: Extra raw column → field mappings (``--map``).
        batch_rows: Rows per chunk.

    Raises:
        LogError: When the file cannot be read or lacks a required column.
        UsageError: On an unknown format.
    """

    def __init__(
        self, path: str | Path, fmt: str = "simkit", maps: Mapping[str, str] | None = None, batch_rows: int = 100_000
    ) -> None:
        self.path = Path(path)
        self.file = str(path)
        if fmt not in PRESETS:
            raise UsageError.at("<cli>", 0, "--format", f"unknown format {fmt!r}; use one of {', '.join(PRESETS)}")
        self.preset: Preset = PRESETS[fmt]
        self.maps = dict(maps or {})
        self.batch_rows = batch_rows
        self.problems: list[Problem] = []
        self.rows = 0
        """Data rows read, malformed ones included."""
        if not self.path.is_file():
            raise LogError(Problem(self.file, 0, "", "no such file"))
        self.kind = _kind(self.path)
        self.header = self._header()
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

    def _header(self) -> list[str]:
        try:
            if self.kind == "parquet":
                return list(pq.ParquetFile(self.path).schema_arrow.names)
            if self.kind == "jsonl":
                return self._json_header()
            with _text(self.path) as handle:
                return next(csv.reader(handle), [])
        except (OSError, UnicodeDecodeError, pa.ArrowException) as exc:
            raise LogError(Problem(self.file, 1, "", f"cannot read the log: {exc}")) from None

    def _json_header(self) -> list[str]:
        with _text(self.path) as handle:
            for line in handle:
                if line.strip():
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError:
                        return []
                    return list(pd.json_normalize(record).columns) if isinstance(record, dict) else []
        return []

    def _check_columns(self) -> None:
        if self.kind == "jsonl":  # records may differ in their keys: any preset or mapped key may appear
            self.header = list(dict.fromkeys([*self.header, *self.preset.columns, *self.maps]))
            self.columns = resolve_columns(self.preset, self.header, self.maps)
        missing_maps = [column for column in self.maps if column not in self.header]
        if missing_maps:
            raise LogError(
                Problem(
                    self.file,
                    1,
                    missing_maps[0],
                    f"--map names a column the log does not have; columns: {', '.join(self.header)}",
                )
            )
        mapped = set(self.columns.values())
        for name in self.preset.required:
            if name not in mapped:
                wanted = [c for c, f in self.preset.columns.items() if f == name]
                raise LogError(
                    Problem(
                        self.file,
                        1,
                        wanted[0] if wanted else name,
                        f"required column missing for the {self.preset.name} format "
                        f"(one of {', '.join(wanted) or name}, or --map COLUMN={name}); "
                        f"columns: {', '.join(self.header)}",
                    )
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
        try:
            reader = pacsv.open_csv(
                pa.input_stream(str(self.path)) if self.path.suffix == ".gz" else str(self.path),
                read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 22, encoding="utf8"),
                parse_options=pacsv.ParseOptions(invalid_row_handler=invalid, ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(self.header, pa.string()),
                    include_columns=names,
                    strings_can_be_null=False,
                ),
            )
            seen = 0
            for batch in reader:
                lines = np.arange(seen, seen + batch.num_rows, dtype=np.int64) + 2
                for line in sorted(skipped):
                    lines[lines >= line] += 1
                seen += batch.num_rows
                table, lines = self._drop_empty(pa.Table.from_batches([batch]), lines)
                yield from _slices(table, lines, self.batch_rows)
        except pa.ArrowInvalid as exc:
            raise LogError(Problem(self.file, 0, "", f"cannot read the CSV log: {exc}")) from None

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
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=self.batch_rows, columns=names):
            lines = np.arange(seen + 1, seen + 1 + batch.num_rows, dtype=np.int64)
            seen += batch.num_rows
            yield pa.Table.from_batches([batch]), lines

    def _jsonl(self) -> Iterator[tuple[pa.Table, np.ndarray]]:
        records: list[dict[str, Any]] = []
        lines: list[int] = []
        with _text(self.path) as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    self.rows += 1
                    self.problems.append(Problem(self.file, number, "row", "malformed row: empty line"))
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    self.rows += 1
                    self.problems.append(Problem(self.file, number, "row", f"malformed row: not JSON ({exc.msg})"))
                    continue
                if not isinstance(record, dict):
                    self.rows += 1
                    self.problems.append(Problem(self.file, number, "row", "malformed row: not a JSON object"))
                    continue
                records.append(record)
                lines.append(number)
                if len(records) >= self.batch_rows:
                    yield _json_table(records), np.array(lines, dtype=np.int64)
                    records, lines = [], []
        if records:
            yield _json_table(records), np.array(lines, dtype=np.int64)


def _json_table(records: list[dict[str, Any]]) -> pa.Table:
    frame = pd.json_normalize(records)
    columns = {name: pa.array([_scalar(v) for v in frame[name]], pa.string()) for name in frame.columns}
    return pa.table(columns) if columns else pa.table({})


def _scalar(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _slices(table: pa.Table, lines: np.ndarray, size: int) -> Iterator[tuple[pa.Table, np.ndarray]]:
    for first in range(0, table.num_rows, size):
        yield table.slice(first, size), lines[first : first + size]


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LogError(
            Problem(str(path), 0, "", f"unknown log file type {suffix!r}: use .csv, .csv.gz, .parquet or .jsonl")
        )
    return SUFFIXES[suffix]


def _text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")
