"""KPIs of one run, from the model's online counters (so they exist without an event log).

Refund rate and dispute rate follow the platforms' definitions (tmall.metrics, seed:004):
refund requests / paid orders, and refunds with platform intervention / paid orders. The
video channel is measured the same way (assumption: WeChat publishes no definition).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np


@dataclass(slots=True)
class Counters:
    """Online counters the model updates as it runs."""

    orders: int = 0
    late_shipments: int = 0
    cases: int = 0
    closed: int = 0
    requests: int = 0
    refund_requests: int = 0
    auto_agree: int = 0
    auto_refund: int = 0
    refusals: int = 0
    offers: int = 0
    offers_accepted: int = 0
    interventions: int = 0
    complaints: int = 0
    reopens: int = 0
    extensions: int = 0
    remedies: int = 0
    claims: int = 0
    cost_refunds: float = 0.0
    cost_compensation: float = 0.0
    cost_shipping: float = 0.0
    cost_penalties: float = 0.0
    cost_deposit: float = 0.0
    penalty_points: int = 0
    staff_busy: float = 0.0
    staff_hours: float = 0.0
    staff_wait: float = 0.0
    staff_tasks: int = 0
    arbiter_busy: float = 0.0
    arbiter_hours: float = 0.0
    arbiter_wait: float = 0.0
    arbiter_tasks: int = 0
    resolution: list[float] = field(default_factory=list)


METRICS: dict[str, str] = {
    "orders": "paid orders",
    "cases": "after-sale cases opened (incl. claims, reopen and over-period contacts)",
    "refund_rate": "refund requests / paid orders (tmall.metrics)",
    "dispute_rate": "refunds with platform intervention / paid orders (tmall.metrics)",
    "auto_approval_share": "requests approved because the merchant did not answer in time / requests",
    "complaint_rate": "rule complaints / paid orders",
    "reopen_rate": "after-sale entries reopened (Tmall) / paid orders",
    "extension_rate": "after-sale extensions (video channel) / paid orders",
    "reopens": "after-sale entries reopened",
    "extensions": "after-sale period extensions",
    "late_shipment_rate": "orders shipped after the promise / paid orders",
    "resolution_mean_h": "mean hours from case start to close",
    "resolution_p50_h": "median hours from case start to close",
    "resolution_p90_h": "90th percentile hours from case start to close",
    "cost_refunds": "money refunded by merchants (CNY)",
    "cost_compensation": "compensation paid: late shipment, accepted offers (CNY)",
    "cost_shipping": "return shipping paid by merchants (CNY)",
    "cost_penalties": "punitive compensation, e.g. counterfeit multiples (CNY)",
    "cost_deposit": "paid by the platform from exited stores' deposits (CNY)",
    "cost_total": "all merchant costs (CNY)",
    "penalty_points": "violation points given to merchants",
    "staff_utilisation": "merchant service staff busy time / staffed time",
    "staff_wait_mean_h": "mean queue wait for a merchant service agent (hours)",
    "arbiter_utilisation": "platform intervention staff busy time / staffed time",
    "arbiter_wait_mean_h": "mean queue wait for a platform arbiter (hours)",
    "remedy_share": "closed cases where the buyer got a remedy / closed cases",
    "open_cases": "cases still open at the horizon",
}
"""Every metric of a run and what it measures."""


def compute(c: Counters) -> dict[str, float]:
    """The KPIs of one run (NaN where undefined, e.g. no cases)."""
    orders = c.orders
    res = np.asarray(c.resolution, dtype=np.float64)

    def ratio(a: float, b: float) -> float:
        return a / b if b else math.nan

    pct = np.percentile(res, [50, 90]) if res.size else [math.nan, math.nan]
    cost_total = c.cost_refunds + c.cost_compensation + c.cost_shipping + c.cost_penalties
    out = {
        "orders": float(orders),
        "cases": float(c.cases),
        "refund_rate": ratio(c.refund_requests, orders),
        "dispute_rate": ratio(c.interventions, orders),
        "auto_approval_share": ratio(c.auto_agree, c.requests),
        "complaint_rate": ratio(c.complaints, orders),
        "reopen_rate": ratio(c.reopens, orders),
        "extension_rate": ratio(c.extensions, orders),
        "reopens": float(c.reopens),
        "extensions": float(c.extensions),
        "late_shipment_rate": ratio(c.late_shipments, orders),
        "resolution_mean_h": float(res.mean()) if res.size else math.nan,
        "resolution_p50_h": float(pct[0]),
        "resolution_p90_h": float(pct[1]),
        "cost_refunds": c.cost_refunds,
        "cost_compensation": c.cost_compensation,
        "cost_shipping": c.cost_shipping,
        "cost_penalties": c.cost_penalties,
        "cost_deposit": c.cost_deposit,
        "cost_total": cost_total,
        "penalty_points": float(c.penalty_points),
        "staff_utilisation": ratio(c.staff_busy, c.staff_hours),
        "staff_wait_mean_h": ratio(c.staff_wait, c.staff_tasks),
        "arbiter_utilisation": ratio(c.arbiter_busy, c.arbiter_hours),
        "arbiter_wait_mean_h": ratio(c.arbiter_wait, c.arbiter_tasks),
        "remedy_share": ratio(c.remedies, c.closed),
        "open_cases": float(c.cases - c.closed),
    }
    assert set(out) == set(METRICS)
    return out


def counter_names() -> list[str]:
    """Names of the raw counters (for debugging and tests)."""
    return [f.name for f in fields(Counters) if f.name != "resolution"]
