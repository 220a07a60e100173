"""A simulated run's log in the shapes the platforms export, and the audit reads (docs/log-format.md, "Exports").

Three shapes (`SHAPES`):

* ``simkit`` — ``events.csv``: one row per event, the order facts on each order's ``pay`` row.
* ``taobao`` — ``refunds.csv``: Taobao refund records (the open platform's Refund model), one
  row per change of a record, as a poller or a subscriber to refund messages stores them; and
  ``trades.csv``: the trade report, one row per order.
* ``wechat`` — ``aftersale_orders.jsonl``: WeChat store after-sale orders (``getaftersaleorder``),
  one object per change; and ``orders.jsonl``: the order list (``order/get``), one object per order.

A snapshot shape holds the refund records only: refund-only and return-and-refund cases that
reached a request. Exchanges, repairs, compensation claims and rule complaints are not refund
records on Taobao (exchanges are ``tmall.exchange`` orders of their own) and are left out of
both platform shapes (WeChat's after-sale statuses name no reshipping states, so an exchange
cannot be written in documented statuses). Each record's status follows from the steps of the
case (`simkit.logs.records.Walk`), mapped to the platform's documented statuses (`simkit.sim.statuses`), so a run
of either platform's policy can be written in either shape.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simkit.errors import UsageError
from simkit.events import COLUMNS
from simkit.logs.encode import bool_text, cny_text, formatted, is_missing, iso_time, json_records, naive_time_text, nest
from simkit.logs.export_taobao import taobao_refunds, taobao_trades
from simkit.logs.export_wechat import wechat_aftersales, wechat_orders
from simkit.logs.records import epoch_seconds, order_book, sort_events, walk_records
from simkit.outputs import output_set, write_file

SHAPES = ("simkit", "taobao", "wechat")
"""The export shapes."""


FILES = {
    "simkit": ("events.csv",),
    "taobao": ("refunds.csv", "trades.csv"),
    "wechat": ("aftersale_orders.jsonl", "orders.jsonl"),
}
"""The files of each shape."""


_FACTS = ("category", "price", "channel", "free_shipping", "paid_at", "presale_ship_by")
"""Order facts written on each order's ``pay`` row in the simkit shape."""


def export_tables(events: pd.DataFrame, facts: pd.DataFrame, shape: str) -> dict[str, pd.DataFrame]:
    """A simulated run's log in an export shape: file name → rows.

    Args:
        events: The event log (``simkit.run(..., recorder="memory").events``; several runs may be in it).
        facts: The order facts (``RunResult.facts``, or `simkit.sim.facts.order_facts` of one run):
            ``order_id`` and any of category, price, channel, free_shipping, presale_ship_by; with
            ``run_id`` when the events hold several runs.
        shape: ``simkit``, ``taobao`` or ``wechat``.

    Returns:
        simkit: ``events.csv``. taobao: ``refunds.csv`` and ``trades.csv``. wechat:
        ``aftersale_orders.jsonl`` and ``orders.jsonl`` (columns with dotted names are nested
        objects in the file, e.g. ``refund_info.amount``).

    Raises:
        UsageError: On an unknown shape, or facts that do not say which run they belong to.
    """
    return _tables(events, facts, shape, with_orders=True)


def export_log(events: pd.DataFrame, facts: pd.DataFrame, shape: str) -> tuple[str, pd.DataFrame]:
    """The after-sale log of `export_tables` alone (its first file), without the order file.

    Returns:
        The file's name and its rows, equal to ``export_tables(...)[name]``.

    Raises:
        UsageError: As `export_tables`.
    """
    name, table = next(iter(_tables(events, facts, shape, with_orders=False).items()))
    return name, table


def _tables(events: pd.DataFrame, facts: pd.DataFrame, shape: str, *, with_orders: bool) -> dict[str, pd.DataFrame]:
    """The shape's files, the after-sale log first; the order file only `with_orders`."""
    if shape not in SHAPES:
        raise UsageError.at("<python>", 0, "shape", f"unknown export shape {shape!r}; use one of {', '.join(SHAPES)}")
    events = sort_events(events)
    book = order_book(events, facts)
    if shape == "simkit":
        return {"events.csv": _simkit_events(events, book)}
    records = list(walk_records(events, book))
    if shape == "taobao":
        out = {"refunds.csv": taobao_refunds(records, book)}
        return out | ({"trades.csv": taobao_trades(book)} if with_orders else {})
    wechat = {"aftersale_orders.jsonl": wechat_aftersales(records, book)}
    return wechat | ({"orders.jsonl": wechat_orders(book)} if with_orders else {})


def write_export(events: pd.DataFrame, facts: pd.DataFrame, shape: str, out_dir: str | Path) -> list[Path]:
    """Write `export_tables` into `out_dir`, as a set: all files or none (a previous set is replaced).

    Returns:
        The files written.

    Raises:
        UsageError: On an unknown shape, or when `out_dir` cannot be written.
    """
    tables = export_tables(events, facts, shape)
    target = Path(out_dir)
    with output_set(target, list(tables), option="out_dir") as staging:
        for name, table in tables.items():
            write_file(staging / name, render(name, table))
    return [target / name for name in tables]


def render(name: str, table: pd.DataFrame) -> bytes:
    """The bytes of one export file: CSV (UTF-8, header, ``\\n`` line ends) or JSON Lines (dotted columns nested)."""
    if name.endswith(".jsonl"):
        return "".join(json.dumps(nest(row), ensure_ascii=False) + "\n" for row in json_records(table)).encode("utf-8")
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


SIMKIT_COLUMNS = (*(name for name in COLUMNS if name not in ("merchant_id", "time_h")), *_FACTS)
"""Columns of ``events.csv``: the event log's (without the simulation's own ``merchant_id`` and
``time_h``), and the order facts on each order's ``pay`` row."""


def _simkit_events(events: pd.DataFrame, book: pd.DataFrame) -> pd.DataFrame:
    """The simkit shape: the event log's columns, and the order facts on each order's first ``pay`` row."""
    out = pd.DataFrame(
        {
            "run_id": events["run_id"],
            "case:concept:name": events["case:concept:name"],
            "order_id": events["order_id"].astype(np.int64),
            "case_no": events["case_no"].astype(np.int64),
            "time:timestamp": formatted(epoch_seconds(events["time:timestamp"]), iso_time),
            "actor": events["actor"],
            "concept:name": events["concept:name"],
            "status": events["status"],
            "cs_status": events["cs_status"].astype(np.int64),
            "kind": events["kind"],
            "reason": events["reason"],
            "amount": formatted(events["amount"].to_numpy(dtype=np.float64), cny_text),
            "rule": events["rule"],
        }
    )
    pay = np.flatnonzero(
        (events["concept:name"] == "pay").to_numpy() & ~events.duplicated(["_run", "order_id", "concept:name"])
    )
    keyed = book.set_index(["_run", "order_id"])
    index = pd.MultiIndex.from_arrays([events["_run"].to_numpy()[pay], events["order_id"].to_numpy()[pay]])
    facts = keyed.reindex(index)
    empty = pd.Series(None, index=facts.index, dtype=object)
    for name in _FACTS:
        values: list[Any]
        if name == "paid_at":
            values = formatted(facts["paid"].to_numpy(dtype=np.float64), iso_time)
        elif name == "price":
            values = formatted(facts["price"].to_numpy(dtype=np.float64), cny_text)
        elif name == "free_shipping":
            values = [bool_text(v) for v in facts.get(name, empty)]
        elif name == "presale_ship_by":
            values = [naive_time_text(v) for v in facts.get(name, empty)]
        else:
            values = ["" if is_missing(v) else str(v) for v in facts.get(name, empty)]
        column = np.full(len(events), "", dtype=object)
        column[pay] = values
        out[name] = column
    return out
