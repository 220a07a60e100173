"""The order's own lifecycle: drawn in bulk for every order, finished by a case that took it over."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simkit.sim import statuses as st
from simkit.sim.record import ev

if TYPE_CHECKING:
    from simkit.sim.model import Case, Model
    from simkit.sim.orders import OrderBook
    from simkit.sim.plan import CasePlan


def close_trade(m: Model, c: Case, refunded: bool, rule: str) -> None:
    """The order's own status after a case that took over its tail (refund closes, else finishes)."""
    if not c.owns_tail:
        return
    c.owns_tail = False
    s = m.status
    if refunded:
        ev(m, c, "platform", "close_trade", s.order[st.CLOSED_REFUNDED], rule=rule, case_no=0)
        return
    if math.isnan(c.deliver):
        return
    ev(m, c, "buyer", "confirm_receipt", s.order[st.FINISHED], case_no=0)
    settle_at = m.env.now + c.settle_offset
    if settle_at < m.horizon:
        settled = max(0.0, round(c.price - c.refunded, 2))
        ev(m, c, "platform", "settle", s.order[st.FINISHED], settled, _settle_rule(m), case_no=0, time=settle_at)


def _settle_rule(m: Model) -> str:
    ids = m.book.rules.get("settle", ())
    return ids[0] if ids else ""


def emit_lifecycle(m: Model, book: OrderBook, plan: CasePlan) -> None:
    """Events of every order's own lifecycle, as column blocks (no SimPy involved)."""
    s, horizon = m.status, m.horizon
    ids = np.arange(book.n, dtype=np.int64)
    owned = np.zeros(book.n, dtype=bool)
    owned[plan.order[plan.owns_tail]] = True
    owned |= np.isnan(book.confirm)
    ship_rule = _first(book.rules.get("ship"))
    blocks = [
        (np.ones(book.n, dtype=bool), book.paid, "buyer", "pay", s.order[st.PAID], book.price, ""),
        (
            ~np.isnan(book.ship) & (book.ship < horizon),
            book.ship,
            "merchant",
            "ship",
            s.order[st.SHIPPED],
            0.0,
            ship_rule,
        ),
        (
            ~np.isnan(book.deliver) & (book.deliver < horizon),
            book.deliver,
            "logistics",
            "deliver",
            np.where(book.deliver > book.confirm, s.order[st.FINISHED], s.order[st.SHIPPED]).astype(object),
            0.0,
            "",
        ),
        (
            ~owned & (book.confirm < horizon) & ~book.confirm_auto,
            book.confirm,
            "buyer",
            "confirm_receipt",
            s.order[st.FINISHED],
            0.0,
            "",
        ),
        (
            ~owned & (book.confirm < horizon) & book.confirm_auto,
            book.confirm,
            "platform",
            "auto_confirm",
            s.order[st.FINISHED],
            0.0,
            _first(book.rules.get("auto_confirm")),
        ),
        (
            ~owned & (book.settle < horizon),
            book.settle,
            "platform",
            "settle",
            s.order[st.FINISHED],
            book.price,
            _first(book.rules.get("settle")),
        ),
    ]
    for mask, times, actor, activity, status, amount, rule in blocks:
        sel = np.flatnonzero(mask)
        m.recorder.emit_block(
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
