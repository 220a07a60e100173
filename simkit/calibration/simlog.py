"""One simulated replication read back as a log: the twin's run in the same shape as the shop's export.

Validation compares a twin with a real log by computing both sides with the same functions on
the same shape. A replication is run with the memory recorder, its events and order facts
are put into the log's shape (`simkit.logs.export.export_tables` when that shape is a
platform export) and read back into `OrderLog`s exactly as a log file would be.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simkit.events import MemoryRecorder
from simkit.logs.orderlog import OrderLog
from simkit.logs.orders import LogOrders, canonical_events, orders_in
from simkit.metrics import Counters
from simkit.scenario.loader import Scenario
from simkit.sim.facts import local_naive, order_facts
from simkit.sim.model import Model


@dataclass
class SimulatedLog:
    """One replication: its orders as a log shows them, the simulation's own counters, and (for a
    platform shape) the order facts read back from the exported order file."""

    orders: list[OrderLog]
    counters: Counters
    period: tuple[dt.datetime, dt.datetime]
    facts: pd.DataFrame | None = None


def simulate_log(scenario: Scenario, *, seed: int, replication: int, shape: str = "simkit") -> SimulatedLog:
    """Run one replication and read its log back in `shape` (``simkit``, ``taobao``, ``wechat``)."""
    recorder = MemoryRecorder()
    run_id = f"{scenario.id}-s{seed}-r{replication}"
    model = Model(scenario, seed, replication, recorder, run_id)
    counters = model.run()
    events, facts = recorder.table(), order_facts(model)
    start = local_naive(scenario.start)
    period = (start, start + dt.timedelta(hours=scenario.spec.orders.window or scenario.spec.scenario.horizon))
    if shape == "simkit":
        table, _, _ = canonical_events(events, facts=facts, source=run_id)
        return SimulatedLog(list(orders_in(table, "simkit")), counters, period)
    orders, read_facts = _exported(events.to_pandas(), facts, shape)
    return SimulatedLog(orders, counters, period, read_facts)


FILES = {"taobao": ("refunds.csv", "trades.csv"), "wechat": ("aftersale_orders.jsonl", "orders.jsonl")}
"""A platform shape's after-sale log and order file, as `simkit.logs.export` writes them."""


def _exported(events: pd.DataFrame, facts: pd.DataFrame, shape: str) -> tuple[list[OrderLog], pd.DataFrame]:
    """The run written in a platform's export shape and read back as that shape's log and order facts."""
    from simkit.logs.export import write_export
    from simkit.logs.facts import read_order_facts

    log_name, orders_name = FILES[shape]
    with tempfile.TemporaryDirectory(prefix="simkit-twin-") as tmp:
        write_export(events, facts, shape, tmp)
        with LogOrders(Path(tmp) / log_name, shape) as log:
            orders = list(log)
        return orders, read_order_facts(Path(tmp) / orders_name, shape)
