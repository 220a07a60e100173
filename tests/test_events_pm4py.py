"""pm4py reads the raw Parquet event log as it is: variants, case ids, DFG, time filter, replay.

The log is the file `simkit.run(..., recorder="parquet")` writes for two replications of the
Tmall baseline (about 2,000 orders each), read back with `pandas.read_parquet` and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pm4py
import pytest

import simkit

ROOT = Path(__file__).resolve().parents[1]
ORDERS, REPS = 2000, 2
KEYS = {"case_id": "case:concept:name", "activity_key": "concept:name", "timestamp_key": "time:timestamp"}

ORDER_START = "pay"
"""Every order's own lifecycle starts when the buyer pays (simkit/sim/lifecycle.py)."""

CASE_STARTS = frozenset({"request", "claim_compensation", "contact_merchant", "file_complaint"})
"""How an after-sale case can start: a refund request (flows.request), a late-shipment claim
(periods.late_claim), a buyer contacting the merchant after the window or after the store left
(periods.over_period, flows.case_process), a complaint about a broken rule (outcomes)."""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, int]:
    """The raw log and the number of orders the model counted over both replications."""
    path = tmp_path_factory.mktemp("log") / "events.parquet"
    res = simkit.run(
        ROOT / "scenarios/tmall_baseline.yaml",
        seed=3,
        reps=REPS,
        overrides=[f"orders.count={ORDERS}"],
        recorder="parquet",
        events_path=path,
    )
    orders = res.metrics[res.metrics["metric"] == "orders"]["value"].sum()
    return pd.read_parquet(path), int(orders)


@pytest.fixture(scope="module")
def raw(result: tuple[pd.DataFrame, int]) -> pd.DataFrame:
    return result[0]


@pytest.fixture(scope="module")
def orders(result: tuple[pd.DataFrame, int]) -> int:
    return result[1]


def _formatted(raw: pd.DataFrame) -> Any:
    return pm4py.format_dataframe(raw.copy(), **KEYS)


def test_variants_of_the_raw_file_equal_those_after_format_dataframe(raw):
    variants = pm4py.get_variants(raw)
    assert variants == pm4py.get_variants(_formatted(raw))
    assert sum(variants.values()) == raw["case:concept:name"].nunique()
    # the commonest trace is an order that is paid, shipped, delivered, confirmed and settled
    top = max(variants, key=variants.__getitem__)
    assert top == ("pay", "ship", "deliver", "confirm_receipt", "settle")


def test_case_ids_are_unique_across_replications(raw, orders):
    per_run = raw.groupby("run_id")[["order_id", "case_no"]].apply(lambda df: len(df.drop_duplicates()))
    assert sorted(per_run.index) == [f"tmall_baseline-s3-r{r}" for r in range(REPS)]
    cases = sum(pm4py.get_variants(raw).values())
    assert cases == per_run.sum()
    lifecycles = raw[raw["case_no"] == 0]["case:concept:name"]
    assert lifecycles.nunique() == orders > ORDERS
    assert {"tmall_baseline-s3-r0:O0", "tmall_baseline-s3-r1:O0"} <= set(lifecycles)


def test_dfg_starts_each_case_where_the_model_starts_it(raw, orders):
    dfg, starts, ends = pm4py.discover_dfg(raw)
    assert starts[ORDER_START] == orders  # every order, in both replications
    assert set(starts) - {ORDER_START} <= CASE_STARTS
    assert "request" in starts
    assert sum(starts.values()) == sum(ends.values()) == raw["case:concept:name"].nunique()
    assert dfg[("pay", "ship")] > 0
    assert ("ship", "pay") not in dfg  # nothing happens to an order before it is paid


def test_filter_time_range_on_zone_aware_timestamps(raw):
    assert str(raw["time:timestamp"].dt.tz) == "Asia/Shanghai"
    # pm4py reads naive bounds as UTC: 2026-03-01 16:00Z is midnight of the start day in Shanghai
    first_day = pm4py.filter_time_range(raw, "2026-03-01 16:00:00", "2026-03-02 16:00:00", mode="events")
    expected = raw[(raw["time_h"] >= 0) & (raw["time_h"] <= 24)]
    assert len(first_day) == len(expected) > 0
    assert first_day["time:timestamp"].min().isoformat().startswith("2026-03-02T00:")


def test_token_replay_on_an_inductive_net_fits_every_trace(raw):
    net, initial, final = pm4py.discover_petri_net_inductive(raw)
    diagnostics = pm4py.conformance_diagnostics_token_based_replay(raw, net, initial, final)
    assert len(diagnostics) == raw["case:concept:name"].nunique()
    assert all(d["trace_is_fit"] for d in diagnostics)
    assert {d["trace_fitness"] for d in diagnostics} == {1.0}
