"""Platform status names (RULES.md, "Real state machines") for the neutral lifecycle steps.

The model moves through neutral steps; every event carries the platform's own status:
Taobao trade / refund statuses (with ``cs_status`` for intervention) on Tmall, WeChat
order codes and after-sale statuses on the video channel.
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


@dataclass(frozen=True, slots=True)
class StatusModel:
    """Maps neutral steps to one platform's status names."""

    name: str
    order: dict[str, str]
    case: dict[str, str]
    refused_return: str
    intervention: bool
    two_step_refund: bool

    def case_status(self, step: str, return_kind: bool = False) -> str:
        """The after-sale status for `step` (refusals differ for returns on WeChat)."""
        if step == REFUSED and return_kind:
            return self.refused_return
        return self.case[step]


TAOBAO = StatusModel(
    name="taobao",
    order={
        PAID: "WAIT_SELLER_SEND_GOODS",
        SHIPPED: "WAIT_BUYER_CONFIRM_GOODS",
        FINISHED: "TRADE_FINISHED",
        CLOSED_REFUNDED: "TRADE_CLOSED",
    },
    case={
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
    },
    refused_return="SELLER_REFUSE_BUYER",
    intervention=True,
    two_step_refund=False,
)

WECHAT = StatusModel(
    name="wechat",
    order={PAID: "20", SHIPPED: "30", FINISHED: "100", CLOSED_REFUNDED: "200"},
    case={
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
    },
    refused_return="MERCHANT_REJECT_RETURN",
    intervention=False,
    two_step_refund=True,
)

# Allowed transitions of the real state machines ("" = no status yet / not a status event).
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    "taobao_trade": {
        "": frozenset({"WAIT_SELLER_SEND_GOODS"}),
        "WAIT_SELLER_SEND_GOODS": frozenset({"WAIT_BUYER_CONFIRM_GOODS", "TRADE_CLOSED"}),
        "WAIT_BUYER_CONFIRM_GOODS": frozenset({"WAIT_BUYER_CONFIRM_GOODS", "TRADE_FINISHED", "TRADE_CLOSED"}),
        "TRADE_FINISHED": frozenset({"TRADE_FINISHED"}),
        "TRADE_CLOSED": frozenset(),
    },
    "taobao_refund": {
        "": frozenset({"WAIT_SELLER_AGREE"}),
        "WAIT_SELLER_AGREE": frozenset(
            {"WAIT_SELLER_AGREE", "SUCCESS", "WAIT_BUYER_RETURN_GOODS", "SELLER_REFUSE_BUYER", "CLOSED"}
        ),
        "SELLER_REFUSE_BUYER": frozenset(
            {"SELLER_REFUSE_BUYER", "WAIT_SELLER_AGREE", "SUCCESS", "WAIT_BUYER_RETURN_GOODS", "CLOSED"}
        ),
        "WAIT_BUYER_RETURN_GOODS": frozenset({"WAIT_SELLER_CONFIRM_GOODS", "CLOSED"}),
        "WAIT_SELLER_CONFIRM_GOODS": frozenset({"WAIT_SELLER_CONFIRM_GOODS", "SUCCESS", "CLOSED"}),
        "SUCCESS": frozenset({"SUCCESS"}),
        "CLOSED": frozenset(),
    },
    "wechat_order": {
        "": frozenset({"20"}),
        "20": frozenset({"30", "200"}),
        "30": frozenset({"30", "100", "200"}),
        "100": frozenset({"100"}),
        "200": frozenset(),
    },
    "wechat_aftersale": {
        "": frozenset({"MERCHANT_PROCESSING"}),
        "MERCHANT_PROCESSING": frozenset(
            {
                "PLATFORM_REFUNDING",
                "USER_WAIT_RETURN",
                "MERCHANT_REJECT_REFUND",
                "MERCHANT_REJECT_RETURN",
                "USER_WAIT_CONFIRM_UPDATE",
                "USER_CANCELD",
            }
        ),
        "USER_WAIT_CONFIRM_UPDATE": frozenset(
            {"PLATFORM_REFUNDING", "MERCHANT_PROCESSING", "USER_WAIT_RETURN", "USER_CANCELD"}
        ),
        "MERCHANT_REJECT_REFUND": frozenset({"MERCHANT_REJECT_REFUND", "PLATFORM_REFUNDING", "USER_CANCELD"}),
        "MERCHANT_REJECT_RETURN": frozenset({"MERCHANT_REJECT_RETURN", "USER_WAIT_RETURN", "USER_CANCELD"}),
        "USER_WAIT_RETURN": frozenset({"MERCHANT_WAIT_RECEIPT", "RETURN_CLOSED"}),
        "MERCHANT_WAIT_RECEIPT": frozenset({"MERCHANT_WAIT_RECEIPT", "PLATFORM_REFUNDING", "MERCHANT_RETURN_SUCCESS"}),
        "PLATFORM_REFUNDING": frozenset({"MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS"}),
        "MERCHANT_REFUND_SUCCESS": frozenset(),
        "MERCHANT_RETURN_SUCCESS": frozenset(),
        "RETURN_CLOSED": frozenset(),
        "USER_CANCELD": frozenset(),
    },
}


def model_for(status_model: str) -> StatusModel:
    """The status model a policy header names (``taobao`` or ``wechat``; others use Taobao's)."""
    return WECHAT if status_model == "wechat" else TAOBAO
