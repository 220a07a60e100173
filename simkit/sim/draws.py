"""Where each bulk draw of the order book starts in its stream, so the book can be drawn in windows.

The order book was drawn in bulk: each source's stream gives, one call after another, a value
per order (payment times, then categories, then the prices of each category, ...). Numpy draws
an array element by element, so the values of orders ``i`` to ``j`` of a call are what a copy
of the stream, positioned at that call's start and advanced over orders ``0`` to ``i``, draws
next. `locate` finds each call's start with one pass that draws every value and keeps none
(counting what later calls need: orders per category, orders kept after merchant exits, issues
per kind); `BookDraws` then holds one generator per call, which the windows advance in turn.
A window's numbers are therefore exactly those of the bulk draw, whatever the window size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simkit.scenario.schema import ISSUE_KINDS, DurationDist, PriceDist, ScenarioSpec
from simkit.sim.arrivals import Arrivals
from simkit.sim.rng import Streams, sample

CHANNELS = ("normal", "juhuasuan", "presale")
REASON_INDEX = {name: i for i, name in enumerate(ISSUE_KINDS)}
"""Index of each issue kind in `OrderBook.reason`."""
NONE = -1
_SKIP = 1 << 14
"""Values per block when drawing values to skip them (bounds memory)."""


@dataclass(slots=True)
class LaterDraws:
    """The calls whose start depends on how many orders were placed: the issues stream's after its first,
    and those of the merchant, logistics and buyer streams (see `BookDraws`)."""

    issue_after: dict[tuple[int, str], np.random.Generator]
    issue_used: np.random.Generator
    ship_time: np.random.Generator
    late_extra: np.random.Generator
    oos_notice: np.random.Generator
    transit: np.random.Generator
    lost: np.random.Generator
    damage: np.random.Generator
    confirm_early: np.random.Generator
    confirm_delay: np.random.Generator


@dataclass(slots=True)
class BookDraws:
    """One generator per bulk call of the order book, each at the next order's value.

    Attributes:
        times: Payment times within their hours (arrivals stream).
        category, prices, free, channel, merchant: The arrivals stream's calls (prices: one per category).
        issue: The issues stream's first call (which problem).
        later: The other streams' calls.
        kept: Orders of each window left after merchant exits.
        first_paid: Payment time of the first order placed, and per channel index, of its first order.
    """

    times: np.random.Generator
    category: np.random.Generator
    prices: list[np.random.Generator]
    free: np.random.Generator
    channel: np.random.Generator
    merchant: np.random.Generator
    issue: np.random.Generator
    later: LaterDraws
    kept: list[int] = field(default_factory=list)
    first_paid: dict[int | None, float] = field(default_factory=dict)


def fork(rng: np.random.Generator) -> np.random.Generator:
    """A generator at the same position as `rng` (which stays where it is)."""
    copy = np.random.Generator(np.random.PCG64())
    copy.bit_generator.state = rng.bit_generator.state
    return copy


def choice(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """`n` indices drawn with probabilities proportional to `weights` (one uniform each)."""
    cdf = np.cumsum(weights, dtype=np.float64)
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), weights.size - 1)


def _skip(rng: np.random.Generator, count: int, dist: DurationDist | PriceDist | None = None) -> None:
    """Advance `rng` over `count` values of `dist` (uniforms when None), drawn and dropped."""
    for start in range(0, count, _SKIP):
        size = min(_SKIP, count - start)
        if dist is None:
            rng.random(size)
        else:
            sample(dist, rng, size)


def _forked(rng: np.random.Generator, count: int, dist: DurationDist | PriceDist | None = None) -> np.random.Generator:
    """A generator at this call's start; `rng` moves on to the next call's."""
    here = fork(rng)
    _skip(rng, count, dist)
    return here


def locate(
    spec: ScenarioSpec, streams: Streams, arrivals: Arrivals, weights: np.ndarray, exit_h: np.ndarray
) -> BookDraws:
    """Each bulk call's start, found by drawing the whole book once and keeping only counts.

    Args:
        spec: The scenario.
        streams: The replication's streams (advanced here; the arrivals stream just past the hourly counts).
        arrivals: The payment hours and windows.
        weights: Per merchant, its share of the orders.
        exit_h: Per merchant, the hour its store exits (orders paid from then on are not placed).
    """
    a = streams.arrivals
    total = arrivals.total
    cats = tuple(spec.orders.categories)
    shares = np.array([spec.orders.categories[c].share for c in cats])
    times = _forked(a, 0 if arrivals.given is not None else total)
    category = fork(a)
    per_category = np.zeros(len(cats), dtype=np.int64)
    for start in range(0, total, _SKIP):
        per_category += np.bincount(choice(a, shares, min(_SKIP, total - start)), minlength=len(cats))
    prices = [
        _forked(a, int(count), spec.orders.categories[name].price)
        for name, count in zip(cats, per_category, strict=True)
    ]
    free = _forked(a, total)
    channel = _forked(a, total)
    merchant = fork(a)
    # the windows once, drawing what decides how many values later calls take
    positions = [fork(rng) for rng in (times, category, channel, merchant, streams.issues)]
    issue_start = fork(streams.issues)
    probs = issue_probabilities(spec, cats)[0]
    per_issue = np.zeros(probs.shape, dtype=np.int64)
    mix = channel_mix(spec)
    kept_per_window: list[int] = []
    first_paid: dict[int | None, float] = {}
    for window in arrivals.windows:
        paid = arrivals.paid(window, positions[0])
        cat = choice(positions[1], shares, window.size)
        chan = choice(positions[2], mix, window.size)
        keep = paid < exit_h[choice(positions[3], weights, window.size)]
        paid, cat, chan = paid[keep], cat[keep], chan[keep]
        kept_per_window.append(paid.size)
        if paid.size:
            first_paid.setdefault(None, float(paid[0]))
        for ci in np.unique(chan).tolist():
            first_paid.setdefault(int(ci), float(paid[chan == ci][0]))
        reason = issue_reasons(positions[4], probs, cat)
        hit = reason >= 0
        np.add.at(per_issue, (cat[hit], reason[hit]), 1)
    kept = sum(kept_per_window)

    issues = streams.issues
    _skip(issues, kept)
    issue_after: dict[tuple[int, str], np.random.Generator] = {}
    for ci, name in enumerate(cats):
        for rname, issue in spec.issues.get(name, {}).items():
            issue_after[(ci, rname)] = _forked(issues, int(per_issue[ci, REASON_INDEX[rname]]), issue.after)
    m, lg, b = streams.merchant, streams.logistics, streams.buyer
    later = LaterDraws(
        issue_after,
        issue_used=fork(issues),
        ship_time=_forked(m, kept, spec.merchants.ship_time),
        late_extra=_forked(m, kept, spec.merchants.late_extra),
        oos_notice=fork(m),
        transit=_forked(lg, kept, spec.logistics.transit),
        lost=_forked(lg, kept),
        damage=fork(lg),
        confirm_early=_forked(b, kept),
        confirm_delay=fork(b),
    )
    return BookDraws(times, category, prices, free, channel, merchant, issue_start, later, kept_per_window, first_paid)


def channel_mix(spec: ScenarioSpec) -> np.ndarray:
    """The share of each of `CHANNELS`."""
    shares: dict[str, float] = {str(k): v for k, v in spec.orders.channels.items()}
    return np.array([shares.get(c, 0.0) for c in CHANNELS])


def issue_probabilities(spec: ScenarioSpec, cats: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per category (row) and issue kind (column): the cumulative probability, and the share used."""
    probs = np.zeros((len(cats), len(ISSUE_KINDS)))
    used_p = np.zeros((len(cats), len(ISSUE_KINDS)))
    for ci, name in enumerate(cats):
        for rname, issue in spec.issues.get(name, {}).items():
            probs[ci, REASON_INDEX[rname]] = issue.p
            used_p[ci, REASON_INDEX[rname]] = issue.used
    return np.cumsum(probs, axis=1), used_p


def issue_reasons(rng: np.random.Generator, cumulative: np.ndarray, category: np.ndarray) -> np.ndarray:
    """At most one problem per order (an index into `ISSUE_KINDS`, or `NONE`): one uniform each."""
    n = category.size
    u = rng.random(n)
    row = cumulative[category]
    hit = u[:, None] < row
    any_hit = hit[:, -1] if hit.size else np.zeros(n, dtype=bool)
    return np.where(any_hit, hit.argmax(axis=1) if hit.size else 0, NONE).astype(np.int16)
