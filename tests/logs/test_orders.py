"""The shared log layer: a log file read as whole orders, the same for the audit and calibration.

Expected values are read off the example log's rows (scenarios/examples/tmall_shop_log.csv,
lines 9-15 for order 2), not from the reader.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from simkit.logs import LogOrders, canonical_events

ROOT = Path(__file__).resolve().parents[2]
SHOP_LOG = ROOT / "scenarios" / "examples" / "tmall_shop_log.csv"
CHINA = dt.timezone(dt.timedelta(hours=8))


def _micros(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp() * 1_000_000)


def test_order_two_as_the_audit_and_calibration_read_it():
    with LogOrders(SHOP_LOG, "simkit") as log:
        orders = {order.order_id: order for order in log}
    order = orders["2"]
    assert (order.facts.category, order.facts.price, order.facts.channel) == ("apparel", 200.0, "normal")
    assert order.facts.paid == _micros("2026-03-02T11:00:00+08:00")
    assert order.facts.delivered == _micros("2026-03-05T11:00:00+08:00")
    assert [ev.activity for ev in order.lifecycle] == ["pay", "ship", "deliver", "confirm_receipt"]
    assert [(case.case_id, case.kind, case.reason) for case in order.cases] == [
        ("O2-1", "return_refund", "changed_mind")
    ]
    assert [(ev.line, ev.activity, ev.status) for ev in order.cases[0].events] == [
        (13, "request", "WAIT_SELLER_AGREE"),
        (14, "refuse", "SELLER_REFUSE_BUYER"),
        (15, "cancel", "CLOSED"),
    ]
    assert len(orders) == 14
    assert log.rows == 117
    assert sorted(p.line for p in log.problems) == [116, 117, 118]


def test_partitions_hold_whole_orders():
    """Spilled to several partitions, every order still arrives whole and once."""
    with LogOrders(SHOP_LOG, "simkit") as small:
        whole = {o.order_id: [e.line for c in o.cases for e in c.events] for o in small}
    with LogOrders(SHOP_LOG, "simkit", partition_rows=10, batch_rows=7) as spilled:
        parts = [o for o in spilled]
    assert sorted(o.order_id for o in parts) == sorted(whole)
    assert {o.order_id: [e.line for c in o.cases for e in c.events] for o in parts} == whole


def test_reading_before_entering_is_refused():
    log = LogOrders(SHOP_LOG, "simkit")
    with pytest.raises(RuntimeError, match="must be entered"):
        list(log)


def test_events_in_memory_become_canonical_rows():
    events = pd.read_csv(SHOP_LOG, dtype=str, keep_default_na=False).head(7)
    table, problems, rows = canonical_events(events, source="<memory>")
    assert (table.num_rows, problems, rows) == (7, [], 7)
    assert table.column("activity").to_pylist() == [
        "pay",
        "ship",
        "deliver",
        "close_trade",
        "request",
        "auto_agree",
        "refund",
    ]
