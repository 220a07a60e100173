"""Scenario files: shipped ones load; bad ones fail with file, line and dotted path; `--set` overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.cli.main import main
from simkit.errors import ScenarioError
from simkit.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
BAD = "tests/fixtures/bad_scenarios"
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))

EXPECTED = {
    "bad_distribution": "13: merchants.response_time: a 'lognormal' distribution needs sigma",
    "bad_shift": "14: merchants.shifts.0: 'end' must be after 'start' (hours of the day)",
    "duplicate_key": "13: merchants.count: duplicate key 'count' (first defined on line 12)",
    "invalid_yaml": "14: <root>: invalid YAML: expected ',' or ']', but got '<stream end>'",
    "issue_category": "14: issues.electronics: category 'electronics' is not in orders.categories",
    "missing_policy": "4: scenario.policy: policy file '../../../policies/tmal.yaml' not found",
    "missing_required": "1: scenario.policy: required key is missing",
    "missing_variant": "6: scenario.variants.0: variant file 'variants/nope.yaml' not found",
    "probabilities_over_one": "14: issues.apparel: probabilities add up to 1.2; "
    "an order has at most one problem (<= 1)",
    "share_out_of_range": "14: buyers.evidence: Input should be less than or equal to 1",
    "unknown_category": "11: orders.categories.toyz: unknown category 'toyz' in policy 'tmall'; known: apparel, "
    "cosmetics, custom_made, digital, electronics, fresh, furniture, periodicals",
    "unknown_key": "13: merchants.staf: unknown key 'staf' (did you mean 'staff'?)",
    "unknown_playbook": "13: merchants.playbook: unknown playbook 'stal' (did you mean 'stall'?); known: agree_all, "
    "by_the_rules, compensation_first, refuse_all, stall",
    "unknown_reason": "15: issues.apparel.brokn: Input should be 'changed_mind', 'quality', 'damaged', 'wrong_item', "
    "'missing_parts', 'not_as_described', 'not_received', 'late_shipment', 'out_of_stock', 'counterfeit' or "
    "'unshipped_refund'",
    "wrong_type": "8: orders.count: Input should be a valid integer, unable to parse string as an integer",
    "wrong_unit": "6: scenario.horizon: wrong unit 'CNY': expected a duration such as '72 hours' or '7 days', "
    "got '60 CNY'",
    "window_zero": "10: orders.window: Input should be greater than 0",
    "infinite_share": "11: orders.categories.apparel.share: Input should be a finite number",
    "horizon_too_long": "7: scenario.horizon: must be between 0 and 3650 days, got '99999999 days'",
    "offer_over_100": "16: playbooks.generous.compensation: must be between 0 and 100 percent, got '500 percent'",
    "unknown_action": "14: merchants.playbook.default: Input should be 'agree', 'by_the_rules', 'refuse', 'offer' "
    "or 'stall'",
    "policy_file": "2: <root>: this is a policy file, not a scenario (a scenario has a 'scenario:' header)",
    "category_typo": "11: orders.categories.furnitures: unknown category 'furnitures' in policy 'tmall' (did you "
    "mean 'furniture'?); known: apparel, cosmetics, custom_made, digital, electronics, fresh, furniture, periodicals",
    "start_out_of_range": "6: scenario.start: must be between 1970-01-01T00:00:00 and 2199-12-31T23:59:59 China "
    "time, got 0001-01-01T00:00:00+14:00",
}


def test_every_fixture_has_an_expectation():
    assert sorted(p.stem for p in (ROOT / BAD).glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_scenario_names_file_line_and_path(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    file = f"{BAD}/{name}.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    assert [str(p) for p in info.value.problems] == [f"{file}:{EXPECTED[name]}"]


@pytest.mark.parametrize("name", ["unknown_key", "wrong_unit"])
def test_bad_scenario_exits_2_without_traceback(name, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["run", f"{BAD}/{name}.yaml", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{BAD}/{name}.yaml:") and "Traceback" not in err


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenarios_load(path):
    sc = load_scenario(path)
    assert sc.id == path.stem
    assert sc.spec.scenario.source
    assert sc.parameters()


def test_override_scenario_and_policy_values():
    sc = load_scenario(
        ROOT / "scenarios/tmall_baseline.yaml",
        ["orders.count=123", "merchants.playbook=stall", "tmall.refund_auto_agree.timeout=48 hours"],
    )
    assert sc.spec.orders.count == 123
    assert sc.playbook.default == "stall"
    assert sc.policy.spec.tmall.refund_auto_agree.timeout.at(None) == 48.0
    assert sc.policy.variant_ids == ("cli",)
    assert dict(sc.overrides)["orders.count"] == 123


def test_override_of_a_default_value():
    sc = load_scenario(ROOT / "scenarios/tmall_baseline.yaml", {"buyers.escalate_after_stall": 0.5})
    assert sc.spec.buyers.escalate_after_stall == 0.5


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            "merchants.staf.per_merchant=2",
            "<cli>: merchants.staf.per_merchant: unknown parameter (did you mean 'merchants.staff.per_merchant'?)",
        ),
        (
            "tmall.refund_auto_agree.timout=48 hours",
            "<cli>: tmall.refund_auto_agree.timout: unknown key 'timout' (did you mean 'timeout'?)",
        ),
        (
            "tmall.refund_auto_agree.timeout=48 hourz",
            "<cli>: tmall.refund_auto_agree.timeout: expected a duration with "
            "its unit, such as '72 hours' or '7 days', got '48 hourz'",
        ),
        (
            "orders.count=lots",
            "<cli>: orders.count: Input should be a valid integer, unable to parse string as an integer",
        ),
        ("orders.count", "<cli>: orders.count: expected dotted.path=value, got 'orders.count'"),
    ],
)
def test_bad_override_names_cli_and_path(item, message):
    with pytest.raises(ScenarioError) as info:
        load_scenario(ROOT / "scenarios/tmall_baseline.yaml", [item])
    assert str(info.value.problems[0]) == message


def test_playbook_base_is_resolved(tmp_path):
    text = (ROOT / "scenarios/channels_baseline.yaml").read_text(encoding="utf-8")
    path = tmp_path / "c.yaml"
    path.write_text(text.replace("../policies/", f"{ROOT}/policies/"), encoding="utf-8")
    sc = load_scenario(path)
    assert sc.playbook.default == "by_the_rules" and sc.playbook.extend is True
