"""`simkit params SCENARIO`: every addressable parameter of the scenario and its policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def params(capsys, *extra: str) -> dict[str, object]:
    assert main(["params", "scenarios/tmall_baseline.yaml", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_lists_scenario_and_policy_parameters(capsys):
    p = params(capsys)
    assert p["orders.count"] == 20000
    assert p["merchants.playbook"] == "by_the_rules"
    assert p["buyers.escalate_after_stall"] == 0.0  # a default, not written in the file
    assert p["tmall.refund_auto_agree.timeout"] == "72 hours"  # the policy's
    assert p["national.no_reason_return.window"] == "7 days"
    keys = list(p)
    assert keys.index("orders.count") < keys.index("tmall.refund_auto_agree.timeout")


def test_values_after_overrides(capsys):
    p = params(capsys, "--set", "orders.count=5", "--set", "tmall.refund_auto_agree.timeout=48 hours")
    assert p["orders.count"] == 5 and p["tmall.refund_auto_agree.timeout"] == "48 hours"


def test_every_listed_scenario_parameter_can_be_set_to_its_value(capsys):
    from simkit.scenario import load_scenario

    p = params(capsys)
    scenario_paths = [k for k in p if k.split(".")[0] not in ("categories", "national", "tmall", "channels")]
    assert len(scenario_paths) > 50
    one_per_group = {".".join(path.split(".")[:2]): path for path in scenario_paths}
    overrides = {path: p[path] for path in one_per_group.values()}
    assert len(overrides) > 20
    load_scenario("scenarios/tmall_baseline.yaml", overrides)  # all at once
    for path in [*list(one_per_group.values())[::4], "tmall.ship_promise.normal", "national.fraud.minimum"]:
        load_scenario("scenarios/tmall_baseline.yaml", {path: p[path]})


def test_plain_listing(capsys):
    assert main(["params", "scenarios/channels_baseline.yaml"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("channels.extend.max_times") and line.rstrip().endswith("3") for line in lines)
    assert any(line.startswith("merchants.playbook ") for line in lines)


def test_unknown_set_path(capsys):
    assert main(["params", "scenarios/tmall_baseline.yaml", "--set", "tmall.refund_auto_agre.timeout=1 hours"]) == 2
    assert "<cli>: tmall.refund_auto_agre" in capsys.readouterr().err
