"""Reading after-sales logs: the simkit event log and the platforms' export shapes.

One layer beneath the audit (`simkit.compliance`) and calibration (`simkit.calibrate`): a log
file (CSV, Parquet, JSON Lines; simkit, Taobao or WeChat shape) is read in chunks of canonical
rows (`reader`, `normalise`, `format`) and grouped into per-order case logs (`orderlog`,
`orders`), so that both read the same `OrderLog`s. The other way round, `export` writes a
simulated run's log in those shapes, and `facts` reads a shop's orders file (its order facts).
"""

from simkit.logs.export import SHAPES, export_tables, write_export
from simkit.logs.facts import read_order_facts
from simkit.logs.format import FIELDS, PRESETS, Preset, parse_maps
from simkit.logs.orderlog import CaseLog, Ev, Facts, OrderLog
from simkit.logs.orders import LogOrders, canonical_events, orders_in

__all__ = [
    "FIELDS",
    "PRESETS",
    "SHAPES",
    "CaseLog",
    "Ev",
    "Facts",
    "LogOrders",
    "OrderLog",
    "Preset",
    "canonical_events",
    "export_tables",
    "orders_in",
    "parse_maps",
    "read_order_facts",
    "write_export",
]
