"""The hot-path rule cache gives exactly what the rule functions give."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from simkit import rules
from simkit.policy.loader import load_policy
from simkit.sim.rulecache import RuleCache

POLICIES = Path(__file__).resolve().parents[2] / "policies"
START = dt.datetime(2026, 3, 2, 7, 30)
TMALL = load_policy(POLICIES / "tmall.yaml")
CHANNEL = load_policy(POLICIES / "video_channel.yaml")
DATED = load_policy(POLICIES / "tmall.yaml", [POLICIES / "variants" / "tmall_response_dated.yaml"])

hours = st.floats(0, 24 * 400, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    policy=st.sampled_from([TMALL, CHANNEL, DATED]),
    paid=hours,
    later=hours,
    kind=st.sampled_from(["refund_only", "return_refund", "exchange"]),
)
def test_cached_timers_equal_direct_calls(policy, paid, later, kind):
    cache = RuleCache(policy, START)
    at = START + dt.timedelta(hours=paid + later)
    paid_at = START + dt.timedelta(hours=paid)

    def hours_of(moment: dt.datetime) -> float:
        return (moment - START).total_seconds() / 3600

    direct = rules.merchant_response(policy, kind=kind, requested_at=at, paid_at=paid_at)
    got, rule = cache.merchant_response(kind, paid + later, paid)
    assert abs(got - hours_of(direct.deadline)) < 1e-6 and rule == direct.rules[0]
    direct = rules.buyer_return_deadline(policy, agreed_at=at, paid_at=paid_at)
    got, rule = cache.buyer_return(paid + later, paid)
    assert abs(got - hours_of(direct.deadline)) < 1e-6 and rule == direct.rules[0]
    direct = rules.merchant_receipt_deadline(policy, shipped_back_at=at, paid_at=paid_at)
    got, rule = cache.merchant_receipt(paid + later, paid)
    assert abs(got - hours_of(direct.deadline)) < 1e-6 and rule == direct.rules[0]
