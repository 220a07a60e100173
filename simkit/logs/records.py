"""A simulated run's refund records, platform-neutral: the order book and each case's snapshots.

`order_book` gathers one row per order (facts, lifecycle times, platform ids); `walk_records`
follows each refund-only or return case from its request and records the refund record after
every step that changes it (`Snapshot`, in `simkit.sim.statuses`' neutral step names). The
platform modules (`export_taobao`, `export_wechat`) name the statuses and write the fields.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from simkit.errors import UsageError
from simkit.events import TIME_ZONE
from simkit.logs.encode import book_rows, is_missing
from simkit.sim import statuses as st

REFUND_KINDS = ("refund_only", "return_refund")
"""The after-sale kinds a platform's refund export carries."""


ID_BASE = 10**9
"""Platform ids are numbers: ``(run index + 1) × 10⁹ + order id`` for orders, ×100 + case number for refunds."""


LIFECYCLE = {
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


def sort_events(events: pd.DataFrame) -> pd.DataFrame:
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
    life = events.loc[events["concept:name"].isin(list(LIFECYCLE)), ["_run", "order_id", "concept:name"]]
    seconds = epoch_seconds(events.loc[life.index, "time:timestamp"])
    life = life.assign(what=life["concept:name"].map(LIFECYCLE), at=seconds)
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
    book["base"] = (book["_run"].astype(np.int64) + 1) * ID_BASE + book["order_id"].astype(np.int64)
    return book


def _join(book: pd.DataFrame, facts: pd.DataFrame, runs: int) -> pd.DataFrame:
    """The order book with the facts' columns, matched by (run, order) or, for one run, by order."""
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


def epoch_seconds(stamps: pd.Series) -> np.ndarray:
    """Whole seconds since the Unix epoch (floored) of zone-aware (or China-local naive) times."""
    values = pd.to_datetime(stamps)
    if values.dt.tz is None:
        values = values.dt.tz_localize(TIME_ZONE)
    micros = values.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").to_numpy().astype(np.int64)
    return np.floor_divide(micros, 1_000_000).astype(np.float64)


def trade_state(order: Mapping[str, Any], at: float) -> str:
    """The order's own state at `at`: paid, shipped, finished or closed (the latest that has happened)."""
    state, when = "paid", -math.inf
    for name in ("shipped", "finished", "closed"):
        t = order[name]
        if not is_missing(t) and t <= at and t >= when:
            state, when = name, t
    return state


def walk_records(events: pd.DataFrame, book: pd.DataFrame) -> Iterator[Record]:
    """The refund records of the log: one per refund-only or return case that reached a request."""
    shipped = {(int(r), int(o)): s for r, o, s in zip(book["_run"], book["order_id"], book["shipped"], strict=True)}
    cases = events.loc[(events["case_no"] > 0) & events["kind"].isin(REFUND_KINDS)]
    if cases.empty:
        return
    seconds = epoch_seconds(cases["time:timestamp"])
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
        self.shipped = None if shipped is None or is_missing(shipped) else float(shipped)

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
                if activity == "refund" and snap.step != st.REFUNDING:  # a refund always passes through refunding
                    snap = replace(snap, time=at, step=st.REFUNDING, amount=refunded or snap.amount)
                    if replace(snaps[-1], time=snap.time) != snap:
                        snaps.append(snap)
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


def orders_by_key(book: pd.DataFrame, records: Iterable[Record] | None = None) -> dict[tuple[int, int], dict[str, Any]]:
    """The order book's rows by (run index, order id); only the orders of `records` when given."""
    if records is not None:
        wanted = {(r.run, r.order_id) for r in records}
        runs, orders = book["_run"].tolist(), book["order_id"].tolist()
        book = book.loc[[(int(r), int(o)) in wanted for r, o in zip(runs, orders, strict=True)]]
    return {(int(o["_run"]), int(o["order_id"])): o for o in book_rows(book)}


def product_ids(book: pd.DataFrame) -> dict[Any, str]:
    """A WeChat product id per category (the shop sells one product per category)."""
    names = sorted({str(c) for c in book["category"].dropna()}) if "category" in book else []
    out: dict[Any, str] = {name: str(10_000_000_000 + 1000 * (i + 1)) for i, name in enumerate(names)}
    out[""] = str(10_000_000_000)
    return out


SHOP_FACTS = ("category", "channel", "free_shipping", "presale_ship_by")
"""The shop's own order facts that no platform field holds, written beside the platforms' order fields."""
