"""What a log shows of each order and after-sale case, read for fitting.

Every case with a ``request`` becomes one row of `Observations.requests`: when it was made, the
policy's deadline for the merchant's answer (`simkit.rules.merchant_response`, for the policy in
force for that case), the first answer (merchant: agree, refuse or offer; the timer: auto; or
none, with the moment the case left the merchant's hands), and what followed: the offer's fate,
escalation after a refusal (with the window `simkit.rules.intervention` gave), the return (with
the deadline `simkit.rules.buyer_return_deadline` gave), the arbiter's ruling. Times are hours
since the Unix epoch (UTC); NaN when the log does not show them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simkit import rules
from simkit.logs.orderlog import CaseLog, Ev, OrderLog
from simkit.policy.model import Policy
from simkit.rules.decision import CHINA

US_PER_HOUR = 3_600_000_000
TIMER_SLACK_H = 1.0 / 60
"""An approval this close to the response deadline is the timer's (exports that do not say who approved)."""

MERCHANT_ANSWERS = {"agree": "agree", "refuse": "refuse", "offer_compensation": "offer"}
TIMER_ANSWERS = frozenset({"auto_agree"})
LEAVES = frozenset(
    {"cancel", "close", "close_return", "request_intervention", "refund", "merchant_wins", "buyer_wins", "duty_ended"}
)
"""Steps that take a request out of the merchant's hands before any answer (the reply is censored there)."""
RETURN_KINDS = frozenset({"return_refund", "exchange", "repair"})


def hours(us: int | None) -> float:
    """Microseconds since the epoch as hours (NaN when unknown)."""
    return math.nan if us is None else us / US_PER_HOUR


def moment(h: float) -> dt.datetime:
    """Hours since the epoch as a China local time."""
    return dt.datetime.fromtimestamp(h * 3600.0, tz=CHINA)


@dataclass
class Observations:
    """The orders and requests of a log.

    Attributes:
        orders: One row per order: order_id, paid, category, price, channel, free_shipping,
            shipped, delivered, lifecycle (whether the log shows the order's own events).
        requests: One row per after-sale request (see the module docstring).
        cutoff: The log's last time (hours since the epoch): cases open then are censored there.
    """

    orders: pd.DataFrame
    requests: pd.DataFrame
    cutoff: float


class _Terms:
    """The policy's deadlines for a case, asked of `simkit.rules` (memoised by kind and day)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def answer_by(self, kind: str, requested: float, paid: float) -> float:
        req = moment(requested)
        d = rules.merchant_response(
            self.policy,
            kind=kind or "refund_only",
            requested_at=req,
            paid_at=None if math.isnan(paid) else moment(paid),
        )
        return _h(d.deadline)

    def escalate_by(self, requested: float, refused: float, paid: float) -> tuple[float, float]:
        """The last moment to escalate after a refusal (inf when none) and the earliest (the refusal when at once)."""
        d = rules.intervention(
            self.policy,
            refund_requested_at=moment(requested),
            at=moment(refused),
            paid_at=None if math.isnan(paid) else moment(paid),
            merchant_refused=True,
            refused_at=moment(refused),
        )
        if d.deadline_kind == "file_by" and d.deadline is not None:
            return _h(d.deadline), refused
        if d.deadline_kind == "opens_at" and d.deadline is not None:
            return math.inf, max(refused, _h(d.deadline))
        return math.inf, refused

    def return_by(self, agreed: float, paid: float) -> float:
        d = rules.buyer_return_deadline(
            self.policy, agreed_at=moment(agreed), paid_at=None if math.isnan(paid) else moment(paid)
        )
        return _h(d.deadline) if d.allowed else math.inf


def _h(moment_: dt.datetime | None) -> float:
    return math.inf if moment_ is None else moment_.timestamp() / 3600.0


def observe(orders: Iterable[OrderLog], policy: Policy, cutoff_us: int | None) -> Observations:
    """Read every order's facts and every request's course.

    Args:
        orders: The orders (training part).
        policy: The policy in force (its deadlines censor the waits).
        cutoff_us: The log's last time (microseconds since the epoch); None: the last event seen.
    """
    terms = _Terms(policy)
    order_rows: list[dict[str, Any]] = []
    request_rows: list[dict[str, Any]] = []
    last = -math.inf
    for order in orders:
        f = order.facts
        paid = hours(f.paid)
        order_rows.append(
            {
                "order_id": order.order_id,
                "paid": paid,
                "category": f.category,
                "price": f.price,
                "channel": f.channel,
                "free_shipping": f.free_shipping,
                "shipped": hours(f.shipped),
                "delivered": hours(f.delivered),
                "lifecycle": bool(order.lifecycle),
            }
        )
        for ev in order.lifecycle:
            last = max(last, hours(ev.time))
        for case in order.cases:
            for ev in case.events:
                if ev.time is not None:
                    last = max(last, hours(ev.time))
            row = _request(case, order, paid, terms)
            if row is not None:
                request_rows.append(row)
    cutoff = hours(cutoff_us) if cutoff_us is not None else last
    requests = pd.DataFrame(request_rows, columns=_REQUEST_COLUMNS)
    return Observations(pd.DataFrame(order_rows, columns=_ORDER_COLUMNS), requests, cutoff)


_ORDER_COLUMNS = [
    "order_id",
    "paid",
    "category",
    "price",
    "channel",
    "free_shipping",
    "shipped",
    "delivered",
    "lifecycle",
]
_REQUEST_COLUMNS = [
    "order_id", "case_id", "category", "reason", "kind", "unshipped", "price", "paid", "delivered", "requested",
    "answer_by", "answer", "answered", "left", "offer_amount", "offer_accepted", "refused", "escalated",
    "escalate_by", "escalate_opens", "cancelled", "agreed", "return_by", "return_shipped", "return_closed",
    "intervened", "ruled",
    "ruling", "closed",
]  # fmt: skip


def _request(case: CaseLog, order: OrderLog, paid: float, terms: _Terms) -> dict[str, Any] | None:
    events = sorted((ev for ev in case.events if ev.time is not None), key=lambda ev: (ev.time, ev.line))
    first = next((i for i, ev in enumerate(events) if ev.activity == "request"), None)
    if first is None:
        return None
    f = order.facts
    requested = hours(events[first].time)
    shipped = hours(f.shipped)
    unshipped = (
        bool(math.isnan(shipped) or requested < shipped)
        if f.shipped is not None or order.lifecycle
        else (case.kind == "refund_only" and case.reason == "changed_mind")
    )
    row: dict[str, Any] = {name: math.nan for name in _REQUEST_COLUMNS}
    row.update(
        order_id=order.order_id,
        case_id=case.case_id,
        category=f.category,
        reason=case.reason or "",
        kind=case.kind or "",
        unshipped=unshipped,
        price=f.price if f.price is not None else events[first].amount,
        paid=paid,
        delivered=hours(f.delivered),
        requested=requested,
        answer="",
        offer_accepted=None,
        escalated=None,
        cancelled=False,
        ruling="",
    )
    row["answer_by"] = terms.answer_by(row["kind"], requested, paid)
    rest = events[first + 1 :]
    _first_answer(row, rest)
    _afterwards(row, rest, terms)
    return row


def _first_answer(row: dict[str, Any], rest: list[Ev]) -> None:
    for ev in rest:
        t = hours(ev.time)
        a = ev.activity
        if a in MERCHANT_ANSWERS:
            row["answer"], row["answered"] = MERCHANT_ANSWERS[a], t
            return
        if a in TIMER_ANSWERS:
            row["answer"], row["answered"] = "auto", t
            return
        if a == "approve":  # an export that does not say who approved: the timer's when at its deadline
            timer = abs(t - row["answer_by"]) <= TIMER_SLACK_H
            row["answer"], row["answered"] = ("auto" if timer else "agree"), t
            return
        if a in LEAVES:
            row["left"] = t
            return


def _afterwards(row: dict[str, Any], rest: list[Ev], terms: _Terms) -> None:
    paid = row["paid"]
    for i, ev in enumerate(rest):
        t, a = hours(ev.time), ev.activity
        if a == "offer_compensation" and math.isnan(row["offer_amount"]):
            row["offer_amount"] = ev.amount if ev.amount is not None else math.nan
        elif a == "accept_offer" and row["offer_accepted"] is None:
            row["offer_accepted"] = True
        elif a == "decline_offer" and row["offer_accepted"] is None:
            row["offer_accepted"] = False
        elif a == "refuse" and math.isnan(row["refused"]):
            row["refused"] = t
            row["escalate_by"], row["escalate_opens"] = terms.escalate_by(row["requested"], t, paid)
            row["escalated"] = False
        elif a == "request_intervention":
            if not math.isnan(row["refused"]) and not math.isnan(t) and row["escalated"] is False:
                row["escalated"] = t
            if math.isnan(row["intervened"]):
                row["intervened"] = t
        elif a == "intervene" and not math.isnan(row["intervened"]) and t > row["intervened"]:
            row["intervened"] = t
        elif a in ("buyer_wins", "merchant_wins") and not row["ruling"]:
            row["ruling"], row["ruled"] = ("buyer" if a == "buyer_wins" else "merchant"), t
        elif a in ("agree", "auto_agree", "approve", "buyer_wins") and math.isnan(row["agreed"]):
            if row["kind"] in RETURN_KINDS:
                row["agreed"] = t
                row["return_by"] = terms.return_by(t, paid)
        elif a == "ship_return" and math.isnan(row["return_shipped"]):
            row["return_shipped"] = t
        elif a == "close_return" and math.isnan(row["return_closed"]):
            row["return_closed"] = t
        elif a == "cancel":
            row["cancelled"] = True
        if a in ("refund", "close", "close_return", "cancel", "merchant_wins") and math.isnan(row["closed"]):
            row["closed"] = t
        del i
