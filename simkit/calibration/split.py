"""Splitting a log in time, and joining an order file's facts onto it.

Orders count by their payment (else their first request); the training part ends at a China-local
midnight; an order file (`simkit.logs.facts.read_order_facts`) gives the paid orders and the facts the
after-sale records lack.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from simkit.calibration.observe import US_PER_HOUR
from simkit.logs.orderlog import OrderLog


def facts_frame(facts: pd.DataFrame) -> pd.DataFrame:
    """The order file's facts as the observations' order table (times in hours since the epoch)."""

    def h(col: str) -> Any:
        if col not in facts:
            return np.nan
        values = pd.to_datetime(facts[col])
        return (values.astype("int64") / 1e9 / 3600.0).where(values.notna())

    return pd.DataFrame(
        {
            "order_id": facts["order_id"].astype(str),
            "paid": h("paid_at"),
            "category": facts.get("category"),
            "price": facts.get("price"),
            "channel": facts.get("channel"),
            "free_shipping": facts.get("free_shipping"),
            "shipped": h("shipped_at"),
            "delivered": h("delivered_at"),
            "lifecycle": True,
        }
    )


def with_facts(requests: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """Requests with their orders' facts from the order file (where the log itself lacks them)."""
    if not len(requests):
        return requests
    book = orders.drop_duplicates("order_id").set_index("order_id")
    ids = requests["order_id"].astype(str)
    out = requests.copy()
    for column in ("category", "price", "paid", "delivered"):
        known = ids.map(book[column])
        out[column] = out[column].where(out[column].notna(), known)
    shipped = ids.map(book["shipped"]).astype(float)
    seen = shipped.notna() | ids.isin(book.index)
    changed = (out["reason"] == "changed_mind") & (out["kind"] == "refund_only")
    unshipped = shipped.isna() | (out["requested"] < shipped)
    out["unshipped"] = np.where(seen, unshipped, changed)
    return out


def order_time(o: OrderLog) -> float:
    """When an order counts for the split: its payment, else its first request (hours since the epoch)."""
    if o.facts.paid is not None:
        return o.facts.paid / US_PER_HOUR
    times = [ev.time for c in o.cases for ev in c.events if ev.activity == "request" and ev.time is not None]
    return min(times) / US_PER_HOUR if times else math.inf


def order_times(orders: list[OrderLog], facts: pd.DataFrame | None) -> np.ndarray:
    """Every order's time for the split: the order file's payments when it has them, else the log's."""
    if facts is not None and "paid_at" in facts and facts["paid_at"].notna().any():
        paid = pd.to_datetime(facts["paid_at"]).dropna()
        out: np.ndarray = np.asarray(paid.astype("int64") / 1e9 / 3600.0, dtype=float)
        return out
    times = np.array([order_time(o) for o in orders], dtype=float)
    finite: np.ndarray = times[np.isfinite(times)]
    return finite


def midnight(h: float) -> float:
    """The China-local midnight at or before `h` (hours since the epoch)."""
    return math.floor((h + 8.0) / 24.0) * 24.0 - 8.0


def hours_of(t: dt.datetime) -> float:
    """A moment (China time when naive) in hours since the epoch."""
    from simkit.rules.decision import china_time

    return china_time(t).timestamp() / 3600.0
