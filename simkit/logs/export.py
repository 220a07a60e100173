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
case (`Walk`), mapped to the platform's documented statuses (`simkit.sim.statuses`), so a run
of either platform's policy can be written in either shape.
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from simkit.errors import UsageError
from simkit.events import TIME_ZONE
from simkit.sim import statuses as st

SHAPES = ("simkit", "taobao", "wechat")
"""The export shapes."""

FILES = {
    "simkit": ("events.csv",),
    "taobao": ("refunds.csv", "trades.csv"),
    "wechat": ("aftersale_orders.jsonl", "orders.jsonl"),
}
"""The files of each shape."""

REFUND_KINDS = ("refund_only", "return_refund")
"""The after-sale kinds a platform's refund export carries."""

TAOBAO_REASON_TEXT = {
    "no_reason": "七天无理由退换货",
    "changed_mind": "不想要了",
    "quality": "质量问题",
    "not_as_described": "商品与描述不符",
    "damaged": "收到商品破损",
    "wrong_item": "卖家发错货",
    "missing_parts": "少件/漏发",
    "not_received": "未收到货",
    "late_shipment": "未按约定时间发货",
    "out_of_stock": "卖家缺货",
    "counterfeit": "假冒品牌",
}
"""simkit reason → Taobao's refund reason text (退款原因, as the seller centre lists them)."""

TAOBAO_OTHER_REASON = "其他"

WECHAT_REASON_CODE = {
    "changed_mind": "10000000",
    "out_of_stock": "10000001",
    "missing_parts": "10000005",
    "wrong_item": "10000006",
    "not_received": "10000007",
    "late_shipment": "10000010",
    "not_as_described": "10000011",
    "no_reason": "10000019",
    "quality": "10000021",
    "counterfeit": "10000033",
    "damaged": "10000040",
}
"""simkit reason → WeChat store after-sale reason code (``reason``; the list ``aftersale/reason/get``
returns: 10000000 不想要了, 10000001 缺货, 10000005 少件/漏发, 10000006 卖家发错货, 10000007 未收到商品,
10000010 商家未按约定时间发货, 10000011 与商品描述不符, 10000019 7天无理由, 10000021 质量问题,
10000033 假冒产品, 10000040 包装/商品破损/污渍/裂痕/变形)."""

WECHAT_OTHER_REASON = "10000008"
"""10000008 其他."""

WECHAT_REFUND_REASON = {"merchant": 1, "unshipped_timer": 4, "arbiter": 5, "review_timer": 9, "receipt_timer": 11}
"""Who made the refund → WeChat ``refund_info.refund_reason``: 1 the merchant refunded, 4 the platform
agreed automatically to a request on an unshipped order, 5 the platform refunded after a dispute,
9 the merchant's review timed out and the platform agreed, 11 the merchant's receipt of the return
timed out and the platform refunded."""

WECHAT_TYPE = {"refund_only": "REFUND", "return_refund": "RETURN"}

WECHAT_ORDER_STATUS = {"paid": 20, "shipped": 30, "finished": 100, "closed": 200}
"""WeChat store order status codes: 20 to ship, 30 to receive, 100 complete, 200 cancelled after a full refund."""

TAOBAO_TRADE_STATUS = {
    "paid": "WAIT_SELLER_SEND_GOODS",
    "shipped": "WAIT_BUYER_CONFIRM_GOODS",
    "finished": "TRADE_FINISHED",
    "closed": "TRADE_CLOSED",
}

_ID_BASE = 10**9
"""Platform ids are numbers: ``(run index + 1) × 10⁹ + order id`` for orders, ×100 + case number for refunds."""

_FACTS = ("category", "price", "channel", "free_shipping", "paid_at", "presale_ship_by")
"""Order facts written on each order's ``pay`` row in the simkit shape."""

_LIFECYCLE = {
    "pay": "paid",
    "ship": "shipped",
    "deliver": "delivered",
    "confirm_receipt": "finished",
    "auto_confirm": "finished",
    "close_trade": "closed",
}
"""Lifecycle activities → the order time they set (the first one counts)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An after-sale record as it stood after one step (neutral: no platform's names yet).

    Attributes:
        time: Seconds since the Unix epoch.
        step: The neutral step (`simkit.sim.statuses`: ``requested``, ``refused``, …).
        amount: The amount the record shows (requested, offered, being refunded, refunded), CNY.
        cs: Taobao intervention status (1 none, 2 requested, 3 intervened, 6 done).
        returned: The buyer has shipped the goods back.
        refunder: Who made (or is making) the refund: a key of `WECHAT_REFUND_REASON`, or "".
    """

    time: int
    step: str
    amount: float
    cs: int = 1
    returned: bool = False
    refunder: str = ""


@dataclass(frozen=True, slots=True)
class Record:
    """One refund record: its case, and its snapshots in order."""

    run: int
    order_id: int
    case_no: int
    kind: str
    reason: str
    created: int
    snapshots: tuple[Snapshot, ...]


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
    if shape not in SHAPES:
        raise UsageError.at("<python>", 0, "shape", f"unknown export shape {shape!r}; use one of {', '.join(SHAPES)}")
    events = _sorted(events)
    book = order_book(events, facts)
    if shape == "simkit":
        return {"events.csv": _simkit_events(events, book)}
    records = list(walk_records(events, book))
    if shape == "taobao":
        return {"refunds.csv": taobao_refunds(records, book), "trades.csv": taobao_trades(book)}
    return {"aftersale_orders.jsonl": wechat_aftersales(records, book), "orders.jsonl": wechat_orders(book)}


def write_export(events: pd.DataFrame, facts: pd.DataFrame, shape: str, out_dir: str | Path) -> list[Path]:
    """Write `export_tables` into `out_dir`, as a set: all files or none (a previous set is replaced).

    Returns:
        The files written.

    Raises:
        UsageError: On an unknown shape, or when `out_dir` cannot be written.
    """
    from simkit.cli._outdir import output_set, write_file

    tables = export_tables(events, facts, shape)
    target = Path(out_dir)
    with output_set(target, list(tables), option="out_dir") as staging:
        for name, table in tables.items():
            write_file(staging / name, render(name, table))
    return [target / name for name in tables]


def render(name: str, table: pd.DataFrame) -> bytes:
    """The bytes of one export file: CSV (UTF-8, header, ``\\n`` line ends) or JSON Lines (dotted columns nested)."""
    if name.endswith(".jsonl"):
        return "".join(json.dumps(_nest(row), ensure_ascii=False) + "\n" for row in _records(table)).encode("utf-8")
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


# --- the order book ---------------------------------------------------------------------------


def _sorted(events: pd.DataFrame) -> pd.DataFrame:
    """Events in (run, order, case, time) order; ties keep their order (emission order, which is causal)."""
    runs = pd.Series(pd.unique(events["run_id"]))
    run_index = pd.Series(np.arange(len(runs)), index=runs.to_numpy())
    frame = events.assign(_run=events["run_id"].map(run_index).to_numpy())
    frame = frame.sort_values(["_run", "order_id", "case_no", "time:timestamp"], kind="stable")
    return frame.reset_index(drop=True)


def order_book(events: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, order): the facts, the lifecycle times (seconds since the epoch) and ids.

    Args:
        events: Sorted events with ``_run`` (the run's index).
        facts: The order facts.
    """
    life = events.loc[events["concept:name"].isin(list(_LIFECYCLE)), ["_run", "order_id", "concept:name"]]
    seconds = _seconds(events.loc[life.index, "time:timestamp"])
    life = life.assign(what=life["concept:name"].map(_LIFECYCLE), at=seconds)
    times = life.groupby(["_run", "order_id", "what"], sort=True)["at"].min().unstack("what")
    for name in ("paid", "shipped", "delivered", "finished", "closed"):
        if name not in times:
            times[name] = np.nan
    amounts = events.loc[events["concept:name"] == "pay"].groupby(["_run", "order_id"])["amount"].first()
    book = times.join(amounts.rename("pay_amount")).reset_index()
    book = book.loc[book["paid"].notna()].reset_index(drop=True)
    runs = pd.unique(events["run_id"])
    book["run_id"] = runs[book["_run"].to_numpy()] if len(book) else pd.Series(dtype=object)
    book = _join(book, facts, len(runs))
    book["price"] = book["price"].fillna(book["pay_amount"]) if "price" in book else book["pay_amount"]
    book["base"] = (book["_run"].astype(np.int64) + 1) * _ID_BASE + book["order_id"].astype(np.int64)
    return book


def _join(book: pd.DataFrame, facts: pd.DataFrame, runs: int) -> pd.DataFrame:
    if facts is None or len(facts) == 0:
        return book
    known = [c for c in ("category", "price", "channel", "free_shipping", "presale_ship_by") if c in facts]
    if "run_id" in facts:
        keys = ["run_id", "order_id"]
    elif runs > 1:
        raise UsageError.at("<python>", 0, "facts", "the events hold several runs: the facts need a run_id column")
    else:
        keys = ["order_id"]
    right = facts[[*keys, *known]].assign(order_id=facts["order_id"].astype(np.int64))
    return book.merge(right, on=keys, how="left", validate="one_to_one")


def _seconds(stamps: pd.Series) -> np.ndarray:
    """Whole seconds since the Unix epoch (floored) of zone-aware (or China-local naive) times."""
    values = pd.to_datetime(stamps)
    if values.dt.tz is None:
        values = values.dt.tz_localize(TIME_ZONE)
    micros = values.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").to_numpy().astype(np.int64)
    return np.floor_divide(micros, 1_000_000).astype(np.float64)


def _trade_state(order: Mapping[str, Any], at: float) -> str:
    """The order's own state at `at`: paid, shipped, finished or closed (the latest that has happened)."""
    state, when = "paid", -math.inf
    for name in ("shipped", "finished", "closed"):
        t = order[name]
        if not _missing(t) and t <= at and t >= when:
            state, when = name, t
    return state


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


# --- the refund records -----------------------------------------------------------------------


def walk_records(events: pd.DataFrame, book: pd.DataFrame) -> Iterator[Record]:
    """The refund records of the log: one per refund-only or return case that reached a request."""
    shipped = {(int(r), int(o)): s for r, o, s in zip(book["_run"], book["order_id"], book["shipped"], strict=True)}
    cases = events.loc[(events["case_no"] > 0) & events["kind"].isin(REFUND_KINDS)]
    if cases.empty:
        return
    seconds = _seconds(cases["time:timestamp"])
    columns = zip(
        cases["_run"].to_numpy(),
        cases["order_id"].to_numpy(),
        cases["case_no"].to_numpy(),
        seconds,
        cases["concept:name"].to_numpy(),
        cases["amount"].to_numpy(),
        cases["kind"].to_numpy(),
        cases["reason"].to_numpy(),
        strict=True,
    )
    current: tuple[int, int, int] | None = None
    steps: list[tuple[int, str, float]] = []
    kind = reason = ""
    for run, order, case_no, at, activity, amount, k, why in columns:
        key = (int(run), int(order), int(case_no))
        if key != current:
            if current is not None:
                record = Walk(current, kind, reason, shipped.get(current[:2])).record(steps)
                if record is not None:
                    yield record
            current, steps, kind, reason = key, [], str(k), str(why)
        steps.append((int(at), str(activity), float(amount)))
    if current is not None:
        record = Walk(current, kind, reason, shipped.get(current[:2])).record(steps)
        if record is not None:
            yield record


class Walk:
    """Follows one case's steps and records the refund record after each (neutral step names).

    A step that changes nothing the record shows adds no snapshot. The record starts with the
    request; steps before it (a contact, an extension of the after-sale period) are not on it.
    """

    def __init__(self, key: tuple[int, int, int], kind: str, reason: str, shipped: float | None) -> None:
        self.key, self.kind, self.reason = key, kind, reason
        self.shipped = None if shipped is None or _missing(shipped) else float(shipped)

    def agreed(self) -> str:
        """The step right after an agreement: refunding (refund only) or waiting for the return."""
        return st.REFUNDING if self.kind == "refund_only" else st.WAIT_RETURN

    def record(self, steps: list[tuple[int, str, float]]) -> Record | None:
        """The record of the case whose steps (time, activity, amount) are given, or None without a request."""
        refunded = round(sum(amount for _, activity, amount in steps if activity == "refund"), 2)
        snaps: list[Snapshot] = []
        snap: Snapshot | None = None
        requested = 0.0
        created = 0
        for at, activity, amount in steps:
            if snap is None:
                if activity != "request":
                    continue
                requested, created = amount, at
                snap = Snapshot(at, st.REQUESTED, amount)
            else:
                snap = self.step(snap, at, activity, amount, requested, refunded)
            if not snaps or replace(snaps[-1], time=snap.time) != snap:
                snaps.append(snap)
        if not snaps:
            return None
        run, order, case_no = self.key
        return Record(run, order, case_no, self.kind, self.reason, created, tuple(snaps))

    def step(self, s: Snapshot, at: int, activity: str, amount: float, requested: float, refunded: float) -> Snapshot:
        """The record after one step."""
        paying = refunded if refunded > 0 else s.amount
        if activity == "request":
            return replace(s, time=at, step=st.REQUESTED, amount=amount or requested)
        if activity in ("agree", "auto_agree"):
            who = ""
            if activity == "auto_agree":
                who = "unshipped_timer" if self.shipped is None or self.shipped > at else "review_timer"
            elif self.kind == "refund_only":
                who = "merchant"
            to = self.agreed()
            return replace(s, time=at, step=to, amount=paying if to == st.REFUNDING else s.amount, refunder=who)
        if activity == "refuse":
            return replace(s, time=at, step=st.REFUSED)
        if activity == "offer_compensation":
            return replace(s, time=at, step=st.OFFERED, amount=amount)
        if activity == "decline_offer":
            return replace(s, time=at, step=st.REQUESTED, amount=requested)
        if activity == "accept_offer":
            return replace(s, time=at, step=st.REFUNDING, amount=paying, refunder="merchant")
        if activity == "ship_return":
            return replace(s, time=at, step=st.WAIT_RECEIPT, returned=True)
        if activity == "confirm_return":
            return replace(s, time=at, step=st.REFUNDING, amount=paying, refunder="merchant")
        if activity in ("auto_refund", "auto_confirm_return"):
            return replace(s, time=at, step=st.REFUNDING, amount=paying, refunder="receipt_timer")
        if activity == "refund":
            done = st.RETURN_DONE if s.returned and self.kind == "return_refund" else st.REFUND_DONE
            return replace(s, time=at, step=done, amount=refunded)
        if activity == "close_return":
            return replace(s, time=at, step=st.RETURN_CLOSED)
        if activity == "cancel":
            return replace(s, time=at, step=st.CANCELLED)
        if activity == "request_intervention":
            return replace(s, time=at, cs=max(s.cs, 2))
        if activity == "intervene":
            return replace(s, time=at, cs=max(s.cs, 3))
        if activity == "buyer_wins":
            to = self.agreed()
            return replace(
                s, time=at, cs=6, step=to, amount=paying if to == st.REFUNDING else s.amount, refunder="arbiter"
            )
        if activity == "merchant_wins":
            return replace(s, time=at, cs=6, step=st.RULED_FOR_MERCHANT)
        return s


# --- Taobao -----------------------------------------------------------------------------------

TAOBAO_REFUND_COLUMNS = (
    "refund_id",
    "tid",
    "oid",
    "status",
    "order_status",
    "good_status",
    "has_good_return",
    "cs_status",
    "refund_phase",
    "reason",
    "refund_fee",
    "total_fee",
    "payment",
    "num",
    "created",
    "modified",
    "pay_time",
)
"""Columns of ``refunds.csv`` (Taobao Refund fields; ``pay_time`` joined from the trade, as the seller
centre's refund export carries it: 订单付款时间)."""

TAOBAO_TRADE_COLUMNS = (
    "tid",
    "status",
    "created",
    "pay_time",
    "consign_time",
    "end_time",
    "modified",
    "total_fee",
    "payment",
    "num",
    "category",
    "channel",
    "free_shipping",
    "presale_ship_by",
)
"""Columns of ``trades.csv`` (Taobao Trade fields; ``category``, ``channel``, ``free_shipping`` and
``presale_ship_by`` are the shop's own facts beside them, under simkit's names)."""


def taobao_refunds(records: list[Record], book: pd.DataFrame) -> pd.DataFrame:
    """Taobao refund records, one row per change (``modified``)."""
    orders = _orders_by_key(book)
    rows: list[dict[str, Any]] = []
    for rec in records:
        order = orders[(rec.run, rec.order_id)]
        base = int(order["base"])
        price = _money(order["price"])
        received = not _missing(order["delivered"]) and order["delivered"] <= rec.created
        finished = not _missing(order["finished"]) and order["finished"] <= rec.created
        last: dict[str, Any] | None = None
        status = ""
        for snap in rec.snapshots:
            status = st.TAOBAO.case_status(snap.step, rec.kind) or status
            good = "BUYER_RETURNED_GOODS" if snap.returned else ("BUYER_RECEIVED" if received else "BUYER_NOT_RECEIVED")
            row = {
                "refund_id": str(base * 100 + rec.case_no),
                "tid": str(base),
                "oid": str(base),
                "status": status,
                "order_status": TAOBAO_TRADE_STATUS[_trade_state(order, snap.time)],
                "good_status": good,
                "has_good_return": "true" if rec.kind == "return_refund" else "false",
                "cs_status": snap.cs,
                "refund_phase": "aftersale" if finished else "onsale",
                "reason": TAOBAO_REASON_TEXT.get(rec.reason, TAOBAO_OTHER_REASON),
                "refund_fee": _money(snap.amount),
                "total_fee": price,
                "payment": price,
                "num": 1,
                "created": _local(rec.created),
                "modified": _local(snap.time),
                "pay_time": _local(order["paid"]),
            }
            if last is not None and _same(last, row, "modified", "order_status"):
                continue
            rows.append(row)
            last = row
    return pd.DataFrame(rows, columns=list(TAOBAO_REFUND_COLUMNS))


def taobao_trades(book: pd.DataFrame) -> pd.DataFrame:
    """The Taobao trade report: one row per order, as it stood at the end of the run."""
    rows = []
    for order in _rows(book):
        state = _trade_state(order, math.inf)
        ended = order["closed"] if state == "closed" else order["finished"] if state == "finished" else None
        modified = max(order[n] for n in ("paid", "shipped", "finished", "closed") if not _missing(order[n]))
        rows.append(
            {
                "tid": str(int(order["base"])),
                "status": TAOBAO_TRADE_STATUS[state],
                "created": _local(order["paid"]),
                "pay_time": _local(order["paid"]),
                "consign_time": _local(order["shipped"]),
                "end_time": _local(ended),
                "modified": _local(modified),
                "total_fee": _money(order["price"]),
                "payment": _money(order["price"]),
                "num": 1,
                "category": order.get("category", ""),
                "channel": order.get("channel", ""),
                "free_shipping": _bool(order.get("free_shipping")),
                "presale_ship_by": _naive_text(order.get("presale_ship_by")),
            }
        )
    return pd.DataFrame(rows, columns=list(TAOBAO_TRADE_COLUMNS))


# --- WeChat -----------------------------------------------------------------------------------

WECHAT_AFTERSALE_COLUMNS = (
    "after_sale_order_id",
    "order_id",
    "status",
    "type",
    "reason",
    "create_time",
    "update_time",
    "product_info.product_id",
    "product_info.sku_id",
    "product_info.count",
    "refund_info.amount",
    "refund_info.refund_reason",
)
"""Fields of an after-sale order object (``getaftersaleorder``; dotted names are nested objects)."""

WECHAT_ORDER_COLUMNS = (
    "order_id",
    "status",
    "create_time",
    "update_time",
    "order_detail.product_infos",
    "order_detail.price_info.product_price",
    "order_detail.price_info.order_price",
    "order_detail.pay_info.pay_time",
    "order_detail.delivery_info.ship_done_time",
    "category",
    "channel",
    "free_shipping",
    "presale_ship_by",
)
"""Fields of an order object (``order/get``; ``category``, ``channel``, ``free_shipping`` and
``presale_ship_by`` are the shop's own facts beside them, under simkit's names)."""


def wechat_aftersales(records: list[Record], book: pd.DataFrame) -> pd.DataFrame:
    """WeChat after-sale orders, one object per change (``update_time``)."""
    orders = _orders_by_key(book)
    products = _products(book)
    rows: list[dict[str, Any]] = []
    for rec in records:
        order = orders[(rec.run, rec.order_id)]
        base = int(order["base"])
        product = products[order.get("category", "")]
        last: dict[str, Any] | None = None
        status = ""
        for snap in rec.snapshots:
            status = st.WECHAT.case_status(snap.step, rec.kind) or status
            row = {
                "after_sale_order_id": str(base * 100 + rec.case_no),
                "order_id": str(base),
                "status": status,
                "type": WECHAT_TYPE[rec.kind],
                "reason": WECHAT_REASON_CODE.get(rec.reason, WECHAT_OTHER_REASON),
                "create_time": rec.created,
                "update_time": snap.time,
                "product_info.product_id": product,
                "product_info.sku_id": str(int(product) + 1),
                "product_info.count": 1,
                "refund_info.amount": _fen(snap.amount),
                "refund_info.refund_reason": WECHAT_REFUND_REASON.get(snap.refunder),
            }
            if last is not None and _same(last, row, "update_time"):
                continue
            rows.append(row)
            last = row
    frame = pd.DataFrame(rows, columns=list(WECHAT_AFTERSALE_COLUMNS))
    frame["refund_info.refund_reason"] = frame["refund_info.refund_reason"].astype("Int64")
    return frame


def wechat_orders(book: pd.DataFrame) -> pd.DataFrame:
    """The WeChat store order list: one object per order, as it stood at the end of the run."""
    products = _products(book)
    rows = []
    for order in _rows(book):
        state = _trade_state(order, math.inf)
        modified = max(order[n] for n in ("paid", "shipped", "finished", "closed") if not _missing(order[n]))
        product = products[order.get("category", "")]
        price = _fen(order["price"])
        rows.append(
            {
                "order_id": str(int(order["base"])),
                "status": WECHAT_ORDER_STATUS[state],
                "create_time": int(order["paid"]),
                "update_time": int(modified),
                "order_detail.product_infos": [
                    {"product_id": product, "sku_id": str(int(product) + 1), "sku_cnt": 1, "sale_price": price}
                ],
                "order_detail.price_info.product_price": price,
                "order_detail.price_info.order_price": price,
                "order_detail.pay_info.pay_time": int(order["paid"]),
                "order_detail.delivery_info.ship_done_time": None
                if _missing(order["shipped"])
                else int(order["shipped"]),
                "category": order.get("category", ""),
                "channel": order.get("channel", ""),
                "free_shipping": None if _missing(order.get("free_shipping")) else bool(order["free_shipping"]),
                "presale_ship_by": _naive_epoch(order.get("presale_ship_by")),
            }
        )
    frame = pd.DataFrame(rows, columns=list(WECHAT_ORDER_COLUMNS))
    for name in ("order_detail.delivery_info.ship_done_time", "presale_ship_by"):
        frame[name] = frame[name].astype("Int64")
    return frame


# --- simkit -----------------------------------------------------------------------------------

SIMKIT_COLUMNS = (
    "run_id",
    "case:concept:name",
    "order_id",
    "case_no",
    "time:timestamp",
    "actor",
    "concept:name",
    "status",
    "cs_status",
    "kind",
    "reason",
    "amount",
    "rule",
    *_FACTS,
)
"""Columns of ``events.csv``: the event log's (without the simulation's own ``merchant_id`` and
``time_h``), and the order facts on each order's ``pay`` row."""


def _simkit_events(events: pd.DataFrame, book: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "run_id": events["run_id"],
            "case:concept:name": events["case:concept:name"],
            "order_id": events["order_id"].astype(np.int64),
            "case_no": events["case_no"].astype(np.int64),
            "time:timestamp": _texts(_seconds(events["time:timestamp"]), _iso),
            "actor": events["actor"],
            "concept:name": events["concept:name"],
            "status": events["status"],
            "cs_status": events["cs_status"].astype(np.int64),
            "kind": events["kind"],
            "reason": events["reason"],
            "amount": _texts(events["amount"].to_numpy(dtype=np.float64), _money),
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
            values = _texts(facts["paid"].to_numpy(dtype=np.float64), _iso)
        elif name == "price":
            values = _texts(facts["price"].to_numpy(dtype=np.float64), _money)
        elif name == "free_shipping":
            values = [_bool(v) for v in facts.get(name, empty)]
        elif name == "presale_ship_by":
            values = [_naive_text(v) for v in facts.get(name, empty)]
        else:
            values = ["" if _missing(v) else str(v) for v in facts.get(name, empty)]
        column = np.full(len(events), "", dtype=object)
        column[pay] = values
        out[name] = column
    return out


# --- values -----------------------------------------------------------------------------------


def _rows(book: pd.DataFrame) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], book.to_dict("records"))


def _orders_by_key(book: pd.DataFrame) -> dict[tuple[int, int], dict[str, Any]]:
    return {(int(o["_run"]), int(o["order_id"])): o for o in _rows(book)}


def _products(book: pd.DataFrame) -> dict[Any, str]:
    """A WeChat product id per category (the shop sells one product per category)."""
    names = sorted({str(c) for c in book["category"].dropna()}) if "category" in book else []
    out: dict[Any, str] = {name: str(10_000_000_000 + 1000 * (i + 1)) for i, name in enumerate(names)}
    out[""] = str(10_000_000_000)
    return out


def _same(a: Mapping[str, Any], b: Mapping[str, Any], *ignore: str) -> bool:
    return all(a[k] == b[k] for k in a if k not in ignore)


def _money(value: Any) -> str:
    """CNY with two decimals."""
    return "" if _missing(value) else f"{float(value):.2f}"


def _fen(value: Any) -> int:
    """CNY as whole fen."""
    return round(float(value) * 100)


def _bool(value: Any) -> str:
    return "" if _missing(value) else ("true" if bool(value) else "false")


_CHINA_FIXED_SINCE = 694_195_200
"""1992-01-01 00:00 UTC: from then on China keeps UTC+8 all year (no daylight saving)."""


def _china(seconds: Any, pattern: str) -> str:
    """Seconds since the epoch in China local time, formatted; "" when unknown."""
    if _missing(seconds):
        return ""
    whole = int(seconds)
    if whole >= _CHINA_FIXED_SINCE:
        return time.strftime(pattern, time.gmtime(whole + 8 * 3600))
    return pd.Timestamp(whole, unit="s", tz="UTC").tz_convert(TIME_ZONE).strftime(pattern)


def _local(seconds: Any) -> str:
    """Seconds since the epoch as China local time, ``YYYY-MM-DD HH:MM:SS`` (Taobao's format); "" when unknown."""
    return _china(seconds, "%Y-%m-%d %H:%M:%S")


def _iso(seconds: Any) -> str:
    """Seconds since the epoch as ISO 8601 with the China offset; "" when unknown."""
    if _missing(seconds):
        return ""
    whole = int(seconds)
    if whole >= _CHINA_FIXED_SINCE:
        return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(whole + 8 * 3600))
    return pd.Timestamp(whole, unit="s", tz="UTC").tz_convert(TIME_ZONE).isoformat()


def _texts(values: np.ndarray, format_one: Any) -> list[str]:
    """Each value formatted; repeated values are formatted once."""
    cache: dict[float, str] = {}
    out = []
    for value in values.tolist():
        text = cache.get(value)
        if text is None:
            text = cache[value] = format_one(value)
        out.append(text)
    return out


def _naive_text(value: Any) -> str:
    """A naive China-local time as ``YYYY-MM-DD HH:MM:SS``; "" when unknown."""
    if _missing(value) or pd.isna(value):
        return ""
    return pd.Timestamp(value).floor("s").strftime("%Y-%m-%d %H:%M:%S")


def _naive_epoch(value: Any) -> int | None:
    """A naive China-local time as Unix seconds; None when unknown."""
    if _missing(value) or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize(TIME_ZONE) if stamp.tzinfo is None else stamp
    return int(stamp.timestamp() // 1)


def _records(table: pd.DataFrame) -> Iterator[dict[str, Any]]:
    columns = list(table.columns)
    for values in table.itertuples(index=False, name=None):
        yield {c: _plain(v) for c, v in zip(columns, values, strict=True)}


def _plain(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return value
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _nest(row: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys as nested objects; keys whose value is None are left out."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out
