"""An export table read as its file would be, without writing the file.

`simkit.logs.export` builds each export file as a DataFrame and renders it (CSV or JSON Lines);
`simkit.logs.reader.LogReader` reads such a file as raw text columns and hands them to the
`simkit.logs.normalise.Normaliser`. `exported_rows` goes from the DataFrame to the same raw text
columns in memory and through the same `Normaliser`, so a simulated run is read in a platform's
shape at a fraction of the cost of writing and re-reading its files
(`tests/logs/test_memory.py` holds the two equal).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa

from simkit.errors import Problem
from simkit.logs.encode import is_missing, json_records, nest
from simkit.logs.format import PRESETS, candidate_columns, resolve_columns
from simkit.logs.lines import flatten
from simkit.logs.normalise import Normaliser
from simkit.logs.rawfile import json_record, json_table


def exported_rows(
    name: str, table: pd.DataFrame, shape: str, *, source: str = "<export>"
) -> tuple[pa.Table, list[Problem]]:
    """The canonical rows `LogReader` reads from export file `name` holding `table`, and its problems.

    Args:
        name: The export file's name (``.csv`` or ``.jsonl``), as `simkit.logs.export` names it.
        table: The file's rows (`simkit.logs.export.export_tables`).
        shape: The export shape (``simkit``, ``taobao``, ``wechat``).
        source: Named in problems.
    """
    preset = PRESETS[shape]
    raw, lines = _raw(name, table)
    columns = (
        candidate_columns(preset, {}) if name.endswith(".jsonl") else resolve_columns(preset, raw.column_names, {})
    )
    if not name.endswith(".jsonl"):
        raw = raw.select([c for c in raw.column_names if c in columns])
    return Normaliser(source, preset, columns)(raw, lines)


def _raw(name: str, table: pd.DataFrame) -> tuple[pa.Table, np.ndarray]:
    """The raw text columns and line numbers the reader takes from the rendered file."""
    if name.endswith(".jsonl"):
        texts = (json.dumps(nest(row), ensure_ascii=False) for row in json_records(table))
        records = [flatten(json_record(text)) for text in texts]
        return json_table(records), np.arange(1, len(records) + 1, dtype=np.int64)
    columns = {str(c): pa.array(_csv_texts(table[c]), pa.string()) for c in table.columns}
    return pa.table(columns), np.arange(2, len(table) + 2, dtype=np.int64)


def _csv_texts(column: pd.Series) -> list[str]:
    """A column's values as ``DataFrame.to_csv`` writes them and the CSV reader reads them back (text, "" unknown)."""
    if pd.api.types.is_float_dtype(column.dtype):
        raise TypeError(f"column {column.name!r}: float columns are not written by the exports")
    return ["" if is_missing(v) or v is pd.NA else str(v) for v in column.tolist()]
