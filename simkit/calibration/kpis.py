"""The catalogue's KPIs as a log shows them: computed from `OrderLog`s, with the catalogue's definitions.

`observed_kpis` reads whole orders (`simkit.logs`) and counts what `simkit.metrics.compute`
counts inside the simulation, from the events alone: paid orders from ``pay`` events (or the
order facts), requests from ``request`` events, automatic approvals from ``auto_agree`` (or,
in a Taobao export, which does not say who approved, an approval at the policy's response
timer), interventions from ``request_intervention``, dispute refunds from refunds paid after
an intervention, and so on. A simulated run's log gives back the simulation's own metrics
(tests/calibration/test_kpis.py), which is the independent check that these definitions and
the catalogue's agree.

What no log shows (staff time, the return shipping a merchant paid, …) is named in
`UNOBSERVABLE` with the reason, never estimated. The log also shows a few figures the
catalogue does not define (the refusal share, the time to a refund); they are defined here,
in `LOG_KPIS`, in the catalogue's own form.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simkit.compliance.calls import HOUR_US, RuleCalls, to_micros
from simkit.logs.orderlog import CaseLog, Facts, OrderLog
from simkit.metrics import CATALOGUE, Counters, Metric, compute
from simkit.policy.model import Policy

REFUND_KINDS = frozenset({"refund_only", "return_refund"})
"""Request kinds the refund rate counts (退款: refund only, return and refund)."""

REMEDY_STEPS = frozenset(
    {"refund", "pay_compensation", "deliver_replacement", "deliver_repaired", "accept_offer", "uphold_complaint"}
)
"""Steps that give the buyer a remedy: money back, compensation, a replacement or a repair, an upheld complaint."""

CLOSING_STEPS = REMEDY_STEPS | frozenset(
    {
        "close_return",
        "close",
        "cancel",
        "merchant_wins",
        "reject_claim",
        "decline_over_period",
        "not_refiled",
        "duty_ended",
        "dismiss_complaint",
    }
)
"""Steps after which a case is over (the last step of a closed case is one of these)."""

LOG_KPIS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "refusal_share",
            "refusal share",
            "Requests the merchant refused (拒绝) / requests.",
            "share",
            "share",
        ),
        Metric(
            "time_to_refund_p50_h",
            "time to refund, median",
            "Median hours from a refund request to the refund paid, over refunded requests.",
            "h",
            "hours",
            better={"buyer": "lower"},
        ),
        Metric(
            "time_to_refund_p90_h",
            "time to refund, p90",
            "90th percentile of hours from a refund request to the refund paid, over refunded requests.",
            "h",
            "hours",
            better={"buyer": "lower"},
        ),
    )
}
"""KPIs a log shows that the catalogue does not define (same form as `simkit.metrics.CATALOGUE`)."""

UNOBSERVABLE: dict[str, str] = {
    "cost_shipping": "who paid the return shipping is not in the log",
    "cost_total": "needs the return shipping paid, which is not in the log",
    "staff_utilisation": "the merchant's staffed hours are not in the log",
    "staff_wait_mean_h": "when a merchant agent picked a task up is not in the log",
    "arbiter_utilisation": "the platform's staffed hours are not in the log",
    "arbiter_wait_mean_h": "the arbiters' queue (complaints included) is not in the log",
}
"""Catalogue metrics no log shows, with the reason."""

_EXPORT_ONLY_SIMKIT = {
    "cost_deposit": "refunds paid from an exited store's deposit are not marked as such in an export",
    "cost_compensation": "the export has no compensation payments apart from refunds",
    "cost_penalties": "the export has no punitive compensation payments",
    "penalty_points": "the export has no penalty points",
    "complaint_rate": "the export has no rule complaints",
    "reopen_rate": "the export has no reopened after-sale entries",
    "reopens": "the export has no reopened after-sale entries",
    "extension_rate": "the export has no after-sale period extensions",
    "extensions": "the export has no after-sale period extensions",
    "over_period_remedy_share": "the export does not mark problems found after the after-sale period",
}
"""Catalogue metrics only the simkit shape shows (the platforms' refund exports carry refund records only)."""

_NOT_IN_WECHAT = {
    "cases": "the after-sale orders hold requests only, not over-period contacts or compensation claims",
    "intervention_rate": "a WeChat after-sale order does not record a request for platform intervention",
    "resolution_mean_h": "a ruling for the merchant leaves a WeChat after-sale order rejected, never closed",
    "resolution_p50_h": "a ruling for the merchant leaves a WeChat after-sale order rejected, never closed",
    "resolution_p90_h": "a ruling for the merchant leaves a WeChat after-sale order rejected, never closed",
    "remedy_share": "a ruling for the merchant leaves a WeChat after-sale order rejected, never closed",
    "open_cases": "a ruling for the merchant leaves a WeChat after-sale order rejected, never closed",
}
"""Catalogue metrics a WeChat after-sale export cannot show (wx:api status machine)."""


def unobservable(shape: str = "simkit", *, facts: bool = True) -> dict[str, str]:
    """Catalogue metrics a log of this shape cannot show, with the reason.

    Args:
        shape: ``simkit``, ``taobao`` or ``wechat``.
        facts: Whether every paid order is known: a simkit log with its ``pay`` rows, or a
            platform export with its order file (its after-sale log alone holds only the orders
            with a record). Without them nothing per paid order can be shown.
    """
    out = dict(UNOBSERVABLE)
    if shape != "simkit":
        out.update(_EXPORT_ONLY_SIMKIT)
    if shape == "wechat":
        out.update(_NOT_IN_WECHAT)
    if not facts:
        for name, metric in CATALOGUE.items():
            if metric.kind == "rate" or name in ("orders", "late_shipment_rate"):
                out.setdefault(name, "the paid orders are unknown: the log has no order facts (give the order file)")
    return {name: out[name] for name in CATALOGUE if name in out}


def kpi_metric(name: str) -> Metric:
    """The definition of a KPI: the catalogue's, or `LOG_KPIS`'s."""
    return CATALOGUE[name] if name in CATALOGUE else LOG_KPIS[name]


@dataclass(slots=True)
class _Tally(Counters):
    """The simulation's own counters (so that `simkit.metrics.compute` defines the KPIs), and the log's extras."""

    refusals: int = 0
    to_refund: list[float] = field(default_factory=list)
    with_facts: bool = False


def observed_kpis(
    orders: Iterable[OrderLog],
    *,
    policy: Policy,
    period: tuple[dt.datetime, dt.datetime],
    shape: str = "simkit",
    facts: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Every KPI the log can show, for the orders paid in `period`, with the catalogue's definitions.

    Args:
        orders: Whole orders (`simkit.logs.LogOrders`, or `orders_in` over canonical rows).
        policy: The policy in force (the response timer tells a Taobao auto-approval from a reply;
            the shipping promise tells a late shipment).
        period: ``(start, end)``, naive China local times: orders paid in ``[start, end)`` count
            (orders without a payment time count by their first after-sale request).
        shape: The log's shape (``simkit``, ``taobao``, ``wechat``).
        facts: The shop's order facts (`simkit.logs.facts.read_order_facts`: ``order_id``,
            ``paid_at``, ``shipped_at``, ``channel``, ``presale_ship_by``), for a platform export
            whose log holds only the orders with an after-sale record: then the paid orders (the
            rates' denominator), the payment and shipping times and the late shipments come from them.

    Returns:
        Metric name → value, in catalogue order and then `LOG_KPIS`, for every metric not in
        ``unobservable(shape)``; NaN where the log shows the metric but it is undefined (no cases).
    """
    start, end = to_micros(period[0]), to_micros(period[1])
    calls = RuleCalls(policy)
    t = _Tally()
    book = None if facts is None else _OrderBook(facts)
    for order in orders:
        f = order.facts if book is None else book.get(order.order_id, order.facts)
        when = f.paid if f.paid is not None else _first_request(order)
        if when is None or not start <= when < end:
            continue
        if book is None:
            _tally_lifecycle(t, f, calls)
        for case in order.cases:
            _tally_case(t, case, f, calls, shape)
    if book is not None:
        book.tally(t, start, end, calls)
    values = _values(t)
    paid_orders_known = facts is not None or (shape == "simkit" and (t.with_facts or t.orders == 0))
    hidden = unobservable(shape, facts=paid_orders_known)
    names = [n for n in CATALOGUE if n not in hidden] + list(LOG_KPIS)
    return {name: values[name] for name in names}


def in_period(
    orders: Iterable[OrderLog], period: tuple[dt.datetime, dt.datetime], facts: pd.DataFrame | None = None
) -> list[OrderLog]:
    """The orders paid in ``[start, end)`` (by the order facts when given, else by payment or first request)."""
    start, end = to_micros(period[0]), to_micros(period[1])
    book = None if facts is None else _OrderBook(facts)
    out = []
    for order in orders:
        f = order.facts if book is None else book.get(order.order_id, order.facts)
        when = f.paid if f.paid is not None else _first_request(order)
        if when is not None and start <= when < end:
            out.append(order)
    return out


def _first_request(order: OrderLog) -> int | None:
    times = [case.events[0].time for case in order.cases if case.events]
    return min(times) if times else None


class _OrderBook:
    """A `read_order_facts` table as arrays (times in microseconds; `_NONE` when missing)."""

    def __init__(self, facts: pd.DataFrame) -> None:
        n = len(facts)
        self.ids = [str(x) for x in facts["order_id"].tolist()]
        self.paid = _micros(facts["paid_at"])
        self.shipped = _micros(facts["shipped_at"]) if "shipped_at" in facts else np.full(n, _NONE)
        self.presale = _micros(facts["presale_ship_by"]) if "presale_ship_by" in facts else np.full(n, _NONE)
        channels = facts["channel"].tolist() if "channel" in facts else [None] * n
        self.channels = [c if isinstance(c, str) else "normal" for c in channels]
        self._index = {oid: i for i, oid in enumerate(self.ids)}

    def get(self, order_id: str, default: Facts) -> Facts:
        """The facts of one order (`default` when the table lacks it)."""
        i = self._index.get(order_id)
        if i is None:
            return default
        return Facts(
            paid=_opt(self.paid[i]),
            channel=self.channels[i],
            presale_ship_by=_opt(self.presale[i]),
            shipped=_opt(self.shipped[i]),
        )

    def tally(self, t: _Tally, start: int, end: int, calls: RuleCalls) -> None:
        """Count the orders paid in ``[start, end)`` and those shipped after the shipping promise."""
        paid = self.paid
        inside = (paid != _NONE) & (paid >= start) & (paid < end)
        t.orders += int(inside.sum())
        t.with_facts = True
        shipped = inside & (self.shipped != _NONE)
        days = (paid + _LOCAL_US) // _DAY_US
        spans: dict[tuple[str, int], int | None] = {}
        for i in np.nonzero(shipped)[0].tolist():
            channel, presale = self.channels[i], self.presale[i]
            if channel == "presale" and presale != _NONE:
                deadline: int | None = int(presale)
            else:
                key = (channel, int(days[i]))
                if key not in spans:
                    due, _ = calls.ship(int(paid[i]), channel, None)
                    spans[key] = None if due is None else due - int(paid[i])
                span = spans[key]
                deadline = None if span is None else int(paid[i]) + span
            if deadline is not None and self.shipped[i] > deadline:
                t.late_shipments += 1


_NONE = np.iinfo(np.int64).min
_LOCAL_US = 8 * HOUR_US
_DAY_US = 24 * HOUR_US


def _opt(value: np.int64) -> int | None:
    return None if value == _NONE else int(value)


def _micros(column: pd.Series) -> np.ndarray:
    """Zone-aware (or China-local naive) times as microseconds since the epoch; `_NONE` when missing."""
    stamps = pd.to_datetime(column)
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize("Asia/Shanghai")
    utc = stamps.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
    values = utc.to_numpy().astype("int64")
    values[stamps.isna().to_numpy()] = _NONE
    return values


def _tally_lifecycle(t: _Tally, f: Facts, calls: RuleCalls) -> None:
    """One paid order: the denominator, and whether it shipped after the shipping promise."""
    t.orders += 1
    t.with_facts = t.with_facts or f.paid is not None
    if f.paid is not None and f.shipped is not None:
        deadline, _ = calls.ship(f.paid, f.channel or "normal", f.presale_ship_by)
        if deadline is not None and f.shipped > deadline:
            t.late_shipments += 1


def _tally_case(t: _Tally, case: CaseLog, f: Facts, calls: RuleCalls, shape: str) -> None:
    events = sorted(case.events, key=lambda ev: (ev.time, ev.line))
    if not events:
        return
    t.cases += 1
    refund_kind = case.kind in REFUND_KINDS or (shape != "simkit" and not case.kind)
    intervened = over_period = remedy = deposit = offer_taken = False
    requested: int | None = None
    previous = ""
    for ev in events:
        a = ev.activity
        first_answer, previous = previous == "request", a
        if a == "request":
            t.requests += 1
            requested = ev.time if requested is None else requested
            if refund_kind:
                t.refund_requests += 1
                if case.kind == "refund_only" and (f.shipped is None or ev.time < f.shipped):
                    t.unshipped_refunds += 1
        elif a == "auto_agree" or (
            a == "approve" and shape == "taobao" and first_answer and _at_timer(case, ev.time, requested, f.paid, calls)
        ):
            t.auto_agree += 1
        elif a == "refuse":
            t.refusals += 1
        elif a == "request_intervention":
            t.interventions += 1
            intervened = True
        elif a == "buyer_wins":
            intervened = True  # a ruling: the platform intervened, whether or not the export shows the request
        elif a == "handle_after_exit":
            deposit = ev.actor == "platform"
        elif a in ("refund", "pay_compensation") and offer_taken:
            offer_taken = False  # the accepted offer's payment, counted as compensation
        elif a == "refund":
            if deposit:
                t.cost_deposit += ev.amount or 0.0
            else:
                t.cost_refunds += ev.amount or 0.0
            t.dispute_refunds += int(intervened)
            if requested is not None and refund_kind:
                t.to_refund.append((ev.time - requested) / HOUR_US)
        elif a == "pay_compensation":
            if case.reason == "counterfeit":
                t.cost_penalties += ev.amount or 0.0
            else:
                t.cost_compensation += ev.amount or 0.0
        elif a == "accept_offer":
            t.cost_compensation += ev.amount or 0.0
            offer_taken = True
        elif a in ("penalty_points", "uphold_complaint"):
            t.penalty_points += round(ev.amount or 0.0)
        elif a == "file_complaint":
            t.complaints += 1
        elif a == "reopen_entry":
            t.reopens += 1
        elif a == "extend_after_sale":
            t.extensions += 1
        elif a == "contact_merchant":
            over_period = True
        remedy = remedy or a in REMEDY_STEPS
    last = events[-1].activity
    if last in CLOSING_STEPS or (last == "decline_offer" and over_period):
        t.closed += 1
        t.remedies += int(remedy)
        t.resolution.append((events[-1].time - events[0].time) / HOUR_US)
        if over_period:
            t.over_period_closed += 1
            t.over_period_remedies += int(remedy)


def _at_timer(case: CaseLog, at: int, requested: int | None, paid: int | None, calls: RuleCalls) -> bool:
    """Whether an approval whose actor the export omits came at the response timer (an auto-approval)."""
    if requested is None:
        return False
    deadline, _ = calls.merchant_response(case.kind or "refund_only", requested, paid)
    return deadline is not None and at >= deadline - _TIMER_SLACK_US


_TIMER_SLACK_US = 60 * 1_000_000
"""An approval within a minute of the response timer is the timer's (exports keep whole seconds)."""


def _values(t: _Tally) -> dict[str, float]:
    """The catalogue's KPIs as `simkit.metrics.compute` defines them, and `LOG_KPIS`."""
    ttr = np.asarray(t.to_refund, dtype=np.float64)
    q = np.percentile(ttr, [50, 90]) if ttr.size else [math.nan, math.nan]
    return {
        **compute(t),
        "refusal_share": t.refusals / t.requests if t.requests else math.nan,
        "time_to_refund_p50_h": float(q[0]),
        "time_to_refund_p90_h": float(q[1]),
    }
