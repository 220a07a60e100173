"""`check_scenario`: floor, playbook, simulated logs audited against their policy, bounds on the CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.compliance.check import check_file, check_scenario, expand
from simkit.errors import SimkitError
from simkit.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["orders.count=1500"]


def _copy(tmp_path, name, expect="", replace=()):
    text = (ROOT / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")
    text = text[: text.index("\n# Expected bounds")] + "\n" + expect
    text = text.replace("policy: ../policies/", f"policy: {ROOT / 'policies'}/")
    for old, new in replace:
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_late_shipment_of_the_simulation_is_one_ship_promise_violation():
    result = check_scenario(load_scenario(ROOT / "scenarios" / "tmall_baseline.yaml", SMALL), reps=2)
    assert result.audit is not None
    assert result.floor and all(f.severity == "warning" for f in result.floor)
    assert result.playbook == []
    assert {f.clause for f in result.audit.violations} == {"tmall.ship_promise"}
    late = [
        rate * orders for rate, orders in zip(result.values["late_shipment_rate"], result.values["orders"], strict=True)
    ]
    assert result.values["violations.tmall.ship_promise"] == pytest.approx(late)
    assert result.values["violations"] == result.values["violations.tmall.ship_promise"]
    assert [j.bound.metric for j in result.expectations] == [
        "refund_rate",
        "dispute_rate",
        "auto_approval_share",
        "late_shipment_rate",
        "remedy_share",
        "violations.tmall.ship_promise",
    ]


def test_violations_without_a_bound_fail(tmp_path):
    # a bound every rate meets, so that only the unbounded violations can fail the check
    path = _copy(tmp_path, "tmall_baseline", "expect:\n  dispute_rate: {max: 1}\n")
    result = check_scenario(load_scenario(path, SMALL), reps=2)
    count = len(result.audit.violations)
    assert count > 0
    assert result.failures() == [
        f"{path}::violations: {count} conformance violation(s) with no bound: tmall.ship_promise × {count}"
    ]
    assert not result.passed


def test_a_bound_on_all_violations_decides(tmp_path):
    path = _copy(tmp_path, "tmall_baseline", "expect:\n  violations: {max: 0}\n")
    result = check_scenario(load_scenario(path, SMALL), reps=2)
    assert len(result.failures()) == 1
    assert result.failures()[0].startswith(f"{path}::violations: ")
    assert result.failures()[0].endswith(" > max 0")


def test_a_stalling_channel_merchant_breaks_the_refund_deadline_and_the_playbook_says_so(tmp_path):
    path = _copy(tmp_path, "channels_baseline", "expect:\n  violations.channels.ship_promise: {max: 10000}\n")
    result = check_scenario(load_scenario(path, [*SMALL, "merchants.playbook=stall"]), reps=1)
    assert [(f.clause, f.check) for f in result.playbook] == [("national.refund_deadline", "confirm_returns_late")]
    clauses = {f.clause for f in result.audit.violations}
    assert clauses == {"channels.ship_promise", "national.refund_deadline"}
    late = [f for f in result.audit.violations if f.clause == "national.refund_deadline"]
    # the channel's receipt timer refunds 10 days after the buyer shipped the return (MERCHANT_WAIT_RECEIPT begins
    # at the shipment, RULES.md): after the parcel's days in transit, less than 10 days after its arrival
    after = [float(f.actual.split(", ")[1].split(" days")[0]) for f in late]
    assert late and all(7.0 <= days < 10.0 for days in after)
    assert all(f.actual.endswith(" days after the return arrived") for f in late)
    failures = result.failures()
    assert failures[0] == result.playbook[0].line()
    assert failures[1].startswith(f"{path}::violations: ") and "national.refund_deadline" in failures[1]


def test_a_variant_below_the_floor_fails_the_check(tmp_path):
    variant = ROOT / "tests" / "fixtures" / "compliance" / "variants" / "no_reason_5_days.yaml"
    path = _copy(
        tmp_path,
        "tmall_baseline",
        "expect:\n  violations.tmall.ship_promise: {max: 10000}\n",
        replace=[
            (
                "  replications: 3\n",
                f"  replications: 1\n  variants: [{variant}]\n",
            )
        ],
    )
    result = check_scenario(load_scenario(path, SMALL))
    assert [(f.clause, f.check) for f in result.floor if f.severity == "violation"] == [
        ("national.no_reason_return", "window")
    ]
    assert result.failures() == [result.floor[0].line()]
    assert result.reps == 1


def test_coverage_of_the_simulated_runs():
    result = check_scenario(load_scenario(ROOT / "scenarios" / "tmall_baseline.yaml", SMALL), reps=1)
    coverage = result.audit.coverage
    never = coverage.never_fired(result.audit.policy)
    assert "tmall.reopen_entry" in never  # by_the_rules does not reopen the entry
    assert "tmall.refund_auto_agree" not in never
    assert coverage.fired[("tmall.refund_auto_agree", "auto_agree")] > 0
    assert coverage.checked[("tmall.refund_auto_agree", "auto_approval", "pass")] > 0


def test_merchant_files_get_the_static_checks():
    result = check_file(ROOT / "tests" / "fixtures" / "compliance" / "merchants" / "bad_tmall.yaml")
    assert result.kind == "merchant" and result.audit is None
    assert len(result.failures()) == 7  # the seven violations of test_playbook; the warning does not fail
    assert len(result.warnings()) == 3  # the warning and the Tmall floor's two


def test_expand_finds_scenarios_and_merchants_in_a_directory(tmp_path):
    assert [p.name for p in expand([ROOT / "scenarios"])] == [
        "channels_baseline.yaml",
        "channels_late_quality.yaml",
        "double11_surge.yaml",
        "fresh_produce.yaml",
        "store_exit.yaml",
        "tmall_baseline.yaml",
    ]
    with pytest.raises(SimkitError) as info:
        expand([tmp_path, tmp_path / "nothing.yaml"])
    assert str(info.value) == (
        f"{tmp_path}: <root>: no scenario or merchant files in this directory\n"
        f"{tmp_path / 'nothing.yaml'}: <root>: no such file or directory"
    )
