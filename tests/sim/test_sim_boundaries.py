"""Deadline boundaries in the simulation's timers: an act exactly at its deadline is in time (issue 16).

A platform timer fires only once its deadline has passed without the act (`simkit.rules.in_time`):
the merchant's answer, the buyer's return shipment and the merchant's receipt confirmation each
race their timer; exactly at the deadline the act wins, one second later the timer does.
The base scenario (conftest.BASE): one apparel order paid at hour 0, delivered at 72 h.
"""

from __future__ import annotations

from pathlib import Path

from simkit.compliance.simulate import run_audited

POLICIES = Path(__file__).resolve().parents[2] / "policies"
CHANNEL = {"scenario": {"policy": str(POLICIES / "video_channel.yaml")}}
SECOND = 1 / 3600  # one second in the simulation's hours


def issue(reason: str, **kw: object) -> dict[str, object]:
    return {"issues": {"apparel": {reason: {"p": 1.0, **kw}}}}


def hours(value: float) -> str:
    return f"{value!r} hours"


def test_tmall_answer_exactly_at_72_hours_is_in_time(sim):
    """seed:004: the merchant acts within the refund countdown ("2天23时…", 72 h), else the refund is agreed.

    The out-of-stock request comes at 1 h: the timer runs to 73 h. The merchant looks at it after 71 h
    and works 1 h: the answer comes at 73 h exactly -- in time; one second more and the timer agrees.
    """
    on_time = {**issue("out_of_stock"), "merchants": {"response_time": "71 hours", "handling_time": "1 hours"}}
    df, _ = sim.log(on_time)
    assert sim.steps(df, "O0-1")[:2] == [
        (1.0, "request", "WAIT_SELLER_AGREE", ""),
        (73.0, "agree", "SUCCESS", "tmall.refund_reasons"),
    ]
    late = {**issue("out_of_stock"), "merchants": {"response_time": "71 hours", "handling_time": hours(1 + SECOND)}}
    df, _ = sim.log(late)
    assert sim.steps(df, "O0-1")[:2] == [
        (1.0, "request", "WAIT_SELLER_AGREE", ""),
        (73.0, "auto_agree", "SUCCESS", "tmall.refund_auto_agree"),
    ]


def test_channel_answer_exactly_at_48_hours_is_in_time(sim):
    """RULES.md channels.review_deadlines: the merchant reviews a refund request within 48 h."""
    on_time = {
        **CHANNEL,
        **issue("out_of_stock"),
        "merchants": {"response_time": "47 hours", "handling_time": "1 hours"},
    }
    df, _ = sim.log(on_time)
    assert [step[1] for step in sim.steps(df, "O0-1")][:2] == ["request", "agree"]
    assert sim.steps(df, "O0-1")[1][0] == 49.0
    late = {
        **CHANNEL,
        **issue("out_of_stock"),
        "merchants": {"response_time": "47 hours", "handling_time": hours(1 + SECOND)},
    }
    df, _ = sim.log(late)
    assert sim.steps(df, "O0-1")[1] == (49.0, "auto_agree", "PLATFORM_REFUNDING", "channels.review_deadlines")


def test_buyer_ships_the_return_exactly_at_7_days(sim):
    """RULES.md tmall.return_deadlines (taobao:api): the buyer ships the return within 7 days of the
    agreement, else the return closes. Agreed at 87 h: shipped at 87 + 168 h is in time."""
    on_time = {**issue("changed_mind", after="12 hours"), "buyers": {"return_delay": "168 hours"}}
    df, _ = sim.log(on_time)
    assert sim.timeline(df, "O0-1")[1:3] == [(87.0, "agree"), (255.0, "ship_return")]
    late = {**issue("changed_mind", after="12 hours"), "buyers": {"return_delay": hours(168 + SECOND)}}
    df, _ = sim.log(late)
    assert sim.steps(df, "O0-1")[1:] == [
        (87.0, "agree", "WAIT_BUYER_RETURN_GOODS", "national.no_reason_return"),
        (255.0, "close_return", "CLOSED", "tmall.return_deadlines"),
    ]


def test_merchant_confirms_the_return_exactly_at_the_receipt_deadline(sim):
    """The receipt timer runs 10 days from the buyer's shipment (111 h → 351 h; "WAIT_BUYER_RETURN_GOODS →
    WAIT_SELLER_CONFIRM_GOODS → SUCCESS", RULES.md). The parcel travels 239 h and the merchant works 1 h:
    confirmed at 351 h exactly, in time; one second later the platform refunds at 351 h."""
    base = issue("changed_mind", after="12 hours")
    on_time = {**base, "logistics": {"return_transit": "239 hours"}}
    df, _ = sim.log(on_time)
    assert sim.timeline(df, "O0-1")[-3:] == [(350.0, "return_delivered"), (351.0, "confirm_return"), (351.0, "refund")]
    late = {**base, "logistics": {"return_transit": hours(239 + SECOND)}}
    df, _ = sim.log(late)
    assert sim.steps(df, "O0-1")[-2:] == [
        (351.0, "auto_refund", "SUCCESS", "tmall.return_deadlines"),
        (351.0, "refund", "SUCCESS", "tmall.return_deadlines"),
    ]


def test_the_receipt_timer_fires_while_the_parcel_travels(sim):
    """MERCHANT_WAIT_RECEIPT begins when the buyer ships the return and its 10-day timer ends in the
    platform refunding (RULES.md: "MERCHANT_WAIT_RECEIPT →(agree | timeout) PLATFORM_REFUNDING"): a parcel
    arriving exactly at the deadline is still confirmed in time by a merchant who acts at once ...
    (agreed at 86 h with no handling time, shipped back at 110 h: the timer runs to 350 h)
    """
    base = {**CHANNEL, **issue("changed_mind", after="12 hours"), "merchants": {"handling_time": "0 hours"}}
    df, _ = sim.log({**base, "logistics": {"return_transit": "240 hours"}})
    assert sim.timeline(df, "O0-1")[-3:] == [(350.0, "return_delivered"), (350.0, "confirm_return"), (350.0, "refund")]
    # ... one second later it is still on its way when the timer fires: the platform refunds, no arrival logged
    df, _ = sim.log({**base, "logistics": {"return_transit": hours(240 + SECOND)}})
    assert sim.steps(df, "O0-1")[-3:] == [
        (110.0, "ship_return", "MERCHANT_WAIT_RECEIPT", "national.no_reason_shipping"),
        (350.0, "auto_refund", "PLATFORM_REFUNDING", "channels.review_deadlines"),
        (350.0, "refund", "MERCHANT_RETURN_SUCCESS", "channels.review_deadlines"),
    ]


def test_the_audit_agrees_with_the_simulation_at_the_receipt_boundary(sim):
    """The same rule on both sides: neither log breaks the receipt timer in the audit's eyes."""
    base = {**CHANNEL, **issue("changed_mind", after="12 hours"), "merchants": {"handling_time": "0 hours"}}
    for transit in ("240 hours", hours(240 + SECOND)):
        runs = run_audited(sim.load({**base, "logistics": {"return_transit": transit}}), seed=1, reps=1)
        assert runs.audit is not None
        assert [f.line() for f in runs.audit.findings] == []
        assert runs.audit.coverage.checked[("channels.review_deadlines", "receipt", "pass")] == 1
