"""Raw log rows → canonical Arrow rows: parse every field, map the preset's values, report bad rows.

Times become microseconds since the Unix epoch (UTC); a time without a zone is China local
time (Asia/Shanghai), a plain number is a Unix time (seconds, or milliseconds when it has 13
digits). A row missing a required field is reported and left out; a bad optional value is
reported and read as unknown. Nothing is dropped without a `Problem` naming its line.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simkit.errors import Problem
from simkit.logs.format import ACTIVITIES, FIELDS, KINDS, Preset

ZONE = "Asia/Shanghai"
_TYPES = {"text": pa.string(), "int": pa.int64(), "number": pa.float64(), "bool": pa.bool_(), "time": pa.int64()}

CANONICAL = pa.schema([("_line", pa.int64())] + [(name, _TYPES[kind]) for name, kind in FIELDS.items()])
"""The canonical row: ``_line`` (the line or row it came from) and every field (times as
microseconds since the epoch)."""

_AWARE = r"(?:Z|[+-]\d{2}:?\d{2})$"
_EPOCH = r"\d{9,13}(?:\.\d+)?"
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})
_ACTIVITIES = pa.array(sorted(ACTIVITIES))

Issue = tuple[int, str, str]


class Normaliser:
    """Turns raw chunks of one log into canonical tables.

    Args:
        file: The log file (named in problems).
        preset: The export shape.
        columns: Raw column → field, as resolved for the log.
    """

    def __init__(self, file: str, preset: Preset, columns: Mapping[str, str]) -> None:
        self.file, self.preset, self.columns = file, preset, dict(columns)
        self.raw_of = {name: column for column, name in self.columns.items()}

    def __call__(self, raw: pa.Table, lines: np.ndarray) -> tuple[pa.Table, list[Problem]]:
        """Canonical rows of `raw` (whose rows came from `lines`), and the problems found."""
        n = raw.num_rows
        issues: list[Issue] = []
        out: dict[str, pa.Array] = {"_line": pa.array(lines, pa.int64())}
        for column, name in self.columns.items():
            if column not in raw.column_names:
                continue
            array = raw.column(column).combine_chunks()
            values, bad = _parse(array, FIELDS[name], self.preset.epoch_unit)
            for i in np.flatnonzero(bad):
                issues.append((int(lines[i]), column, f"not a valid {FIELDS[name]}: {array[int(i)].as_py()!r}"))
            out[name] = values
        self._kinds(out, lines, issues)
        self._values(out)
        keep = np.ones(n, dtype=bool)
        reported = {(line, column) for line, column, _ in issues}
        for name in self.preset.required:
            missing = _missing(out.get(name), n)
            column = self.raw_of.get(name, name)
            for i in np.flatnonzero(missing):
                if (int(lines[i]), column) not in reported:
                    issues.append((int(lines[i]), column, "required value is missing"))
            keep &= ~missing
        activity = out.get("activity")
        if not self.preset.snapshot and activity is not None:
            known = pc.is_in(activity, value_set=_ACTIVITIES).to_numpy(zero_copy_only=False)
            unknown = keep & ~known & ~_missing(activity, n)
            for i in np.flatnonzero(unknown):
                column = self.raw_of.get("activity", "activity")
                issues.append((int(lines[i]), column, f"unknown activity {activity[int(i)].as_py()!r}"))
            keep &= ~unknown
        arrays = [out.get(field.name, pa.nulls(n, field.type)) for field in CANONICAL]
        table = pa.Table.from_arrays(arrays, schema=CANONICAL)
        if not keep.all():
            table = table.filter(pa.array(keep))
        issues.sort()
        return table, [Problem(self.file, line, column, message) for line, column, message in issues]

    def _kinds(self, out: dict[str, pa.Array], lines: np.ndarray, issues: list[Issue]) -> None:
        kind = out.get("kind")
        if kind is None:
            return
        table = self.preset.kinds
        mapping = {}
        for value in pc.unique(kind).to_pylist():
            if value is None:
                continue
            mapped = table.get(value.lower(), table.get(value, value))
            mapping[value] = mapped if mapped in KINDS else None
        keys = pa.array(list(mapping), pa.string())
        index = pc.index_in(kind, value_set=keys)
        values = pa.array(list(mapping.values()), pa.string()).take(index)
        bad = (pc.is_valid(kind).to_numpy(zero_copy_only=False)) & ~pc.is_valid(values).to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(bad):
            issues.append((int(lines[i]), self.raw_of["kind"], f"unknown after-sale kind {kind[int(i)].as_py()!r}"))
        out["kind"] = values

    def _values(self, out: dict[str, pa.Array]) -> None:
        p = self.preset
        reason = out.get("reason")
        if reason is not None and p.reasons:
            uniques = [v for v in pc.unique(reason).to_pylist() if v is not None]
            keys = pa.array(uniques, pa.string())
            mapped = pa.array([p.reasons.get(v, v) for v in uniques], pa.string())
            out["reason"] = mapped.take(pc.index_in(reason, value_set=keys))
        amount = out.get("amount")
        if amount is not None and p.amount_scale != 1.0:
            out["amount"] = pc.round(pc.multiply(amount, p.amount_scale), 2)


def _missing(values: pa.Array | None, n: int) -> np.ndarray:
    if values is None:
        return np.ones(n, dtype=bool)
    missing = pc.is_null(values, nan_is_null=True).to_numpy(zero_copy_only=False)
    return np.asarray(missing, dtype=bool)


def _text_of(array: pa.Array) -> pa.Array:
    """Any array as stripped text; "" becomes null."""
    if pa.types.is_floating(array.type):
        whole = pc.and_(pc.is_valid(array), pc.equal(array, pc.floor(array)))
        as_int = pc.cast(pc.if_else(whole, array, None), pa.int64(), safe=False)
        array = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(array, pa.string()))
    elif pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = pc.cast(array, pa.string())
    array = pc.utf8_trim_whitespace(pc.cast(array, pa.string()))
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _parse(array: pa.Array, kind: str, epoch_unit: str) -> tuple[pa.Array, np.ndarray]:
    """``(values, bad)``: canonical values (null when unknown) and which non-blank raw values failed."""
    n = len(array)
    none = np.zeros(n, dtype=bool)
    if kind == "time":
        return _times(array, epoch_unit)
    if kind == "bool" and pa.types.is_boolean(array.type):
        return array, none
    if kind in ("int", "number") and (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
        values = pc.cast(array, pa.float64())
        if kind == "number":
            return values, none
        return _whole(values, _missing(array, n))
    text = _text_of(array)
    if kind == "text":
        return text, none
    blank = _missing(text, n)
    if kind == "bool":
        lower = pc.utf8_lower(text).to_pylist()
        out = [None if t is None else (t in _TRUE if t in _TRUE | _FALSE else None) for t in lower]
        bad = np.array([t is not None and t not in _TRUE | _FALSE for t in lower], dtype=bool)
        return pa.array(out, pa.bool_()), bad
    numbers = pd.to_numeric(pd.Series(text.to_numpy(zero_copy_only=False)), errors="coerce").astype("float64")
    values = pa.array(numbers.to_numpy(), pa.float64(), from_pandas=True)
    bad = ~blank & np.isnan(numbers.to_numpy())
    if kind == "number":
        return values, bad
    whole, frac = _whole(values, blank | bad)
    return whole, bad | frac


def _whole(values: pa.Array, skip: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    numbers = values.to_numpy(zero_copy_only=False).astype("float64")
    frac = ~skip & ~np.isnan(numbers) & (numbers != np.floor(np.nan_to_num(numbers)))
    keep = ~np.isnan(numbers) & ~frac
    ints = pa.array(np.where(keep, np.nan_to_num(numbers), 0).astype(np.int64), pa.int64(), mask=~keep)
    return ints, frac


def _times(array: pa.Array, epoch_unit: str) -> tuple[pa.Array, np.ndarray]:
    """Microseconds since the epoch, and the non-blank values that are no time."""
    n = len(array)
    minimum = np.iinfo(np.int64).min
    if pa.types.is_timestamp(array.type):
        stamps = pd.Series(array.to_pandas())
        if getattr(stamps.dt, "tz", None) is None:
            stamps = stamps.dt.tz_localize(ZONE)
        micros = _micros(stamps)
        bad = np.zeros(n, dtype=bool)
    elif pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        micros = _epoch(pd.Series(pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)), epoch_unit)
        bad = np.zeros(n, dtype=bool)
    else:
        text = pd.Series(_text_of(array).to_numpy(zero_copy_only=False), dtype="string")
        blank = text.isna().to_numpy(dtype=bool)
        digits = text.str.fullmatch(_EPOCH).fillna(False).to_numpy(dtype=bool)
        aware = text.str.contains(_AWARE, regex=True).fillna(False).to_numpy(dtype=bool) & ~digits
        naive = ~blank & ~digits & ~aware
        micros = np.full(n, minimum, dtype=np.int64)
        if digits.any():
            micros[digits] = _epoch(pd.to_numeric(text[digits], errors="coerce").astype("float64"), epoch_unit)
        if aware.any():
            micros[aware] = _micros(pd.to_datetime(text[aware], errors="coerce", utc=True, format="ISO8601"))
        if naive.any():
            parsed = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
            micros[naive] = _micros(parsed.dt.tz_localize(ZONE, nonexistent="NaT", ambiguous="NaT"))
        bad = ~blank & (micros == minimum)
    unknown = micros == minimum
    return pa.array(np.where(unknown, 0, micros), pa.int64(), mask=unknown), bad


def _micros(stamps: pd.Series) -> np.ndarray:
    """Microseconds since the epoch of zone-aware timestamps (NaT → the int64 minimum)."""
    utc = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    out = utc.astype("datetime64[us]").to_numpy().astype("int64")
    return np.where(utc.isna().to_numpy(), np.iinfo(np.int64).min, out)


def _epoch(numbers: pd.Series, unit: str) -> np.ndarray:
    values = numbers.to_numpy(dtype="float64")
    scale = np.where(values >= 1e11, 1_000.0, 1_000_000.0 if unit == "s" else 1_000.0)
    out = np.where(np.isnan(values), np.iinfo(np.int64).min, np.rint(np.nan_to_num(values) * scale))
    return out.astype(np.int64)
