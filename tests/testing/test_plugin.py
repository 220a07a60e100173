"""The pytest plugin, run in pytest's own test harness (pytester)."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = """\
scenario:
  id: two_orders
  name: {{zh: 两笔订单, en: Two orders}}
  policy: {policy}
  start: 2026-03-02T00:00:00
  horizon: 30 days
  seed: 1
  replications: 1
orders:
  {orders}
  categories: {{apparel: {{share: 1.0, price: 100}}}}
  free_shipping: 1.0
  channels: {{normal: 1.0}}
merchants:
  count: 1
  ship_time: 24 hours
  playbook: by_the_rules
expect:
{expect}
"""


def _write(pytester, name: str, expect: str, orders: str = 'times: ["0 hours", "1 hours"]') -> Path:
    text = SCENARIO.format(policy=ROOT / "policies" / "tmall.yaml", orders=orders, expect=expect)
    return pytester.makefile(".yaml", **{name: text})


def test_scenario_files_with_expectations_become_tests(pytester):
    _write(pytester, "good", "  orders: {min: 2, max: 2}\n  refund_rate: {max: 0}\n  violations: {max: 0}")
    _write(pytester, "bad", "  orders: {max: 1}\n  cases: {max: 0}")
    pytester.makefile(".yaml", plain="scenario:\n  id: no_expect\nexpect: {}\n", policy="policy:\n  id: x\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*bad.yaml::expect*", "bad.yaml::orders: 2 > max 1"])
    assert "bad.yaml::cases" not in result.stdout.str()
    collected = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    collected.stdout.fnmatch_lines(["bad.yaml::expect", "good.yaml::expect"])
    assert "plain.yaml" not in collected.stdout.str() and "policy.yaml" not in collected.stdout.str()


def test_simkit_reps_sets_the_replications(pytester):
    _write(pytester, "many", "  orders: {max: 1}", orders="count: 60\n  window: 5 days")
    one = pytester.runpytest("--simkit-reps", "1", "-p", "no:cacheprovider")
    one.assert_outcomes(failed=1)
    line = next(text for text in one.stdout.lines if text.startswith("many.yaml::orders:"))
    assert "±" not in line, "one replication has no interval"
    three = pytester.runpytest("--simkit-reps", "3", "--junitxml=report.xml", "-p", "no:cacheprovider")
    three.assert_outcomes(failed=1)
    line = next(text for text in three.stdout.lines if text.startswith("many.yaml::orders:"))
    assert " ± " in line and line.endswith(" > max 1")
    properties = ET.parse(pytester.path / "report.xml").getroot().iter("property")
    assert [(p.get("name"), p.get("value")) for p in properties] == [("replications", "3")]


def test_bad_expectations_fail_with_file_line_and_path(pytester):
    path = _write(pytester, "typo", "  dispute_rat: {max: 0.1}")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    line = path.read_text(encoding="utf-8").splitlines().index("  dispute_rat: {max: 0.1}") + 1
    result.stdout.fnmatch_lines(
        [f"typo.yaml:{line}: expect.dispute_rat: unknown metric 'dispute_rat' (did you mean 'dispute_rate'?)"]
    )
