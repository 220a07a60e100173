"""The one flat event record, the recorder protocol, and the recorder that keeps nothing.

The model hands a recorder plain tuples (one per step, in `Event` field order) and, for
order timelines drawn in bulk, column blocks, and says when an order's rows are complete
(``settled``). The recorders that keep events (`MemoryRecorder`, `ParquetRecorder`, in
`simkit.recorders`, also importable from here) turn them into Arrow tables with pm4py-ready
column names: ``case:concept:name`` (the case id, unique per run), ``concept:name`` (the
activity) and ``time:timestamp`` (zone-aware, Asia/Shanghai).

Rows come out in (run, case, time, step) order: runs in the order they ran; within a run,
cases by order id and then case number (the order's own lifecycle, case 0, before its
after-sale cases 1, 2, …); within a case, by time; events at the same time keep the order
they were emitted in, which is causal. So a process-mining tool reads the raw file as it is.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import pyarrow as pa

if TYPE_CHECKING:
    from simkit.event_buffer import sort_index
    from simkit.recorders import MemoryRecorder, ParquetRecorder

__all__ = [
    "COLUMNS",
    "SCHEMA",
    "TIME_ZONE",
    "Block",
    "Event",
    "MemoryRecorder",
    "NullRecorder",
    "ParquetRecorder",
    "Recorder",
    "empty_frame",
    "sort_index",
]

_HOMES = {
    "MemoryRecorder": "simkit.recorders",
    "ParquetRecorder": "simkit.recorders",
    "sort_index": "simkit.event_buffer",
}
"""Names kept here for their users, imported from their modules on first use (PEP 562)."""

TIME_ZONE = "Asia/Shanghai"
"""The zone of ``time:timestamp``; a scenario's naive start is local time there."""


class Event(NamedTuple):
    """One step of one case, as the model emits it.

    In the log, the case id (``case:concept:name``) is ``<run_id>:O<order>`` for the order's
    own lifecycle (case number 0) and ``<run_id>:O<order>-<n>`` for its n-th after-sale case,
    e.g. ``tmall_baseline-s7-r0:O12-1``: unique across the replications of one file.
    ``time_h`` counts hours from the scenario's start. ``cs_status`` is Taobao's intervention
    status (0 when none).
    """

    order_id: int
    case_no: int
    merchant_id: int
    time_h: float
    actor: str
    activity: str
    status: str
    cs_status: int
    kind: str
    reason: str
    amount: float
    rule: str


COLUMNS = (
    "run_id",
    "case:concept:name",
    "order_id",
    "case_no",
    "merchant_id",
    "time_h",
    "time:timestamp",
    "actor",
    "concept:name",
    "status",
    "cs_status",
    "kind",
    "reason",
    "amount",
    "rule",
)
"""Columns of an event log, in order."""

SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("case:concept:name", pa.string()),
        ("order_id", pa.int64()),
        ("case_no", pa.int32()),
        ("merchant_id", pa.int32()),
        ("time_h", pa.float64()),
        ("time:timestamp", pa.timestamp("us", tz=TIME_ZONE)),
        ("actor", pa.string()),
        ("concept:name", pa.string()),
        ("status", pa.string()),
        ("cs_status", pa.int8()),
        ("kind", pa.string()),
        ("reason", pa.string()),
        ("amount", pa.float64()),
        ("rule", pa.string()),
    ]
)

Block = tuple[int, dict[str, Any]]
"""A column block: its length and each field as an array or a scalar (broadcast)."""


class Recorder(Protocol):
    """Where events go. ``records`` is False for a recorder that keeps none (the model then builds none)."""

    records: bool

    def begin(self, run_id: str, start: dt.datetime) -> None: ...
    def emit(self, event: tuple[Any, ...]) -> None: ...
    def emit_block(self, block: Block) -> None: ...
    def settled(self, order_below: int) -> None:
        """No event of an order with id < `order_below` will be emitted again in this run.

        Called with non-decreasing values, any number of times; `end` settles everything.
        """

    def end(self) -> None: ...


class NullRecorder:
    """Keeps no events: only the model's online counters (and so the metrics) remain."""

    records = False

    def begin(self, run_id: str, start: dt.datetime) -> None:
        """Nothing to do."""

    def emit(self, event: tuple[Any, ...]) -> None:
        """Drop the event."""

    def emit_block(self, block: Block) -> None:
        """Drop the block."""

    def settled(self, order_below: int) -> None:
        """Nothing to do."""

    def end(self) -> None:
        """Nothing to do."""


def empty_frame() -> Any:
    """An event DataFrame with no rows and all the columns."""
    return SCHEMA.empty_table().to_pandas()


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'simkit.events' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
