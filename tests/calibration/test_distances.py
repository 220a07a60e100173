"""Log distances: the log-distance-measures package's definitions, and the noise floor."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from simkit.calibration.distances import (
    Traces,
    arrival_distance,
    circadian_distance,
    cycle_time_distance,
    distances_to_floor,
    ngram_distance,
)
from simkit.compliance.calls import to_micros


def _log(rows: list[tuple[str, str, str]]) -> Traces:
    cases: dict[str, list[tuple[str, int]]] = {}
    for case, activity, local in rows:
        cases.setdefault(case, []).append((activity, to_micros(dt.datetime.fromisoformat(local))))
    return Traces(
        tuple(tuple(a for a, _ in steps) for steps in cases.values()),
        tuple(np.array([t for _, t in steps], dtype=np.int64) for steps in cases.values()),
    )


A = _log(
    [
        ("a1", "request", "2026-03-02 09:10"),
        ("a1", "agree", "2026-03-02 15:40"),
        ("a1", "refund", "2026-03-02 15:41"),
        ("a2", "request", "2026-03-03 22:05"),
        ("a2", "auto_agree", "2026-03-05 22:05"),
        ("a2", "refund", "2026-03-05 22:06"),
        ("a3", "request", "2026-03-04 11:30"),
        ("a3", "refuse", "2026-03-04 18:00"),
        ("a3", "request_intervention", "2026-03-06 08:15"),
        ("a3", "refund", "2026-03-09 10:00"),
        ("a4", "request", "2026-03-07 13:00"),
        ("a4", "agree", "2026-03-08 09:20"),
        ("a4", "refund", "2026-03-08 09:20"),
    ]
)
B = _log(
    [
        ("b1", "request", "2026-03-02 10:00"),
        ("b1", "agree", "2026-03-03 10:30"),
        ("b1", "refund", "2026-03-03 10:30"),
        ("b2", "request", "2026-03-02 23:50"),
        ("b2", "auto_agree", "2026-03-04 23:50"),
        ("b2", "refund", "2026-03-04 23:51"),
        ("b3", "request", "2026-03-05 16:45"),
        ("b3", "refuse", "2026-03-06 09:00"),
        ("b3", "cancel", "2026-03-07 12:00"),
    ]
)


def test_the_measures_equal_log_distance_measures_on_the_same_logs() -> None:
    # Expected values: log-distance-measures 2.2.0 on these two logs (as pandas frames, times in
    # China local time, start = end), computed once with that package installed beside pandas 2.3:
    # n_gram_distribution_distance(n=2) 0.3103448275862069, (n=3) 0.3333333333333333,
    # cycle_time_distribution_distance(bin_size=1 h) 26.75, circadian_event_distribution_distance
    # 7.964285714285714, case_arrival_distribution_distance 26.75.
    assert ngram_distance(A, B, n=2) == pytest.approx(0.3103448275862069)
    assert ngram_distance(A, B, n=3) == pytest.approx(0.3333333333333333)
    assert cycle_time_distance(A, B) == pytest.approx(26.75)
    assert circadian_distance(A, B) == pytest.approx(7.964285714285714)
    assert arrival_distance(A, B) == pytest.approx(26.75)


def test_a_log_is_at_distance_zero_from_itself() -> None:
    for fn in (ngram_distance, cycle_time_distance, circadian_distance, arrival_distance):
        assert fn(A, A) == 0.0


def test_the_floor_compares_equal_halves_and_says_what_it_sampled() -> None:
    real = A.take([0, 1, 2, 3, 0, 1, 2, 3])
    twin = [B, B.take([2, 1, 0])]
    rows, sample = distances_to_floor(real, twin, sample_cases=6, resamples=3, rng=np.random.default_rng(0))
    assert [r.measure for r in rows] == ["ngram", "cycle_time", "circadian", "arrival"]
    assert sample == (
        "log distances on 3 real against 3 simulated cases per draw (3 draws); noise floor: two disjoint "
        "halves of 3 of 6 real cases sampled from 8; the twin's cases drawn from 6 simulated in 2 replications; "
        "the twin's spread: each replication against the others, as many cases, 1 draws each"
    )
    for r in rows:
        assert r.multiple == pytest.approx(r.distance / r.noise_floor)
        # the two replications hold the same cases: each is at distance 0 from the other
        assert r.twin_spread == 0.0 and r.twin_limit == 0.0
    with pytest.raises(ValueError, match="too few cases to compare logs: 3 real, 3 simulated"):
        distances_to_floor(A.take([0, 1, 2]), [B], sample_cases=10, resamples=1, rng=np.random.default_rng(0))
