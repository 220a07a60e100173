"""KPIs of one run, from the model's online counters, and the one catalogue that defines them.

Every metric has one entry in `CATALOGUE`: a short label, its definition, unit, kind, source,
and which direction is better for whom. The CLI, JSON output, reports and verdicts of
comparisons all read it. The platforms' own definitions (seed:004, tmall.metrics):

* refund rate (退款率) = refund requests / paid orders ("只要点击过申请退款就算");
* dispute rate (纠纷退款率) = refunds concluded with platform intervention / paid orders;
* intervention rate = refund cases in which the platform was asked to intervene / paid
  orders (the older 退款纠纷率 of seed:004 counts these: "只要点击过申请客服介入…都算").

The video channel is measured the same way (assumption: WeChat publishes no definition).
"""

from __future__ import annotations

import math
import re
from array import array
from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np

MetricKind = Literal["rate", "share", "count", "hours", "CNY", "points"]
Direction = Literal["higher", "lower"]


@dataclass(frozen=True, slots=True)
class Metric:
    """One catalogue entry.

    Attributes:
        name: The metric's key.
        label: A short label for tables.
        definition: What it measures, exactly.
        unit: The unit shown beside values (``"/order"``, ``"h"``, ``"CNY"``, …).
        kind: ``rate`` (per paid order) and ``share`` lie in [0, 1]; ``count``, ``hours``,
            ``CNY`` and ``points`` are >= 0.
        source: Where the definition comes from (a source key, or ``simkit``).
        better: Per audience (``buyer``, ``merchant``, ``platform``), which direction is better.
    """

    name: str
    label: str
    definition: str
    unit: str
    kind: MetricKind
    source: str = "simkit"
    better: dict[str, Direction] = field(default_factory=dict)

    @property
    def label_en(self) -> str:
        """The label without its Chinese name (for figures, whose default fonts have no CJK glyphs)."""
        return re.sub(r"\s*[\u3400-\u9fff]+", "", self.label).strip()

    @property
    def bounded(self) -> bool:
        """Whether values lie in [0, 1]."""
        return self.kind in ("rate", "share")


def _m(
    name: str,
    label: str,
    definition: str,
    unit: str,
    kind: MetricKind,
    source: str = "simkit",
    **better: Direction,
) -> Metric:
    return Metric(name, label, definition, unit, kind, source, dict(better))


CATALOGUE: dict[str, Metric] = {
    m.name: m
    for m in (
        _m("orders", "paid orders", "Orders paid in the order window.", "orders", "count"),
        _m(
            "cases",
            "after-sale cases",
            "After-sale cases opened: requests, claims, over-period contacts, rule complaints.",
            "cases",
            "count",
        ),
        _m(
            "refund_rate",
            "refund rate 退款率",
            "Refund requests (refund only, return and refund) / paid orders; a request counts once filed.",
            "/order",
            "rate",
            "seed:004",
            merchant="lower",
            platform="lower",
        ),
        _m(
            "unshipped_refund_rate",
            "unshipped refund rate 未发货仅退款",
            "Refund-only requests filed before shipment / paid orders.",
            "/order",
            "rate",
            merchant="lower",
        ),
        _m(
            "dispute_rate",
            "dispute rate 纠纷退款率",
            "Refunds concluded after platform intervention / paid orders (纠纷退款笔数 / 支付子订单数).",
            "/order",
            "rate",
            "seed:004",
            merchant="lower",
            platform="lower",
        ),
        _m(
            "intervention_rate",
            "intervention rate 退款纠纷率",
            "Refund cases in which the platform was asked to intervene / paid orders, whatever the ruling.",
            "/order",
            "rate",
            "seed:004",
            merchant="lower",
            platform="lower",
        ),
        _m(
            "auto_approval_share",
            "auto-approval share",
            "Requests approved because the merchant did not answer before the response timer / requests.",
            "share",
            "share",
            "seed:004",
            merchant="lower",
            platform="lower",
        ),
        _m(
            "complaint_rate",
            "complaint rate",
            "Rule complaints (规则投诉) filed / paid orders.",
            "/order",
            "rate",
            "seed:004",
            merchant="lower",
        ),
        _m(
            "reopen_rate",
            "reopen rate",
            "After-sale entries reopened by merchants (Tmall, 打开售后入口) / paid orders.",
            "/order",
            "rate",
            "seed:001",
        ),
        _m(
            "extension_rate",
            "extension rate",
            "After-sale period extensions (video channel, 延长售后) / paid orders.",
            "/order",
            "rate",
            "seed:003",
        ),
        _m("reopens", "reopens", "After-sale entries reopened.", "reopens", "count", "seed:001"),
        _m("extensions", "extensions", "After-sale period extensions made.", "extensions", "count", "seed:003"),
        _m(
            "over_period_remedy_share",
            "over-period remedy share",
            "Closed cases whose problem was found after the after-sale period and ended with a remedy "
            "(refund, exchange, repair or compensation) / such closed cases.",
            "share",
            "share",
            "seed:003",
            buyer="higher",
        ),
        _m(
            "late_shipment_rate",
            "late shipment rate",
            "Orders shipped after the shipping promise / paid orders.",
            "/order",
            "rate",
            "seed:004",
            buyer="lower",
            merchant="lower",
        ),
        _m(
            "resolution_mean_h",
            "resolution time, mean",
            "Mean hours from a case's start to its close.",
            "h",
            "hours",
            buyer="lower",
        ),
        _m(
            "resolution_p50_h",
            "resolution time, median",
            "Median hours from a case's start to its close.",
            "h",
            "hours",
            buyer="lower",
        ),
        _m(
            "resolution_p90_h",
            "resolution time, p90",
            "90th percentile of hours from a case's start to its close.",
            "h",
            "hours",
            buyer="lower",
        ),
        _m("cost_refunds", "refunds paid", "Money refunded by merchants.", "CNY", "CNY", merchant="lower"),
        _m(
            "cost_compensation",
            "compensation paid",
            "Compensation paid: late shipment and out of stock, accepted offers.",
            "CNY",
            "CNY",
            merchant="lower",
        ),
        _m(
            "cost_shipping",
            "return shipping paid",
            "Return shipping paid by merchants.",
            "CNY",
            "CNY",
            merchant="lower",
        ),
        _m(
            "cost_penalties",
            "punitive compensation",
            "Punitive compensation paid, e.g. counterfeit multiples (假一赔十 / 假一赔三).",
            "CNY",
            "CNY",
            merchant="lower",
        ),
        _m(
            "cost_deposit",
            "paid from deposits",
            "Refunds paid by the platform from exited stores' deposits.",
            "CNY",
            "CNY",
            "seed:000",
        ),
        _m(
            "cost_total",
            "merchant cost",
            "All merchant costs: refunds, compensation, shipping and punitive compensation.",
            "CNY",
            "CNY",
            merchant="lower",
        ),
        _m(
            "penalty_points",
            "penalty points",
            "Violation points given to merchants (e.g. 12 / 6 / 3 for a description mismatch).",
            "points",
            "points",
            "seed:004",
            merchant="lower",
        ),
        _m(
            "staff_utilisation",
            "staff utilisation",
            "Merchant service staff busy time / staffed time.",
            "share",
            "share",
        ),
        _m(
            "staff_wait_mean_h",
            "staff queue wait",
            "Mean hours a task waits for a merchant service agent (closed shifts included).",
            "h",
            "hours",
            buyer="lower",
        ),
        _m(
            "arbiter_utilisation",
            "arbiter utilisation",
            "Platform intervention staff busy time / staffed time.",
            "share",
            "share",
        ),
        _m(
            "arbiter_wait_mean_h",
            "arbiter queue wait",
            "Mean hours a dispute waits for a platform arbiter.",
            "h",
            "hours",
            buyer="lower",
            platform="lower",
        ),
        _m(
            "remedy_share",
            "remedy share",
            "Closed cases where the buyer got a remedy / closed cases.",
            "share",
            "share",
            buyer="higher",
        ),
        _m(
            "open_cases",
            "open cases",
            "Cases still open at the horizon.",
            "cases",
            "count",
        ),
    )
}
"""Every metric of a run, in display order."""

METRICS: dict[str, str] = {name: metric.definition for name, metric in CATALOGUE.items()}
"""Every metric's definition (a view of `CATALOGUE`)."""


@dataclass(slots=True)
class Counters:
    """Online counters the model updates as it runs."""

    orders: int = 0
    late_shipments: int = 0
    cases: int = 0
    closed: int = 0
    requests: int = 0
    refund_requests: int = 0
    unshipped_refunds: int = 0
    auto_agree: int = 0
    auto_refund: int = 0
    refusals: int = 0
    offers: int = 0
    offers_accepted: int = 0
    interventions: int = 0
    dispute_refunds: int = 0
    complaints: int = 0
    reopens: int = 0
    extensions: int = 0
    over_period: int = 0
    over_period_closed: int = 0
    over_period_remedies: int = 0
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
    resolution: array[float] = field(default_factory=lambda: array("d"))
    """Hours from start to close of each closed case (8 bytes each: the percentiles stay exact)."""


def compute(c: Counters) -> dict[str, float]:
    """The KPIs of one run, keyed and ordered as `CATALOGUE` (NaN where undefined, e.g. no cases)."""
    orders = c.orders
    res = np.asarray(c.resolution, dtype=np.float64)

    def ratio(a: float, b: float) -> float:
        return a / b if b else math.nan

    pct = np.percentile(res, [50, 90]) if res.size else [math.nan, math.nan]
    cost_total = c.cost_refunds + c.cost_compensation + c.cost_shipping + c.cost_penalties
    values = {
        "orders": float(orders),
        "cases": float(c.cases),
        "refund_rate": ratio(c.refund_requests, orders),
        "unshipped_refund_rate": ratio(c.unshipped_refunds, orders),
        "dispute_rate": ratio(c.dispute_refunds, orders),
        "intervention_rate": ratio(c.interventions, orders),
        "auto_approval_share": ratio(c.auto_agree, c.requests),
        "complaint_rate": ratio(c.complaints, orders),
        "reopen_rate": ratio(c.reopens, orders),
        "extension_rate": ratio(c.extensions, orders),
        "reopens": float(c.reopens),
        "extensions": float(c.extensions),
        "over_period_remedy_share": ratio(c.over_period_remedies, c.over_period_closed),
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
    return {name: values[name] for name in CATALOGUE}


def counter_names() -> list[str]:
    """Names of the raw counters (for debugging and tests)."""
    return [f.name for f in fields(Counters) if f.name != "resolution"]
