"""National floor: purpose-built bad variants give exactly the violations written out below.

Each expected value comes from the law as policies/national.yaml encodes it (RULES.md,
national floor): a 7-day no-reason window counted from the day after receipt, a refund within
7 days of receiving the return (15 days: a violation), fraud 3x with a 500 CNY minimum,
三包 for electronics, the merchant paying transport for defects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.compliance.floor import check_floor, load_floor
from simkit.errors import PolicyError
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
BAD = ROOT / "tests" / "fixtures" / "compliance" / "variants"
TMALL_WARNINGS = [
    ("warning", "national.refund_deadline", "return_deadlines.merchant_confirm_within"),
    ("warning", "national.fraud", "counterfeit_minimum"),
]


def _floor(policy: str, variant: str | None = None):
    variants = [BAD / variant] if variant else []
    return check_floor(load_policy(POLICIES / policy, variants))


def _brief(findings):
    return [(f.severity, f.clause, f.check) for f in findings]


def test_shipped_policies_break_no_floor_rule():
    tmall, channel, national = _floor("tmall.yaml"), _floor("video_channel.yaml"), _floor("national.yaml")
    assert _brief(tmall) == TMALL_WARNINGS
    assert _brief(channel) == [
        ("warning", "national.refund_deadline", "review_deadlines.merchant_receipt"),
        ("warning", "national.fraud", "counterfeit_minimum"),
    ]
    assert national == []
    receipt, minimum = tmall
    assert receipt.actual == "10 days"
    line = 1 + (POLICIES / "tmall.yaml").read_text(encoding="utf-8").splitlines().index(
        "    merchant_confirm_within: 10 days"
    )
    assert receipt.where == f"{POLICIES / 'tmall.yaml'}:{line}"
    assert minimum.actual == "tmall.counterfeit.multiple 10x without a minimum pays less for prices under 50.00 CNY"
    assert channel[1].actual.endswith("pays less for prices under 166.67 CNY")


@pytest.mark.parametrize("variant", sorted(p.name for p in (POLICIES / "variants").glob("*.yaml")))
def test_shipped_variants_break_no_floor_rule(variant):
    base = "tmall.yaml" if variant.startswith("tmall") else "video_channel.yaml"
    policy = load_policy(POLICIES / base, [POLICIES / "variants" / variant])
    assert [f for f in check_floor(policy) if f.severity == "violation"] == []


def test_no_reason_window_shorter_than_the_law():
    found = _floor("tmall.yaml", "no_reason_5_days.yaml")
    assert _brief(found) == [("violation", "national.no_reason_return", "window"), *TMALL_WARNINGS]
    first = found[0]
    assert (first.name_zh, first.name_en) == ("七日无理由退货", "7-day no-reason return")
    assert first.expected == "national.no_reason_return.window at least 7 days (the law)"
    assert first.actual == "5 days"
    assert first.where == f"{BAD / 'no_reason_5_days.yaml'}:6"
    assert first.family == "floor"


def test_a_dated_value_breaks_the_floor_from_its_date():
    found = _floor("tmall.yaml", "no_reason_dated.yaml")
    assert found[0].expected == "national.no_reason_return.window at least 7 days (the law) (from 2027-01-01)"
    assert found[0].actual == "5 days"


def test_category_the_law_does_not_exclude():
    found = _floor("tmall.yaml", "exclude_apparel.yaml")
    assert _brief(found) == [("violation", "national.no_reason_exclusions", "category_no_reason"), *TMALL_WARNINGS]
    assert found[0].expected == "categories.apparel.no_reason: eligible (the law does not exclude Apparel)"
    assert found[0].actual == "excluded (made_to_order)"
    assert found[0].name_zh == "不适用七日无理由退货的商品"


def test_refund_deadline_beyond_the_legal_one():
    found = _floor("tmall.yaml", "refund_10_days.yaml")
    assert _brief(found) == [("violation", "national.refund_deadline", "refund_within"), *TMALL_WARNINGS]
    assert (found[0].expected, found[0].actual) == (
        "national.refund_deadline.refund_within at most 7 days (the law)",
        "10 days",
    )


def test_receipt_timer_beyond_the_legal_violation_replaces_the_warning():
    found = _floor("tmall.yaml", "receipt_20_days.yaml")
    assert _brief(found) == [
        ("violation", "national.refund_deadline", "return_deadlines.merchant_confirm_within"),
        ("warning", "national.fraud", "counterfeit_minimum"),
    ]
    assert found[0].expected.startswith(
        "tmall.return_deadlines.merchant_confirm_within at most 15 days (national.refund_deadline.violation_after)"
    )
    assert found[0].actual == "20 days"


def test_compensation_below_the_legal_minimum():
    found = _floor("tmall.yaml", "fraud_minimum_300.yaml")
    assert _brief(found) == [("violation", "national.fraud", "minimum"), *TMALL_WARNINGS]
    assert (found[0].expected, found[0].actual) == ("national.fraud.minimum at least 500 CNY (the law)", "300 CNY")


def test_counterfeit_multiple_below_the_fraud_multiple():
    found = _floor("tmall.yaml", "counterfeit_2x.yaml")
    assert _brief(found) == [
        ("warning", "national.refund_deadline", "return_deadlines.merchant_confirm_within"),
        ("violation", "national.fraud", "counterfeit.multiple"),
        ("warning", "national.fraud", "counterfeit_minimum"),
    ]
    assert found[1].actual == "2x"
    assert found[2].actual == "tmall.counterfeit.multiple 2x without a minimum pays less for prices under 250.00 CNY"


def test_platform_window_shorter_than_the_legal_window():
    found = _floor("tmall.yaml", "window_5_days.yaml")
    assert _brief(found) == [("violation", "national.no_reason_return", "after_sale_window.window"), *TMALL_WARNINGS]


def test_choices_lists_and_payers_less_favourable_than_the_law():
    found = check_floor(load_policy(POLICIES / "national.yaml", [BAD / "receipt_counted.yaml"]))
    assert [(f.clause, f.check, f.expected, f.actual) for f in found] == [
        (
            "national.no_reason_return",
            "counted_from",
            "national.no_reason_return.counted_from: day_after_receipt (the law)",
            "receipt",
        ),
        (
            "national.quality_return",
            "later_remedies",
            "national.quality_return.later_remedies includes ['exchange', 'repair'] (the law)",
            "['repair'], without ['exchange']",
        ),
        (
            "national.quality_return",
            "transport_payer",
            "national.quality_return.transport_payer: merchant pays (the law)",
            "buyer",
        ),
    ]


def test_channel_quality_exception_three_guarantees_and_warranty():
    found = _floor("video_channel.yaml", "fresh_no_quality.yaml")
    assert [(f.severity, f.clause, f.check, f.actual) for f in found if f.severity == "violation"] == [
        ("violation", "national.three_guarantees", "category_three_guarantees", "false"),
        ("violation", "national.quality_return", "category_warranty", "90 days"),
        ("violation", "national.quality_return", "fresh_quality_exception", "false"),
    ]


def test_the_floor_must_be_a_national_policy(tmp_path):
    assert load_floor(load_policy(POLICIES / "tmall.yaml")).platform == "national"
    national = (POLICIES / "national.yaml").read_text(encoding="utf-8")
    tmall = (POLICIES / "tmall.yaml").read_text(encoding="utf-8")
    alone = national.replace("platform: national", "platform: tmall") + "\n" + tmall[tmall.index("\ntmall:") :]
    (tmp_path / "variants").mkdir()
    for name in ("tmall_ship_48h.yaml",):
        (tmp_path / "variants" / name).write_text((POLICIES / "variants" / name).read_text(encoding="utf-8"))
    (tmp_path / "alone.yaml").write_text(alone, encoding="utf-8")
    policy = load_policy(tmp_path / "alone.yaml")
    with pytest.raises(PolicyError) as info:
        check_floor(policy)
    assert str(info.value) == (
        f"{tmp_path / 'alone.yaml'}: policy.platform: the national floor check needs a policy that extends "
        "a national floor (platform: national)"
    )
