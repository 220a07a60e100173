"""Exact timelines: one order at a time through each path, with deterministic settings.

The base scenario (conftest.BASE): one apparel order of 100 CNY paid at hour 0, free
shipping, the merchant ships after 24 h, transit 48 h (delivered at 72 h), the merchant
looks at a request after 2 h and works on it for 1 h, the buyer returns goods after 24 h,
return transit 48 h, arbiters decide in 10 h.
"""

from __future__ import annotations

from pathlib import Path

POLICIES = Path(__file__).resolve().parents[2] / "policies"
CHANNEL = {"scenario": {"policy": str(POLICIES / "video_channel.yaml")}}


def issue(reason: str, **kw: object) -> dict[str, object]:
    return {"issues": {"apparel": {reason: {"p": 1.0, **kw}}}}


def test_stalled_refund_is_auto_approved_exactly_72h_later(sim):
    df, model = sim.log({**issue("out_of_stock"), "merchants": {"playbook": "stall"}})
    assert sim.steps(df, "O0-1") == [
        (1.0, "request", "WAIT_SELLER_AGREE", ""),
        (73.0, "auto_agree", "SUCCESS", "tmall.refund_auto_agree"),
        (73.0, "refund", "SUCCESS", "tmall.refund_auto_agree"),
        (73.0, "pay_compensation", "", "tmall.late_ship_comp"),
    ]
    assert sim.steps(df, "O0") == [
        (0.0, "pay", "WAIT_SELLER_SEND_GOODS", ""),
        (73.0, "close_trade", "TRADE_CLOSED", "tmall.refund_auto_agree"),
    ]
    comp = df[df["concept:name"] == "pay_compensation"]["amount"].tolist()
    assert comp == [30.0]  # 30% of 100 CNY, as Tmall points
    assert model.n.auto_agree == 1 and model.n.requests == 1


def test_no_reason_return_happy_path(sim):
    df, _ = sim.log(issue("changed_mind", after="12 hours"))
    assert sim.timeline(df, "O0") == [(0.0, "pay"), (24.0, "ship"), (72.0, "deliver"), (160.0, "close_trade")]
    assert sim.steps(df, "O0-1") == [
        (84.0, "request", "WAIT_SELLER_AGREE", "tmall.after_sale_window"),
        (87.0, "agree", "WAIT_BUYER_RETURN_GOODS", "national.no_reason_return"),
        (111.0, "ship_return", "WAIT_SELLER_CONFIRM_GOODS", "tmall.no_reason_shipping"),
        (159.0, "return_delivered", "WAIT_SELLER_CONFIRM_GOODS", ""),
        (160.0, "confirm_return", "SUCCESS", ""),
        (160.0, "refund", "SUCCESS", "national.no_reason_return"),
    ]


def test_order_without_issue_finishes_by_automatic_confirmation(sim):
    df, model = sim.log()
    assert sim.steps(df, "O0") == [
        (0.0, "pay", "WAIT_SELLER_SEND_GOODS", ""),
        (24.0, "ship", "WAIT_BUYER_CONFIRM_GOODS", "tmall.ship_promise"),
        (72.0, "deliver", "WAIT_BUYER_CONFIRM_GOODS", ""),
        (264.0, "auto_confirm", "TRADE_FINISHED", "tmall.auto_confirm"),  # 10 days after shipment
        (264.0, "settle", "TRADE_FINISHED", "tmall.settlement"),
    ]
    assert model.n.cases == 0


def test_late_shipment_claim_pays_30_percent_in_points(sim):
    df, model = sim.log(issue("late_shipment"))
    assert sim.timeline(df, "O0")[:2] == [(0.0, "pay"), (96.0, "ship")]  # 72 h promise + 24 h late
    assert sim.steps(df, "O0-2") == [  # a late-shipment claim is always case 2 of its order
        (84.0, "claim_compensation", "", "tmall.late_ship_comp"),
        (84.0, "pay_compensation", "", "tmall.late_ship_comp"),
    ]
    assert model.n.cost_compensation == 30.0


def test_late_claim_is_capped_at_500_cny(sim):
    patch = {**issue("late_shipment"), "orders": {"categories": {"apparel": {"share": 1.0, "price": 5000}}}}
    _, model = sim.log(patch)
    assert model.n.cost_compensation == 500.0


def test_refusal_escalated_to_intervention_buyer_wins(sim):
    patch = {
        **issue("not_as_described", after="12 hours"),
        "merchants": {"playbook": "refuse_all"},
        "buyers": {"escalate_after_refusal": 1.0},
    }
    df, model = sim.log(patch)
    rows = sim.rows(df, "O0-1")
    got = list(zip(rows["time_h"], rows["concept:name"], rows["status"], rows["cs_status"], strict=True))
    assert got == [
        (84.0, "request", "WAIT_SELLER_AGREE", 0),
        (87.0, "refuse", "SELLER_REFUSE_BUYER", 0),
        (156.0, "request_intervention", "SELLER_REFUSE_BUYER", 2),  # 72 h after the request (tmall.intervention_wait)
        (156.0, "intervene", "SELLER_REFUSE_BUYER", 3),
        (166.0, "buyer_wins", "WAIT_BUYER_RETURN_GOODS", 6),
        (166.0, "penalty_points", "", 6),  # description mismatch, minor: 3 points (seed:004)
        (190.0, "ship_return", "WAIT_SELLER_CONFIRM_GOODS", 6),  # cs_status 6 stays once the platform ruled
        (238.0, "return_delivered", "WAIT_SELLER_CONFIRM_GOODS", 6),
        (239.0, "confirm_return", "SUCCESS", 6),
        (239.0, "refund", "SUCCESS", 6),
    ]
    assert rows[rows["concept:name"] == "request_intervention"]["rule"].item() == "tmall.intervention_wait"
    assert rows[rows["concept:name"] == "penalty_points"]["amount"].item() == 3.0
    assert model.n.interventions == 1
    assert model.n.dispute_refunds == 1
    assert model.n.penalty_points == 3
    assert model.n.cost_shipping == 12.0  # the merchant is at fault and pays the return


def test_buyer_who_never_returns_is_closed_after_7_days(sim):
    patch = {**issue("changed_mind", after="12 hours"), "buyers": {"return_on_time": 0.0}}
    df, model = sim.log(patch)
    assert sim.steps(df, "O0-1") == [
        (84.0, "request", "WAIT_SELLER_AGREE", "tmall.after_sale_window"),
        (87.0, "agree", "WAIT_BUYER_RETURN_GOODS", "national.no_reason_return"),
        (87.0 + 7 * 24, "close_return", "CLOSED", "tmall.return_deadlines"),
    ]
    assert model.n.remedies == 0


def test_merchant_who_never_confirms_the_return_pays_after_10_days(sim):
    """Tmall's receipt timer belongs to WAIT_SELLER_CONFIRM_GOODS, which begins when the buyer ships the return
    ("WAIT_BUYER_RETURN_GOODS → WAIT_SELLER_CONFIRM_GOODS → SUCCESS", RULES.md): shipped at 111 h, refunded
    10 days (240 h) later -- not 10 days after the parcel's arrival at 159 h."""
    patch = {**issue("changed_mind", after="12 hours"), "merchants": {"playbook": {"confirm_returns": "late"}}}
    df, _ = sim.log(patch)
    assert sim.timeline(df, "O0-1")[-4:] == [
        (111.0, "ship_return"),
        (159.0, "return_delivered"),
        (111.0 + 240.0, "auto_refund"),
        (351.0, "refund"),
    ]


def test_compensation_first_offer_accepted(sim):
    patch = {
        **issue("quality", after="12 hours"),
        "merchants": {"playbook": "compensation_first"},
        "buyers": {"accept_offer_base": 1.0},
    }
    df, model = sim.log(patch)
    assert sim.steps(df, "O0-1") == [
        (84.0, "request", "WAIT_SELLER_AGREE", "tmall.after_sale_window"),
        (87.0, "offer_compensation", "WAIT_SELLER_AGREE", ""),
        (93.0, "accept_offer", "SUCCESS", ""),
        (93.0, "refund", "SUCCESS", "national.refund_deadline"),
    ]
    assert model.n.cost_compensation == 10.0 and model.n.cost_refunds == 0.0


def test_compensation_first_offer_declined_then_refund(sim):
    patch = {
        **issue("quality", after="12 hours"),
        "merchants": {"playbook": "compensation_first"},
        "buyers": {"accept_offer_base": 0.0, "accept_offer_per_percent": 0.0},
    }
    df, model = sim.log(patch)
    assert sim.timeline(df, "O0-1")[:4] == [
        (84.0, "request"),
        (87.0, "offer_compensation"),
        (93.0, "decline_offer"),
        (93.0, "agree"),
    ]
    assert model.n.cost_refunds == 100.0


def test_tmall_reopen_after_the_window(sim):
    patch = {
        **issue("quality", after="30 days"),
        "merchants": {"playbook": {"base": "agree_all", "reopen": True}},
        "buyers": {"refile_after_reopen": 1.0},
    }
    df, model = sim.log(patch)
    got = sim.steps(df, "O0-1")
    assert got[:3] == [
        (792.0, "contact_merchant", "", "tmall.after_sale_window"),
        (792.0, "reopen_entry", "", "tmall.reopen_entry"),
        (798.0, "request", "WAIT_SELLER_AGREE", "tmall.reopen_entry"),
    ]
    assert model.n.reopens == 1


def test_tmall_without_reopen_declines_over_period(sim):
    df, model = sim.log(issue("quality", after="30 days"))
    assert sim.timeline(df, "O0-1") == [(792.0, "contact_merchant"), (792.0, "decline_over_period")]
    assert model.n.reopens == 0 and model.n.requests == 0


def test_channel_stalled_refund_auto_agreed_after_48h(sim):
    patch = {**CHANNEL, **issue("out_of_stock"), "merchants": {"playbook": "stall"}}
    df, _ = sim.log(patch)
    assert sim.steps(df, "O0-1") == [
        (1.0, "request", "MERCHANT_PROCESSING", ""),
        (49.0, "auto_agree", "PLATFORM_REFUNDING", "channels.review_deadlines"),
        (49.0, "refund", "MERCHANT_REFUND_SUCCESS", "channels.review_deadlines"),
    ]
    assert sim.steps(df, "O0") == [(0.0, "pay", "20", ""), (49.0, "close_trade", "200", "channels.review_deadlines")]


def test_channel_return_statuses(sim):
    df, _ = sim.log({**CHANNEL, **issue("changed_mind", after="12 hours")})
    rows = sim.rows(df, "O0-1")
    assert rows["status"].tolist() == [
        "MERCHANT_PROCESSING",
        "USER_WAIT_RETURN",
        "MERCHANT_WAIT_RECEIPT",
        "MERCHANT_WAIT_RECEIPT",
        "PLATFORM_REFUNDING",
        "MERCHANT_RETURN_SUCCESS",
    ]


def test_channel_over_period_extension(sim):
    patch = {
        **CHANNEL,
        **issue("quality", after="30 days"),
        "merchants": {"playbook": {"base": "agree_all", "extend": True}},
        "buyers": {"file_after_extension": "3 days"},
    }
    df, model = sim.log(patch)
    got = sim.steps(df, "O0-1")
    assert got[:3] == [
        (792.0, "contact_merchant", "", "channels.over_period_scenarios"),
        (792.0, "extend_after_sale", "", "channels.extend"),
        (864.0, "request", "MERCHANT_PROCESSING", "channels.extend"),  # filed 3 days later, inside the 7 days
    ]
    assert model.n.extensions == 1


def test_channel_over_period_offer_when_not_extending(sim):
    patch = {**CHANNEL, **issue("changed_mind", after="30 days"), "buyers": {"accept_offer_base": 1.0}}
    df, model = sim.log(patch)
    assert sim.timeline(df, "O0-1") == [
        (792.0, "contact_merchant"),
        (792.0, "offer_compensation"),
        (798.0, "accept_offer"),
    ]
    assert model.n.cost_compensation == 10.0  # channels.principle small compensation, 10% of 100 CNY


def test_store_exit_duty_ended(sim):
    patch = {
        **issue("quality", after="30 days"),
        "merchants": {"exit": {"at": "2026-03-05T00:00:00", "mode": "merchant"}},
    }
    df, _ = sim.log(patch)
    assert sim.steps(df, "O0-1") == [
        (792.0, "contact_merchant", "", "tmall.store_exit"),
        (792.0, "duty_ended", "", "tmall.store_exit"),
    ]


def test_store_exit_third_party_handles_within_duty(sim):
    patch = {
        **issue("wrong_item", after="10 days"),
        "merchants": {"playbook": "refuse_all", "exit": {"at": "2026-03-02T12:00:00", "mode": "third_party"}},
    }
    df, model = sim.log(patch)
    # after transaction success (264 h), inside the 15-day window: the provider follows the rules
    assert sim.timeline(df, "O0-1")[:3] == [(312.0, "handle_after_exit"), (312.0, "request"), (315.0, "agree")]
    first = sim.rows(df, "O0-1").iloc[0]
    assert (first["actor"], first["rule"]) == ("provider", "tmall.store_exit")  # who answers, under which duty
    assert model.n.cost_refunds == 100.0


def test_impatient_buyer_escalates_a_stalled_request_when_the_rules_allow(sim):
    # Intervention opens 72 h after the request, when the refund is approved anyway: the timer wins ...
    patch = {**issue("out_of_stock"), "merchants": {"playbook": "stall"}, "buyers": {"escalate_after_stall": 1.0}}
    df, model = sim.log(patch)
    assert [a for _, a in sim.timeline(df, "O0-1")][:2] == ["request", "auto_agree"]
    # ... unless the policy lets the buyer ask the platform earlier (a what-if via an override).
    sc = sim.load(patch)
    from simkit.scenario import load_scenario

    sc = load_scenario(sc.file, ["tmall.intervention_wait.wait=24 hours"])
    df, model = sim.run_log(sc)
    assert sim.steps(df, "O0-1")[:4] == [
        (1.0, "request", "WAIT_SELLER_AGREE", ""),
        (49.0, "request_intervention", "WAIT_SELLER_AGREE", "tmall.intervention_wait"),  # patience 48 h
        (49.0, "intervene", "WAIT_SELLER_AGREE", "tmall.intervention_wait"),
        (59.0, "buyer_wins", "SUCCESS", "tmall.fault_shipping"),
    ]
    assert model.n.interventions == 1 and model.n.auto_agree == 0


def _status_line(sim, df, case):
    rows = sim.rows(df, case)
    return [
        (round(float(t), 6), a, s) for t, a, s in zip(rows["time_h"], rows["concept:name"], rows["status"], strict=True)
    ]


def test_tmall_exchange_uses_tmall_exchange_statuses(sim):
    # Tmall records exchanges (换货) as exchange orders with their own statuses, not refund SUCCESS.
    df, model = sim.log({**issue("quality", after="12 hours"), "buyers": {"quality_request": {"exchange": 1.0}}})
    assert _status_line(sim, df, "O0-1") == [
        (84.0, "request", "换货待处理"),
        (87.0, "agree", "待买家退货"),
        (111.0, "ship_return", "买家已退货，待收货"),
        (159.0, "return_delivered", "买家已退货，待收货"),
        (160.0, "confirm_return", "待发出换货商品"),
        (161.0, "ship_replacement", "待买家收货"),
        (209.0, "deliver_replacement", "换货成功"),
    ]
    assert model.n.cost_refunds == 0.0


def test_repair_carries_neutral_statuses_on_both_platforms(sim):
    # Neither platform records repairs (维修) in its refund or after-sale statuses: neutral names.
    expected = [
        (84.0, "request", "repair.requested"),
        (87.0, "agree", "repair.wait_buyer_send"),
        (111.0, "ship_return", "repair.wait_merchant_receipt"),
        (159.0, "return_delivered", "repair.wait_merchant_receipt"),
        (160.0, "confirm_return", "repair.in_repair"),
        (161.0, "return_repaired", "repair.wait_buyer_receipt"),
        (209.0, "deliver_repaired", "repair.done"),
    ]
    patch = {**issue("quality", after="12 hours"), "buyers": {"quality_request": {"repair": 1.0}}}
    assert _status_line(sim, sim.log(patch)[0], "O0-1") == expected
    assert _status_line(sim, sim.log({**patch, **CHANNEL})[0], "O0-1") == expected


def test_wechat_exchange_statuses(sim):
    patch = {**CHANNEL, **issue("quality", after="12 hours"), "buyers": {"quality_request": {"exchange": 1.0}}}
    assert [s for _, _, s in _status_line(sim, sim.log(patch)[0], "O0-1")] == [
        "MERCHANT_PROCESSING",
        "USER_WAIT_RETURN",
        "MERCHANT_WAIT_RECEIPT",
        "MERCHANT_WAIT_RECEIPT",
        "exchange.wait_merchant_ship",
        "exchange.wait_user_receipt",
        "exchange.done",
    ]


def test_unshipped_refund_only_before_the_parcel_leaves(sim):
    # 未发货仅退款: asked 5 h after payment, before the 24 h shipment; the order never ships
    df, model = sim.log(issue("unshipped_refund", after="5 hours"))
    assert sim.steps(df, "O0-1")[:1] == [(5.0, "request", "WAIT_SELLER_AGREE", "")]
    assert _status_line(sim, df, "O0-1")[1:] == [(8.0, "agree", "SUCCESS"), (8.0, "refund", "SUCCESS")]
    assert sim.rows(df, "O0-1")["reason"].unique().tolist() == ["changed_mind"]
    assert sim.rows(df, "O0-1")["kind"].unique().tolist() == ["refund_only"]
    assert _status_line(sim, df, "O0") == [(0.0, "pay", "WAIT_SELLER_SEND_GOODS"), (8.0, "close_trade", "TRADE_CLOSED")]
    assert model.n.unshipped_refunds == 1 and model.n.refund_requests == 1


def test_unshipped_refund_asked_after_shipment_becomes_a_return(sim):
    df, model = sim.log(issue("unshipped_refund", after="30 hours"))
    first = sim.rows(df, "O0-1").iloc[0]
    assert (first["time_h"], first["kind"], first["reason"]) == (102.0, "return_refund", "changed_mind")
    assert model.n.unshipped_refunds == 0


def test_wechat_ruling_for_the_merchant_keeps_the_rejection(sim):
    # A WeChat dispute is its own document; upholding the merchant is not a buyer's cancellation.
    patch = {
        **CHANNEL,
        **issue("not_as_described", after="12 hours"),
        "merchants": {"playbook": "refuse_all"},
        "buyers": {"escalate_after_refusal": 1.0, "evidence": 0.0},
    }
    df, model = sim.log(patch)
    assert _status_line(sim, df, "O0-1") == [
        (84.0, "request", "MERCHANT_PROCESSING"),
        (87.0, "refuse", "MERCHANT_REJECT_RETURN"),
        (111.0, "request_intervention", "MERCHANT_REJECT_RETURN"),
        (111.0, "intervene", "MERCHANT_REJECT_RETURN"),
        (121.0, "merchant_wins", "MERCHANT_REJECT_RETURN"),
    ]
    assert model.n.dispute_refunds == 0 and model.n.interventions == 1


def test_channel_rule_following_merchant_offers_before_refusing(sim):
    # channels.principle: never a bare refusal. The merchant offers 10 % first; refused only when declined.
    patch = {
        **CHANNEL,
        **issue("not_as_described", after="12 hours"),
        "buyers": {"evidence": 0.0, "accept_offer_base": 0.0, "accept_offer_per_percent": 0.0},
    }
    df, _ = sim.log(patch)
    assert sim.steps(df, "O0-1") == [
        (84.0, "request", "MERCHANT_PROCESSING", "channels.period_order"),
        (87.0, "offer_compensation", "USER_WAIT_CONFIRM_UPDATE", "channels.principle"),
        (93.0, "decline_offer", "MERCHANT_PROCESSING", ""),
        (93.0, "refuse", "MERCHANT_REJECT_RETURN", "national.quality_return"),
        (93.0, "cancel", "USER_CANCELD", ""),
    ]
    offer = df[(df["case:concept:name"] == df["run_id"] + ":O0-1") & (df["concept:name"] == "offer_compensation")]
    assert offer["amount"].item() == 10.0  # small compensation 10 % of 100 CNY


def test_settlement_pays_the_price_less_what_was_refunded(sim):
    patch = {
        **issue("quality", after="12 hours"),
        "merchants": {"playbook": {"base": "compensation_first", "compensation": "15 percent"}},
        "buyers": {"accept_offer_base": 1.0},
    }
    df, _ = sim.log(patch)
    settle = df[(df["case:concept:name"] == df["run_id"] + ":O0") & (df["concept:name"] == "settle")]
    assert settle["amount"].tolist() == [85.0]  # 100 CNY paid, 15 CNY compensation refunded


def test_extensions_happen_one_at_a_time_until_the_limit(sim):
    # Each extension lasts 7 days (channels.extend); a buyer who files 10 days later needs another.
    patch = {
        **CHANNEL,
        "scenario": {"policy": str(POLICIES / "video_channel.yaml"), "horizon": "120 days"},
        **issue("quality", after="30 days"),
        "merchants": {"playbook": {"base": "agree_all", "extend": True}},
        "buyers": {"file_after_extension": "10 days"},
    }
    df, model = sim.log(patch)
    steps = sim.steps(df, "O0-1")
    assert steps[:8] == [
        (792.0, "contact_merchant", "", "channels.over_period_scenarios"),
        (792.0, "extend_after_sale", "", "channels.extend"),
        (1032.0, "contact_merchant", "", "channels.extend"),
        (1032.0, "extend_after_sale", "", "channels.extend"),
        (1272.0, "contact_merchant", "", "channels.extend"),
        (1272.0, "extend_after_sale", "", "channels.extend"),
        (1512.0, "contact_merchant", "", "channels.extend"),
        (1512.0, "cannot_extend", "", "channels.extend"),  # at most 3 times per order (seed:003)
    ]
    assert model.n.extensions == 3
