"""The audit's memoised timers give the rule functions' own deadlines, for any times and dated policies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from simkit import rules
from simkit.compliance.calls import RuleCalls, iso, to_local, to_micros
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
POLICIES = {
    "tmall": load_policy(
        ROOT / "policies" / "tmall.yaml", [ROOT / "policies" / "variants" / "tmall_response_dated.yaml"]
    ),
    "channels": load_policy(ROOT / "policies" / "video_channel.yaml"),
}
moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)).map(
    lambda m: m.replace(microsecond=0)
)


def test_local_time_conversion():
    assert to_micros(dt.datetime(2026, 3, 2, 8, 0)) == 1772409600 * 1_000_000
    assert to_local(1772409600 * 1_000_000) == dt.datetime(2026, 3, 2, 8, 0)
    assert iso(1772409600 * 1_000_000) == "2026-03-02T08:00:00+08:00"
    assert iso(None) == ""


@settings(max_examples=60, deadline=None)
@given(
    platform=st.sampled_from(sorted(POLICIES)),
    kind=st.sampled_from(["refund_only", "return_refund", "exchange", "repair"]),
    paid=moments,
    delay=st.integers(0, 400 * 24 * 3600),
    channel=st.sampled_from(["normal", "juhuasuan", "presale"]),
)
def test_memoised_timers_equal_direct_rule_calls(platform, kind, paid, delay, channel):
    policy = POLICIES[platform]
    calls = RuleCalls(policy)
    start = paid + dt.timedelta(seconds=delay)
    p, s = to_micros(paid), to_micros(start)

    def deadline(decision):
        return None if decision.deadline is None else to_micros(decision.deadline)

    pairs = [
        (
            calls.merchant_response(kind, s, p),
            rules.merchant_response(policy, kind=kind, requested_at=start, paid_at=paid),
        ),
        (calls.buyer_return(s, p), rules.buyer_return_deadline(policy, agreed_at=start, paid_at=paid)),
        (calls.merchant_receipt(s, p), rules.merchant_receipt_deadline(policy, shipped_back_at=start, paid_at=paid)),
        (calls.refund_deadline(s, p), rules.refund_deadline(policy, received_return_at=start, paid_at=paid)),
        (calls.auto_confirm(s, p), rules.auto_confirm_deadline(policy, shipped_at=start, paid_at=paid)),
        (calls.ship(p, channel, None), rules.ship_deadline(policy, paid_at=paid, channel=channel)),
    ]
    for (memo_deadline, memo_rule), direct in pairs:
        assert memo_deadline == deadline(direct)
        assert memo_rule == (direct.rules[0] if direct.rules else "")
    # and again from the cache
    assert calls.merchant_response(kind, s, p)[0] == deadline(pairs[0][1])
