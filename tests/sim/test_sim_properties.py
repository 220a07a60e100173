"""Property-based tests over small random scenarios (hypothesis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simkit.metrics import compute
from simkit.scenario import load_scenario

POLICIES = Path(__file__).resolve().parents[2] / "policies"
REASONS = [
    "changed_mind",
    "quality",
    "damaged",
    "wrong_item",
    "missing_parts",
    "not_as_described",
    "late_shipment",
    "out_of_stock",
    "counterfeit",
    "unshipped_refund",
]
PLAYBOOKS = ["agree_all", "by_the_rules", "compensation_first", "stall", "refuse_all"]
TERMINAL = {
    "refund",
    "pay_compensation",
    "close_return",
    "cancel",
    "merchant_wins",
    "deliver_replacement",
    "deliver_repaired",
    "accept_offer",
    "decline_offer",
    "decline_over_period",
    "duty_ended",
    "reject_claim",
    "uphold_complaint",
    "dismiss_complaint",
    "not_refiled",
}
DECIDERS = {"platform", "arbiter"}

# The platforms' state machines, written out from their documentation (RULES.md "Real state
# machines"; Tmall exchange orders and neutral repair steps from docs/statuses.md). A
# repeated status is no transition; "" is not a status event.
TAOBAO_TRADE = {
    "": {"WAIT_SELLER_SEND_GOODS"},
    "WAIT_SELLER_SEND_GOODS": {"WAIT_BUYER_CONFIRM_GOODS", "TRADE_CLOSED"},
    "WAIT_BUYER_CONFIRM_GOODS": {"TRADE_FINISHED", "TRADE_CLOSED"},
    "TRADE_FINISHED": set(),
    "TRADE_CLOSED": set(),
}
TAOBAO_REFUND = {
    "": {"WAIT_SELLER_AGREE"},
    "WAIT_SELLER_AGREE": {"SUCCESS", "WAIT_BUYER_RETURN_GOODS", "SELLER_REFUSE_BUYER", "CLOSED"},
    "SELLER_REFUSE_BUYER": {"WAIT_SELLER_AGREE", "SUCCESS", "WAIT_BUYER_RETURN_GOODS", "CLOSED"},
    "WAIT_BUYER_RETURN_GOODS": {"WAIT_SELLER_CONFIRM_GOODS", "CLOSED"},
    "WAIT_SELLER_CONFIRM_GOODS": {"SUCCESS", "CLOSED"},
    "SUCCESS": set(),
    "CLOSED": set(),
}
TMALL_EXCHANGE = {
    "": {"换货待处理"},
    "换货待处理": {"待买家退货", "待买家修改", "换货关闭"},
    "待买家修改": {"换货待处理", "待买家退货", "换货关闭"},
    "待买家退货": {"买家已退货，待收货", "换货关闭"},
    "买家已退货，待收货": {"待发出换货商品", "换货关闭"},
    "待发出换货商品": {"待买家收货"},
    "待买家收货": {"换货成功"},
    "换货成功": set(),
    "换货关闭": set(),
}
WECHAT_ORDER = {"": {"20"}, "20": {"30", "200"}, "30": {"100", "200"}, "100": set(), "200": set()}
WECHAT_AFTERSALE = {
    "": {"MERCHANT_PROCESSING"},
    "MERCHANT_PROCESSING": {
        "PLATFORM_REFUNDING",
        "USER_WAIT_RETURN",
        "MERCHANT_REJECT_REFUND",
        "MERCHANT_REJECT_RETURN",
        "USER_WAIT_CONFIRM_UPDATE",
        "USER_CANCELD",
    },
    "USER_WAIT_CONFIRM_UPDATE": {"PLATFORM_REFUNDING", "MERCHANT_PROCESSING", "USER_CANCELD"},
    "MERCHANT_REJECT_REFUND": {"PLATFORM_REFUNDING", "USER_CANCELD"},
    "MERCHANT_REJECT_RETURN": {"USER_WAIT_RETURN", "USER_CANCELD"},
    "USER_WAIT_RETURN": {"MERCHANT_WAIT_RECEIPT", "RETURN_CLOSED"},
    "MERCHANT_WAIT_RECEIPT": {"PLATFORM_REFUNDING", "exchange.wait_merchant_ship"},
    "PLATFORM_REFUNDING": {"MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS"},
    "exchange.wait_merchant_ship": {"exchange.wait_user_receipt"},
    "exchange.wait_user_receipt": {"exchange.done"},
    "MERCHANT_REFUND_SUCCESS": set(),
    "MERCHANT_RETURN_SUCCESS": set(),
    "RETURN_CLOSED": set(),
    "USER_CANCELD": set(),
    "exchange.done": set(),
}
REPAIR = {
    "": {"repair.requested"},
    "repair.requested": {"repair.wait_buyer_send", "repair.refused", "repair.negotiating", "repair.closed"},
    "repair.negotiating": {"repair.requested", "repair.closed"},
    "repair.refused": {"repair.wait_buyer_send", "repair.closed"},
    "repair.wait_buyer_send": {"repair.wait_merchant_receipt", "repair.closed"},
    "repair.wait_merchant_receipt": {"repair.in_repair"},
    "repair.in_repair": {"repair.wait_buyer_receipt"},
    "repair.wait_buyer_receipt": {"repair.done"},
    "repair.done": set(),
    "repair.closed": set(),
}
TAOBAO_CS = {0, 2, 3, 6}

share = st.floats(0.0, 1.0)


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    platform = draw(st.sampled_from(["tmall", "video_channel"]))
    reasons = draw(st.lists(st.sampled_from(REASONS), min_size=1, max_size=4, unique=True))
    issues = {
        r: {"p": draw(st.floats(0.05, 0.25)), "after": f"{draw(st.integers(0, 40))} days", "used": draw(share)}
        for r in reasons
    }
    playbook: Any = draw(st.sampled_from(PLAYBOOKS))
    if draw(st.booleans()):
        playbook = {
            "base": playbook,
            "extend": draw(st.booleans()),
            "reopen": draw(st.booleans()),
            "confirm_returns": draw(st.sampled_from(["on_time", "late"])),
        }
    categories = draw(
        st.lists(
            st.sampled_from(["apparel", "electronics", "fresh", "furniture", "cosmetics"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    return {
        "scenario": {"policy": str(POLICIES / f"{platform}.yaml"), "horizon": f"{draw(st.integers(5, 60))} days"},
        "orders": {
            "times": None,
            "count": draw(st.integers(5, 60)),
            "window": "20 days",
            "categories": {
                c: {"share": 1.0, "price": {"dist": "lognormal", "median": draw(st.integers(10, 3000)), "sigma": 0.5}}
                for c in categories
            },
            "free_shipping": draw(share),
            "channels": {"normal": 1.0, "presale": draw(st.floats(0, 0.3))},
        },
        "issues": {c: issues for c in categories},
        "buyers": {
            "confirm_early": draw(share),
            "evidence": draw(share),
            "escalate_after_refusal": draw(share),
            "complaint": draw(share),
            "return_on_time": draw(share),
            "accept_offer_base": draw(share),
            "claim_late_shipment": draw(share),
            "refile_after_reopen": draw(share),
            "return_delay": {"dist": "exponential", "mean": "36 hours"},
            "escalate_delay": {"dist": "exponential", "mean": "24 hours"},
        },
        "merchants": {
            "count": draw(st.integers(1, 4)),
            "staff": {"per_merchant": draw(st.integers(1, 3))},
            "response_time": {"dist": "exponential", "mean": f"{draw(st.integers(1, 100))} hours"},
            "handling_time": {"dist": "exponential", "mean": "1 hours"},
            "ship_time": {"dist": "exponential", "mean": "40 hours"},
            "shifts": draw(st.sampled_from([None, [{"start": 9, "end": 21}]])),
            "playbook": playbook,
        },
        "arbiters": {"staff": draw(st.integers(1, 2)), "decision_time": {"dist": "exponential", "mean": "12 hours"}},
        "logistics": {
            "transit": {"dist": "gamma", "mean": "48 hours", "shape": 2},
            "loss": draw(st.floats(0, 0.1)),
            "damage": draw(st.floats(0, 0.1)),
        },
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(patch=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_invariants(sim, patch, seed):
    sc = sim.load(patch)
    df, model = sim.run_log(sc, seed)
    n = model.n
    policy = sc.policy
    cases = df[df["case_no"] > 0]
    orders = df[df["case_no"] == 0]

    # the dispute rate counts refunds concluded after intervention: never more than the interventions
    assert n.dispute_refunds <= n.interventions
    metrics = compute(n)
    if n.orders:
        assert metrics["dispute_rate"] <= metrics["intervention_rate"]

    # every case ends in a terminal step or is reported open at the horizon
    last = cases.groupby("case:concept:name", sort=False)["concept:name"].last()
    open_in_log = int((~last.isin(TERMINAL)).sum())
    assert open_in_log == n.cases - n.closed
    assert last.size == n.cases

    # refunds never exceed what was paid
    price = orders[orders["concept:name"] == "pay"].set_index("order_id")["amount"]
    refunds = cases[cases["concept:name"] == "refund"].groupby("order_id")["amount"].sum()
    assert (refunds <= price.reindex(refunds.index) + 1e-9).all()

    # compensation never exceeds its cap (late shipment / out of stock)
    if policy.spec.tmall is not None:
        cap = policy.spec.tmall.late_ship_comp.cap.at(None)
        comp = cases[(cases["concept:name"] == "pay_compensation") & (cases["rule"] == "tmall.late_ship_comp")]
        assert (comp["amount"] <= cap + 1e-9).all()
        reopen_limit = policy.spec.tmall.reopen_entry.per_order.at(None)
        per_order = cases[cases["concept:name"] == "reopen_entry"].groupby("order_id").size()
        assert (per_order <= reopen_limit).all()
    if policy.spec.channels is not None:
        ext_limit = policy.spec.channels.extend.max_times.at(None)
        per_order = cases[cases["concept:name"] == "extend_after_sale"].groupby("order_id").size()
        assert (per_order <= ext_limit).all()

    # every decision (platform or arbiter) cites a rule id
    decisions = df[df["actor"].isin(DECIDERS)]
    assert (decisions["rule"] != "").all(), decisions[decisions["rule"] == ""]["concept:name"].unique()

    # statuses follow the real state machines; events are time-ordered per case
    wechat = policy.spec.policy.status_model == "wechat"
    for case_id, rows in df.groupby("case:concept:name", sort=False):
        kind = rows["kind"].iloc[0]
        if kind == "":
            machine = WECHAT_ORDER if wechat else TAOBAO_TRADE
        elif kind == "repair":
            machine = REPAIR
        elif kind == "exchange":
            machine = WECHAT_AFTERSALE if wechat else TMALL_EXCHANGE
        else:
            machine = WECHAT_AFTERSALE if wechat else TAOBAO_REFUND
        _check_machine(case_id, rows, machine)
        cs = rows["cs_status"].to_numpy()
        assert set(cs.tolist()) <= (TAOBAO_CS if not wechat else {0}), case_id
        assert (cs[1:] >= cs[:-1]).all(), f"{case_id}: cs_status went back: {cs.tolist()}"


def _check_machine(case_id: str, rows: pd.DataFrame, machine: dict[str, set[str]]) -> None:
    times = rows["time_h"].to_numpy()
    assert (times[1:] >= times[:-1]).all(), case_id
    state = ""
    for status, activity in zip(rows["status"], rows["concept:name"], strict=True):
        if status == "" or status == state:
            continue
        assert status in machine.get(state, set()), f"{case_id}: {state!r} -> {status!r} ({activity})"
        state = status


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(patch=scenarios(), seed=st.integers(0, 2**32 - 1), promise=st.sampled_from(["24 hours", "48 hours", "96 hours"]))
def test_pairing_survives_variants_that_add_or_remove_cases(sim, patch, seed, promise):
    # A shorter or longer shipping promise adds or removes late-shipment claims (and moves the
    # shipment of orders forced late); every case on an order whose shipment did not move keeps
    # exactly the same steps (common random numbers, case by case).
    patch = sim.deep_update(patch, {"scenario": {"policy": str(POLICIES / "tmall.yaml")}})
    base = sim.load(patch)
    variant = load_scenario(base.file, [f"tmall.ship_promise.normal={promise}"])
    logs, ships = [], []
    for sc in (base, variant):
        df, _ = sim.run_log(sc, seed)
        ships.append(df[df["concept:name"] == "ship"].set_index("order_id")["time_h"])
        logs.append(df[(df["kind"] != "") & (df["kind"] != "late_shipment_compensation")])
    moved = set(ships[0].index.symmetric_difference(ships[1].index))
    common = ships[0].index.intersection(ships[1].index)
    moved |= set(common[ships[0][common].to_numpy() != ships[1][common].to_numpy()])
    columns = ["case:concept:name", "time_h", "concept:name", "status", "amount", "rule"]
    kept = [log[~log["order_id"].isin(moved)][columns].reset_index(drop=True) for log in logs]
    assert kept[0].equals(kept[1])
