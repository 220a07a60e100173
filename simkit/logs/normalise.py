"""Raw log rows → canonical Arrow rows: parse every field, map the preset's values, report bad rows.

Times become microseconds since the Unix epoch (UTC); a time without a zone is China local
time (Asia/Shanghai), a plain number is a Unix time (seconds, or milliseconds when it has 13
digits); a time outside 1970-2199 is no time. Numbers must be finite, prices not negative,
whole numbers within ±2^53, channels one of `CHANNELS`. A row missing a required field is
reported and left out; a bad optional value is reported and read as unknown. Nothing is
dropped without a `Problem` naming its line.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simkit.errors import Problem, shorten
from simkit.logs.format import ACTIVITIES, CHANNELS, FIELDS, KINDS, Preset

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
_CHANNELS = pa.array(sorted(CHANNELS))
_MIN_TIME = 0
_MAX_TIME = 7_258_118_400_000_000
"""Times are read between 1970-01-01 and 2200-01-01 (UTC), in microseconds since the epoch."""
_MAX_WHOLE = 2.0**53
"""Whole numbers beyond ±2^53 are no whole numbers a float can hold exactly."""
_LOCAL_OFFSET_US = 8 * 3600 * 1_000_000

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
        self.sources: dict[str, list[str]] = {}
        """Field → the raw columns that may give it, in order (several only for JSON Lines)."""
        for column, name in self.columns.items():
            self.sources.setdefault(name, []).append(column)
        self.raw_of = {name: (name if name in found else found[0]) for name, found in self.sources.items()}

    def __call__(self, raw: pa.Table, lines: np.ndarray) -> tuple[pa.Table, list[Problem]]:
        """Canonical rows of `raw` (whose rows came from `lines`), and the problems found."""
        n = raw.num_rows
        issues: list[Issue] = []
        out: dict[str, pa.Array] = {"_line": pa.array(lines, pa.int64())}
        names = set(raw.column_names)
        for name, found in self.sources.items():
            present = [column for column in found if column in names]
            if not present:
                continue
            arrays = [raw.column(column).combine_chunks() for column in present]
            array = arrays[0] if len(arrays) == 1 else pc.coalesce(*[_text_of(a) for a in arrays])
            values, bad = _parse(array, FIELDS[name], self.preset.epoch_unit)
            for i in np.flatnonzero(bad):
                column = _source(present, arrays, int(i))
                value = shorten(_value(array, int(i)))
                issues.append((int(lines[i]), column, f"not a valid {FIELDS[name]}: {value}"))
            out[name] = values
        self._domains(out, lines, issues)
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
                issues.append((int(lines[i]), column, f"unknown activity {shorten(activity[int(i)].as_py())}"))
            keep &= ~unknown
        arrays = [out.get(field.name, pa.nulls(n, field.type)) for field in CANONICAL]
        table = pa.Table.from_arrays(arrays, schema=CANONICAL)
        if not keep.all():
            table = table.filter(pa.array(keep))
        issues.sort()
        return table, [Problem(self.file, line, column, message) for line, column, message in issues]

    def _domains(self, out: dict[str, pa.Array], lines: np.ndarray, issues: list[Issue]) -> None:
        """Values of the right kind outside their field's domain: reported and read as unknown."""
        price = out.get("price")
        if price is not None:
            negative = pc.fill_null(pc.less(price, 0), False).to_numpy(zero_copy_only=False)
            for i in np.flatnonzero(negative):
                issues.append(
                    (int(lines[i]), self.raw_of["price"], f"not a valid price: {price[int(i)].as_py()!r} is negative")
                )
            if negative.any():
                out["price"] = pc.if_else(pa.array(negative), pa.scalar(None, pa.float64()), price)
        channel = out.get("channel")
        if channel is not None:
            known = pc.is_in(channel, value_set=_CHANNELS)
            unknown = pc.and_(pc.is_valid(channel), pc.invert(known)).to_numpy(zero_copy_only=False)
            for i in np.flatnonzero(unknown):
                issues.append(
                    (
                        int(lines[i]),
                        self.raw_of["channel"],
                        f"unknown channel {shorten(channel[int(i)].as_py())} (channels: {', '.join(sorted(CHANNELS))})",
                    )
                )
            if unknown.any():
                out["channel"] = pc.if_else(pa.array(unknown), pa.scalar(None, pa.string()), channel)

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
            issues.append(
                (int(lines[i]), self.raw_of["kind"], f"unknown after-sale kind {shorten(kind[int(i)].as_py())}")
            )
        out["kind"] = values

    def _values(self, out: dict[str, pa.Array]) -> None:
        p = self.preset
        reason = out.get("reason")
        if reason is not None and p.reasons:
            # Only the platform's reason texts are replaced; taking every value from the distinct ones
            # would size the result by their mean length (one 30 MB reason: gigabytes).
            uniques = [v for v in pc.unique(reason).to_pylist() if v is not None and v in p.reasons]
            if uniques:
                index = pc.index_in(reason, value_set=pa.array(uniques, pa.string()))
                mapped = pa.array([p.reasons[v] for v in uniques], pa.string()).take(index)
                out["reason"] = pc.if_else(pc.is_valid(index), mapped, reason)
        amount = out.get("amount")
        if amount is not None and p.amount_scale != 1.0:
            out["amount"] = pc.round(pc.multiply(amount, p.amount_scale), 2)


def _missing(values: pa.Array | None, n: int) -> np.ndarray:
    if values is None:
        return np.ones(n, dtype=bool)
    missing = pc.is_null(values, nan_is_null=True).to_numpy(zero_copy_only=False)
    return np.asarray(missing, dtype=bool)


def _source(columns: list[str], arrays: list[pa.Array], index: int) -> str:
    """The column that gave row `index` its value (the first one valid there)."""
    for column, array in zip(columns, arrays, strict=True):
        if array[index].is_valid:
            return column
    return columns[0]


def _value(array: pa.Array, index: int) -> object:
    """A raw value as Python, for a message."""
    return array[index].as_py()


def _decoded(array: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Binary values as text, and which of them are not UTF-8 (read as unknown)."""
    values = array.to_pylist()
    out: list[str | None] = []
    bad = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        if value is None:
            out.append(None)
            continue
        try:
            out.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(None)
            bad[i] = True
    return pa.array(out, pa.string()), bad


def _text_of(array: pa.Array) -> pa.Array:
    """Any array as stripped text; "" becomes null (binary that is not UTF-8 too)."""
    if pa.types.is_floating(array.type):
        finite = pc.is_finite(array)
        whole = pc.and_(finite, pc.equal(array, pc.floor(array)))
        whole = pc.and_(whole, pc.less_equal(pc.abs(array), _MAX_WHOLE))
        as_int = pc.cast(pc.if_else(whole, array, None), pa.int64(), safe=False)
        array = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(array, pa.string()))
    elif pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if (
        pa.types.is_binary(array.type)
        or pa.types.is_large_binary(array.type)
        or pa.types.is_fixed_size_binary(array.type)
    ):
        array, _ = _decoded(array)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = pc.cast(array, pa.string())
    array = pc.utf8_trim_whitespace(pc.cast(array, pa.string()))
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _is_binary(array: pa.Array) -> bool:
    t = array.type
    return bool(pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t))


def _parse(array: pa.Array, kind: str, epoch_unit: str) -> tuple[pa.Array, np.ndarray]:
    """``(values, bad)``: canonical values (null when unknown) and which non-blank raw values failed."""
    n = len(array)
    none = np.zeros(n, dtype=bool)
    undecodable = none
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if _is_binary(array):
        array, undecodable = _decoded(array)
    if kind == "time":
        values, bad = _times(array, epoch_unit)
        return values, bad | undecodable
    if kind == "bool" and pa.types.is_boolean(array.type):
        return array, none
    if kind in ("int", "number") and (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
        numbers = pc.cast(array, pa.float64(), safe=False)
        valid = pc.is_valid(array).to_numpy(zero_copy_only=False)
        finite = pc.fill_null(pc.is_finite(numbers), False).to_numpy(zero_copy_only=False)
        bad = valid & ~finite
        if kind == "number":
            return pc.if_else(pa.array(finite), numbers, pa.scalar(None, pa.float64())), bad
        whole, wrong = _whole(numbers, ~valid)
        return whole, wrong
    text = _text_of(array)
    if kind == "text":  # a NUL byte is no text a platform writes: a damaged file
        nul = np.asarray(pc.fill_null(pc.match_substring(text, "\x00"), False).to_numpy(zero_copy_only=False), bool)
        if nul.any():
            text = pc.if_else(pa.array(nul), pa.scalar(None, pa.string()), text)
        return text, undecodable | nul
    blank = _missing(text, n) & ~undecodable
    if kind == "bool":
        lower = pc.utf8_lower(text).to_pylist()
        out = [None if t is None else (t in _TRUE if t in _TRUE | _FALSE else None) for t in lower]
        bad = np.array([t is not None and t not in _TRUE | _FALSE for t in lower], dtype=bool)
        return pa.array(out, pa.bool_()), bad | undecodable
    numbers = pd.to_numeric(pd.Series(text.to_numpy(zero_copy_only=False)), errors="coerce").astype("float64")
    finite = np.isfinite(numbers.to_numpy())
    values = pa.array(np.where(finite, numbers.to_numpy(), np.nan), pa.float64(), from_pandas=True)
    bad = ~blank & ~finite
    if kind == "number":
        return values, bad
    whole, frac = _whole(values, blank | bad)
    return whole, bad | frac


def _whole(values: pa.Array, skip: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Whole numbers as int64 (null when unknown), and the values that are no whole number within ±2^53."""
    numbers = np.asarray(values.to_numpy(zero_copy_only=False), dtype="float64")
    finite = np.isfinite(numbers)
    safe = np.where(finite, numbers, 0.0)
    keep = finite & (safe == np.floor(safe)) & (np.abs(safe) <= _MAX_WHOLE)
    wrong = ~skip & ~keep
    ints = pa.array(np.where(keep, safe, 0.0).astype(np.int64), pa.int64(), mask=~keep)
    return ints, wrong


def _times(array: pa.Array, epoch_unit: str) -> tuple[pa.Array, np.ndarray]:
    """Microseconds since the epoch, and the non-blank values that are no time (or outside 1970-2199)."""
    n = len(array)
    minimum = np.iinfo(np.int64).min
    valid = np.asarray(pc.is_valid(array).to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_timestamp(array.type):
        micros = pc.cast(pc.cast(array, pa.timestamp("us", tz=array.type.tz), safe=False), pa.int64())
        micros = np.asarray(pc.fill_null(micros, minimum).to_numpy(zero_copy_only=False), dtype=np.int64)
        if array.type.tz is None:  # naive: China local time (UTC+8 since 1991)
            micros = np.where(micros == minimum, minimum, micros - _LOCAL_OFFSET_US)
        blank = ~valid
    elif pa.types.is_date(array.type):
        return _times(pc.cast(array, pa.timestamp("s")), epoch_unit)
    elif pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        numbers = np.asarray(pc.cast(array, pa.float64(), safe=False).to_numpy(zero_copy_only=False), dtype="float64")
        micros = _epoch(numbers, epoch_unit)
        blank = ~valid
    else:
        text = pd.Series(_text_of(array).to_numpy(zero_copy_only=False), dtype="string")
        blank = text.isna().to_numpy(dtype=bool)
        digits = text.str.fullmatch(_EPOCH).fillna(False).to_numpy(dtype=bool)
        aware = text.str.contains(_AWARE, regex=True).fillna(False).to_numpy(dtype=bool) & ~digits
        naive = ~blank & ~digits & ~aware
        micros = np.full(n, minimum, dtype=np.int64)
        if digits.any():
            numbers = pd.to_numeric(text[digits], errors="coerce").astype("float64").to_numpy()
            micros[digits] = _epoch(numbers, epoch_unit)
        if aware.any():
            micros[aware] = _micros(pd.to_datetime(text[aware], errors="coerce", utc=True, format="ISO8601"))
        if naive.any():
            parsed = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
            micros[naive] = _micros(parsed.dt.tz_localize(ZONE, nonexistent="NaT", ambiguous="NaT"))
    unknown = (micros < _MIN_TIME) | (micros >= _MAX_TIME)
    bad = ~blank & unknown
    return pa.array(np.where(unknown, 0, micros), pa.int64(), mask=unknown), bad


def _micros(stamps: pd.Series) -> np.ndarray:
    """Microseconds since the epoch of zone-aware timestamps (NaT → the int64 minimum)."""
    utc = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    out = utc.astype("datetime64[us]").to_numpy().astype("int64")
    return np.where(utc.isna().to_numpy(), np.iinfo(np.int64).min, out)


def _epoch(values: np.ndarray, unit: str) -> np.ndarray:
    """Microseconds of Unix times (seconds, or milliseconds from 10^11 on); outside 10^8-10^14 → the int64 minimum."""
    ok = np.isfinite(values) & (values >= 1e8) & (values < 1e14)
    safe = np.where(ok, values, 0.0)
    scale = np.where(safe >= 1e11, 1_000.0, 1_000_000.0 if unit == "s" else 1_000.0)
    return np.where(ok, np.rint(safe * scale), np.iinfo(np.int64).min).astype(np.int64)
