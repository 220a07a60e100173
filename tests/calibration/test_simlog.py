"""A twin's replication read back in a platform's shape: the order facts equal the order file's."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest

from simkit.calibration.simlog import platform_facts, simulate_log
from simkit.events import MemoryRecorder
from simkit.logs.export import write_export
from simkit.logs.facts import read_order_facts
from simkit.scenario import load_scenario
from simkit.sim.facts import order_facts
from simkit.sim.model import Model


@pytest.mark.parametrize(
    ("path", "shape", "order_file"),
    [
        ("scenarios/tmall_baseline.yaml", "taobao", "trades.csv"),
        ("scenarios/channels_baseline.yaml", "wechat", "orders.jsonl"),
    ],
)
def test_the_order_book_gives_what_the_exported_order_file_reads_back(path: str, shape: str, order_file: str) -> None:
    scenario = load_scenario(path, {"orders.count": 1500, "orders.window": "5 days", "scenario.horizon": "6 days"})
    recorder = MemoryRecorder()
    model = Model(scenario, 1, 0, recorder, "r")
    model.run()
    with tempfile.TemporaryDirectory() as tmp:
        write_export(recorder.frame(), order_facts(model), shape, tmp)
        read = read_order_facts(Path(tmp) / order_file, shape)
    columns = ["order_id", "paid_at", "shipped_at", "channel", "presale_ship_by"]
    got = read[columns].sort_values("order_id").reset_index(drop=True)
    mine = platform_facts(model)[columns].sort_values("order_id").reset_index(drop=True)
    assert len(got) == len(mine) > 1400
    assert mine["shipped_at"].isna().any() and mine["shipped_at"].notna().any()
    for column in columns:
        same = (got[column].astype(object) == mine[column].astype(object)) | (got[column].isna() & mine[column].isna())
        assert bool(same.all()), (
            column,
            got.loc[~same, column].head(3).tolist(),
            mine.loc[~same, column].head(3).tolist(),
        )


def test_a_replication_in_the_taobao_shape_has_its_refund_orders_and_every_orders_facts() -> None:
    scenario = load_scenario(
        "scenarios/tmall_baseline.yaml", {"orders.count": 800, "orders.window": "4 days", "scenario.horizon": "5 days"}
    )
    run = simulate_log(scenario, seed=2, replication=0, shape="taobao")
    assert run.facts is not None and len(run.facts) == run.counters.orders
    refunds = run.counters.refund_requests
    assert 0 < len(run.orders) <= refunds  # one order per refund record (an order may hold several)
    assert {o.order_id for o in run.orders} <= set(run.facts["order_id"])
    assert isinstance(run.facts["paid_at"].dtype, pd.DatetimeTZDtype)
