"""validate_twin has teeth: the true twin passes, wrong twins are flagged where they are wrong.

The planted shop is the Tmall baseline with behaviour set so that it shows in a fortnight's
log: no slow stores (so merchant replies are one lognormal, median 10 h, sigma 0.8), merchants
misjudging 40 % of claims, and 60 % of refused buyers escalating. The held-out log is that shop
simulated over the held-out fortnight with its own seed; the twins run with other seeds.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simkit.calibration.simlog import simulate_log
from simkit.calibration.validate import DISTANCE_LIMIT, period_scenario, validate_twin
from simkit.scenario import Scenario, load_scenario

BASE = "scenarios/tmall_baseline.yaml"
SHOP: dict[str, Any] = {
    "orders.count": 6000,
    "orders.window": "14 days",
    "scenario.horizon": "14 days",
    "merchants.count": 60,
    "merchants.slow_share": 0.0,
    "merchants.response_time": {"dist": "lognormal", "median": "10 hours", "sigma": 0.8},
    "merchants.misjudge": 0.4,
    "buyers.escalate_after_refusal": 0.6,
}
HELD_OUT = (dt.datetime(2026, 3, 16), dt.datetime(2026, 3, 30))
TRUTH = load_scenario(BASE, SHOP)
REAL = simulate_log(period_scenario(TRUTH, TRUTH.policy, HELD_OUT), seed=777, replication=0).orders


def _validate(twin: Scenario, **kw: Any) -> Any:
    return validate_twin(twin, REAL, policy=TRUTH.policy, shape="simkit", period=HELD_OUT, reps=20, seed=5, **kw)


def test_the_true_twin_fits() -> None:
    v = _validate(TRUTH)
    assert v.verdict == "fits" and v.fits
    assert not v.kpis["flagged"].any()
    assert v.distances["ok"].all()
    assert (v.distances["multiple"] < DISTANCE_LIMIT).all()
    assert v.kpis.set_index("metric").loc["orders", "observed"] == len(REAL)
    assert v.sample.startswith(f"KPIs on the {len(REAL)} held-out orders in the log and 20 replications of the twin; ")
    assert json.loads(json.dumps(v.to_dict()))["verdict"] == "fits"


def test_a_twin_whose_replies_take_twice_as_long_is_flagged_on_replies_and_cycle_time() -> None:
    wrong = load_scenario(
        BASE, {**SHOP, "merchants.response_time": {"dist": "lognormal", "median": "20 hours", "sigma": 0.8}}
    )
    v = _validate(wrong)
    assert not v.fits and v.verdict.startswith("does not fit: ")
    flagged = set(v.kpis.loc[v.kpis["flagged"], "metric"])
    # slower replies: more requests reach the 72 h timer, cases and refunds take longer
    assert {"auto_approval_share", "time_to_refund_p50_h"} <= flagged
    k = v.kpis.set_index("metric")
    assert k.loc["auto_approval_share", "observed"] < k.loc["auto_approval_share", "twin_low"]
    d = v.distances.set_index("measure")
    assert not d.loc["cycle_time", "ok"]
    assert "cycle time, 1 h bins" in v.verdict and "auto_approval_share" in v.verdict
    # what replies do not drive is not flagged: arrivals
    assert d.loc["arrival", "ok"] and "refund_rate" not in flagged


def test_a_twin_whose_buyers_escalate_half_as_often_is_flagged_on_interventions() -> None:
    wrong = load_scenario(BASE, {**SHOP, "buyers.escalate_after_refusal": 0.3})
    v = _validate(wrong)
    assert not v.fits
    assert set(v.kpis.loc[v.kpis["flagged"], "metric"]) == {"intervention_rate"}
    k = v.kpis.set_index("metric")
    assert k.loc["intervention_rate", "observed"] > k.loc["intervention_rate", "twin_high"]
    # escalation touches a few cases in a hundred: the log distances stay within their floors
    assert v.distances["ok"].all()


def test_the_twin_of_the_72h_period_predicts_the_48h_period() -> None:
    # tmall_response_48h: "the merchant response timeout on a refund request drops from 72 h to 48 h"
    after = load_scenario(BASE, SHOP, variants=["policies/variants/tmall_response_48h.yaml"]).policy
    period = (dt.datetime(2026, 3, 30), dt.datetime(2026, 4, 13))
    real48 = simulate_log(period_scenario(TRUTH, after, period), seed=4848, replication=0).orders
    twin = TRUTH  # the planted truth of the 72 h period stands for its fitted twin
    v = validate_twin(twin, real48, policy=after, shape="simkit", period=period, reps=20, seed=9)
    k = v.kpis.set_index("metric")
    for metric in ("auto_approval_share", "dispute_rate"):
        assert k.loc[metric, "inside"], k.loc[metric]
    # the prediction rests on the rule: under the old 72 h timer the twin misses the 48 h share
    old = validate_twin(twin, real48, policy=TRUTH.policy, shape="simkit", period=period, reps=20, seed=9)
    o = old.kpis.set_index("metric")
    assert o.loc["auto_approval_share", "observed"] > o.loc["auto_approval_share", "twin_high"]
    assert k.loc["auto_approval_share", "twin_mean"] > 2 * o.loc["auto_approval_share", "twin_mean"]


@settings(max_examples=4, deadline=None, derandomize=True)
@given(
    reply_h=st.sampled_from([4, 8, 16, 30]),
    escalate=st.floats(0.2, 0.8),
    misjudge=st.floats(0.1, 0.5),
    seed=st.integers(0, 10_000),
)
def test_the_twins_intervals_bracket_a_planted_shops_kpis(
    reply_h: int, escalate: float, misjudge: float, seed: int
) -> None:
    """Coverage: the 95 % intervals of the true twin hold the planted log's KPIs about 95 % of the time.

    Tolerance: a shop shows some 20 KPIs, of which those with a non-degenerate interval are
    counted; at 95 % coverage, fewer than 80 % inside has a chance under 2 % per example
    (binomial, n = 15).
    """
    shop = {
        **SHOP,
        "orders.count": 2000,
        "merchants.count": 30,
        "merchants.response_time": {"dist": "lognormal", "median": f"{reply_h} hours", "sigma": 0.8},
        "merchants.misjudge": misjudge,
        "buyers.escalate_after_refusal": escalate,
    }
    truth = load_scenario(BASE, shop)
    real = simulate_log(period_scenario(truth, truth.policy, HELD_OUT), seed=seed, replication=0).orders
    v = validate_twin(truth, real, policy=truth.policy, shape="simkit", period=HELD_OUT, reps=12, seed=seed + 1)
    live = v.kpis[v.kpis["twin_high"] > v.kpis["twin_low"]]
    assert len(live) >= 12
    coverage = float(live["inside"].mean())
    assert coverage >= 0.8, live[~live["inside"]].to_string()
    assert not math.isnan(coverage)


def test_the_python_snippet_in_docs_twin_validation_runs(capsys: Any) -> None:
    from pathlib import Path

    text = Path("docs/twin-validation.md").read_text(encoding="utf-8")
    snippet = text.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(snippet, "docs/twin-validation.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "fits" or out.startswith("does not fit: ")
    assert "cycle_time" in out


def test_the_planted_shop_fits_the_last_fortnight_of_its_shipped_taobao_export() -> None:
    """A real export's shape: the Taobao refund records and trade report shipped in scenarios/examples."""
    from simkit.logs import LogOrders
    from simkit.logs.facts import read_order_facts

    export = "scenarios/examples/planted_shop/taobao"
    planted = load_scenario("scenarios/examples/planted_shop.yaml")
    # planted_shop.yaml: "orders arrive over 56 days (a log that can be split in time: six weeks to
    # fit, two to check)", from 2026-03-02
    period = (dt.datetime(2026, 4, 13), dt.datetime(2026, 4, 27))
    facts = read_order_facts(f"{export}/trades.csv", "taobao")
    with LogOrders(f"{export}/refunds.csv", "taobao") as log:
        held = list(log)
    v = validate_twin(planted, held, policy=planted.policy, shape="taobao", period=period, reps=12, seed=3, facts=facts)
    k = v.kpis.set_index("metric")
    paid = facts["paid_at"].dt.tz_localize(None)
    assert k.loc["orders", "observed"] == int(((paid >= period[0]) & (paid < period[1])).sum())
    assert {"refund_rate", "auto_approval_share", "late_shipment_rate", "resolution_p90_h"} <= set(k.index)
    assert "complaint_rate" not in k.index  # a refund export has no complaints
    assert v.unobserved["complaint_rate"] == "the export has no rule complaints"
    assert v.verdict == "fits", v.verdict
