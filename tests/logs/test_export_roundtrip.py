"""Round trip: a simulated run, exported in a platform's shape, read back by the audit's reader.

The expectations are counted from the simulated events themselves (not from the exporter): every
refund-only and return case that reached a request is one refund record; its refunded amount is
the sum of its ``refund`` events; it was refused when it has a ``refuse`` event. It closed
without a refund when it was cancelled, its return closed unreturned, or (Taobao: "A ruling for
the merchant closes the refund (``CLOSED``)") the platform ruled for the merchant; on WeChat "when
the platform upholds the merchant, the after-sale order keeps its rejected status", so that
ruling closes nothing there.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

import simkit
from simkit.logs import LogOrders
from simkit.logs.export import write_export

ROOT = Path(__file__).resolve().parents[2]
FILES = {"taobao": "refunds.csv", "wechat": "aftersale_orders.jsonl", "simkit": "events.csv"}
POLICY = {"tmall_baseline": "policies/tmall.yaml", "channels_baseline": "policies/video_channel.yaml"}
SHAPE = {"tmall_baseline": "taobao", "channels_baseline": "wechat"}

Outcome = tuple[float, bool, bool]
"""(refunded CNY, refused, closed without a refund)."""


@pytest.fixture(scope="module", params=["tmall_baseline", "channels_baseline"])
def simulated(request: pytest.FixtureRequest) -> simkit.RunResult:
    return simkit.run(ROOT / "scenarios" / f"{request.param}.yaml", reps=2, overrides=["orders.count=1200"])


def expected_outcomes(events: pd.DataFrame, shape: str) -> dict[str, Outcome]:
    """Per refund case (keyed by the platform's documented id scheme), its outcome, from the events."""
    runs = {run: i for i, run in enumerate(pd.unique(events["run_id"]))}
    cases = events.loc[(events["case_no"] > 0) & events["kind"].isin(["refund_only", "return_refund"])]
    requested = set(cases.loc[cases["concept:name"] == "request", "case:concept:name"])
    closing = {"cancel", "close_return"} | ({"merchant_wins"} if shape == "taobao" else set())
    out: dict[str, Outcome] = {}
    for case_id, group in cases.groupby("case:concept:name", sort=False):
        if case_id not in requested:
            continue
        run, order, no = group["run_id"].iloc[0], int(group["order_id"].iloc[0]), int(group["case_no"].iloc[0])
        refund_id = str(((runs[run] + 1) * 10**9 + order) * 100 + no)
        activities = set(group["concept:name"])
        refunded = round(float(group.loc[group["concept:name"] == "refund", "amount"].sum()), 2)
        out[refund_id] = (refunded, "refuse" in activities, refunded == 0 and bool(activities & closing))
    return out


def read_outcomes(path: Path, shape: str) -> dict[str, Outcome]:
    out: dict[str, Outcome] = {}
    with LogOrders(path, shape) as log:
        for order in log:
            for case in order.cases:
                refunded = round(sum(ev.amount or 0.0 for ev in case.events if ev.activity == "refund"), 2)
                acts = {ev.activity for ev in case.events}
                closed = refunded == 0 and bool(acts & {"close", "cancel", "close_return"})
                out[case.case_id] = (refunded, "refuse" in acts, closed)
        assert log.problems == []
    return out


@pytest.mark.parametrize("shape", ["taobao", "wechat"])
def test_export_reads_back_case_for_case(simulated: simkit.RunResult, shape: str, tmp_path: Path):
    write_export(simulated.events, simulated.facts, shape, tmp_path)
    expected = expected_outcomes(simulated.events, shape)
    got = read_outcomes(tmp_path / FILES[shape], shape)
    assert len(got) == len(expected) > 100
    assert got == expected
    refused = sum(1 for _, was_refused, _ in expected.values() if was_refused)
    assert refused > 0  # the comparison covers refusals, not only agreements


def test_audit_of_a_rule_following_shop_export_finds_nothing(simulated: simkit.RunResult, tmp_path: Path):
    scenario = simulated.scenario.id
    shape = SHAPE[scenario]
    write_export(simulated.events, simulated.facts, shape, tmp_path)
    result = simkit.audit_log(tmp_path / FILES[shape], simkit.load_policy(ROOT / POLICY[scenario]), fmt=shape)
    assert result.problems == []
    assert result.cases == len(expected_outcomes(simulated.events, shape))
    assert [f.clause for f in result.violations] == []
    assert result.coverage.to_dict(result.policy)  # the audit made checks


def test_simkit_shape_reads_back_event_for_event(simulated: simkit.RunResult, tmp_path: Path):
    write_export(simulated.events, simulated.facts, "simkit", tmp_path)
    with LogOrders(tmp_path / "events.csv", "simkit") as log:
        orders = list(log)
        assert log.problems == []
        assert log.rows == len(simulated.events)
    facts = simulated.facts.set_index(["run_id", "order_id"])
    read = {(o.run_id, int(o.order_id)): o.facts for o in orders}
    assert len(read) == len(facts)
    for (run, order), f in list(read.items())[:200]:
        row = facts.loc[(run, order)]
        assert (f.category, f.channel, f.free_shipping, f.price) == (
            row["category"],
            row["channel"],
            bool(row["free_shipping"]),
            round(float(row["price"]), 2),
        )


def test_run_result_facts_cover_every_order_of_every_replication(simulated: simkit.RunResult):
    facts = simulated.facts
    pays = simulated.events.loc[simulated.events["concept:name"] == "pay"]
    assert len(facts) == len(pays)
    assert list(facts.columns[:2]) == ["run_id", "order_id"]
    counts: dict[str, int] = defaultdict(int)
    for run in facts["run_id"]:
        counts[run] += 1
    assert counts == pays.groupby("run_id").size().to_dict()
    paid = pays.set_index(["run_id", "order_id"])["time:timestamp"]
    joined = facts.set_index(["run_id", "order_id"])["paid_at"].reindex(paid.index)
    assert (joined - paid).abs().max() < pd.Timedelta(milliseconds=1)
