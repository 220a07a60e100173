"""Which orders become after-sale cases, when, of which kind, with their pre-drawn randomness.

Every random number a case may need is drawn here, vectorised, one row per case, from
the source's own stream. Rows follow order ids (issue cases first, then late-shipment
claims), so a policy change that alters the course of a case does not shift the numbers
any other case sees (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simkit.scenario.schema import REASONS, ScenarioSpec
from simkit.sim.orders import NONE, REASON_INDEX, OrderBook
from simkit.sim.rng import Streams, sample

POST_DELIVERY = frozenset(
    {"changed_mind", "quality", "damaged", "wrong_item", "missing_parts", "not_as_described", "counterfeit"}
)
KIND_OF_REASON = {
    "changed_mind": "return_refund",
    "quality": "return_refund",
    "damaged": "return_refund",
    "wrong_item": "return_refund",
    "missing_parts": "return_refund",
    "not_as_described": "return_refund",
    "counterfeit": "return_refund",
    "not_received": "refund_only",
    "out_of_stock": "refund_only",
    "late_shipment": "late_shipment_compensation",
}
U_EVIDENCE, U_ACCEPT, U_ESCALATE, U_COMPLAINT, U_RETURN, U_REFILE, U_STALL = range(7)
D_RESPONSE, D_HANDLE1, D_HANDLE2, D_RETURN, D_ESCALATE, D_ARBITER, D_TRANSIT, D_PATIENCE = range(8)


@dataclass(slots=True)
class CasePlan:
    """Columns of all cases (row = case), sorted by start time."""

    order: np.ndarray
    case_no: np.ndarray
    start: np.ndarray
    reason: np.ndarray
    kind: list[str]
    owns_tail: np.ndarray
    u: np.ndarray
    d: np.ndarray

    @property
    def n(self) -> int:
        """Number of cases."""
        return int(self.order.size)


def plan_cases(spec: ScenarioSpec, book: OrderBook, streams: Streams, claims_apply: bool) -> CasePlan:
    """All cases that start before the horizon.

    Args:
        spec: The scenario.
        book: The orders.
        streams: The replication's streams.
        claims_apply: Whether the policy compensates late shipment (else no claim cases).
    """
    horizon = spec.scenario.horizon
    late_idx = REASON_INDEX["late_shipment"]
    issue = np.flatnonzero((book.reason != NONE) & (book.reason != late_idx))
    forced = np.flatnonzero(book.reason == late_idx)
    b = streams.buyer
    claim_u = b.random(book.n)
    natural = book.late & (book.reason != late_idx) & (claim_u < spec.buyers.claim_late_shipment)
    claims = np.sort(np.concatenate([forced, np.flatnonzero(natural)])) if claims_apply else np.zeros(0, np.int64)
    claim_delay = sample(spec.buyers.claim_delay, b, claims.size)

    order = np.concatenate([issue, claims]).astype(np.int64)
    start = np.concatenate([book.discover[issue], book.paid[claims] + book.ship_deadline[claims] + claim_delay])
    reason = np.concatenate([book.reason[issue], np.full(claims.size, late_idx, dtype=np.int8)]).astype(np.int8)
    case_no = np.ones(order.size, dtype=np.int64)
    case_no[issue.size :] = np.where(np.isin(claims, issue), 2, 1)
    confirm = book.confirm[order]
    owns_tail = np.zeros(order.size, dtype=bool)
    owns_tail[: issue.size] = np.isnan(confirm[: issue.size]) | (start[: issue.size] < confirm[: issue.size])

    n = order.size
    u = b.random((n, 7))
    d = np.empty((n, 8))
    m, lg, arb = streams.merchant, streams.logistics, streams.arbiter
    mer = spec.merchants
    d[:, D_RESPONSE] = sample(mer.response_time, m, n)
    d[:, D_HANDLE1] = sample(mer.handling_time, m, n)
    d[:, D_HANDLE2] = sample(mer.handling_time, m, n)
    d[:, D_RETURN] = sample(spec.buyers.return_delay, b, n)
    d[:, D_ESCALATE] = sample(spec.buyers.escalate_delay, b, n)
    d[:, D_ARBITER] = sample(spec.arbiters.decision_time, arb, n)
    d[:, D_TRANSIT] = sample(spec.logistics.return_transit, lg, n)
    d[:, D_PATIENCE] = sample(spec.buyers.patience, b, n)
    np.maximum(d, 0.0, out=d)
    kinds = _kinds(spec, reason, b)
    lost = reason == REASON_INDEX["not_received"]
    start = np.where(lost, start + d[:, D_PATIENCE], start)

    keep = start < horizon
    sel = np.flatnonzero(keep)
    sel = sel[np.argsort(start[sel], kind="stable")]
    return CasePlan(
        order[sel], case_no[sel], start[sel], reason[sel], [kinds[i] for i in sel], owns_tail[sel], u[sel], d[sel]
    )


def _kinds(spec: ScenarioSpec, reason: np.ndarray, rng: np.random.Generator) -> list[str]:
    """The request kind of each case (a buyer with a quality defect may want exchange or repair)."""
    mix = spec.buyers.quality_request
    names = list(mix)
    weights = np.array([mix[k] for k in names], dtype=np.float64)
    u = rng.random(reason.size)
    cdf = np.cumsum(weights) / weights.sum() if weights.sum() > 0 else np.array([1.0])
    pick = np.minimum(np.searchsorted(cdf, u, side="right"), len(names) - 1)
    quality = REASON_INDEX["quality"]
    return [
        names[p] if r == quality else KIND_OF_REASON[REASONS[r]]
        for r, p in zip(reason.tolist(), pick.tolist(), strict=True)
    ]
