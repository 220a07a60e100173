"""The order book: the timelines of a window of orders drawn at once with numpy.

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
from simkit.scenario.schema import ScenarioSpec
from simkit.sim.arrivals import Arrivals, Window
from simkit.sim.draws import (
    CHANNELS,
    NONE,
    REASON_INDEX,
    BookDraws,
    channel_mix,
    choice,
    issue_probabilities,
    issue_reasons,
)
from simkit.sim.offsets import DayOffsets
from simkit.sim.rng import sample

LOGGED_REASON = {"unshipped_refund": "changed_mind"}
"""The reason an issue kind is logged and decided under, where it differs from its name."""


@dataclass(slots=True)
class OrderBook:
    """Columns of orders (row ``i`` = order ``first + i``). Times are simulation hours; NaN = never."""

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
    first: int = 0
    """The order id of row 0 (a window of the run's orders starts at its first order's id)."""

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


def build_window(
    spec: ScenarioSpec,
    policy: Policy,
    draws: BookDraws,
    arrivals: Arrivals,
    window: Window,
    first: int,
    merchants: Merchants,
    clock: DayOffsets,
) -> OrderBook:
    """The orders of one window and their timelines, from the generators of `draws` (advanced here).

    Args:
        spec: The scenario.
        policy: The policy in force.
        draws: Each bulk call's generator, at this window's first order (see `simkit.sim.draws`).
        arrivals: The payment hours.
        window: The window (windows are built in order).
        first: The order id of the window's first order (after merchant exits).
        merchants: The merchants.
        clock: The rule offsets per payment day (shared by the windows).

    Raises:
        KeyError: When a scenario category is not in the policy (checked by the loader).
    """
    paid = arrivals.paid(window, draws.times)
    n = paid.size
    cats = tuple(spec.orders.categories)
    shares = np.array([spec.orders.categories[c].share for c in cats])
    category = choice(draws.category, shares, n).astype(np.int16)
    price = np.empty(n)
    for i, name in enumerate(cats):
        mask = category == i
        price[mask] = np.round(
            np.maximum(0.01, sample(spec.orders.categories[name].price, draws.prices[i], int(mask.sum()))), 2
        )
    free = draws.free.random(n) < spec.orders.free_shipping
    channel = choice(draws.channel, channel_mix(spec), n).astype(np.int8)
    merchant = choice(draws.merchant, merchants.weight, n).astype(np.int32)
    keep = paid < merchants.exit_h[merchant]
    if not keep.all():
        paid, price = paid[keep], price[keep]
        category, free, channel, merchant = category[keep], free[keep], channel[keep], merchant[keep]
        n = paid.size

    reason, discover_delay, used = _issues(spec, draws, category, cats)
    presale_after = spec.orders.presale_ship_after
    ship_deadline = np.empty(n)
    for ci, chan in enumerate(CHANNELS):
        mask = channel == ci
        if not mask.any():
            continue
        ship_deadline[mask] = clock.offsets("ship", paid[mask], ship_rule(policy, chan, presale_after), variant=chan)
    later = draws.later
    delay = sample(spec.merchants.ship_time, later.ship_time, n)
    extra = sample(spec.merchants.late_extra, later.late_extra, n)
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
    transit = sample(spec.logistics.transit, later.transit, n)
    lost_u = later.lost.random(n)
    damage_u = later.damage.random(n)
    lost = ~oos & ~before & (lost_u < spec.logistics.loss) & (reason != REASON_INDEX["not_received"])
    lost |= reason == REASON_INDEX["not_received"]
    deliver = np.where(lost | oos | before, np.nan, ship + transit)
    # A buyer whose parcel left before they asked returns it after delivery instead (changed mind).
    reason = np.where(unshipped & ~before, REASON_INDEX["changed_mind"], reason)
    damaged = ~lost & ~oos & (reason == NONE) & (damage_u < spec.logistics.damage)
    reason = np.where(damaged, REASON_INDEX["damaged"], reason)
    discover_delay = np.where(damaged, 0.0, discover_delay)
    reason = np.where(lost, REASON_INDEX["not_received"], reason)

    auto = clock.offsets("auto_confirm", paid, auto_confirm_rule(policy))
    settle_offset = clock.offsets("settle", paid, settle_rule(policy))
    early = later.confirm_early.random(n) < spec.buyers.confirm_early
    confirm_delay = sample(spec.buyers.confirm_delay, later.confirm_delay, n)
    auto_at = ship + auto
    buyer_at = deliver + confirm_delay
    confirm_auto = ~(early & (buyer_at < auto_at))
    confirm = np.where(confirm_auto, auto_at, buyer_at)
    confirm = np.where(lost | oos | before, np.nan, confirm)
    settle = confirm + settle_offset
    discover = np.where(lost, ship + transit, deliver + discover_delay)
    discover = np.where(oos, paid + sample(spec.merchants.oos_notice, later.oos_notice, n), discover)
    discover = np.where(before, asked, discover)
    discover = np.where(reason == NONE, np.nan, discover)
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
        clock.rules,
        first,
    )


def _issues(
    spec: ScenarioSpec, draws: BookDraws, category: np.ndarray, cats: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At most one problem per order: which one, when after delivery, and whether goods were used."""
    n = category.size
    cumulative, used_p = issue_probabilities(spec, cats)
    reason = issue_reasons(draws.issue, cumulative, category)
    delay = np.zeros(n)
    for ci, name in enumerate(cats):
        for rname, issue in spec.issues.get(name, {}).items():
            mask = (category == ci) & (reason == REASON_INDEX[rname])
            count = int(mask.sum())
            if count:
                delay[mask] = np.maximum(0.0, sample(issue.after, draws.later.issue_after[(ci, rname)], count))
    u_used = draws.later.issue_used.random(n)
    used = np.zeros(n, dtype=bool)
    valid = reason >= 0
    used[valid] = u_used[valid] < used_p[category[valid], reason[valid]]
    return reason, delay, used


def auto_confirm_rule(policy: Policy) -> Callable[[dt.datetime], Any]:
    """`rules.auto_confirm_deadline` as a function of the payment moment (shipped then too)."""

    def call(moment: dt.datetime) -> tuple[rules.Decision, dt.datetime]:
        return rules.auto_confirm_deadline(policy, shipped_at=moment, paid_at=moment), moment

    return call


def settle_rule(policy: Policy) -> Callable[[dt.datetime], Any]:
    """`rules.settlement_time` as a function of the payment moment (confirmed then too)."""

    def call(moment: dt.datetime) -> tuple[rules.Decision, dt.datetime]:
        return rules.settlement_time(policy, confirmed_at=moment, paid_at=moment), moment

    return call


def ship_rule(policy: Policy, channel: str, presale_after: float) -> Callable[[dt.datetime], Any]:
    """`rules.ship_deadline` for one channel, as a function of the payment moment."""

    def call(moment: dt.datetime) -> tuple[rules.Decision, dt.datetime]:
        ship_by = moment + _hours(presale_after) if channel == "presale" else None
        return rules.ship_deadline(policy, paid_at=moment, channel=channel, presale_ship_by=ship_by), moment

    return call


def _hours(h: float) -> dt.timedelta:
    return dt.timedelta(hours=h)
