"""How the exports write values: CNY and fen, China local times, booleans, JSON objects from dotted columns."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from typing import Any, cast

import numpy as np
import pandas as pd

from simkit.events import TIME_ZONE

_CHINA_FIXED_SINCE = 694_195_200
"""1992-01-01 00:00 UTC: from then on China keeps UTC+8 all year (no daylight saving)."""


def is_missing(value: Any) -> bool:
    """Whether a value is unknown (None, NaN, NaT)."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def cny_text(value: Any) -> str:
    """CNY with two decimals."""
    return "" if is_missing(value) else f"{float(value):.2f}"


def fen(value: Any) -> int:
    """CNY as whole fen."""
    return round(float(value) * 100)


def bool_text(value: Any) -> str:
    """``true`` / ``false``; "" when unknown."""
    return "" if is_missing(value) else ("true" if bool(value) else "false")


def _china(seconds: Any, pattern: str) -> str:
    """Seconds since the epoch in China local time, formatted; "" when unknown."""
    if is_missing(seconds):
        return ""
    whole = int(seconds)
    if whole >= _CHINA_FIXED_SINCE:
        return time.strftime(pattern, time.gmtime(whole + 8 * 3600))
    return pd.Timestamp(whole, unit="s", tz="UTC").tz_convert(TIME_ZONE).strftime(pattern)


def local_time(seconds: Any) -> str:
    """Seconds since the epoch as China local time, ``YYYY-MM-DD HH:MM:SS`` (Taobao's format); "" when unknown."""
    return _china(seconds, "%Y-%m-%d %H:%M:%S")


def iso_time(seconds: Any) -> str:
    """Seconds since the epoch as ISO 8601 with the China offset; "" when unknown."""
    if is_missing(seconds):
        return ""
    whole = int(seconds)
    if whole >= _CHINA_FIXED_SINCE:
        return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(whole + 8 * 3600))
    return pd.Timestamp(whole, unit="s", tz="UTC").tz_convert(TIME_ZONE).isoformat()


def formatted(values: np.ndarray, format_one: Any) -> list[str]:
    """Each value formatted; repeated values are formatted once."""
    cache: dict[float, str] = {}
    out = []
    for value in values.tolist():
        text = cache.get(value)
        if text is None:
            text = cache[value] = format_one(value)
        out.append(text)
    return out


def naive_time_text(value: Any) -> str:
    """A naive China-local time as ``YYYY-MM-DD HH:MM:SS``; "" when unknown."""
    if is_missing(value) or pd.isna(value):
        return ""
    return pd.Timestamp(value).floor("s").strftime("%Y-%m-%d %H:%M:%S")


def naive_epoch(value: Any) -> int | None:
    """A naive China-local time as Unix seconds; None when unknown."""
    if is_missing(value) or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize(TIME_ZONE) if stamp.tzinfo is None else stamp
    return int(stamp.timestamp() // 1)


def book_rows(book: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a table as dicts keyed by column."""
    return cast(list[dict[str, Any]], book.to_dict("records"))


def same_row(a: Mapping[str, Any], b: Mapping[str, Any], *ignore: str) -> bool:
    """Whether two rows agree on every column but `ignore`."""
    return all(a[k] == b[k] for k in a if k not in ignore)


def json_records(table: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Each row as a dict of plain Python values (None for unknown)."""
    columns = list(table.columns)
    for values in table.itertuples(index=False, name=None):
        yield {c: _plain(v) for c, v in zip(columns, values, strict=True)}


def _plain(value: Any) -> Any:
    """A numpy or pandas scalar as a plain Python value (None for unknown); lists and dicts as they are."""
    if isinstance(value, (list, dict)):
        return value
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def nest(row: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys as nested objects; keys whose value is None are left out."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out
