"""Log distances between a real log and a simulated one, each against its noise floor.

The four measures Simod validates with, as the `log-distance-measures` package defines them
(Chapela-Campa, Dumas et al.): the n-gram distribution distance, and the Wasserstein distances
of the cycle times, of the events' hours per weekday (circadian) and of the case arrivals. That
package pins ``pandas<3`` and cannot be installed beside this project's stack, so the measures
are computed here with scipy's `wasserstein_distance` over the package's own binning (cycle
times in bins of one hour from the two logs' common minimum, event instants as (weekday, hour),
arrivals as whole hours since the first arrival of either log); a test holds them to the
package's values on a small pair of logs. A case is an after-sale case, its events its steps.

A distance alone says nothing: two halves of the same real log already differ. So each measure
is given as a multiple of its noise floor. The real log's cases (sampled to `sample_cases`) are
split at random into two halves; the floor is the distance between the halves, and the twin's
distance is that between one half and as many of the twin's cases, drawn at random. Both sides
compare equally sized samples, so a twin that is the truth sits near 1x. Everything is linear
or n log n in the sample: nothing goes quadratic on a large log.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats import wasserstein_distance

from simkit.compliance.calls import HOUR_US
from simkit.logs.orderlog import OrderLog

_LOCAL_US = 8 * HOUR_US
_DAY_US = 24 * HOUR_US


@dataclass(frozen=True)
class Traces:
    """After-sale cases as traces: each case's steps in time order and their times (microseconds, UTC)."""

    activities: tuple[tuple[str, ...], ...]
    times: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.activities)

    def take(self, index: Sequence[int] | np.ndarray) -> Traces:
        """The cases at `index`."""
        return Traces(tuple(self.activities[i] for i in index), tuple(self.times[i] for i in index))


def traces(orders: Iterable[OrderLog]) -> Traces:
    """Every after-sale case of `orders` as a trace (cases without events are left out)."""
    acts: list[tuple[str, ...]] = []
    times: list[np.ndarray] = []
    for order in orders:
        for case in order.cases:
            if not case.events:
                continue
            events = sorted(case.events, key=lambda ev: (ev.time, ev.line))
            acts.append(tuple(ev.activity for ev in events))
            times.append(np.fromiter((ev.time for ev in events), dtype=np.int64, count=len(events)))
    return Traces(tuple(acts), tuple(times))


def ngram_distance(a: Traces, b: Traces, n: int = 3) -> float:
    """Sum of absolute differences of the n-gram frequencies over the sum of all frequencies, in [0, 1].

    Each trace is padded with n-1 empty steps at both ends, as the package does.
    """
    ha, hb = _ngrams(a, n), _ngrams(b, n)
    total = sum(ha.values()) + sum(hb.values())
    if not total:
        return 0.0
    return sum(abs(ha[k] - hb[k]) for k in ha.keys() | hb.keys()) / total


def _ngrams(t: Traces, n: int) -> Counter[tuple[str, ...]]:
    pad = ("",) * (n - 1)
    out: Counter[tuple[str, ...]] = Counter()
    for acts in t.activities:
        seq = pad + acts + pad
        out.update(seq[i : i + n] for i in range(len(seq) - n + 1))
    return out


def cycle_time_distance(a: Traces, b: Traces, bin_hours: float = 1.0) -> float:
    """Wasserstein distance of the cycle times (first to last step), in bins of `bin_hours` from the common minimum."""
    ca, cb = _cycle_times(a), _cycle_times(b)
    low = min(ca.min(), cb.min())
    width = bin_hours * HOUR_US
    return float(wasserstein_distance(np.floor((ca - low) / width), np.floor((cb - low) / width)))


def _cycle_times(t: Traces) -> np.ndarray:
    return np.fromiter((x[-1] - x[0] for x in t.times), dtype=np.int64, count=len(t))


def circadian_distance(a: Traces, b: Traces) -> float:
    """Mean over the weekdays of the Wasserstein distance of the events' local hours (23 when one side has none)."""
    wa, ha = _weekday_hours(a)
    wb, hb = _weekday_hours(b)
    out = []
    for day in range(7):
        xa, xb = ha[wa == day], hb[wb == day]
        if len(xa) and len(xb):
            out.append(float(wasserstein_distance(xa, xb)))
        else:
            out.append(0.0 if len(xa) == len(xb) else 23.0)
    return float(np.mean(out))


def _weekday_hours(t: Traces) -> tuple[np.ndarray, np.ndarray]:
    local = np.concatenate(t.times) + _LOCAL_US
    days = local // _DAY_US
    return (days + 3) % 7, (local % _DAY_US) // HOUR_US  # 1970-01-01 was a Thursday (weekday 3)


def arrival_distance(a: Traces, b: Traces) -> float:
    """Wasserstein distance of the case arrivals, in whole hours since the first arrival of either log."""
    fa = np.fromiter((x[0] for x in a.times), dtype=np.int64, count=len(a))
    fb = np.fromiter((x[0] for x in b.times), dtype=np.int64, count=len(b))
    first = (min(fa.min(), fb.min()) + _LOCAL_US) // HOUR_US * HOUR_US - _LOCAL_US
    return float(wasserstein_distance((fa - first) // HOUR_US, (fb - first) // HOUR_US))


MEASURES: dict[str, tuple[str, Callable[[Traces, Traces], float]]] = {
    "ngram": ("n-gram distribution (n = 3)", ngram_distance),
    "cycle_time": ("cycle time, 1 h bins", cycle_time_distance),
    "circadian": ("circadian events (hour per weekday)", circadian_distance),
    "arrival": ("case arrivals, 1 h bins", arrival_distance),
}
"""Measure key → (label, function of two logs' traces)."""


@dataclass(frozen=True)
class DistanceRow:
    """One measure: the twin's distance, the real log's noise floor, their ratio, and the twin's own spread."""

    measure: str
    label: str
    distance: float
    noise_floor: float
    multiple: float
    twin_spread: float
    twin_limit: float


def _upper(values: list[float], measures: int) -> tuple[float, float]:
    """Mean and the one-sided family-wise 95 % prediction bound of one more value (NaN with under two)."""
    if len(values) < 2:
        return (values[0] if values else math.nan), math.nan
    arr = np.asarray(values, dtype=np.float64)
    t = float(stats.t.ppf(1 - 0.05 / measures, arr.size - 1))
    return float(arr.mean()), float(arr.mean() + t * arr.std(ddof=1) * math.sqrt(1 + 1 / arr.size))


def _pool(reps: Sequence[Traces], skip: int | None = None) -> Traces:
    keep = [t for i, t in enumerate(reps) if i != skip]
    return Traces(tuple(a for t in keep for a in t.activities), tuple(x for t in keep for x in t.times))


def distances_to_floor(
    real: Traces, twin: Sequence[Traces], *, sample_cases: int, resamples: int, rng: np.random.Generator
) -> tuple[list[DistanceRow], str]:
    """Each measure's distance between the real log and the twin, its noise floor, and the twin's spread.

    Args:
        real: The real (held-out) log's cases.
        twin: The twin's simulated cases, one `Traces` per replication.
        sample_cases: At most this many real cases are used (split into two halves of half as many).
        resamples: Random splits averaged over.
        rng: The generator that draws the samples and splits.

    Returns:
        One row per measure, and a sentence saying what was sampled to what size. ``twin_spread``
        is the mean distance of one replication (as many cases, averaged over a fifth as many
        draws) from the other replications, and
        ``twin_limit`` the one-sided 95 % prediction bound of one more such distance, family-wise
        over the measures (Bonferroni): if the twin is the truth, the real log is one more
        replication.
    """
    pooled = _pool(twin)
    n = min(len(real), sample_cases)
    half = n // 2
    if half < 2 or len(pooled) < 2:
        raise ValueError(f"too few cases to compare logs: {len(real)} real, {len(pooled)} simulated (need 4 and 2)")
    size = min(half, len(pooled))
    floors: dict[str, list[float]] = {k: [] for k in MEASURES}
    dists: dict[str, list[float]] = {k: [] for k in MEASURES}
    spread: dict[str, list[float]] = {k: [] for k in MEASURES}
    for _ in range(resamples):
        pick = rng.permutation(len(real))[: 2 * half]
        left, right = real.take(pick[:size]), real.take(pick[half : half + size])
        sim = pooled.take(rng.choice(len(pooled), size=size, replace=False))
        for key, (_, fn) in MEASURES.items():
            floors[key].append(fn(left, right))
            dists[key].append(fn(left, sim))
    draws = max(1, resamples // 5)
    if len(twin) > 1:
        for k, rep in enumerate(twin):
            rest = _pool(twin, skip=k)
            m = min(size, len(rep), len(rest))
            if m < 2:
                continue
            found: dict[str, list[float]] = {key: [] for key in MEASURES}
            for _ in range(draws):
                one = rep.take(rng.choice(len(rep), size=m, replace=False))
                others = rest.take(rng.choice(len(rest), size=m, replace=False))
                for key, (_, fn) in MEASURES.items():
                    found[key].append(fn(one, others))
            for key in MEASURES:
                spread[key].append(float(np.mean(found[key])))
    rows = []
    for key, (label, _) in MEASURES.items():
        floor, dist = float(np.mean(floors[key])), float(np.mean(dists[key]))
        multiple = dist / floor if floor > 0 else (1.0 if dist == 0 else math.inf)
        mean, limit = _upper(spread[key], len(MEASURES))
        rows.append(DistanceRow(key, label, dist, floor, multiple, mean, limit))
    sample = (
        f"log distances on {size} real against {size} simulated cases per draw ({resamples} draws); "
        f"noise floor: two disjoint halves of {size} of {n} real cases"
        + (f" sampled from {len(real)}" if len(real) > n else "")
        + f"; the twin's cases drawn from {len(pooled)} simulated in {len(twin)} replications"
        + f"; the twin's spread: each replication against the others, as many cases, {draws} draws each"
    )
    return rows, sample
