"""The metric catalogue is the one definition of every metric: compute, docs and CLI agree with it."""

from __future__ import annotations

from pathlib import Path

from simkit.metrics import CATALOGUE, Counters, compute

DOCS = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


def test_compute_returns_exactly_the_catalogue_in_order():
    values = compute(Counters(orders=10))
    assert list(values) == list(CATALOGUE)


def test_every_metric_is_documented_with_its_unit_and_source():
    text = DOCS.read_text(encoding="utf-8")
    for metric in CATALOGUE.values():
        assert f"| `{metric.name}` | {metric.label} | {metric.unit} | {metric.kind} |" in text, metric.name
        assert metric.source in text


def test_rates_follow_the_platform_definitions():
    # seed:004: refund rate = refund requests / paid orders; dispute rate = refunds concluded with
    # platform intervention / paid orders; every intervention request counts in the intervention rate.
    counters = Counters(orders=200, refund_requests=30, interventions=4, dispute_refunds=1, requests=40, auto_agree=2)
    values = compute(counters)
    assert values["refund_rate"] == 30 / 200
    assert values["dispute_rate"] == 1 / 200
    assert values["intervention_rate"] == 4 / 200
    assert values["auto_approval_share"] == 2 / 40


def test_bounded_kinds_and_directions():
    assert CATALOGUE["dispute_rate"].bounded and CATALOGUE["remedy_share"].bounded
    assert not CATALOGUE["cost_total"].bounded
    assert CATALOGUE["dispute_rate"].better == {"merchant": "lower", "platform": "lower"}
    assert CATALOGUE["remedy_share"].better == {"buyer": "higher"}
    assert {m.kind for m in CATALOGUE.values()} <= {"rate", "share", "count", "hours", "CNY", "points"}
