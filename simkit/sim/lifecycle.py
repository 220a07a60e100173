"""The order's own lifecycle: drawn in bulk for each window of orders, finished by a case that took it over."""

from __future__ import annotations

import math

import numpy as np

from simkit.sim import statuses as st
from simkit.sim.orders import OrderBook
from simkit.sim.plan import CasePlan
from simkit.sim.record import ev
from simkit.sim.state import Case, Simulation


def close_trade(model: Simulation, case: Case, refunded: bool, rule: str) -> None:
    """The order's own status after a case that took over its tail (refund closes, else finishes)."""
    if not case.owns_tail:
        return
    case.owns_tail = False
    if model.emit is None:
        return  # the order's own steps are recorded, never counted
    statuses = model.status
    if refunded:
        ev(model, case, "platform", "close_trade", statuses.order[st.CLOSED_REFUNDED], rule=rule, case_no=0)
        return
    if math.isnan(case.deliver):
        return
    ev(model, case, "buyer", "confirm_receipt", statuses.order[st.FINISHED], case_no=0)
    settle_at = model.env.now + case.settle_offset
    if settle_at < model.horizon:
        settled = max(0.0, round(case.price - case.refunded, 2))
        ev(
            model,
            case,
            "platform",
            "settle",
            statuses.order[st.FINISHED],
            settled,
            _settle_rule(model),
            case_no=0,
            time=settle_at,
        )


def _settle_rule(model: Simulation) -> str:
    ids = model.book_rules.get("settle", ())
    return ids[0] if ids else ""


def emit_lifecycle(model: Simulation, book: OrderBook, plan: CasePlan) -> None:
    """Events of the own lifecycle of `book`'s orders (a window), as column blocks (no SimPy involved).

    Args:
        model: The running model.
        book: The window's orders.
        plan: The window's cases (those that take an order's tail over finish it themselves).
    """
    statuses, horizon = model.status, model.horizon
    ids = np.arange(book.first, book.first + book.n, dtype=np.int64)
    owned = np.zeros(book.n, dtype=bool)
    owned[plan.order[plan.owns_tail] - book.first] = True
    owned |= np.isnan(book.confirm)
    ship_rule = _first(book.rules.get("ship"))
    blocks = [
        (np.ones(book.n, dtype=bool), book.paid, "buyer", "pay", statuses.order[st.PAID], book.price, ""),
        (
            ~np.isnan(book.ship) & (book.ship < horizon),
            book.ship,
            "merchant",
            "ship",
            statuses.order[st.SHIPPED],
            0.0,
            ship_rule,
        ),
        (
            ~np.isnan(book.deliver) & (book.deliver < horizon),
            book.deliver,
            "logistics",
            "deliver",
            np.where(book.deliver > book.confirm, statuses.order[st.FINISHED], statuses.order[st.SHIPPED]).astype(
                object
            ),
            0.0,
            "",
        ),
        (
            ~owned & (book.confirm < horizon) & ~book.confirm_auto,
            book.confirm,
            "buyer",
            "confirm_receipt",
            statuses.order[st.FINISHED],
            0.0,
            "",
        ),
        (
            ~owned & (book.confirm < horizon) & book.confirm_auto,
            book.confirm,
            "platform",
            "auto_confirm",
            statuses.order[st.FINISHED],
            0.0,
            _first(book.rules.get("auto_confirm")),
        ),
        (
            ~owned & (book.settle < horizon),
            book.settle,
            "platform",
            "settle",
            statuses.order[st.FINISHED],
            book.price,
            _first(book.rules.get("settle")),
        ),
    ]
    for mask, times, actor, activity, status, amount, rule in blocks:
        sel = np.flatnonzero(mask)
        model.recorder.emit_block(
            (
                sel.size,
                {
                    "order_id": ids[sel],
                    "case_no": 0,
                    "merchant_id": book.merchant[sel],
                    "time_h": times[sel],
                    "actor": actor,
                    "activity": activity,
                    "status": status[sel] if isinstance(status, np.ndarray) else status,
                    "cs_status": 0,
                    "kind": "",
                    "reason": "",
                    "amount": amount[sel] if isinstance(amount, np.ndarray) else amount,
                    "rule": rule,
                },
            )
        )


def _first(ids: tuple[str, ...] | None) -> str:
    return ids[0] if ids else ""
