"""The horizon cuts a case exactly where the clock stops, whether its steps woke up or were settled ahead.

Some steps of a case are settled without a SimPy wake-up of their own (`simkit.sim.driver`):
an agreed return runs on from the agreement to the goods' arrival back. Such a step still
happens only when its time is before the horizon, like a step that waits on a timeout
(SimPy's ``run(until=h)`` stops before any step at ``h``).
"""

from __future__ import annotations

import pytest

RETURN = {"issues": {"apparel": {"changed_mind": {"p": 1.0, "after": "12 hours"}}}}
FULL = [
    # the no-reason return of tests/sim/test_sim_timelines.py: ordered at 0 h, delivered at 72 h
    # (24 h to ship + 48 h transit), filed 12 h later, looked at after 2 h, handled in 1 h,
    # shipped back 24 h after the agreement, 48 h on the way back, confirmed in 1 h
    (84.0, "request"),
    (87.0, "agree"),
    (111.0, "ship_return"),
    (159.0, "return_delivered"),
    (160.0, "confirm_return"),
    (160.0, "refund"),
]


@pytest.mark.parametrize("horizon", [85, 87, 88, 111, 112, 159, 160, 161])
def test_a_return_is_cut_at_the_horizon_step_by_step(sim, horizon):
    df, model = sim.log({**RETURN, "scenario": {"horizon": f"{horizon} hours"}})
    assert sim.timeline(df, "O0-1") == [(time, activity) for time, activity in FULL if time < horizon]
    assert model.n.closed == (1 if horizon > 160 else 0)
    assert model.n.cost_refunds == (100.0 if horizon > 160 else 0.0)
    assert model.n.requests == 1
