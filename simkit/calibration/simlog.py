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

from simkit.compliance.simulate import local_naive, order_facts
from simkit.events import MemoryRecorder
from simkit.logs.orderlog import OrderLog
from simkit.logs.orders import LogOrders, canonical_events, orders_in
from simkit.metrics import Counters
from simkit.scenario.loader import Scenario
from simkit.sim.model import Model


@dataclass
class SimulatedLog:
    """One replication: its orders as a log shows them, and the simulation's own counters."""

    orders: list[OrderLog]
    counters: Counters
    period: tuple[dt.datetime, dt.datetime]


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
    return SimulatedLog(_exported(events.to_pandas(), facts, shape, model), counters, period)


def _exported(events: pd.DataFrame, facts: pd.DataFrame, shape: str, model: Model) -> list[OrderLog]:
    """The run written in a platform's export shape and read back as that shape's log."""
    from simkit.logs.export import export_tables  # export15's exporter

    facts = facts.assign(paid_at=_paid_at(events, facts))
    tables = export_tables(events, facts, shape)
    log_name = {"taobao": "refunds.csv", "wechat": "aftersale_orders.jsonl"}[shape]
    with tempfile.TemporaryDirectory(prefix="simkit-twin-") as tmp:
        path = Path(tmp) / log_name
        frame = tables[log_name]
        if log_name.endswith(".csv"):
            frame.to_csv(path, index=False)
        else:
            frame.to_json(path, orient="records", lines=True, force_ascii=False)
        with LogOrders(path, shape) as log:
            return list(log)


def _paid_at(events: pd.DataFrame, facts: pd.DataFrame) -> pd.Series:
    pays = events[events["concept:name"] == "pay"].set_index("order_id")["time:timestamp"]
    return facts["order_id"].map(pays)
