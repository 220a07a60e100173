"""Platform status names for the neutral lifecycle steps (see docs/statuses.md).

The model moves through neutral steps; every event carries the status the platform
itself records for that step:

* Tmall / Taobao: the trade status, the refund status (refund only, return and refund),
  the exchange status of Tmall's exchange orders (tmall.exchange, 换货), and ``cs_status``
  for platform intervention, which once set stays on the case.
* WeChat store / video channel: the order status code and the after-sale status
  (REFUND / RETURN / EXCHANGE after-sale types).

Where a platform records no status for a step (repairs on both platforms; the reshipping
steps of a WeChat exchange) the log carries a neutral name in lower case with the kind
as prefix, e.g. ``repair.in_repair``, so that it can never be mistaken for a platform's.
"""

from __future__ import annotations

from dataclasses import dataclass

# Neutral steps of an order and of an after-sale case.
PAID, SHIPPED, FINISHED, CLOSED_REFUNDED = "paid", "shipped", "finished", "closed_refunded"
REQUESTED, REFUSED, OFFERED, WAIT_RETURN, WAIT_RECEIPT, REFUNDING = (
    "requested",
    "refused",
    "offered",
    "wait_return",
    "wait_receipt",
    "refunding",
)
REFUND_DONE, RETURN_DONE, CLOSED, RETURN_CLOSED, CANCELLED = (
    "refund_done",
    "return_done",
    "closed",
    "return_closed",
    "cancelled",
)
RESHIP, WAIT_BUYER_RECEIPT, SERVICE_DONE = "reship", "wait_buyer_receipt", "service_done"
"""Exchange and repair: the merchant is to send the replacement (or repaired item) back,
the buyer is to receive it, done."""
RULED_FOR_MERCHANT = "ruled_for_merchant"
"""The platform upheld the merchant's refusal."""

FAMILY = {
    "refund_only": "refund",
    "return_refund": "refund",
    "exchange": "exchange",
    "repair": "repair",
}
"""Which status family a request kind is recorded in."""

_REPAIR = {
    REQUESTED: "repair.requested",
    REFUSED: "repair.refused",
    OFFERED: "repair.negotiating",
    WAIT_RETURN: "repair.wait_buyer_send",
    WAIT_RECEIPT: "repair.wait_merchant_receipt",
    RESHIP: "repair.in_repair",
    WAIT_BUYER_RECEIPT: "repair.wait_buyer_receipt",
    SERVICE_DONE: "repair.done",
    CLOSED: "repair.closed",
    RETURN_CLOSED: "repair.closed",
    CANCELLED: "repair.closed",
    RULED_FOR_MERCHANT: "repair.closed",
}
"""Repairs (维修): neither Taobao's refund model nor the WeChat store's after-sale types
record them, so the steps carry neutral names."""


@dataclass(frozen=True, slots=True)
class StatusModel:
    """Maps neutral steps to one platform's status names.

    Attributes:
        name: ``taobao`` or ``wechat``.
        order: Order (trade) status of each order step.
        families: Per family (``refund``, ``exchange``, ``repair``), the status of each step.
        refused_return: The refusal status of a return (WeChat tells refund and return apart).
        intervention: Whether the platform records ``cs_status`` (Taobao).
    """

    name: str
    order: dict[str, str]
    families: dict[str, dict[str, str]]
    refused_return: str
    intervention: bool

    def case_status(self, step: str, kind: str = "refund_only") -> str:
        """The after-sale status of `step` for a request of `kind`."""
        family = FAMILY.get(kind, "refund")
        if step == REFUSED and kind == "return_refund":
            return self.refused_return
        return self.families[family][step]

    def statuses_of(self, kind: str) -> dict[str, str]:
        """Every step's status for a request of `kind` (a table the model looks steps up in)."""
        family = self.families[FAMILY.get(kind, "refund")]
        return {step: self.case_status(step, kind) for step in family}


TAOBAO = StatusModel(
    name="taobao",
    order={
        PAID: "WAIT_SELLER_SEND_GOODS",
        SHIPPED: "WAIT_BUYER_CONFIRM_GOODS",
        FINISHED: "TRADE_FINISHED",
        CLOSED_REFUNDED: "TRADE_CLOSED",
    },
    families={
        "refund": {
            REQUESTED: "WAIT_SELLER_AGREE",
            REFUSED: "SELLER_REFUSE_BUYER",
            OFFERED: "WAIT_SELLER_AGREE",
            WAIT_RETURN: "WAIT_BUYER_RETURN_GOODS",
            WAIT_RECEIPT: "WAIT_SELLER_CONFIRM_GOODS",
            REFUNDING: "SUCCESS",
            REFUND_DONE: "SUCCESS",
            RETURN_DONE: "SUCCESS",
            CLOSED: "CLOSED",
            RETURN_CLOSED: "CLOSED",
            CANCELLED: "CLOSED",
            RULED_FOR_MERCHANT: "CLOSED",
        },
        "exchange": {
            REQUESTED: "换货待处理",
            REFUSED: "待买家修改",
            OFFERED: "换货待处理",
            WAIT_RETURN: "待买家退货",
            WAIT_RECEIPT: "买家已退货，待收货",
            RESHIP: "待发出换货商品",
            WAIT_BUYER_RECEIPT: "待买家收货",
            SERVICE_DONE: "换货成功",
            REFUND_DONE: "换货关闭",
            CLOSED: "换货关闭",
            RETURN_CLOSED: "换货关闭",
            CANCELLED: "换货关闭",
            RULED_FOR_MERCHANT: "换货关闭",
        },
        "repair": _REPAIR,
    },
    refused_return="SELLER_REFUSE_BUYER",
    intervention=True,
)

WECHAT = StatusModel(
    name="wechat",
    order={PAID: "20", SHIPPED: "30", FINISHED: "100", CLOSED_REFUNDED: "200"},
    families={
        "refund": {
            REQUESTED: "MERCHANT_PROCESSING",
            REFUSED: "MERCHANT_REJECT_REFUND",
            OFFERED: "USER_WAIT_CONFIRM_UPDATE",
            WAIT_RETURN: "USER_WAIT_RETURN",
            WAIT_RECEIPT: "MERCHANT_WAIT_RECEIPT",
            REFUNDING: "PLATFORM_REFUNDING",
            REFUND_DONE: "MERCHANT_REFUND_SUCCESS",
            RETURN_DONE: "MERCHANT_RETURN_SUCCESS",
            CLOSED: "USER_CANCELD",
            RETURN_CLOSED: "RETURN_CLOSED",
            CANCELLED: "USER_CANCELD",
            RULED_FOR_MERCHANT: "",
        },
        "exchange": {
            REQUESTED: "MERCHANT_PROCESSING",
            REFUSED: "MERCHANT_REJECT_RETURN",
            OFFERED: "USER_WAIT_CONFIRM_UPDATE",
            WAIT_RETURN: "USER_WAIT_RETURN",
            WAIT_RECEIPT: "MERCHANT_WAIT_RECEIPT",
            RESHIP: "exchange.wait_merchant_ship",
            WAIT_BUYER_RECEIPT: "exchange.wait_user_receipt",
            SERVICE_DONE: "exchange.done",
            REFUND_DONE: "MERCHANT_REFUND_SUCCESS",
            CLOSED: "USER_CANCELD",
            RETURN_CLOSED: "RETURN_CLOSED",
            CANCELLED: "USER_CANCELD",
            RULED_FOR_MERCHANT: "",
        },
        "repair": _REPAIR,
    },
    refused_return="MERCHANT_REJECT_RETURN",
    intervention=False,
)
"""WeChat: a dispute (纠纷单) is a document of its own; when the platform upholds the
merchant the after-sale order keeps its rejected status, so that ruling records no new
after-sale status ("" keeps the previous one, see `keeps_status`)."""


def keeps_status(status: str) -> bool:
    """Whether a step records no status change of its own (the event repeats the case's status)."""
    return status == ""


def model_for(status_model: str) -> StatusModel:
    """The status model a policy header names (``taobao`` or ``wechat``; others use Taobao's)."""
    return WECHAT if status_model == "wechat" else TAOBAO
