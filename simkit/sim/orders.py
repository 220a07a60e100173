"""The order book: every order's timeline drawn at once with numpy.

Orders without an after-sale never become SimPy processes: payment, shipment, delivery,
receipt confirmation and settlement are computed here, vectorised, with the deadlines
from `simkit.rules` (one call per payment day, see `offsets`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simkit import rules
from simkit.policy.model import Policy
from simkit.scenario.schema import ISSUE_KINDS, ScenarioSpec
from simkit.sim.offsets import DayOffsets
from simkit.sim.rng import Streams, sample

CHANNELS = ("normal", "juhuasuan", "presale")
REASON_INDEX = {name: i for i, name in enumerate(ISSUE_KINDS)}
"""Index of each issue kind in `OrderBook.reason`."""
NONE = -1
LOGGED_REASON = {"unshipped_refund": "changed_mind"}
"""The reason an issue kind is logged and decided under, where it differs from its name."""


@dataclass(slots=True)
class OrderBook:
    """Columns of all orders (index = order id). Times are simulation hours; NaN = never."""

    categories: tuple[str, ...]
    paid: np.ndarray
    category: np.ndarray
    price: np.ndarray
    free: np.ndarray
    channel: np.ndarray
    merchant: np.ndarray
    ship_deadline: np.ndarray
    ship: np.ndarray
    late: np.ndarray
    deliver: np.ndarray
    transit: np.ndarray
    reason: np.ndarray
    discover: np.ndarray
    used: np.ndarray
    confirm: np.ndarray
    confirm_auto: np.ndarray
    settle: np.ndarray
    settle_offset: np.ndarray
    rules: dict[str, tuple[str, ...]]

    @property
    def n(self) -> int:
        """Number of orders."""
        return int(self.paid.size)


@dataclass(slots=True)
class Merchants:
    """Merchant sizes (order weights), staff counts, exits and who lets requests lie."""

    weight: np.ndarray
    staff: np.ndarray
    exit_h: np.ndarray
    slow: np.ndarray


def arrival_times(spec: ScenarioSpec, rng: np.random.Generator, start_hour: float) -> np.ndarray:
    """Sorted payment times (hours): Poisson per hour with the daily cycle and surges."""
    orders = spec.orders
    if orders.times is not None:
        return np.sort(np.asarray(orders.times, dtype=np.float64))
    window = min(orders.window or spec.scenario.horizon, spec.scenario.horizon)
    hours = int(np.ceil(window))
    if hours == 0 or orders.count == 0:
        return np.zeros(0)
    grid = np.arange(hours, dtype=np.float64)
    cycle = np.asarray(orders.daily_cycle, dtype=np.float64)
    weight = cycle[((grid + start_hour) // 1 % 24).astype(np.int64)] / cycle.mean()
    start = spec.scenario.start
    for surge in orders.surges:
        since = (surge.start - start).total_seconds() / 3600.0
        mask = (grid + 0.5 >= since) & (grid + 0.5 < since + surge.duration)
        weight[mask] *= surge.multiplier
    length = np.minimum(1.0, window - grid)
    rate = orders.count / window * weight * length
    counts = rng.poisson(rate)
    base = np.repeat(grid, counts)
    times: np.ndarray = base + rng.random(base.size) * np.repeat(length, counts)
    times.sort(kind="stable")
    return times


def draw_merchants(spec: ScenarioSpec, rng: np.random.Generator, slow_u: np.ndarray) -> Merchants:
    """Merchant sizes (Pareto), staff per merchant, which stores exit when, and which are slow.

    Args:
        spec: The scenario.
        rng: The arrivals stream.
        slow_u: One uniform per merchant (a merchant is slow when below ``slow_share``).
    """
    m = spec.merchants
    weight = rng.pareto(m.size_shape, m.count) + 1.0
    weight /= weight.sum()
    if m.staff.scale_with_size:
        staff = np.maximum(1, np.rint(weight * m.count * m.staff.per_merchant)).astype(np.int64)
    else:
        staff = np.full(m.count, m.staff.per_merchant, dtype=np.int64)
    exit_h = np.full(m.count, np.inf)
    order = rng.permutation(m.count)
    if m.exit is not None:
        k = round(m.exit.share * m.count)
        exit_h[order[:k]] = (m.exit.at - spec.scenario.start).total_seconds() / 3600.0
    return Merchants(weight, staff, exit_h, slow_u < m.slow_share)


def build_orders(spec: ScenarioSpec, policy: Policy, streams: Streams, merchants: Merchants) -> OrderBook:
    """Draw all orders and their timelines.

    Raises:
        KeyError: When a scenario category is not in the policy (checked by the loader).
    """
    start = spec.scenario.start
    clock = DayOffsets(start)
    start_hour = start.hour + start.minute / 60 + start.second / 3600
    a = streams.arrivals
    paid = arrival_times(spec, a, start_hour)
    n = paid.size
    cats = tuple(spec.orders.categories)
    shares = np.array([spec.orders.categories[c].share for c in cats])
    category = _choice(a, shares, n).astype(np.int16)
    price = np.empty(n)
    for i, name in enumerate(cats):
        mask = category == i
        price[mask] = np.round(np.maximum(0.01, sample(spec.orders.categories[name].price, a, int(mask.sum()))), 2)
    free = a.random(n) < spec.orders.free_shipping
    shares_by_channel: dict[str, float] = {str(k): v for k, v in spec.orders.channels.items()}
    mix = np.array([shares_by_channel.get(c, 0.0) for c in CHANNELS])
    channel = _choice(a, mix, n).astype(np.int8)
    merchant = _choice(a, merchants.weight, n).astype(np.int32)
    keep = paid < merchants.exit_h[merchant]
    if not keep.all():
        paid, price = paid[keep], price[keep]
        category, free, channel, merchant = category[keep], free[keep], channel[keep], merchant[keep]
        n = paid.size

    reason, discover_delay, used = _issues(spec, streams.issues, category, cats)
    presale_after = spec.orders.presale_ship_after
    ship_deadline = np.empty(n)
    for ci, chan in enumerate(CHANNELS):
        mask = channel == ci
        if not mask.any():
            continue
        ship_deadline[mask] = clock.offsets("ship", paid[mask], _ship_rule(policy, chan, presale_after))
    mrng, lrng = streams.merchant, streams.logistics
    delay = sample(spec.merchants.ship_time, mrng, n)
    extra = sample(spec.merchants.late_extra, mrng, n)
    forced = reason == REASON_INDEX["late_shipment"]
    delay = np.where(forced, ship_deadline + np.maximum(extra, 0.01), delay)
    oos = reason == REASON_INDEX["out_of_stock"]
    ship = np.where(oos, np.nan, paid + delay)
    late = ~oos & (delay > ship_deadline)
    unshipped = reason == REASON_INDEX["unshipped_refund"]
    asked = paid + discover_delay
    before = unshipped & (asked < ship)
    ship = np.where(before, np.nan, ship)
    late &= ~before
    transit = sample(spec.logistics.transit, lrng, n)
    lost_u = lrng.random(n)
    damage_u = lrng.random(n)
    lost = ~oos & ~before & (lost_u < spec.logistics.loss) & (reason != REASON_INDEX["not_received"])
    lost |= reason == REASON_INDEX["not_received"]
    deliver = np.where(lost | oos | before, np.nan, ship + transit)
    # A buyer whose parcel left before they asked returns it after delivery instead (changed mind).
    reason = np.where(unshipped & ~before, REASON_INDEX["changed_mind"], reason)
    damaged = ~lost & ~oos & (reason == NONE) & (damage_u < spec.logistics.damage)
    reason = np.where(damaged, REASON_INDEX["damaged"], reason)
    discover_delay = np.where(damaged, 0.0, discover_delay)
    reason = np.where(lost, REASON_INDEX["not_received"], reason)

    auto = clock.offsets(
        "auto_confirm",
        paid,
        lambda moment: (rules.auto_confirm_deadline(policy, shipped_at=moment, paid_at=moment), moment),
    )
    settle_offset = clock.offsets(
        "settle", paid, lambda moment: (rules.settlement_time(policy, confirmed_at=moment, paid_at=moment), moment)
    )
    b = streams.buyer
    early = b.random(n) < spec.buyers.confirm_early
    confirm_delay = sample(spec.buyers.confirm_delay, b, n)
    auto_at = ship + auto
    buyer_at = deliver + confirm_delay
    confirm_auto = ~(early & (buyer_at < auto_at))
    confirm = np.where(confirm_auto, auto_at, buyer_at)
    confirm = np.where(lost | oos | before, np.nan, confirm)
    settle = confirm + settle_offset
    discover = np.where(lost, ship + transit, deliver + discover_delay)
    discover = np.where(oos, paid + sample(spec.merchants.oos_notice, mrng, n), discover)
    discover = np.where(before, asked, discover)
    discover = np.where(reason == NONE, np.nan, discover)
    found = dict(clock.rules)
    return OrderBook(
        cats,
        paid,
        category,
        price,
        free,
        channel,
        merchant,
        ship_deadline,
        ship,
        late,
        deliver,
        transit,
        reason.astype(np.int8),
        discover,
        used,
        confirm,
        confirm_auto,
        settle,
        settle_offset,
        found,
    )


def _choice(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=np.float64)
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), weights.size - 1)


def _issues(
    spec: ScenarioSpec, rng: np.random.Generator, category: np.ndarray, cats: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At most one problem per order: which one, when after delivery, and whether goods were used."""
    n = category.size
    probs = np.zeros((len(cats), len(ISSUE_KINDS)))
    used_p = np.zeros((len(cats), len(ISSUE_KINDS)))
    for ci, name in enumerate(cats):
        for rname, issue in spec.issues.get(name, {}).items():
            probs[ci, REASON_INDEX[rname]] = issue.p
            used_p[ci, REASON_INDEX[rname]] = issue.used
    cum = np.cumsum(probs, axis=1)
    u = rng.random(n)
    row = cum[category]
    hit = u[:, None] < row
    any_hit = hit[:, -1] if hit.size else np.zeros(n, dtype=bool)
    reason = np.where(any_hit, hit.argmax(axis=1) if hit.size else 0, NONE).astype(np.int16)
    delay = np.zeros(n)
    for ci, name in enumerate(cats):
        for rname, issue in spec.issues.get(name, {}).items():
            mask = (category == ci) & (reason == REASON_INDEX[rname])
            count = int(mask.sum())
            if count:
                delay[mask] = np.maximum(0.0, sample(issue.after, rng, count))
    u_used = rng.random(n)
    used = np.zeros(n, dtype=bool)
    valid = reason >= 0
    used[valid] = u_used[valid] < used_p[category[valid], reason[valid]]
    return reason, delay, used


def _ship_rule(policy: Policy, channel: str, presale_after: float) -> Callable[[dt.datetime], Any]:
    """`rules.ship_deadline` for one channel, as a function of the payment moment."""

    def call(moment: dt.datetime) -> tuple[rules.Decision, dt.datetime]:
        ship_by = moment + _hours(presale_after) if channel == "presale" else None
        return rules.ship_deadline(policy, paid_at=moment, channel=channel, presale_ship_by=ship_by), moment

    return call


def _hours(h: float) -> dt.timedelta:
    return dt.timedelta(hours=h)
