"""Read a shop's order facts: the orders file a platform's merchants can export beside their refunds.

* ``taobao`` — the trade report (``trades.csv``, or the same columns as JSON Lines): ``tid``,
  ``pay_time``, ``payment`` (or ``total_fee``) in CNY, ``consign_time``, and the shop's own
  ``category``, ``channel``, ``free_shipping``, ``presale_ship_by``.
* ``wechat`` — the order list (``orders.jsonl``, one ``order/get`` object per line, or a CSV with
  the dotted names): ``order_id``, ``order_detail.pay_info.pay_time`` (Unix seconds),
  ``order_detail.price_info.order_price`` (fen), ``order_detail.delivery_info.ship_done_time``, and
  the shop's own ``category``, ``channel``, ``free_shipping``, ``presale_ship_by``.
* ``simkit`` — an event log (``events.csv``, or any log `simkit audit` reads): the facts of each
  order as the audit reads them (the ``pay`` row's facts, the ``ship`` and ``deliver`` times).

Times are read as the audit reads them (ISO 8601 with or without an offset, China local time
without one, or Unix seconds / milliseconds). A row without an order id or a payment time, or
that is no row at all (wrong number of fields, not JSON, an empty line), is reported with its
line and left out; a bad optional value is reported and read as unknown (`Problem`). A file that
cannot be read at all, or lacks a required column, raises `LogError`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simkit.errors import LogError, Problem, UsageError, shorten
from simkit.logs.factrows import csv_rows, json_rows
from simkit.logs.format import CHANNELS
from simkit.logs.lines import (
    columns_text,
    not_a_file,
)

ZONE = "Asia/Shanghai"

COLUMNS = (
    "run_id",
    "order_id",
    "paid_at",
    "price",
    "category",
    "channel",
    "free_shipping",
    "shipped_at",
    "delivered_at",
    "presale_ship_by",
)
"""The columns of `read_order_facts`'s table."""

SOURCES: dict[str, dict[str, tuple[str, ...]]] = {
    "taobao": {
        "order_id": ("tid",),
        "paid_at": ("pay_time",),
        "price": ("payment", "total_fee"),
        "category": ("category",),
        "channel": ("channel",),
        "free_shipping": ("free_shipping",),
        "shipped_at": ("consign_time",),
        "delivered_at": ("delivered_at",),
        "presale_ship_by": ("presale_ship_by",),
    },
    "wechat": {
        "order_id": ("order_id",),
        "paid_at": ("order_detail.pay_info.pay_time",),
        "price": ("order_detail.price_info.order_price",),
        "category": ("category",),
        "channel": ("channel",),
        "free_shipping": ("free_shipping",),
        "shipped_at": ("order_detail.delivery_info.ship_done_time",),
        "delivered_at": ("delivered_at",),
        "presale_ship_by": ("presale_ship_by",),
    },
}
"""Per shape, each fact's columns (the first present wins)."""

PRICE_SCALE = {"taobao": 1.0, "wechat": 0.01}
"""Taobao amounts are CNY, WeChat's fen."""

_TIMES = ("paid_at", "shipped_at", "delivered_at", "presale_ship_by")
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})
_PLAIN_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
"""A local time as the platforms' files write it (Taobao's ``YYYY-MM-DD HH:MM:SS``)."""
_EARLIEST = pd.Timestamp("1970-01-01", tz="UTC")
_END = pd.Timestamp("2200-01-01", tz="UTC")
"""Times are read from 1970 up to 2200, as the audit reads them (an int64 time of 10^18 is no time)."""


def read_order_facts(
    path: str | Path,
    shape: str,
    *,
    problems: list[Problem] | None = None,
    categories: Collection[str] | None = None,
) -> pd.DataFrame:
    """A shop's order facts, one row per order.

    Args:
        path: The orders file (``.csv`` or ``.jsonl``; for ``simkit``, any log `simkit audit` reads).
        shape: ``taobao``, ``wechat`` or ``simkit``.
        problems: When given, malformed rows are appended to it (each with its line); the
            result holds the rest. When None, any malformed row raises `LogError`.
        categories: When given, the categories known (a policy's): any other is reported and read as unknown.

    Returns:
        ``run_id`` (the simkit shape's run; "" for the platforms' files), ``order_id`` (str),
        ``paid_at`` (datetime64[ns, Asia/Shanghai]), ``price`` (float, CNY),
        ``category``, ``channel`` (str or None), ``free_shipping`` (boolean, NA when unknown),
        ``shipped_at``, ``delivered_at``, ``presale_ship_by`` (NaT when unknown).

    Raises:
        UsageError: On an unknown shape.
        LogError: When the file cannot be read or lacks a required column, or (without
            `problems`) has malformed rows.
    """
    if shape not in ("taobao", "wechat", "simkit"):
        raise UsageError.at("<cli>", 0, "--format", f"unknown format {shape!r}; use one of simkit, taobao, wechat")
    found: list[Problem] = []
    if shape == "simkit":
        frame, column = _from_log(path, found)
    else:
        frame, column = _from_orders(Path(path), shape, found)
    if categories is not None:
        _known_categories(frame, categories, str(path), column, found)
    frame = frame.drop(columns="_line")
    if problems is None and found:
        raise LogError(found)
    if problems is not None:
        problems += found
    return frame


def _known_categories(
    frame: pd.DataFrame, categories: Collection[str], file: str, column: str, problems: list[Problem]
) -> None:
    """A category outside `categories` reported (on the line it was read from) and read as unknown, in place."""
    unknown = frame["category"].notna() & ~frame["category"].isin(list(categories))
    if not unknown.any():
        return
    known = ", ".join(sorted(categories))
    for line, value in frame.loc[unknown, ["_line", "category"]].itertuples(index=False):
        problems.append(Problem(file, int(line), column, unknown_category(value, known)))
    problems.sort(key=lambda problem: problem.line)
    frame.loc[unknown, "category"] = None


def unknown_category(value: Any, known: str) -> str:
    """The message for a category the policy does not know."""
    return f"unknown category {shorten(value)} (categories of the policy: {known}): read as unknown"


def _from_orders(path: Path, shape: str, problems: list[Problem]) -> tuple[pd.DataFrame, str]:
    """The facts in a platform's orders file (CSV or JSON Lines), with ``_line`` (each row's line), and the
    category's column; bad rows go to `problems`."""
    file = str(path)
    unreadable = not_a_file(path)
    if unreadable:
        raise LogError(Problem(file, 0, "", unreadable))
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise LogError(Problem(file, 0, "", f"unknown orders file type {suffix!r}: use .csv or .jsonl"))
    if path.stat().st_size == 0:
        raise LogError(Problem(file, 1, "", "the file is empty: no header, no rows"))
    columns: list[str] = []  # a CSV file's header
    rows = list(csv_rows(path, problems, columns) if suffix == ".csv" else json_rows(path, problems))
    header: list[str] = list(dict.fromkeys([*columns, *(k for _, row in rows for k in row)]))
    sources = SOURCES[shape]
    chosen: dict[str, str] = {}
    for name, candidates in sources.items():
        present = [c for c in candidates if c in header]
        if present:
            chosen[name] = present[0]
    for name in ("order_id", "paid_at"):
        if name not in chosen and (rows or suffix == ".csv"):
            wanted = sources[name][0]
            raise LogError(
                Problem(
                    file,
                    1,
                    wanted,
                    f"required column missing for {shape} order facts; columns: {columns_text(header)}",
                )
            )
    out: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    lines: list[int] = []
    known = _known_times(rows, chosen)
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, row in rows:
        values, bad, lacking, unreported = _facts_row(row, chosen, PRICE_SCALE[shape], known)
        for column, message in bad:
            problems.append(Problem(file, line, column, message))
        for column in unreported:
            problems.append(Problem(file, line, column, "required value is missing"))
        if lacking:
            continue
        order = str(values["order_id"])
        if order in seen:  # one row per order: a second one is reported and left out
            first, facts = seen[order]
            same = all(facts.get(name) == values.get(name) for name in COLUMNS)
            what = (
                f"duplicate of line {first} (counted once)"
                if same
                else (f"the order again, with other facts than on line {first}: left out (line {first} is used)")
            )
            problems.append(Problem(file, line, chosen["order_id"], what))
            continue
        seen[order] = (line, values)
        for name in out:
            out[name].append(values.get(name))
        lines.append(line)
    problems.sort(key=lambda problem: problem.line)  # stable: a line's problems keep their order
    return _frame(out).assign(_line=lines), chosen.get("category", "category")


def _known_times(rows: list[tuple[int, dict[str, Any]]], chosen: dict[str, str]) -> dict[Any, pd.Timestamp]:
    """The file's plain times parsed at once, as `parse_time` parses each: raw value → time.

    Plain local texts (``YYYY-MM-DD HH:MM:SS``) and whole Unix seconds; a value parsed here is
    the time `parse_time` gives it (`tests/logs/test_facts.py`), any other is left to it.
    """
    texts: set[str] = set()
    seconds: set[int] = set()
    for name, column in chosen.items():
        if name not in _TIMES:
            continue
        for _, row in rows:
            raw = row.get(column)
            if type(raw) is str and _PLAIN_TIME.fullmatch(raw):
                texts.add(raw)
            elif type(raw) is int and 10**8 <= raw < 10**11:  # 1973 to 5138: within the years read
                seconds.add(raw)
    known: dict[Any, pd.Timestamp] = {}
    if texts:
        ordered = sorted(texts)
        naive = pd.DatetimeIndex(pd.to_datetime(ordered, format="%Y-%m-%d %H:%M:%S", errors="coerce"))
        local = naive.tz_localize(ZONE, ambiguous="NaT", nonexistent="NaT")
        known.update((text, stamp) for text, stamp in zip(ordered, local, strict=True) if _in_range(stamp))
    if seconds:
        whole = sorted(seconds)
        stamps = pd.DatetimeIndex(pd.to_datetime(np.asarray(whole, dtype=np.int64), unit="s", utc=True)).tz_convert(
            ZONE
        )
        known.update((raw, stamp) for raw, stamp in zip(whole, stamps, strict=True) if _in_range(stamp))
    return known


def _in_range(stamp: Any) -> bool:
    """A time the audit reads: known, from 1970 up to 2200."""
    return not pd.isna(stamp) and _EARLIEST <= stamp < _END


def _facts_row(
    row: dict[str, Any], chosen: dict[str, str], scale: float, known: Mapping[Any, pd.Timestamp]
) -> tuple[dict[str, Any], list[tuple[str, str]], list[str], list[str]]:
    """One row's facts, its bad values (column, message), the required facts it lacks, and the
    columns of those not reported already as bad values (`known`: times parsed already)."""
    values: dict[str, Any] = {}
    bad: list[tuple[str, str]] = []
    for name, column in chosen.items():
        raw = row.get(column)
        text = "" if raw is None else str(raw).strip()
        if text == "":
            continue
        if name in _TIMES:
            parsed = known.get(raw) if type(raw) in (str, int) else None
            parsed = parse_time(raw) if parsed is None else parsed
            if parsed is None:
                bad.append((column, f"not a valid time: {shorten(raw)}"))
            values[name] = parsed
        elif name == "price":
            number = _number(raw)
            if number is None:
                bad.append((column, f"not a valid number: {shorten(raw)}"))
            elif number < 0:
                bad.append((column, f"not a valid price: {number * scale!r} is negative"))
                number = None
            values[name] = None if number is None else round(number * scale, 2)
        elif name == "free_shipping":
            flag = _flag(raw)
            if flag is None:
                bad.append((column, f"not a valid bool: {shorten(raw)}"))
            values[name] = flag
        elif name == "channel" and text not in CHANNELS:
            bad.append((column, f"unknown channel {shorten(text)} (channels: {', '.join(sorted(CHANNELS))})"))
            values[name] = None
        else:
            values[name] = text
    failed = {column for column, _ in bad}
    required = [name for name in ("order_id", "paid_at") if values.get(name) is None]
    unreported = [chosen.get(name, name) for name in required if chosen.get(name, name) not in failed]
    return values, bad, required, unreported


def _frame(out: dict[str, list[Any]]) -> pd.DataFrame:
    """The columns gathered, as the result table with its dtypes."""
    frame = pd.DataFrame(
        {
            "run_id": pd.Series([v or "" for v in out["run_id"]], dtype=object),
            "order_id": pd.Series(out["order_id"], dtype=object),
            "paid_at": _stamps(out["paid_at"]),
            "price": pd.Series([np.nan if v is None else v for v in out["price"]], dtype="float64"),
            "category": pd.Series(out["category"], dtype=object),
            "channel": pd.Series(out["channel"], dtype=object),
            "free_shipping": pd.Series(out["free_shipping"], dtype="boolean"),
            "shipped_at": _stamps(out["shipped_at"]),
            "delivered_at": _stamps(out["delivered_at"]),
            "presale_ship_by": _stamps(out["presale_ship_by"]),
        }
    )
    return frame


def _stamps(values: list[Any]) -> pd.Series:
    """Times (None when unknown) as a zone-aware Series in China time."""
    stamps = pd.Series([pd.NaT if v is None else v for v in values], dtype=object)
    return pd.Series(pd.to_datetime(stamps, utc=True)).dt.tz_convert(ZONE).astype(pd.DatetimeTZDtype("ns", ZONE))


def parse_time(value: Any) -> pd.Timestamp | None:
    """A time as the audit reads it: ISO 8601 (China local time without an offset) or a Unix time
    (seconds; milliseconds with 13 digits). None when it is no time."""
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    try:
        if isinstance(value, (int, float)) or text.replace(".", "", 1).isdigit():
            number = float(text)
            if not 1e8 <= number < 1e14:
                return None
            stamp = pd.Timestamp(number / (1000.0 if number >= 1e11 else 1.0), unit="s", tz="UTC").tz_convert(ZONE)
        else:
            stamp = pd.Timestamp(text)
            if not pd.isna(stamp):
                stamp = stamp.tz_localize(ZONE) if stamp.tzinfo is None else stamp.tz_convert(ZONE)
    except (ValueError, OverflowError):
        return None
    return stamp if _in_range(stamp) else None


def _number(value: Any) -> float | None:
    """A number, or None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if np.isfinite(number) else None


def _flag(value: Any) -> bool | None:
    """A boolean, or None."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _from_log(path: str | Path, problems: list[Problem]) -> tuple[pd.DataFrame, str]:
    """The facts of a simkit-shape log's orders, as the audit reads them, with ``_line`` (the category's
    line), and the category's column."""
    from simkit.logs.orders import LogOrders

    out: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    lines: list[int] = []

    def at(micros: int | None) -> pd.Timestamp | None:
        return None if micros is None else pd.Timestamp(micros, unit="us", tz="UTC").tz_convert(ZONE)

    with LogOrders(path, "simkit") as log:
        for order in log:
            f = order.facts
            if f.paid is None:
                continue
            out["run_id"].append(order.run_id)
            out["order_id"].append(order.order_id)
            out["paid_at"].append(at(f.paid))
            out["price"].append(f.price)
            out["category"].append(f.category)
            out["channel"].append(f.channel)
            out["free_shipping"].append(f.free_shipping)
            out["shipped_at"].append(at(f.shipped))
            out["delivered_at"].append(at(f.delivered))
            out["presale_ship_by"].append(at(f.presale_ship_by))
            lines.append(f.category_line)
        problems += log.problems
        column = log.column_of("category")
    return _frame(out).assign(_line=lines), column
