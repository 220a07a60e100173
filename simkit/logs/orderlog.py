"""One order's events as the audit sees them: the order's facts, its lifecycle, its after-sale cases.

Rows arrive sorted by (run, order, case, time, line). Facts come from the fact columns (the
first value given on any row of the order) and from the lifecycle events (``pay`` gives the
payment time and the price, ``deliver`` the receipt, ``confirm_receipt`` / ``auto_confirm``
the completion, ``settle`` the settlement). Snapshot exports (Taobao refunds, WeChat after-sale
orders) become events here: each change of status between consecutive snapshots of a record
is one step, named after the transition (`TAOBAO_STEPS`, `WECHAT_STEPS`). Exact duplicate rows
(equal in every field read, common in polled exports) are counted once; the order lists each
duplicate's line with the line it repeats (`OrderLog.duplicates`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from simkit.logs.format import LIFECYCLE

ENDING = frozenset(
    {
        "refund",
        "pay_compensation",
        "close_return",
        "close",
        "cancel",
        "merchant_wins",
        "deliver_replacement",
        "deliver_repaired",
        "accept_offer",
        "decline_over_period",
        "duty_ended",
        "reject_claim",
        "uphold_complaint",
        "dismiss_complaint",
        "not_refiled",
    }
)
"""Steps after which a case has ended."""


@dataclass(slots=True)
class Ev:
    """One event: where it came from, when, what, and what the log cites."""

    line: int
    time: int
    activity: str
    actor: str = ""
    status: str = ""
    cs: int | None = None
    amount: float | None = None
    rule: str = ""
    case_id: str = ""
    detail: str = ""


@dataclass(slots=True)
class CaseLog:
    """One after-sale case."""

    case_id: str
    case_no: int | None
    kind: str
    reason: str
    item: str
    events: list[Ev]
    amount_form: str = ""
    return_shipped: int | None = None
    """When the buyer shipped the return, as a snapshot export's own field gives it (Taobao
    ``good_return_time``), else None."""

    def first(self, *activities: str, after: int = -1) -> tuple[int, Ev] | None:
        """The first event (index, event) after index `after` with one of `activities`."""
        for index in range(after + 1, len(self.events)):
            if self.events[index].activity in activities:
                return index, self.events[index]
        return None


@dataclass(slots=True)
class Facts:
    """What the audit knows of the order (times in microseconds; None when unknown)."""

    paid: int | None = None
    price: float | None = None
    category: str | None = None
    channel: str | None = None
    free_shipping: bool | None = None
    presale_ship_by: int | None = None
    shipped: int | None = None
    delivered: int | None = None
    completed: int | None = None
    settled: int | None = None
    closed: int | None = None
    category_line: int = 0
    """The line the category was read from (0 when none)."""


@dataclass(slots=True)
class OrderLog:
    """One order: its facts, its lifecycle events, its after-sale cases."""

    run_id: str
    order_id: str
    facts: Facts
    lifecycle: list[Ev] = field(default_factory=list)
    cases: list[CaseLog] = field(default_factory=list)
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    """``(line, line it repeats)`` of the rows left out as exact duplicates."""
    conflicts: list[Conflict] = field(default_factory=list)
    """Order facts given again with another value (the first value is used)."""


@dataclass(frozen=True, slots=True)
class Conflict:
    """An order fact given on a later row with another value than the one used.

    Attributes:
        line: The later row's line.
        name: The fact (a canonical field: ``price``, ``category``, ``paid_at``, …).
        value: The value on that row (left unused).
        first_line: The line of the value used.
        first: The value used.
    """

    line: int
    name: str
    value: Any
    first_line: int
    first: Any


_FACT_COLUMNS = ("category", "channel", "free_shipping", "presale_ship_by", "paid_at", "price")


def build_order(
    cols: dict[str, list[Any]], start: int, stop: int, shape: str, may_repeat: bool = True, may_conflict: bool = True
) -> OrderLog:
    """The order in rows ``start:stop`` of the column lists `cols` (a sorted partition), duplicates once.

    `may_repeat` False says that no two rows of the order share case, time and activity, so that
    the search for duplicates is skipped; `may_conflict` False that no fact is given twice with
    two values, so that the search for conflicts is skipped.
    """
    repeats = _duplicates(cols, start, stop) if may_repeat else {}
    if not repeats:
        order = _build(cols, start, stop, shape)
    else:
        lines = cols["_line"]
        dropped = set(repeats)
        keep = [i for i in range(start, stop) if i not in dropped]
        order = _build({name: [values[i] for i in keep] for name, values in cols.items()}, 0, len(keep), shape)
        order.duplicates = sorted((lines[i], lines[first]) for i, first in repeats.items())
    if may_conflict:
        order.conflicts = _conflicts(cols, start, stop)
    return order


def _conflicts(cols: dict[str, list[Any]], start: int, stop: int) -> list[Conflict]:
    """The fact values of rows ``start:stop`` that differ from the first value of their fact, by line."""
    lines = cols["_line"]
    out: list[Conflict] = []
    for name in _FACT_COLUMNS:
        values = cols[name]
        first: int | None = None
        for i in range(start, stop):
            if values[i] is None:
                continue
            if first is None:
                first = i
            elif values[i] != values[first]:
                out.append(Conflict(lines[i], name, values[i], lines[first], values[first]))
    return sorted(out, key=lambda c: (c.line, _FACT_COLUMNS.index(c.name)))


def _duplicates(cols: dict[str, list[Any]], start: int, stop: int) -> dict[int, int]:
    """Row index → the index of the earlier row it repeats exactly (every field but the line).

    A repeat shares the row's case, time and activity: an order in which no two rows do holds
    none (the common case, found without a Python loop); otherwise those rows are compared
    field by field.
    """
    keys = list(zip(cols["case_id"][start:stop], cols["time"][start:stop], cols["activity"][start:stop], strict=True))
    if len(set(keys)) == len(keys):
        return {}
    names = [name for name in cols if name != "_line"]
    out: dict[int, int] = {}
    seen: dict[tuple[Any, ...], int] = {}
    for row in range(start, stop):
        key = tuple(cols[name][row] for name in names)
        first = seen.setdefault(key, row)
        if first != row:
            out[row] = first
    return out


def _build(cols: dict[str, list[Any]], start: int, stop: int, shape: str) -> OrderLog:
    facts = Facts()
    for name in _FACT_COLUMNS:
        values = cols[name]
        for i in range(start, stop):
            if values[i] is not None:
                setattr(facts, "paid" if name == "paid_at" else name, values[i])
                if name == "category":
                    facts.category_line = cols["_line"][i]
                break
    order = OrderLog(cols["run_id"][start] or "", cols["order_id"][start], facts)
    case_ids = cols["case_id"]
    i = start
    while i < stop:
        j = i + 1
        while j < stop and case_ids[j] == case_ids[i]:
            j += 1
        _add_case(order, cols, i, j, shape)
        i = j
    _lifecycle_facts(order)
    return order


def _first(values: Sequence[Any], start: int, stop: int) -> Any:
    for i in range(start, stop):
        if values[i] is not None:
            return values[i]
    return None


def _add_case(order: OrderLog, cols: dict[str, list[Any]], start: int, stop: int, shape: str) -> None:
    case_id = cols["case_id"][start]
    if shape == "simkit":
        events = [
            Ev(
                cols["_line"][i],
                cols["time"][i],
                cols["activity"][i],
                cols["actor"][i] or "",
                cols["status"][i] or "",
                cols["cs_status"][i],
                cols["amount"][i],
                cols["rule"][i] or "",
                case_id,
            )
            for i in range(start, stop)
        ]
    else:
        events = derive_events(cols, start, stop, shape)
    if all(ev.activity in LIFECYCLE for ev in events):
        order.lifecycle += events
        return
    order.cases.append(
        CaseLog(
            case_id,
            _first(cols["case_no"], start, stop),
            _first(cols["kind"], start, stop) or "",
            _first(cols["reason"], start, stop) or "",
            _first(cols["item_id"], start, stop) or "",
            events,
            _first(cols["amount_form"], start, stop) or "",
            _first(cols["return_shipped_at"], start, stop),
        )
    )


def _lifecycle_facts(order: OrderLog) -> None:
    f = order.facts
    order.lifecycle.sort(key=lambda ev: (ev.time, ev.line))
    for ev in order.lifecycle:
        a = ev.activity
        if a == "pay":
            if f.paid is None:
                f.paid = ev.time
            if f.price is None and ev.amount is not None:
                f.price = ev.amount
        elif a == "ship" and f.shipped is None:
            f.shipped = ev.time
        elif a == "deliver" and f.delivered is None:
            f.delivered = ev.time
        elif a in ("confirm_receipt", "auto_confirm") and f.completed is None:
            f.completed = ev.time
        elif a == "settle" and f.settled is None:
            f.settled = ev.time
        elif a == "close_trade" and f.closed is None:
            f.closed = ev.time
    if f.price is None:
        for case in order.cases:
            for ev in case.events:
                if ev.activity in ("request", "claim_compensation") and ev.amount:
                    f.price = ev.amount
                    return


TAOBAO_STEPS: dict[tuple[str, str], tuple[str, str]] = {
    ("WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS"): ("approve", ""),
    ("WAIT_SELLER_AGREE", "SUCCESS"): ("approve+refund", ""),
    ("WAIT_SELLER_AGREE", "SELLER_REFUSE_BUYER"): ("refuse", "merchant"),
    ("SELLER_REFUSE_BUYER", "WAIT_SELLER_AGREE"): ("request", "buyer"),
    ("SELLER_REFUSE_BUYER", "WAIT_BUYER_RETURN_GOODS"): ("approve", ""),
    ("SELLER_REFUSE_BUYER", "SUCCESS"): ("approve+refund", ""),
    ("WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS"): ("ship_return", "buyer"),
    ("WAIT_SELLER_CONFIRM_GOODS", "SUCCESS"): ("refund", "platform"),
}
"""Taobao refund status transitions → the step they record (``""`` actor: the export does
not say whether the merchant or a timer acted). Any → ``CLOSED`` is ``close``."""

WECHAT_STEPS: dict[tuple[str, str], tuple[str, str]] = {
    ("MERCHANT_PROCESSING", "USER_WAIT_RETURN"): ("approve", ""),
    ("MERCHANT_PROCESSING", "PLATFORM_REFUNDING"): ("approve", ""),
    ("MERCHANT_PROCESSING", "MERCHANT_REJECT_REFUND"): ("refuse", "merchant"),
    ("MERCHANT_PROCESSING", "MERCHANT_REJECT_RETURN"): ("refuse", "merchant"),
    ("MERCHANT_PROCESSING", "USER_WAIT_CONFIRM_UPDATE"): ("offer_compensation", "merchant"),
    ("USER_WAIT_CONFIRM_UPDATE", "MERCHANT_PROCESSING"): ("decline_offer", "buyer"),
    ("USER_WAIT_CONFIRM_UPDATE", "PLATFORM_REFUNDING"): ("accept_offer", "buyer"),
    ("USER_WAIT_CONFIRM_UPDATE", "USER_CANCELD"): ("cancel", "buyer"),
    ("MERCHANT_REJECT_REFUND", "PLATFORM_REFUNDING"): ("buyer_wins", "arbiter"),
    ("MERCHANT_REJECT_RETURN", "USER_WAIT_RETURN"): ("buyer_wins", "arbiter"),
    ("USER_WAIT_RETURN", "MERCHANT_WAIT_RECEIPT"): ("ship_return", "buyer"),
    ("MERCHANT_WAIT_RECEIPT", "PLATFORM_REFUNDING"): ("confirm_return", "merchant"),
    ("PLATFORM_REFUNDING", "MERCHANT_REFUND_SUCCESS"): ("refund", "platform"),
    ("PLATFORM_REFUNDING", "MERCHANT_RETURN_SUCCESS"): ("refund", "platform"),
}
"""WeChat after-sale status transitions → the step they record. ``→ RETURN_CLOSED`` is
``close_return``, ``→ USER_CANCELD`` is ``cancel``."""

WECHAT_TIMEOUTS = {"9": "auto_agree", "4": "auto_agree", "11": "auto_refund"}
"""WeChat refund reason codes that record a timer (wx:api): 4 unshipped auto-agree, 9 merchant
review timeout, 11 merchant receipt timeout."""


def derive_events(cols: dict[str, list[Any]], start: int, stop: int, shape: str) -> list[Ev]:
    """The events a sequence of snapshots of one after-sale record stands for."""
    case_id = cols["case_id"][start]
    first_status = "WAIT_SELLER_AGREE" if shape == "taobao" else "MERCHANT_PROCESSING"
    created = _first(cols["created"], start, stop)
    line0 = cols["_line"][start]
    events = [Ev(line0, created, "request", "buyer", first_status, None, cols["amount"][start], "", case_id)]
    state, cs = first_status, 0
    for i in range(start, stop):
        line, time, status = cols["_line"][i], cols["time"][i], cols["status"][i]
        amount = cols["amount"][i]
        new_cs = cols["cs_status"][i]
        if shape == "taobao" and new_cs is not None and new_cs != cs:
            events += _cs_events(line, time, cs, new_cs, status, state, case_id)
            cs = new_cs
        if status == state:
            continue
        if shape == "taobao":
            events += _taobao_step(line, time, state, status, amount, cs, case_id, events)
        else:
            events += _wechat_step(line, time, state, status, amount, cols["refund_reason"][i], case_id)
        state = status
    return events


def _cs_events(line: int, time: int, old: int, new: int, status: str, state: str, case_id: str) -> list[Ev]:
    out = []
    if old < 2 <= new:
        out.append(Ev(line, time, "request_intervention", "buyer", state, 2, None, "", case_id))
    if new in (3, 4, 5) or (new == 6 and old < 3):
        out.append(Ev(line, time, "intervene", "arbiter", state, new, None, "", case_id))
    if new == 6:
        ruling = "merchant_wins" if status == "CLOSED" else "buyer_wins"
        out.append(Ev(line, time, ruling, "arbiter", state, 6, None, "", case_id))
    return out


def _taobao_step(
    line: int, time: int, state: str, status: str, amount: float | None, cs: int, case_id: str, before: list[Ev]
) -> list[Ev]:
    if status == "CLOSED":
        return [Ev(line, time, "close", "", status, cs, None, "", case_id)]
    activity, actor = TAOBAO_STEPS.get((state, status), ("status_change", ""))
    ruled = bool(before) and before[-1].activity == "buyer_wins" and before[-1].time == time
    if activity == "approve+refund":
        steps = [] if ruled else [Ev(line, time, "approve", "", "", cs, None, "", case_id)]
        return [*steps, Ev(line, time, "refund", "platform", status, cs, amount, "", case_id)]
    if activity == "approve" and ruled:
        return [Ev(line, time, "status_change", "", status, cs, None, "", case_id)]
    return [Ev(line, time, activity, actor, status, cs, amount if activity == "refund" else None, "", case_id)]


def _wechat_step(
    line: int, time: int, state: str, status: str, amount: float | None, code: str | None, case_id: str
) -> list[Ev]:
    if status == "RETURN_CLOSED":
        activity, actor = "close_return", "platform"
    elif status == "USER_CANCELD":
        activity, actor = "cancel", "buyer"
    else:
        activity, actor = WECHAT_STEPS.get((state, status), ("status_change", ""))
    timer = WECHAT_TIMEOUTS.get(code or "")
    if (timer == "auto_agree" and activity == "approve") or (timer == "auto_refund" and activity == "confirm_return"):
        activity, actor = timer, "platform"
    money = amount if activity in ("refund", "offer_compensation", "accept_offer") else None
    return [Ev(line, time, activity, actor, status, None, money, "", case_id, detail=code or "")]
