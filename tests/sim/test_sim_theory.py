"""Against theory and expected behaviour: Erlang C, staffing, surges."""

from __future__ import annotations

import itertools
import math

import numpy as np

from simkit.experiment.stats import mean_ci
from simkit.metrics import compute


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean queue wait of M/M/c (Erlang C)."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    prob_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return prob_wait / (c * mu - lam)


def test_merchant_service_wait_matches_erlang_c(sim):
    # Every order is lost in transit, so each becomes one refund-only request at paid + fixed delays:
    # Poisson requests (rate 4/h) to one merchant with 2 agents, exponential handling (mean 0.4 h), no shifts.
    lam, mu, c = 4.0, 2.5, 2
    sc = sim.load(
        {
            "scenario": {"horizon": "45 days"},
            "orders": {"times": None, "count": int(lam * 24 * 30), "window": "30 days"},
            "merchants": {
                "staff": {"per_merchant": c},
                "response_time": "0 hours",
                "playbook": "agree_all",
                "handling_time": {"dist": "exponential", "mean": f"{1 / mu} hours"},
            },
            "logistics": {"loss": 1.0},
        }
    )
    waits = []
    for rep in range(12):
        from simkit.sim.model import Model

        n = Model(sc, 7, rep).run()
        waits.append(n.staff_wait / n.staff_tasks)
    mean, low, high, _ = mean_ci(waits)
    expected = erlang_c_wait(lam, mu, c)
    assert low <= expected <= high, (mean, low, high, expected)


def _auto_share(sim, patch, seeds=range(3)) -> float:
    sc = sim.load(patch)
    from simkit.sim.model import Model

    return float(np.mean([compute(Model(sc, s, 0).run())["auto_approval_share"] for s in seeds]))


BUSY = {
    "scenario": {"horizon": "40 days"},
    "orders": {"times": None, "count": 3000, "window": "20 days"},
    "issues": {"apparel": {"changed_mind": {"p": 0.2, "after": {"dist": "exponential", "mean": "2 days"}}}},
    "merchants": {
        "shifts": [{"start": 9, "end": 18}],
        "playbook": "agree_all",
        "response_time": {"dist": "exponential", "mean": "2 hours"},
        "handling_time": {"dist": "exponential", "mean": "0.45 hours"},
    },
}


def test_more_staff_never_raises_auto_approval(sim):
    shares = [
        _auto_share(sim, sim.deep_update(BUSY, {"merchants": {"staff": {"per_merchant": k}}})) for k in (1, 2, 3, 4, 6)
    ]
    assert shares[0] > 0.05
    assert all(later <= earlier + 1e-12 for earlier, later in itertools.pairwise(shares)), shares


def test_surge_with_fixed_staff_raises_auto_approval(sim):
    base = sim.deep_update(BUSY, {"merchants": {"staff": {"per_merchant": 3}}})
    surge = sim.deep_update(
        base, {"orders": {"surges": [{"start": "2026-03-07T00:00:00", "duration": "2 days", "multiplier": 6}]}}
    )
    calm, busy = _auto_share(sim, base), _auto_share(sim, surge)
    assert busy > calm
