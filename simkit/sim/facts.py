"""The order facts of a finished run: what the order book knows that the event log does not carry.

The simulation's log records steps, not the facts a rule needs (category, price, shipping
terms, channel). They come from the model's order book, drawn again from the run's seed (a
run keeps only the orders in flight): the audit of a simulated run
(`simkit.compliance.simulate`), `simkit.run(...).facts` and the exports
(`simkit.logs.export`) all take them from here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from simkit.events import TIME_ZONE
from simkit.sim.draws import CHANNELS
from simkit.sim.state import Simulation


def local_naive(moment: dt.datetime) -> dt.datetime:
    """China local time without a zone (a naive time already is)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(TIME_ZONE)).replace(tzinfo=None)


def order_facts(model: Simulation, *, times: bool = False) -> pd.DataFrame:
    """The facts of every order of a finished run.

    Args:
        model: The model after `Simulation.run`.
        times: Also give ``paid_at``, ``shipped_at`` and ``delivered_at`` (zone-aware, Asia/Shanghai;
            NaT when the order never shipped or never arrived).

    Returns:
        One row per order: ``order_id``, ``category``, ``price`` (CNY), ``free_shipping``,
        ``channel``, ``presale_ship_by`` (naive China local time; NaT unless presale), and the times.
    """
    book = model.order_book()
    start = pd.Timestamp(local_naive(model.start))
    channels = [CHANNELS[i] for i in book.channel.tolist()]
    presale_after = model.spec.orders.presale_ship_after
    presale = np.array([case == "presale" for case in channels], dtype=bool)
    ship_by = pd.Series(start + pd.to_timedelta(book.paid + presale_after, unit="h"))
    facts = pd.DataFrame(
        {
            "order_id": np.arange(book.n, dtype=np.int64),
            "category": [book.categories[i] for i in book.category.tolist()],
            "price": book.price,
            "free_shipping": book.free.astype(bool),
            "channel": channels,
            "presale_ship_by": ship_by.mask(~presale),
        }
    )
    if times:
        local = start.tz_localize(TIME_ZONE)
        for name, hours in (("paid_at", book.paid), ("shipped_at", book.ship), ("delivered_at", book.deliver)):
            facts[name] = (local + pd.to_timedelta(hours, unit="h")).round("us")
    return facts
