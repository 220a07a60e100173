"""observed_kpis: the catalogue's KPIs from a log, checked against the simulation's own counters."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from simkit.calibration.kpis import LOG_KPIS, observed_kpis, unobservable
from simkit.calibration.simlog import simulate_log
from simkit.compliance.calls import HOUR_US, to_micros
from simkit.logs.orderlog import CaseLog, Ev, Facts, OrderLog
from simkit.metrics import CATALOGUE, compute
from simkit.policy.loader import load_policy
from simkit.scenario import load_scenario

SMALL = {"orders.count": 3000, "orders.window": "10 days", "scenario.horizon": "25 days"}


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("path", "overrides"),
    [
        ("scenarios/tmall_baseline.yaml", {}),
        ("scenarios/channels_baseline.yaml", {}),
        ("scenarios/store_exit.yaml", {"merchants.exit.mode": "platform_deposit"}),
    ],
)
def test_the_log_gives_back_the_simulations_own_metrics(path: str, overrides: dict[str, str]) -> None:
    scenario = load_scenario(path, {**SMALL, **overrides})
    run = simulate_log(scenario, seed=3, replication=0)  # every order, as a log file is read
    observed = observed_kpis(run.orders, policy=scenario.policy, period=run.period)
    simulated = compute(run.counters)
    # the quick reading validation uses (orders with a case, and the order book) gives the same KPIs
    quick = simulate_log(scenario, seed=3, replication=0, cases_only=True)
    assert len(quick.orders) < len(run.orders) / 3
    assert observed_kpis(quick.orders, policy=scenario.policy, period=quick.period, facts=quick.facts) == observed
    shared = [name for name in observed if name in simulated]
    # every catalogue metric but those no log shows is computed from the log
    assert sorted(shared) == sorted(set(CATALOGUE) - set(unobservable("simkit")))
    assert simulated["orders"] > 2900 and simulated["cases"] > 300  # a real run, not an empty one
    differ = {n: (observed[n], simulated[n]) for n in shared if not _same(observed[n], simulated[n])}
    # The catalogue defines the unshipped refund rate as "Refund-only requests filed before
    # shipment / paid orders"; the simulation's counter counts only changed-mind requests, so
    # out-of-stock refunds (refund-only, never shipped) are the one difference, exactly.
    out_of_stock = sum(
        1
        for order in run.orders
        for case in order.cases
        if case.kind == "refund_only" and case.reason == "out_of_stock" and order.facts.shipped is None
    )
    gap = out_of_stock / simulated["orders"]
    if gap:
        assert set(differ) == {"unshipped_refund_rate"}
        assert math.isclose(observed["unshipped_refund_rate"] - simulated["unshipped_refund_rate"], gap)
    else:
        assert differ == {}


P = load_policy("policies/tmall.yaml")
START = dt.datetime(2026, 3, 2)
PERIOD = (START, START + dt.timedelta(days=10))


def _t(hours: float) -> int:
    return to_micros(START) + round(hours * HOUR_US)


def _order(oid: str, paid_h: float, shipped_h: float | None, *cases: CaseLog) -> OrderLog:
    facts = Facts(paid=_t(paid_h), price=100.0, channel="normal", shipped=None if shipped_h is None else _t(shipped_h))
    return OrderLog("r", oid, facts, [], list(cases))


def _case(cid: str, kind: str, reason: str, *steps: tuple[float, str, float | None]) -> CaseLog:
    events = [Ev(i, _t(h), a, amount=amt, case_id=cid) for i, (h, a, amt) in enumerate(steps)]
    return CaseLog(cid, 1, kind, reason, "", events)


def test_a_hand_written_log_gives_the_catalogue_definitions() -> None:
    orders = [
        # refund-only before shipment, agreed, refunded 2 h after the request
        _order(
            "1",
            1,
            None,
            _case("1-1", "refund_only", "changed_mind", (3, "request", 100), (5, "agree", None), (5, "refund", 100)),
        ),
        # return after delivery, timer approves (auto), refunded at 100 h; shipped 8 h after payment: on time
        _order(
            "2",
            2,
            10,
            _case(
                "2-1",
                "return_refund",
                "changed_mind",
                (30, "request", 100),
                (102, "auto_agree", None),
                (130, "refund", 80),
            ),
        ),
        # refused, intervention, buyer wins, refund: a dispute refund
        _order(
            "3",
            3,
            60,
            _case(
                "3-1",
                "refund_only",
                "quality",
                (70, "request", 100),
                (71, "refuse", None),
                (80, "request_intervention", None),
                (90, "buyer_wins", None),
                (90, "refund", 100),
            ),
        ),
        # no case; shipped 77 h after payment. tmall.ship_promise (seed:004): "Normal listings
        # 72 h after payment" -- late
        _order("4", 3, 80),
        # paid after the period: not counted
        _order("5", 300, None, _case("5-1", "refund_only", "changed_mind", (301, "request", 100))),
        # still open at the cut
        _order("6", 4, 20, _case("6-1", "return_refund", "changed_mind", (40, "request", 100), (41, "agree", None))),
    ]
    k = observed_kpis(orders, policy=P, period=PERIOD)
    assert k["orders"] == 5
    assert k["cases"] == 4
    assert k["refund_rate"] == 4 / 5
    assert k["unshipped_refund_rate"] == 1 / 5
    assert k["intervention_rate"] == 1 / 5
    assert k["dispute_rate"] == 1 / 5
    assert k["auto_approval_share"] == 1 / 4
    assert k["refusal_share"] == 1 / 4
    assert k["late_shipment_rate"] == 1 / 5
    assert k["open_cases"] == 1
    assert k["remedy_share"] == 1.0
    assert k["cost_refunds"] == 280.0
    assert k["resolution_p50_h"] == 20.0  # closed cases took 2 h, 100 h and 20 h
    assert k["resolution_mean_h"] == pytest.approx(122 / 3)
    assert k["time_to_refund_p50_h"] == 20.0
    assert set(LOG_KPIS) <= set(k)


def test_what_an_export_cannot_show_is_named_with_its_reason() -> None:
    hidden = unobservable("taobao")
    assert hidden["cost_shipping"] == "who paid the return shipping is not in the log"
    assert hidden["complaint_rate"] == "the export has no rule complaints"
    assert "refund_rate" not in hidden
    assert unobservable("wechat", facts=False)["refund_rate"] == (
        "the paid orders are unknown: the log has no order facts (give the order file)"
    )
    orders = [_order("1", 1, None, _case("1-1", "refund_only", "changed_mind", (3, "request", 100)))]
    k = observed_kpis(orders, policy=P, period=PERIOD, shape="taobao")
    assert "complaint_rate" not in k and "cost_shipping" not in k
    # the refund log alone holds only orders with a refund: no rate per paid order
    assert "refund_rate" not in k and k["cases"] == 1
    # with the trade report, two orders were paid in the period and one asked for a refund
    facts = pd.DataFrame(
        {
            "order_id": ["1", "2"],
            "paid_at": pd.to_datetime(["2026-03-02 01:00", "2026-03-02 05:00"]).tz_localize("Asia/Shanghai"),
            "shipped_at": pd.to_datetime([None, "2026-03-02 09:00"]).tz_localize("Asia/Shanghai"),
            "channel": ["normal", "normal"],
        }
    )
    k = observed_kpis(orders, policy=P, period=PERIOD, shape="taobao", facts=facts)
    assert k["orders"] == 2 and k["refund_rate"] == 1 / 2 and k["unshipped_refund_rate"] == 1 / 2


def test_a_taobao_approval_at_the_response_timer_is_an_auto_approval() -> None:
    # Tmall: "卖家在3天内未处理的，系统自动同意退款" — tmall.refund_auto_agree.timeout is 72 hours.
    at_timer = _case("1-1", "refund_only", "changed_mind", (3, "request", 100), (75, "approve", None))
    early = _case("2-1", "refund_only", "changed_mind", (3, "request", 100), (74, "approve", None))
    k = observed_kpis(
        [_order("1", 1, None, at_timer), _order("2", 1, None, early)], policy=P, period=PERIOD, shape="taobao"
    )
    assert k["auto_approval_share"] == 1 / 2


EXAMPLES = "scenarios/examples"


@pytest.mark.parametrize(
    ("shop", "shape", "log", "order_file", "policy"),
    [
        ("planted_shop", "taobao", "refunds.csv", "trades.csv", "policies/tmall.yaml"),
        ("planted_channel_shop", "wechat", "aftersale_orders.jsonl", "orders.jsonl", "policies/video_channel.yaml"),
    ],
)
def test_a_platform_export_with_its_order_file_shows_the_same_kpis_as_the_event_log(
    shop: str, shape: str, log: str, order_file: str, policy: str
) -> None:
    from simkit.logs import LogOrders
    from simkit.logs.facts import read_order_facts

    pol = load_policy(policy)
    period = (dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 1))
    with LogOrders(f"{EXAMPLES}/{shop}/simkit/events.csv", "simkit") as events:
        truth = observed_kpis(list(events), policy=pol, period=period)
    facts = read_order_facts(f"{EXAMPLES}/{shop}/{shape}/{order_file}", shape)
    with LogOrders(f"{EXAMPLES}/{shop}/{shape}/{log}", shape) as export:
        seen = observed_kpis(list(export), policy=pol, period=period, shape=shape, facts=facts)
    assert truth["orders"] > 1000 and truth["cases"] > 100
    assert set(seen) == set(truth) - set(unobservable(shape))
    differ = {n: (seen[n], truth[n]) for n in seen if not _same(seen[n], truth[n])}
    if shape == "wechat":
        assert differ == {}
        return
    # A Taobao refund record has no accepted-offer step: the offer's payment is a refund there, so
    # the money refunded and the time to a refund include it.
    assert set(differ) == {"cost_refunds", "time_to_refund_p50_h", "time_to_refund_p90_h"}
    assert seen["cost_refunds"] == pytest.approx(truth["cost_refunds"] + truth["cost_compensation"])
