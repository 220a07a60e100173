"""WeChat store shapes of a simulated run: after-sale orders (wx:api getaftersaleorder), one object per change, and
the order list (wx:api order/get)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from simkit.logs.encode import book_rows, fen, is_missing, naive_epoch, same_row
from simkit.logs.format import WECHAT_REASONS
from simkit.logs.records import SHOP_FACTS, Record, orders_by_key, product_ids, trade_state
from simkit.sim import statuses as st

WECHAT_REASON_CODE = {reason: code for code, reason in reversed(WECHAT_REASONS.items()) if code.isdigit()}
"""simkit reason → WeChat store after-sale reason code (``reason``): the first code the reader maps to it
(`simkit.logs.format.WECHAT_REASONS`), so that an export reads back as what was simulated."""


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
    *SHOP_FACTS,
)
"""Fields of an order object (``order/get``; ``category``, ``channel``, ``free_shipping`` and
``presale_ship_by`` are the shop's own facts beside them, under simkit's names)."""


def wechat_aftersales(records: list[Record], book: pd.DataFrame) -> pd.DataFrame:
    """WeChat after-sale orders, one object per change (``update_time``)."""
    orders = orders_by_key(book, records)
    products = product_ids(book)
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
                "refund_info.amount": fen(snap.amount),
                "refund_info.refund_reason": WECHAT_REFUND_REASON.get(snap.refunder),
            }
            if last is not None and same_row(last, row, "update_time"):
                continue
            rows.append(row)
            last = row
    frame = pd.DataFrame(rows, columns=list(WECHAT_AFTERSALE_COLUMNS))
    frame["refund_info.refund_reason"] = frame["refund_info.refund_reason"].astype("Int64")
    return frame


def wechat_orders(book: pd.DataFrame) -> pd.DataFrame:
    """The WeChat store order list: one object per order, as it stood at the end of the run."""
    products = product_ids(book)
    rows = []
    for order in book_rows(book):
        state = trade_state(order, math.inf)
        modified = max(order[n] for n in ("paid", "shipped", "finished", "closed") if not is_missing(order[n]))
        product = products[order.get("category", "")]
        price = fen(order["price"])
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
                if is_missing(order["shipped"])
                else int(order["shipped"]),
                "category": order.get("category", ""),
                "channel": order.get("channel", ""),
                "free_shipping": None if is_missing(order.get("free_shipping")) else bool(order["free_shipping"]),
                "presale_ship_by": naive_epoch(order.get("presale_ship_by")),
            }
        )
    frame = pd.DataFrame(rows, columns=list(WECHAT_ORDER_COLUMNS))
    for name in ("order_detail.delivery_info.ship_done_time", "presale_ship_by"):
        frame[name] = frame[name].astype("Int64")
    return frame
