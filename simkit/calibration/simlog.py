"""One simulated replication read back as a log: the twin's run in the same shape as the shop's export.

Validation compares a twin with a real log by computing both sides with the same functions on
the same shape. A replication is run with the memory recorder, its events and order facts
are put into the log's shape (`simkit.logs.export.export_log` when that shape is a
platform export) and read back into `OrderLog`s exactly as a log file would be (in memory).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simkit.events import MemoryRecorder
from simkit.logs.memory import exported_rows
from simkit.logs.orderlog import OrderLog
from simkit.logs.orders import canonical_events, orders_in
from simkit.metrics import Counters
from simkit.scenario.loader import Scenario
from simkit.sim.facts import local_naive, order_facts
from simkit.sim.model import Model


@dataclass
class SimulatedLog:
    """One replication: its orders with a case as a log shows them, the simulation's own counters,
    and every paid order's facts (read back from the exported order file for a platform shape)."""

    orders: list[OrderLog]
    counters: Counters
    period: tuple[dt.datetime, dt.datetime]
    facts: pd.DataFrame | None = None


def simulate_log(
    scenario: Scenario, *, seed: int, replication: int, shape: str = "simkit", cases_only: bool = False
) -> SimulatedLog:
    """Run one replication and read its log back in `shape` (``simkit``, ``taobao``, ``wechat``).

    In the simkit shape every order is an `OrderLog`, as a log file is read. With `cases_only`,
    only the orders with a case are (much quicker), and every order's facts are in
    `SimulatedLog.facts`: `observed_kpis(..., facts=...)` gives the same KPIs from them.
    """
    recorder = MemoryRecorder()
    run_id = f"{scenario.id}-s{seed}-r{replication}"
    model = Model(scenario, seed, replication, recorder, run_id)
    counters = model.run()
    events, facts = recorder.table(), order_facts(model)
    start = local_naive(scenario.start)
    period = (start, start + dt.timedelta(hours=scenario.spec.orders.window or scenario.spec.scenario.horizon))
    if shape == "simkit" and not cases_only:
        table, _, _ = canonical_events(events, facts=facts, source=run_id)
        return SimulatedLog(list(orders_in(table, "simkit")), counters, period)
    if shape == "simkit":
        return _simkit(events, model, run_id, counters, period)
    orders = _exported(events.to_pandas(), facts, shape)
    return SimulatedLog(orders, counters, period, platform_facts(model))


def _simkit(
    events: pa.Table, model: Model, run_id: str, counters: Counters, period: tuple[dt.datetime, dt.datetime]
) -> SimulatedLog:
    """The simkit shape, read as whole orders only for the orders with a case; every order's facts as a table.

    An order without a case shows only its payment, shipment and delivery, which the order facts
    hold (`simkit.sim.facts.order_facts`, its times as the log shows them: a shipment after the
    horizon is not in the log); `observed_kpis` reads them from the table, which is much quicker
    than building one `OrderLog` per order and gives the same KPIs.
    """
    facts = order_facts(model, times=True)
    horizon = pd.Timestamp(local_naive(model.start)).tz_localize("Asia/Shanghai") + pd.Timedelta(
        hours=model.spec.scenario.horizon
    )
    facts["shipped_at"] = facts["shipped_at"].mask(facts["shipped_at"] > horizon)
    with_case = pc.greater(events.column("case_no"), 0)
    orders = pc.unique(pc.filter(events.column("order_id"), with_case))
    rows = events.filter(pc.is_in(events.column("order_id"), value_set=orders))
    table, _, _ = canonical_events(rows, facts=facts.drop(columns=["shipped_at", "delivered_at"]), source=run_id)
    return SimulatedLog(
        list(orders_in(table, "simkit")), counters, period, facts.assign(order_id=facts["order_id"].astype(str))
    )


def _exported(events: pd.DataFrame, facts: pd.DataFrame, shape: str) -> list[OrderLog]:
    """The run's after-sale log in a platform's export shape, read back as that shape's log is read.

    The export's after-sale file is built (`simkit.logs.export.export_log`) and read in memory as
    the reader reads it from disk (`simkit.logs.memory.exported_rows`); the order file is not
    built: `platform_facts` gives what it would read back.
    """
    from simkit.logs.export import export_log

    name, table = export_log(events, facts, shape)
    rows, _ = exported_rows(name, table, shape)
    return list(orders_in(rows, shape))


PLATFORM_ID_BASE = 10**9
"""`simkit.logs.export` numbers a run's orders ``(run index + 1) × 10⁹ + order id``."""


def platform_facts(model: Model) -> pd.DataFrame:
    """A one-run export's order facts as `read_order_facts` reads them back from its order file.

    The order file (trade report, order list) holds each order's id in the platform's numbering,
    and its payment and shipment times to the second; reading it back costs more than the rest of
    a replication, so the same table is built from the model's order book (a test holds the two
    equal).
    """
    facts = order_facts(model, times=True)
    out = pd.DataFrame(
        {
            "order_id": (facts["order_id"] + PLATFORM_ID_BASE).astype(str),
            "paid_at": facts["paid_at"].dt.floor("s"),
            "shipped_at": facts["shipped_at"].dt.floor("s"),
            "channel": facts["channel"],
            "presale_ship_by": pd.to_datetime(facts["presale_ship_by"]).dt.tz_localize("Asia/Shanghai").dt.floor("s"),
        }
    )
    horizon = pd.Timestamp(local_naive(model.start)).tz_localize("Asia/Shanghai") + pd.Timedelta(
        hours=model.spec.scenario.horizon
    )
    out["shipped_at"] = out["shipped_at"].mask(out["shipped_at"] > horizon)
    return out
