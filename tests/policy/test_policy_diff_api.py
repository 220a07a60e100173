"""Comparing policies (simkit.policy.diff)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.policy.diff import ParameterChange, diff_policies, format_value
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
TMALL, CHANNELS, NATIONAL = "policies/tmall.yaml", "policies/video_channel.yaml", "policies/national.yaml"
VARIANTS = "policies/variants"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def diff(base: str, variants: list[str]) -> list[ParameterChange]:
    return diff_policies(load_policy(base), load_policy(base, [f"{VARIANTS}/{v}.yaml" for v in variants]))


def variant(tmp_path: Path, changes: str) -> str:
    file = tmp_path / "v.yaml"
    file.write_text("variant:\n  id: v\n  name: {zh: 变, en: V}\n  source: assumption\nset:\n" + changes, "utf-8")
    return str(file)


def test_same_policy_has_no_changes() -> None:
    policy = load_policy(TMALL)
    assert diff_policies(policy, policy) == []
    assert diff_policies(policy, load_policy(TMALL)) == []


def test_shorter_response_timeout_favours_the_buyer() -> None:
    assert diff(TMALL, ["tmall_response_48h"]) == [
        ParameterChange("tmall.refund_auto_agree.timeout", "72 hours", "48 hours", "buyer"),
    ]


def test_dated_value_compares_all_versions_and_judges_the_latest() -> None:
    assert diff(TMALL, ["tmall_response_dated"]) == [
        ParameterChange(
            "tmall.refund_auto_agree.timeout", "72 hours", {"2015-01-01": "72 hours", "2027-01-01": "48 hours"}, "buyer"
        ),
    ]


def test_shipping_promise_variant() -> None:
    assert diff(TMALL, ["tmall_ship_48h"]) == [
        ParameterChange("tmall.ship_promise.normal", "72 hours", "48 hours", "buyer"),
        ParameterChange("tmall.late_ship_comp.claim_after", "72 hours", "48 hours", "buyer"),
    ]


def test_channel_variants() -> None:
    assert diff(CHANNELS, ["channels_extend_5"]) == [
        ParameterChange("channels.extend.max_times", 3, 5, "buyer"),
    ]
    assert diff(CHANNELS, ["channels_extend_once"]) == [
        ParameterChange("channels.extend.max_times", 3, 1, "merchant"),
        ParameterChange("channels.extend.requires_settlement", True, False, "neutral"),
    ]
    assert diff(CHANNELS, ["channels_counterfeit_4x"]) == [
        ParameterChange("channels.counterfeit.multiple", "3x", "4x", "buyer"),
    ]
    assert diff(CHANNELS, ["channels_review_24h"]) == [
        ParameterChange("channels.review_deadlines.refund_review", "48 hours", "24 hours", "buyer"),
        ParameterChange("channels.review_deadlines.return_review", "48 hours", "24 hours", "buyer"),
    ]


def test_longer_timeout_favours_the_merchant(tmp_path: Path) -> None:
    changed = load_policy(TMALL, [variant(tmp_path, "  tmall.refund_auto_agree.timeout: 96 hours\n")])
    assert diff_policies(load_policy(TMALL), changed) == [
        ParameterChange("tmall.refund_auto_agree.timeout", "72 hours", "96 hours", "merchant"),
    ]


def test_values_are_compared_parsed_not_as_written(tmp_path: Path) -> None:
    changed = load_policy(TMALL, [variant(tmp_path, "  tmall.refund_auto_agree.timeout: 3 days\n")])
    assert changed.parameters()["tmall.refund_auto_agree.timeout"] == "3 days"
    assert diff_policies(load_policy(TMALL), changed) == []


def test_same_latest_version_with_other_history_is_neutral(tmp_path: Path) -> None:
    changes = '  tmall.refund_auto_agree.timeout: {"2015-01-01": 48 hours, "2020-01-01": 72 hours}\n'
    changed = load_policy(TMALL, [variant(tmp_path, changes)])
    assert diff_policies(load_policy(TMALL), changed) == [
        ParameterChange(
            "tmall.refund_auto_agree.timeout",
            "72 hours",
            {"2015-01-01": "48 hours", "2020-01-01": "72 hours"},
            "neutral",
        ),
    ]


def test_enum_and_list_changes_are_neutral(tmp_path: Path) -> None:
    changes = "  tmall.late_ship_comp.form: cash\n  tmall.late_ship_comp.reasons: [late_shipment]\n"
    changed = load_policy(TMALL, [variant(tmp_path, changes)])
    assert diff_policies(load_policy(TMALL), changed) == [
        ParameterChange("tmall.late_ship_comp.form", "points", "cash", "neutral"),
        ParameterChange(
            "tmall.late_ship_comp.reasons", ["late_shipment", "out_of_stock"], ["late_shipment"], "neutral"
        ),
    ]


def test_a_newly_written_optional_value_is_added(tmp_path: Path) -> None:
    changed = load_policy(TMALL, [variant(tmp_path, "  tmall.counterfeit.appraisal_fee: 50 CNY\n")])
    assert diff_policies(load_policy(TMALL), changed) == [
        ParameterChange("tmall.counterfeit.appraisal_fee", None, "50 CNY", "neutral", "added"),
    ]
    assert diff_policies(changed, load_policy(TMALL)) == [
        ParameterChange("tmall.counterfeit.appraisal_fee", "50 CNY", None, "neutral", "removed"),
    ]


def test_a_value_written_in_one_and_defaulted_in_the_other_is_compared_with_the_default() -> None:
    changes = {change.path: change for change in diff_policies(load_policy(NATIONAL), load_policy(TMALL))}
    assert changes["categories.electronics.long_reopen_window"] == ParameterChange(
        "categories.electronics.long_reopen_window",
        False,
        True,
        "neutral",
    )
    assert changes["categories.furniture.rights_period"] == ParameterChange(
        "categories.furniture.rights_period",
        None,
        "90 days",
        "neutral",
        "added",
    )
    assert changes["tmall.refund_auto_agree.timeout"] == ParameterChange(
        "tmall.refund_auto_agree.timeout",
        None,
        "72 hours",
        "neutral",
        "added",
    )
    assert not [path for path in changes if path.startswith("national.")]


def test_different_platforms() -> None:
    changes = diff_policies(load_policy(TMALL), load_policy(CHANNELS))
    kinds = {change.change for change in changes}
    assert kinds == {"changed", "added", "removed"}
    removed = {change.path for change in changes if change.change == "removed"}
    added = {change.path for change in changes if change.change == "added"}
    assert all(path.startswith(("tmall.", "categories.")) for path in removed)
    assert all(path.startswith("channels.") for path in added)


def test_describe_and_to_dict() -> None:
    change = ParameterChange("tmall.refund_auto_agree.timeout", "72 hours", "48 hours", "buyer")
    assert change.describe() == "tmall.refund_auto_agree.timeout: 72 hours → 48 hours (more favourable to the buyer)"
    assert change.to_dict() == {
        "path": "tmall.refund_auto_agree.timeout",
        "old": "72 hours",
        "new": "48 hours",
        "favours": "buyer",
        "change": "changed",
    }
    assert ParameterChange("x", 3, 1, "merchant").describe() == "x: 3 → 1 (less favourable to the buyer)"
    assert ParameterChange("x", True, False, "neutral").describe() == "x: true → false (neutral/unknown)"
    assert ParameterChange("x", None, "5 CNY", "neutral", "added").describe() == "x: (absent) → 5 CNY (added)"
    assert ParameterChange("x", "5 CNY", None, "neutral", "removed").describe() == "x: 5 CNY → (absent) (removed)"


def test_format_value() -> None:
    assert format_value({"2015-01-01": "72 hours", "2027-01-01": "48 hours"}) == (
        "{2015-01-01: 72 hours, 2027-01-01: 48 hours}"
    )
    assert format_value(["a", "b"]) == "[a, b]"
    assert format_value(None) == "null"
    assert format_value(False) == "false"
    assert format_value(3) == "3"
