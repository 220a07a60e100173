"""Validate a twin on held-out data: its KPIs against its 95 % intervals, log distances against their noise floor.

`validate_twin` simulates the twin over the held-out period (start at the period's start, the
orders window and the horizon at its length, so that cases open at the export's cut are open
in both), `reps` replications under the policy in force then, reads each replication back in
the log's own shape and computes its KPIs with the same function as the held-out log's
(`simkit.calibration.kpis.observed_kpis`).

Each KPI's interval is the 95 % prediction interval of one more replication (a t interval:
mean ± t(0.975, reps-1) · sd · sqrt(1 + 1/reps), within the metric's domain): the held-out log
is one realisation, so it is what the interval must bracket. The table marks whether the
observed value is inside. With some twenty KPIs, one in twenty falls outside its 95 % interval
by chance, so the verdict flags a KPI only outside its family-wise interval (Bonferroni: each
at 95 % / k, k the KPIs compared), and a log distance only when it is above `DISTANCE_LIMIT`
times its noise floor (`simkit.calibration.distances`) *and* above the twin's own spread (the
family-wise 95 % bound of one replication's distance from the others). The floor, two halves of one log, holds
the shop's merchants and staff fixed; a twin draws them afresh in each replication, so a true
twin of a shop with few, unequal stores can sit above 1.5x its floor and still be one draw
among its replications.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import datetime as dt
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simkit.calibration.distances import Traces, distances_to_floor, traces
from simkit.calibration.kpis import in_period, kpi_metric, observed_kpis, unobservable
from simkit.calibration.simlog import simulate_log
from simkit.compliance.calls import to_local
from simkit.logs.orderlog import OrderLog
from simkit.policy.model import Policy
from simkit.scenario.loader import Scenario
from simkit.sim.facts import local_naive

DISTANCE_LIMIT = 1.5
"""A log distance above this multiple of its noise floor (and above the twin's own spread) is flagged."""

LEVEL = 0.95
"""The KPI intervals' level."""


@dataclass
class Validation:
    """A twin's validation on held-out data.

    Attributes:
        kpis: One row per KPI: metric, label, observed, twin_mean, twin_low, twin_high (the 95 %
            interval of one replication), inside (bool), flagged (outside the family-wise
            interval family_low–family_high), n (replications with a value).
        distances: One row per log distance: measure, label, distance, noise_floor, multiple,
            twin_spread (mean distance of one replication from the others), twin_limit (its
            family-wise 95 % prediction bound), ok.
        fits: Whether nothing was flagged.
        verdict: ``"fits"``, or ``"does not fit: "`` and what was flagged, in plain words.
        sample: What was sampled, and to what size.
        period: The held-out period (naive China local times).
        reps: Replications of the twin.
        seconds: Wall time of the validation.
    """

    kpis: pd.DataFrame
    distances: pd.DataFrame
    fits: bool
    verdict: str
    sample: str
    period: tuple[dt.datetime, dt.datetime]
    reps: int
    seconds: float = 0.0
    unobserved: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (NaN and infinities as None)."""
        return {
            "fits": self.fits,
            "verdict": self.verdict,
            "sample": self.sample,
            "period": [self.period[0].isoformat(), self.period[1].isoformat()],
            "reps": self.reps,
            "seconds": round(self.seconds, 3),
            "kpis": _records(self.kpis),
            "distances": _records(self.distances),
            "not_shown_by_the_log": dict(self.unobserved),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, float | np.floating):
                value = float(value)
                clean[str(key)] = value if math.isfinite(value) else None
            elif isinstance(value, np.bool_):
                clean[str(key)] = bool(value)
            else:
                clean[str(key)] = value
        out.append(clean)
    return out


def period_scenario(
    twin: Scenario, policy: Policy, period: tuple[dt.datetime, dt.datetime], as_of: dt.datetime | None = None
) -> Scenario:
    """The twin over `period` under `policy`: the same daily order rate, orders paid over the period.

    Cases run to `as_of` (the log's cut; default the period's end), so that a case open at the cut
    is open in both.
    """
    start, end = period
    hours = (end - start).total_seconds() / 3600.0
    horizon = max(hours, ((as_of or end) - start).total_seconds() / 3600.0)
    spec = twin.spec
    window = spec.orders.window or spec.scenario.horizon
    count = max(1, round(spec.orders.count * hours / window))
    header = spec.scenario.model_copy(update={"start": start, "horizon": horizon})
    orders = spec.orders.model_copy(update={"count": count, "window": hours})
    return dataclasses.replace(twin, spec=spec.model_copy(update={"scenario": header, "orders": orders}), policy=policy)


def validate_twin(
    twin: Scenario,
    holdout: Sequence[OrderLog],
    *,
    policy: Policy,
    shape: str,
    period: tuple[dt.datetime, dt.datetime],
    reps: int = 20,
    seed: int = 0,
    sample_cases: int = 5000,
    noise_resamples: int = 20,
    quiet: bool = True,
    facts: pd.DataFrame | None = None,
    as_of: dt.datetime | None = None,
    workers: int | None = None,
) -> Validation:
    """Simulate the twin over the held-out period and compare it with the held-out log.

    Args:
        twin: The fitted scenario.
        holdout: The held-out orders (paid in `period`), as read from the log.
        policy: The policy in force over the held-out period (it may differ from the training period's).
        shape: The log's shape; the twin's runs are read back in it.
        period: ``(start, end)`` of the held-out period, naive China local times.
        reps: Replications of the twin.
        seed: Base seed of the twin's replications and of the distance samples.
        sample_cases: The log distances use at most this many held-out cases.
        noise_resamples: Random splits the distances and noise floors are averaged over.
        quiet: Print nothing (else one line per replication).
        facts: The held-out orders' facts (`simkit.logs.facts.read_order_facts`), for a platform
            export whose log holds only orders with an after-sale record: with them the rates per
            paid order are compared too (the twin's runs are then read with their exported order file).
        as_of: The log's cut, naive China local time (default: its last event): the twin's cases
            run to it, as the held-out cases did.
        workers: Processes the replications run on (default: one per core); the results are the
            same on any number.
    """
    if reps < 2:
        raise ValueError(f"validation needs at least 2 replications, got {reps}")
    started = time.perf_counter()
    period = (local_naive(period[0]), local_naive(period[1]))
    cut = local_naive(as_of) if as_of is not None else _last_event(holdout)
    scenario = period_scenario(twin, policy, period, cut)
    observed = observed_kpis(holdout, policy=policy, period=period, shape=shape, facts=facts)
    runs: dict[str, list[float]] = {name: [] for name in observed}
    simulated: list[Traces] = []
    job = _Job(scenario, policy, period, shape, seed, facts is not None)
    pool = workers if workers is not None else (os.cpu_count() or 1)
    for r, (values, sim_traces) in enumerate(_replications(job, reps, pool)):
        for name in runs:
            runs[name].append(values.get(name, math.nan))
        simulated.append(sim_traces)
        if not quiet and sys.stderr.isatty():  # progress for a person watching; logs and pipes stay clean
            print(f"\rtwin replication {r + 1}/{reps}", end="\n" if r + 1 == reps else "", file=sys.stderr, flush=True)
    kpis = _kpi_table(observed, runs)
    held = in_period(holdout, period, facts)
    real = traces(held)
    rows, sample = distances_to_floor(
        real, simulated, sample_cases=sample_cases, resamples=noise_resamples, rng=np.random.default_rng(seed)
    )
    distances = pd.DataFrame(
        [
            {
                "measure": r.measure,
                "label": r.label,
                "distance": r.distance,
                "noise_floor": r.noise_floor,
                "multiple": r.multiple,
                "twin_spread": r.twin_spread,
                "twin_limit": r.twin_limit,
                "ok": bool(r.multiple <= DISTANCE_LIMIT or r.distance <= r.twin_limit),
            }
            for r in rows
        ]
    )
    fits, verdict = _verdict(kpis, distances)
    known = facts is not None or (shape == "simkit" and any(o.facts.paid is not None for o in holdout))
    return Validation(
        kpis,
        distances,
        fits,
        verdict,
        f"KPIs on the {len(held)} held-out orders in the log"
        + (
            f" ({int(observed['orders'])} paid, by the order file)"
            if "orders" in observed and facts is not None
            else ""
        )
        + f" and {reps} replications of the twin; "
        + sample,
        period,
        reps,
        time.perf_counter() - started,
        unobservable(shape, facts=known),
    )


@dataclass(frozen=True)
class _Job:
    """What every replication of the twin needs."""

    scenario: Scenario
    policy: Policy
    period: tuple[dt.datetime, dt.datetime]
    shape: str
    seed: int
    with_facts: bool


_CURRENT: _Job | None = None
"""The job a forked worker runs (inherited from the parent, so nothing is pickled on the way in)."""


def _replication(job: _Job | None, r: int) -> tuple[dict[str, float], Traces]:
    """Replication r of the twin: its KPIs and its traces, read as the held-out log was."""
    job = job or _CURRENT
    assert job is not None
    sim = simulate_log(job.scenario, seed=job.seed, replication=r, shape=job.shape, cases_only=True)
    facts = sim.facts if job.with_facts or job.shape == "simkit" else None
    values = observed_kpis(sim.orders, policy=job.policy, period=job.period, shape=job.shape, facts=facts)
    return values, traces(in_period(sim.orders, job.period, facts))


def _replications(job: _Job, reps: int, workers: int) -> Iterator[tuple[dict[str, float], Traces]]:
    """Every replication's result, in replication order, on `workers` forked processes."""
    if workers <= 1 or reps <= 1:
        for r in range(reps):
            yield _replication(job, r)
        return
    global _CURRENT
    _CURRENT = job
    try:
        context = multiprocessing.get_context("fork")
        with cf.ProcessPoolExecutor(min(workers, reps), mp_context=context) as pool:
            yield from pool.map(_replication, [None] * reps, range(reps))
    finally:
        _CURRENT = None


def _last_event(orders: Sequence[OrderLog]) -> dt.datetime | None:
    """The latest time in the orders' events, as a naive China local time (None when there are none)."""
    last = max(
        (ev.time for o in orders for events in (o.lifecycle, *(c.events for c in o.cases)) for ev in events),
        default=None,
    )
    return None if last is None else to_local(last)


def _kpi_table(observed: dict[str, float], runs: dict[str, list[float]]) -> pd.DataFrame:
    shown = [name for name, value in observed.items() if not math.isnan(value)]
    k = max(1, len(shown))
    rows = []
    for name in shown:
        metric = kpi_metric(name)
        values = np.asarray(runs[name], dtype=np.float64)
        values = values[~np.isnan(values)]
        mean, low, high = _prediction(values, LEVEL, metric.bounded)
        _, wide_low, wide_high = _prediction(values, 1 - (1 - LEVEL) / k, metric.bounded)
        value = observed[name]
        rows.append(
            {
                "metric": name,
                "label": metric.label,
                "observed": value,
                "twin_mean": mean,
                "twin_low": low,
                "twin_high": high,
                "inside": bool(low <= value <= high),
                "flagged": not bool(wide_low <= value <= wide_high),
                "family_low": wide_low,
                "family_high": wide_high,
                "n": int(values.size),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "metric",
            "label",
            "observed",
            "twin_mean",
            "twin_low",
            "twin_high",
            "inside",
            "flagged",
            "family_low",
            "family_high",
            "n",
        ],
    )


def _prediction(values: np.ndarray, level: float, bounded: bool) -> tuple[float, float, float]:
    """Mean and the `level` prediction interval of one more replication, within the metric's domain."""
    n = values.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * float(values.std(ddof=1)) * math.sqrt(1 + 1 / n)
    low, high = mean - half, mean + half
    return mean, max(0.0, low), min(1.0, high) if bounded else high


def _verdict(kpis: pd.DataFrame, distances: pd.DataFrame) -> tuple[bool, str]:
    wrong = [
        f"{row.metric} {_num(row.observed)} outside {_num(row.family_low)}–{_num(row.family_high)}"
        for row in kpis.itertuples()
        if row.flagged
    ]
    wrong += [
        f"{row.label} {row.multiple:.1f}x its noise floor (beyond the twin's spread)"
        for row in distances.itertuples()
        if not row.ok
    ]
    if not wrong:
        return True, "fits"
    return False, "does not fit: " + "; ".join(wrong)


def _num(value: Any) -> str:
    return f"{value:.4g}"
