"""Taobao's shapes of a simulated run: refund records (taobao:api Refund), one row per change, and the trade report."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from simkit.logs.encode import book_rows, bool_text, cny_text, is_missing, local_time, naive_time_text, same_row
from simkit.logs.records import SHOP_FACTS, Record, orders_by_key, trade_state
from simkit.sim import statuses as st

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


TAOBAO_TRADE_STATUS = {
    "paid": "WAIT_SELLER_SEND_GOODS",
    "shipped": "WAIT_BUYER_CONFIRM_GOODS",
    "finished": "TRADE_FINISHED",
    "closed": "TRADE_CLOSED",
}


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
    *SHOP_FACTS,
)
"""Columns of ``trades.csv`` (Taobao Trade fields; ``category``, ``channel``, ``free_shipping`` and
``presale_ship_by`` are the shop's own facts beside them, under simkit's names)."""


def taobao_refunds(records: list[Record], book: pd.DataFrame) -> pd.DataFrame:
    """Taobao refund records, one row per change (``modified``)."""
    orders = orders_by_key(book, records)
    rows: list[dict[str, Any]] = []
    for rec in records:
        order = orders[(rec.run, rec.order_id)]
        base = int(order["base"])
        price = cny_text(order["price"])
        received = not is_missing(order["delivered"]) and order["delivered"] <= rec.created
        finished = not is_missing(order["finished"]) and order["finished"] <= rec.created
        last: dict[str, Any] | None = None
        status = ""
        fee = rec.snapshots[0].amount
        for snap in rec.snapshots:
            status = st.TAOBAO.case_status(snap.step, rec.kind) or status
            if snap.step != st.OFFERED:  # a seller's offer is no change of the refund until the buyer takes it
                fee = snap.amount
            good = "BUYER_RETURNED_GOODS" if snap.returned else ("BUYER_RECEIVED" if received else "BUYER_NOT_RECEIVED")
            row = {
                "refund_id": str(base * 100 + rec.case_no),
                "tid": str(base),
                "oid": str(base),
                "status": status,
                "order_status": TAOBAO_TRADE_STATUS[trade_state(order, snap.time)],
                "good_status": good,
                "has_good_return": "true" if rec.kind == "return_refund" else "false",
                "cs_status": snap.cs,
                "refund_phase": "aftersale" if finished else "onsale",
                "reason": TAOBAO_REASON_TEXT.get(rec.reason, TAOBAO_OTHER_REASON),
                "refund_fee": cny_text(fee),
                "total_fee": price,
                "payment": price,
                "num": 1,
                "created": local_time(rec.created),
                "modified": local_time(snap.time),
                "pay_time": local_time(order["paid"]),
            }
            if last is not None and same_row(last, row, "modified", "order_status"):
                continue
            rows.append(row)
            last = row
    return pd.DataFrame(rows, columns=list(TAOBAO_REFUND_COLUMNS))


def taobao_trades(book: pd.DataFrame) -> pd.DataFrame:
    """The Taobao trade report: one row per order, as it stood at the end of the run."""
    rows = []
    for order in book_rows(book):
        state = trade_state(order, math.inf)
        ended = order["closed"] if state == "closed" else order["finished"] if state == "finished" else None
        modified = max(order[n] for n in ("paid", "shipped", "finished", "closed") if not is_missing(order[n]))
        rows.append(
            {
                "tid": str(int(order["base"])),
                "status": TAOBAO_TRADE_STATUS[state],
                "created": local_time(order["paid"]),
                "pay_time": local_time(order["paid"]),
                "consign_time": local_time(order["shipped"]),
                "end_time": local_time(ended),
                "modified": local_time(modified),
                "total_fee": cny_text(order["price"]),
                "payment": cny_text(order["price"]),
                "num": 1,
                "category": order.get("category", ""),
                "channel": order.get("channel", ""),
                "free_shipping": bool_text(order.get("free_shipping")),
                "presale_ship_by": naive_time_text(order.get("presale_ship_by")),
            }
        )
    return pd.DataFrame(rows, columns=list(TAOBAO_TRADE_COLUMNS))
