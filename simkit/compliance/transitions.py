"""The platforms' documented state machines, as the log audit checks them.

Written out from the platforms' documentation (Taobao trade and refund models, Tmall exchange
orders, the WeChat store's order and after-sale statuses; see docs/statuses.md), not from the
simulator. A status repeated by consecutive events is no transition; an event with an empty
status records none. Each table maps a status to the statuses that may follow it; ``""`` is
the start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

Machine = dict[str, frozenset[str]]


def _machine(table: dict[str, set[str]]) -> Machine:
    return {state: frozenset(after) for state, after in table.items()}


TAOBAO_TRADE = _machine(
    {
        "": {"WAIT_BUYER_PAY", "WAIT_SELLER_SEND_GOODS"},
        "WAIT_BUYER_PAY": {"WAIT_SELLER_SEND_GOODS", "TRADE_CLOSED_BY_TAOBAO"},
        "WAIT_SELLER_SEND_GOODS": {"SELLER_CONSIGNED_PART", "WAIT_BUYER_CONFIRM_GOODS", "TRADE_CLOSED"},
        "SELLER_CONSIGNED_PART": {"WAIT_BUYER_CONFIRM_GOODS", "TRADE_CLOSED"},
        "WAIT_BUYER_CONFIRM_GOODS": {"TRADE_FINISHED", "TRADE_CLOSED"},
        "TRADE_FINISHED": set(),
        "TRADE_CLOSED": set(),
        "TRADE_CLOSED_BY_TAOBAO": set(),
    }
)
"""Taobao trade: ``WAIT_BUYER_PAY → WAIT_SELLER_SEND_GOODS → (SELLER_CONSIGNED_PART →)
WAIT_BUYER_CONFIRM_GOODS → TRADE_FINISHED``; ``TRADE_CLOSED`` after a full refund."""

TAOBAO_REFUND = _machine(
    {
        "": {"WAIT_SELLER_AGREE"},
        "WAIT_SELLER_AGREE": {"SUCCESS", "WAIT_BUYER_RETURN_GOODS", "SELLER_REFUSE_BUYER", "CLOSED"},
        "SELLER_REFUSE_BUYER": {"WAIT_SELLER_AGREE", "SUCCESS", "WAIT_BUYER_RETURN_GOODS", "CLOSED"},
        "WAIT_BUYER_RETURN_GOODS": {"WAIT_SELLER_CONFIRM_GOODS", "CLOSED"},
        "WAIT_SELLER_CONFIRM_GOODS": {"SUCCESS", "CLOSED"},
        "SUCCESS": set(),
        "CLOSED": set(),
    }
)
"""Taobao refund: refund only ``WAIT_SELLER_AGREE → SUCCESS``; with a return through
``WAIT_BUYER_RETURN_GOODS → WAIT_SELLER_CONFIRM_GOODS``; a refusal goes back to the buyer
(who edits, or asks for intervention, which may rule either way); any → ``CLOSED``."""

TMALL_EXCHANGE = _machine(
    {
        "": {"换货待处理"},
        "换货待处理": {"待买家退货", "待买家修改", "换货关闭"},
        "待买家修改": {"换货待处理", "待买家退货", "换货关闭"},
        "待买家退货": {"买家已退货，待收货", "换货关闭"},
        "买家已退货，待收货": {"待发出换货商品", "换货关闭"},
        "待发出换货商品": {"待买家收货"},
        "待买家收货": {"换货成功"},
        "换货成功": set(),
        "换货关闭": set(),
    }
)
"""Tmall exchange orders (换货)."""

WECHAT_ORDER = _machine(
    {
        "": {"10", "20"},
        "10": {"20", "250"},
        "20": {"21", "30", "200"},
        "21": {"30", "200"},
        "30": {"100", "200"},
        "100": set(),
        "200": set(),
        "250": set(),
    }
)
"""WeChat store order codes: 10 unpaid, 20 to ship, 21 partly shipped, 30 to receive, 100
complete, 200 cancelled after a full refund, 250 cancelled."""

WECHAT_AFTER_SALE = _machine(
    {
        "": {"MERCHANT_PROCESSING"},
        "MERCHANT_PROCESSING": {
            "PLATFORM_REFUNDING",
            "USER_WAIT_RETURN",
            "MERCHANT_REJECT_REFUND",
            "MERCHANT_REJECT_RETURN",
            "USER_WAIT_CONFIRM_UPDATE",
            "USER_CANCELD",
        },
        "USER_WAIT_CONFIRM_UPDATE": {"PLATFORM_REFUNDING", "MERCHANT_PROCESSING", "USER_CANCELD"},
        "MERCHANT_REJECT_REFUND": {"PLATFORM_REFUNDING", "USER_CANCELD"},
        "MERCHANT_REJECT_RETURN": {"USER_WAIT_RETURN", "USER_CANCELD"},
        "USER_WAIT_RETURN": {"MERCHANT_WAIT_RECEIPT", "RETURN_CLOSED", "USER_CANCELD"},
        "MERCHANT_WAIT_RECEIPT": {"PLATFORM_REFUNDING", "exchange.wait_merchant_ship"},
        "PLATFORM_REFUNDING": {"MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS"},
        "exchange.wait_merchant_ship": {"exchange.wait_user_receipt"},
        "exchange.wait_user_receipt": {"exchange.done"},
        "MERCHANT_REFUND_SUCCESS": set(),
        "MERCHANT_RETURN_SUCCESS": set(),
        "RETURN_CLOSED": set(),
        "USER_CANCELD": set(),
        "exchange.done": set(),
    }
)
"""WeChat after-sale (REFUND, RETURN, EXCHANGE): ``MERCHANT_PROCESSING →(agree | timeout)
PLATFORM_REFUNDING → MERCHANT_REFUND_SUCCESS``; with a return through ``USER_WAIT_RETURN →
MERCHANT_WAIT_RECEIPT``; rejections lead to a dispute, negotiation offers wait in
``USER_WAIT_CONFIRM_UPDATE``. The exchange's reshipping steps have no WeChat status: simkit's
neutral names follow the return leg."""

REPAIR = _machine(
    {
        "": {"repair.requested"},
        "repair.requested": {"repair.wait_buyer_send", "repair.refused", "repair.negotiating", "repair.closed"},
        "repair.negotiating": {"repair.requested", "repair.wait_buyer_send", "repair.closed"},
        "repair.refused": {"repair.wait_buyer_send", "repair.closed"},
        "repair.wait_buyer_send": {"repair.wait_merchant_receipt", "repair.closed"},
        "repair.wait_merchant_receipt": {"repair.in_repair"},
        "repair.in_repair": {"repair.wait_buyer_receipt"},
        "repair.wait_buyer_receipt": {"repair.done"},
        "repair.done": set(),
        "repair.closed": set(),
    }
)
"""Repairs: no platform records them; simkit's neutral step names."""

TAOBAO_CS_STATUS = frozenset({0, 1, 2, 3, 4, 5, 6})
"""Taobao ``cs_status``: 1 not needed, 2 needed, 3 intervened, 4 first review, 5 supervisor
review failed, 6 done (0: none). Once set it never goes back."""


def machine_for(status_model: str, kind: str) -> tuple[str, Machine] | None:
    """The clause id and state machine of an after-sale case of `kind`, or None when it records no status."""
    if kind == "repair":
        return "status.repair", REPAIR
    if kind not in ("refund_only", "return_refund", "exchange"):
        return None
    if status_model == "wechat":
        return "status.wechat.after_sale", WECHAT_AFTER_SALE
    if kind == "exchange":
        return "status.tmall.exchange", TMALL_EXCHANGE
    return "status.taobao.refund", TAOBAO_REFUND


def order_machine(status_model: str) -> tuple[str, Machine]:
    """The clause id and state machine of the order (trade) itself."""
    if status_model == "wechat":
        return "status.wechat.order", WECHAT_ORDER
    return "status.taobao.trade", TAOBAO_TRADE


def bad_transitions(machine: Machine, statuses: Iterable[tuple[int, str]]) -> Iterator[tuple[int, int, str, str]]:
    """Transitions the machine does not have.

    Args:
        machine: The state machine.
        statuses: ``(index, status)`` of the events in order; empty statuses are skipped and
            a repeated status is no transition.

    Yields:
        ``(index before, index after, status before, status after)``; the index before is -1
        for the start. Leaving a status the machine does not know is not reported again.
    """
    state, where = "", -1
    for index, status in statuses:
        if not status or status == state:
            continue
        if state in machine and status not in machine[state]:
            yield where, index, state, status
        state, where = status, index
