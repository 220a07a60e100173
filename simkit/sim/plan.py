"""Which orders become after-sale cases, when, of which kind, with their pre-drawn randomness.

Every random number a case may need is read from its order's row of each source (see
`Streams.order_rows`): the row depends only on the seed, the source and the order id. So
a variant that adds or removes cases (more late-shipment claims under a shorter shipping
promise, say) leaves every other case's numbers, and so its timeline, unchanged: common
random numbers hold case by case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simkit.scenario.schema import ScenarioSpec
from simkit.sim.draws import NONE, REASON_INDEX
from simkit.sim.orders import LOGGED_REASON, OrderBook
from simkit.sim.rng import Streams, quantile

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
    "unshipped_refund": "refund_only",
}

# Uniforms of a case (`Case.u`).
U_EVIDENCE, U_ACCEPT, U_ESCALATE, U_COMPLAINT, U_RETURN, U_REFILE, U_STALL = range(7)
U_MERCHANT_READS, U_ARBITER_READS, U_SEVERITY = range(7, 10)
# Durations of a case in hours (`Case.d`).
D_RESPONSE, D_HANDLE1, D_HANDLE2, D_RETURN, D_ESCALATE, D_ARBITER, D_TRANSIT, D_PATIENCE = range(8)
D_HANDLE3, D_TRANSIT2 = 8, 9
CLAIM_CASE_NO = 2
"""Case numbers are fixed by kind, so that one case's id never depends on another's existence:
1 the buyer's request, 2 a late-shipment claim, 3 and up rule complaints."""
QUANTUM = 2.0**-20
"""Case start times are multiples of this many hours (about 3.4 ms), so that the launcher reaches each
start exactly in floating point, whatever other cases were launched before."""

# Columns of each source's order row.
_BUYER = ("claim", "claim_delay", "kind", "evidence", "accept", "escalate", "complaint", "return", "refile", "stall")
_BUYER_D = ("return_delay", "escalate_delay", "patience")
_MERCHANT = ("response", "handle1", "handle2", "handle3", "reads")
_ARBITER = ("decision", "reads", "severity")
_LOGISTICS = ("return_transit", "transit2")


@dataclass(slots=True)
class CasePlan:
    """Columns of cases (row = case), sorted by start time (ties: requests before claims, then by order id)."""

    order: np.ndarray
    case_no: np.ndarray
    start: np.ndarray
    reason: list[str]
    kind: list[str]
    owns_tail: np.ndarray
    u: np.ndarray
    d: np.ndarray

    @property
    def n(self) -> int:
        """Number of cases."""
        return int(self.order.size)


def plan_cases(spec: ScenarioSpec, book: OrderBook, streams: Streams, claims_apply: bool, slow: np.ndarray) -> CasePlan:
    """The cases of `book`'s orders that start before the horizon.

    Args:
        spec: The scenario.
        book: The orders (a window of the run's: order ids from ``book.first``).
        streams: The replication's streams.
        claims_apply: Whether the policy compensates late shipment (else no claim cases).
        slow: Per merchant, whether it lets requests lie.
    """
    horizon = spec.scenario.horizon
    late_idx = REASON_INDEX["late_shipment"]
    first = book.first
    issue = np.flatnonzero((book.reason != NONE) & (book.reason != late_idx))
    late_orders = np.flatnonzero(book.late | (book.reason == late_idx))
    touched = np.union1d(issue, late_orders)
    ids = touched + first
    buyer = streams.order_rows("buyer", len(_BUYER) + len(_BUYER_D), ids, first=first)

    late_rows = np.searchsorted(touched, late_orders)
    forced = book.reason[late_orders] == late_idx
    natural = buyer[late_rows, 0] < spec.buyers.claim_late_shipment
    claims = late_orders[forced | natural] if claims_apply else np.zeros(0, np.int64)
    claim_rows = np.searchsorted(touched, claims)
    claim_delay = quantile(spec.buyers.claim_delay, buyer[claim_rows, 1])

    order = np.concatenate([issue, claims]).astype(np.int64)
    rows = np.searchsorted(touched, order)
    start = np.concatenate([book.discover[issue], book.paid[claims] + book.ship_deadline[claims] + claim_delay])
    reason_idx = np.concatenate([book.reason[issue], np.full(claims.size, late_idx, dtype=np.int8)])
    case_no = np.ones(order.size, dtype=np.int64)
    case_no[issue.size :] = CLAIM_CASE_NO
    confirm = book.confirm[order]
    owns_tail = np.zeros(order.size, dtype=bool)
    owns_tail[: issue.size] = np.isnan(confirm[: issue.size]) | (start[: issue.size] < confirm[: issue.size])

    b = buyer[rows]
    merchant = streams.order_rows("merchant", len(_MERCHANT), ids, first=first)[rows]
    arbiter = streams.order_rows("arbiter", len(_ARBITER), ids, first=first)[rows]
    logistics = streams.order_rows("logistics", len(_LOGISTICS), ids, first=first)[rows]
    u, d = _case_numbers(spec, book, order, b, merchant, arbiter, logistics, slow)
    names = [_NAMES[r] for r in reason_idx.tolist()]
    kinds = _kinds(spec, names, b[:, 2])
    lost = np.array([name == "not_received" for name in names], dtype=bool)
    start = np.where(lost, start + d[:, D_PATIENCE], start)

    start = np.round(start / QUANTUM) * QUANTUM
    sel = np.flatnonzero(start < horizon)
    sel = sel[np.argsort(start[sel], kind="stable")]
    return CasePlan(
        order[sel] + first,
        case_no[sel],
        start[sel],
        [LOGGED_REASON.get(names[i], names[i]) for i in sel.tolist()],
        [kinds[i] for i in sel.tolist()],
        owns_tail[sel],
        u[sel],
        d[sel],
    )


_NAMES = {index: name for name, index in REASON_INDEX.items()}


def _case_numbers(
    spec: ScenarioSpec,
    book: OrderBook,
    order: np.ndarray,
    buyer: np.ndarray,
    merchant: np.ndarray,
    arbiter: np.ndarray,
    logistics: np.ndarray,
    slow: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each case's uniforms (`U_*`) and durations (`D_*`) from its order rows."""
    n = order.size
    u = np.empty((n, 10))
    u[:, :7] = buyer[:, 3:10]
    u[:, U_MERCHANT_READS] = merchant[:, 4]
    u[:, U_ARBITER_READS] = arbiter[:, 1]
    u[:, U_SEVERITY] = arbiter[:, 2]
    d = np.empty((n, 10))
    mer, b = spec.merchants, spec.buyers
    is_slow = slow[book.merchant[order]] if slow.size else np.zeros(n, dtype=bool)
    d[:, D_RESPONSE] = np.where(
        is_slow, quantile(mer.slow_response_time, merchant[:, 0]), quantile(mer.response_time, merchant[:, 0])
    )
    d[:, D_HANDLE1] = quantile(mer.handling_time, merchant[:, 1])
    d[:, D_HANDLE2] = quantile(mer.handling_time, merchant[:, 2])
    d[:, D_HANDLE3] = quantile(mer.handling_time, merchant[:, 3])
    base = len(_BUYER)
    d[:, D_RETURN] = quantile(b.return_delay, buyer[:, base])
    d[:, D_ESCALATE] = quantile(b.escalate_delay, buyer[:, base + 1])
    d[:, D_PATIENCE] = quantile(b.patience, buyer[:, base + 2])
    d[:, D_ARBITER] = quantile(spec.arbiters.decision_time, arbiter[:, 0])
    d[:, D_TRANSIT] = quantile(spec.logistics.return_transit, logistics[:, 0])
    d[:, D_TRANSIT2] = quantile(spec.logistics.transit, logistics[:, 1])
    np.maximum(d, 0.0, out=d)
    return u, d


def _kinds(spec: ScenarioSpec, names: list[str], pick_u: np.ndarray) -> list[str]:
    """The request kind of each case (a buyer with a quality defect may want exchange or repair)."""
    mix = spec.buyers.quality_request
    options = list(mix)
    weights = np.array([mix[k] for k in options], dtype=np.float64)
    cdf = np.cumsum(weights) / weights.sum() if weights.sum() > 0 else np.array([1.0])
    pick = np.minimum(np.searchsorted(cdf, pick_u, side="right"), len(options) - 1)
    return [
        options[p] if name == "quality" else KIND_OF_REASON[name] for name, p in zip(names, pick.tolist(), strict=True)
    ]
