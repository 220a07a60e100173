"""An export read in memory (`simkit.logs.memory`) gives the rows and orders its written file reads back as."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from simkit.events import MemoryRecorder
from simkit.logs.export import export_log, export_tables, write_export
from simkit.logs.memory import exported_rows
from simkit.logs.orders import LogOrders, orders_in
from simkit.logs.reader import LogReader
from simkit.scenario import load_scenario
from simkit.sim.facts import order_facts
from simkit.sim.model import Model

CASES = [
    ("scenarios/tmall_baseline.yaml", "taobao", "refunds.csv"),
    ("scenarios/tmall_baseline.yaml", "wechat", "aftersale_orders.jsonl"),
    ("scenarios/channels_baseline.yaml", "wechat", "aftersale_orders.jsonl"),
    ("scenarios/channels_baseline.yaml", "taobao", "refunds.csv"),
]


def _run(path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    scenario = load_scenario(path, {"orders.count": 1200, "orders.window": "5 days", "scenario.horizon": "6 days"})
    recorder = MemoryRecorder()
    model = Model(scenario, 3, 0, recorder, "r")
    model.run()
    return recorder.frame(), order_facts(model)


@pytest.mark.parametrize(("path", "shape", "name"), CASES)
def test_an_export_read_in_memory_equals_its_file_read_back(tmp_path: Path, path: str, shape: str, name: str) -> None:
    events, facts = _run(path)
    write_export(events, facts, shape, tmp_path)
    reader = LogReader(tmp_path / name, shape)
    from_file = pa.concat_tables(list(reader.chunks()))
    log_name, table = export_log(events, facts, shape)
    rows, problems = exported_rows(log_name, table, shape)
    assert log_name == name
    assert table.equals(export_tables(events, facts, shape)[name])
    assert problems == reader.problems == []
    assert from_file.num_rows > 150
    assert rows.equals(from_file)
    with LogOrders(tmp_path / name, shape) as log:
        assert list(orders_in(rows, shape)) == list(log)


def test_a_float_column_is_refused_rather_than_written_differently_from_the_csv() -> None:
    with pytest.raises(TypeError, match="column 'refund_fee': float columns are not written by the exports"):
        exported_rows("refunds.csv", pd.DataFrame({"refund_fee": [1.5]}), "taobao")
