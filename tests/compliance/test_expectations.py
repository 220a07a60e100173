"""Expected bounds: judged on the whole 95% CI, with the failure text the issue asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.compliance.expectations import Bound, judge, parse_expect
from simkit.errors import ScenarioError
from simkit.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
FILE = "scenarios/double11_surge.yaml"


def test_a_max_bound_broken_by_the_whole_interval():
    # mean 0.0031, sd 0.000161 over 3 replications: half-width 4.303 × 0.000161 / √3 = 0.0004
    judged = judge([Bound("dispute_rate", None, 0.002)], {"dispute_rate": [0.002939, 0.0031, 0.003261]}, FILE)
    assert [j.text for j in judged] == ["scenarios/double11_surge.yaml::dispute_rate: 0.0031 ± 0.0004 > max 0.002"]
    assert not judged[0].passed


def test_a_mean_inside_the_bound_fails_when_the_interval_is_not():
    # mean 0.0019 below the max 0.002, but the CI reaches 0.0023
    judged = judge([Bound("dispute_rate", None, 0.002)], {"dispute_rate": [0.001739, 0.0019, 0.002061]}, FILE)
    assert judged[0].text == "scenarios/double11_surge.yaml::dispute_rate: 0.0019 ± 0.0004 > max 0.002"
    assert not judged[0].passed


def test_min_bounds_pass_texts_and_counts():
    values = {"remedy_share": [0.85, 0.86, 0.87], "violations": [3.0, 3.0, 3.0]}
    judged = judge(
        [Bound("remedy_share", 0.9, None), Bound("violations", None, 3), Bound("remedy_share", 0.5, 0.95)], values, FILE
    )
    assert [(j.passed, j.text) for j in judged] == [
        (False, "scenarios/double11_surge.yaml::remedy_share: 0.86 ± 0.02 < min 0.9"),
        (True, "scenarios/double11_surge.yaml::violations: 3 <= max 3"),
        (True, "scenarios/double11_surge.yaml::remedy_share: 0.86 ± 0.02 >= min 0.5 and <= max 0.95"),
    ]
    assert judge([Bound("cases", None, 1)], {}, FILE)[0].text == "scenarios/double11_surge.yaml::cases: no value"


def test_one_replication_has_no_interval():
    judged = judge([Bound("orders", None, 1)], {"orders": [2.0]}, FILE)
    assert judged[0].text == "scenarios/double11_surge.yaml::orders: 2 > max 1"


def _scenario(tmp_path, expect: str):
    text = (ROOT / "scenarios" / "tmall_baseline.yaml").read_text(encoding="utf-8")
    text = text[: text.index("\n# Expected bounds")] + "\n" + expect
    text = text.replace("policy: ../policies/tmall.yaml", f"policy: {ROOT / 'policies' / 'tmall.yaml'}")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text.splitlines().index(expect.splitlines()[1]) + 1


def test_the_expect_block_is_parsed_with_its_lines(tmp_path):
    path, line = _scenario(
        tmp_path, "expect:\n  dispute_rate: {max: 0.004}\n  violations.tmall.ship_promise: {min: 0, max: 400}\n"
    )
    bounds = parse_expect(load_scenario(path))
    assert bounds == [
        Bound("dispute_rate", None, 0.004, f"{path}:{line}"),
        Bound("violations.tmall.ship_promise", 0.0, 400.0, f"{path}:{line + 1}"),
    ]
    assert bounds[1].clause == "tmall.ship_promise"


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            "expect:\n  dispute_rat: {max: 0.004}\n",
            "dispute_rat: unknown metric 'dispute_rat' (did you mean 'dispute_rate'?)",
        ),
        ("expect:\n  dispute_rate: 0.004\n", "dispute_rate: a bound is {min: NUMBER, max: NUMBER} (either or both)"),
        (
            "expect:\n  dispute_rate: {below: 0.004}\n",
            "dispute_rate: a bound is {min: NUMBER, max: NUMBER} (either or both)",
        ),
        ("expect:\n  dispute_rate: {max: low}\n", "dispute_rate.max: must be a number, got 'low'"),
        ("expect:\n  dispute_rate: {min: 0.5, max: 0.1}\n", "dispute_rate: min 0.5 is above max 0.1"),
    ],
)
def test_bad_expect_blocks_name_file_line_and_path(tmp_path, block, message):
    path, line = _scenario(tmp_path, block)
    with pytest.raises(ScenarioError) as info:
        parse_expect(load_scenario(path))
    assert str(info.value) == f"{path}:{line}: expect.{message}"
