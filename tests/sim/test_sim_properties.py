"""Property-based tests over small random scenarios (hypothesis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simkit.sim.statuses import TRANSITIONS

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
]
PLAYBOOKS = ["agree_all", "by_the_rules", "compensation_first", "stall", "refuse_all"]
TERMINAL = {
    "refund",
    "pay_compensation",
    "close_return",
    "cancel",
    "merchant_wins",
    "ship_replacement",
    "return_repaired",
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
    order_machine = TRANSITIONS["wechat_order" if wechat else "taobao_trade"]
    case_machine = TRANSITIONS["wechat_aftersale" if wechat else "taobao_refund"]
    for case_id, rows in df.groupby("case:concept:name", sort=False):
        machine = case_machine if rows["case_no"].iat[0] > 0 else order_machine
        _check_machine(case_id, rows, machine)


def _check_machine(case_id: str, rows: pd.DataFrame, machine: dict[str, frozenset[str]]) -> None:
    times = rows["time_h"].to_numpy()
    assert (times[1:] >= times[:-1]).all(), case_id
    state = ""
    for status, activity in zip(rows["status"], rows["concept:name"], strict=True):
        if status == "":
            continue
        assert status in machine.get(state, frozenset()), f"{case_id}: {state!r} -> {status!r} ({activity})"
        state = status
