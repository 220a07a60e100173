"""Round trip: the planted shop simulated, exported as a Taobao refund export and as WeChat after-sale
orders (each with its order file), and fitted back from the export alone.

Expectations are the planted truth (tests/calibration/planted_tmall.yaml), as in test_calibrate_recovery.
The shop here answers every reason by the rules (no compensation first): a Taobao refund record does
not show a negotiation, so an offer's approval would carry the buyer's answer time, not the merchant's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import simkit
from simkit.calibration.api import Calibration, calibrate
from simkit.logs.export import write_export
from tests.calibration.conftest import PLANTED
from tests.calibration.test_calibrate_recovery import DAYS, ORDERS, SHARES, planted_reply_quantile, value

FILES = {"taobao": ("refunds.csv", "trades.csv"), "wechat": ("aftersale_orders.jsonl", "orders.jsonl")}


@pytest.fixture(scope="module", params=["taobao", "wechat"])
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Calibration:
    shape = request.param
    result = simkit.run(PLANTED, reps=1, seed=15, overrides=["merchants.playbook=by_the_rules"])
    out = tmp_path_factory.mktemp(shape)
    write_export(result.events, result.facts, shape, out)
    log, orders = (out / name for name in FILES[shape])
    return calibrate("policies/tmall.yaml", log, fmt=shape, orders=orders, validate=False)


def test_arrival_rates_per_category_from_the_order_file(exported: Calibration) -> None:
    assert exported.volume_from == "orders"
    days = value(exported, "orders.window") / 24.0
    total = value(exported, "orders.count") / days
    for category, share in SHARES.items():
        planted = ORDERS / DAYS * share
        assert abs(total * value(exported, f"orders.categories.{category}.share") / planted - 1.0) <= 0.05


def test_reply_times_and_shifts_from_the_export(exported: Calibration) -> None:
    fit = next(f for f in exported.fits if f.name == "merchants.response_time")
    assert abs(fit.median[0] / planted_reply_quantile(0.5) - 1.0) <= 0.10, fit.median
    assert abs(fit.p90[0] / planted_reply_quantile(0.9) - 1.0) <= 0.10, fit.p90
    assert exported.result is not None and exported.result.pattern is not None
    assert exported.result.pattern.shifts() == [{"start": 9, "end": 22}]


def test_the_twin_from_an_export_is_a_valid_scenario(exported: Calibration, tmp_path: Path) -> None:
    twin = tmp_path / "twin.yaml"
    exported.write(twin)
    loaded = simkit.load_scenario(twin)
    assert loaded.spec.merchants.shifts is not None
    assert [(s.start, s.end) for s in loaded.spec.merchants.shifts] == [(9, 22)]
