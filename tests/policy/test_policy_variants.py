"""Variants (reforms): stacking, conflicts, unknown paths, applies_to (simkit.policy.variants)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.errors import PolicyError
from simkit.policy.loader import load_policy, load_policy_tree
from simkit.policy.variants import apply_variants, load_variant

ROOT = Path(__file__).resolve().parents[2]
TMALL = "policies/tmall.yaml"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def variant(
    tmp_path: Path, name: str, changes: str, applies_to: str | None = "tmall", source: str = "assumption"
) -> str:
    """Write a variant file; its ``set:`` entries start on line 7 (6 without applies_to)."""
    header = f"variant:\n  id: {name}\n  name: {{zh: 变体, en: Variant}}\n  source: {source}\n"
    if applies_to:
        header += f"  applies_to: {applies_to}\n"
    file = tmp_path / f"{name}.yaml"
    file.write_text(header + "set:\n" + changes, encoding="utf-8")
    return str(file)


def line_in(file: str, text: str) -> int:
    """The 1-based line of the first line of `file` that contains `text`."""
    for number, line in enumerate(Path(file).read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {file}")


def problems(paths: list[str], policy: str = TMALL) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_policy(policy, paths)
    return [str(problem) for problem in info.value.problems]


def test_load_variant() -> None:
    loaded = load_variant("policies/variants/tmall_ship_48h.yaml")
    assert loaded.id == "tmall_ship_48h"
    assert loaded.file == "policies/variants/tmall_ship_48h.yaml"
    assert loaded.header.applies_to == "tmall"
    assert loaded.changes == {"tmall.ship_promise.normal": "48 hours", "tmall.late_ship_comp.claim_after": "48 hours"}
    file = loaded.file
    assert loaded.lines == {
        "tmall.ship_promise.normal": line_in(file, "tmall.ship_promise.normal:"),
        "tmall.late_ship_comp.claim_after": line_in(file, "tmall.late_ship_comp.claim_after:"),
    }
    assert loaded.header_lines["variant.applies_to"] == line_in(file, "applies_to:")


def test_stacking_the_same_value_is_fine(tmp_path: Path) -> None:
    a = variant(tmp_path, "a", "  tmall.refund_auto_agree.timeout: 48 hours\n")
    b = variant(
        tmp_path, "b", "  tmall.refund_auto_agree.timeout: 48 hours\n  tmall.intervention_wait.wait: 24 hours\n"
    )
    policy = load_policy(TMALL, [a, b])
    assert policy.id == "tmall+a+b"
    assert policy.variants == (a, b)
    assert policy.parameters()["tmall.refund_auto_agree.timeout"] == "48 hours"
    assert policy.parameters()["tmall.intervention_wait.wait"] == "24 hours"
    assert policy.located.where("tmall.intervention_wait.wait") == (b, 8)


def test_stacking_different_paths_from_shipped_variants() -> None:
    policy = load_policy(TMALL, ["policies/variants/tmall_ship_48h.yaml", "policies/variants/tmall_response_48h.yaml"])
    assert policy.id == "tmall+tmall_ship_48h+tmall_response_48h"
    assert policy.spec.tmall is not None
    assert policy.spec.tmall.ship_promise.normal.at() == 48.0
    assert policy.spec.tmall.refund_auto_agree.timeout.at() == 48.0


def test_conflict_names_both_files(tmp_path: Path) -> None:
    a = variant(tmp_path, "a", "  tmall.refund_auto_agree.timeout: 48 hours\n")
    b = variant(
        tmp_path, "b", "  tmall.intervention_wait.wait: 24 hours\n  tmall.refund_auto_agree.timeout: 24 hours\n"
    )
    assert problems([a, b]) == [
        f"{b}:8: set.tmall.refund_auto_agree.timeout: conflicts with {a}:7 ('48 hours' vs '24 hours')",
    ]


def test_shipped_variants_that_conflict() -> None:
    extend_5, once = "policies/variants/channels_extend_5.yaml", "policies/variants/channels_extend_once.yaml"
    first, second = line_in(once, "max_times:"), line_in(extend_5, "max_times:")
    assert problems([extend_5, once], "policies/video_channel.yaml") == [
        f"{once}:{first}: set.channels.extend.max_times: conflicts with {extend_5}:{second} (5 vs 1)",
    ]


def test_unknown_path_suggests(tmp_path: Path) -> None:
    a = variant(tmp_path, "a", "  tmall.refund_auto_agre.timeout: 48 hours\n")
    assert problems([a]) == [
        f"{a}:7: set.tmall.refund_auto_agre.timeout: unknown parameter 'tmall.refund_auto_agre': "
        "no 'refund_auto_agre' under tmall (did you mean 'refund_auto_agree'?)",
    ]


def test_unknown_leaf_is_reported_by_the_schema_with_a_suggestion(tmp_path: Path) -> None:
    a = variant(tmp_path, "a", "  tmall.refund_auto_agree.timout: 48 hours\n")
    assert problems([a]) == [
        f"{a}:7: tmall.refund_auto_agree.timout: unknown key 'timout' (did you mean 'timeout'?)",
    ]


def test_path_below_a_value_is_unknown(tmp_path: Path) -> None:
    a = variant(tmp_path, "a", "  tmall.refund_auto_agree.timeout.hours: 48\n")
    assert problems([a]) == [
        f"{a}:7: set.tmall.refund_auto_agree.timeout.hours: unknown parameter "
        "'tmall.refund_auto_agree.timeout.hours': no 'hours' under tmall.refund_auto_agree.timeout",
    ]


def test_applies_to_mismatch(tmp_path: Path) -> None:
    a = variant(tmp_path, "a", "  channels.extend.max_times: 5\n", applies_to="video_channel")
    assert problems([a]) == [f"{a}:5: variant.applies_to: variant is for policy 'video_channel', not 'tmall'"]


def test_variant_without_applies_to_fits_any_policy(tmp_path: Path) -> None:
    a = variant(tmp_path, "a", "  national.fraud.minimum: 600 CNY\n", applies_to=None)
    for base in ("policies/national.yaml", TMALL, "policies/video_channel.yaml"):
        assert load_policy(base, [a]).spec.national.fraud.minimum.at() == 600.0


def test_values_set_by_a_variant_are_validated_at_the_variant_line(tmp_path: Path) -> None:
    a = variant(tmp_path, "a", "  tmall.intervention_wait.wait: 24 hours\n  tmall.refund_auto_agree.timeout: 48 CNY\n")
    assert problems([a]) == [
        f"{a}:8: tmall.refund_auto_agree.timeout: wrong unit 'CNY': expected a duration such as "
        "'72 hours' or '7 days', got '48 CNY'",
    ]


def test_a_variant_may_set_an_optional_key(tmp_path: Path) -> None:
    a = variant(tmp_path, "a", "  tmall.counterfeit.appraisal_fee: 50 CNY\n")
    policy = load_policy(TMALL, [a])
    assert policy.spec.tmall is not None and policy.spec.tmall.counterfeit.appraisal_fee is not None
    assert policy.spec.tmall.counterfeit.appraisal_fee.at() == 50.0


def test_a_variant_may_set_a_list_item(tmp_path: Path) -> None:
    a = variant(tmp_path, "a", "  channels.damage.levels.0: 5 percent\n", applies_to="video_channel")
    policy = load_policy("policies/video_channel.yaml", [a])
    assert policy.spec.channels is not None
    assert [level.at() for level in policy.spec.channels.damage.levels] == [0.05, 0.3, 0.5, 0.8, 1.0]


@pytest.mark.parametrize(
    ("changes", "source", "expected"),
    [
        ("  {}\n", "assumption", "{f}:5: set: a variant must set at least one parameter"),
        (
            "  tmall.intervention_wait.wait: 24 hours\n",
            "wikipedia",
            "{f}:4: variant.source: unknown source 'wikipedia': use a key from RULES.md (seed:000…seed:004, law:7day, "
            "law:cpl, law:cpl-impl, law:ecom, law:3bao, taobao:dispute, taobao:api, wx:aftersale, wx:complaint, "
            "wx:guarantee, wx:api) or 'assumption', optionally followed by a section",
        ),
        ("  - tmall.intervention_wait.wait\n", "assumption", "{f}:5: set: Input should be a valid dictionary"),
    ],
)
def test_bad_variant_files(tmp_path: Path, changes: str, source: str, expected: str) -> None:
    file = variant(tmp_path, "a", changes, applies_to=None, source=source)
    with pytest.raises(PolicyError) as info:
        load_variant(file)
    assert str(info.value) == expected.format(f=file)


def test_apply_variants_leaves_the_tree_alone() -> None:
    tree = load_policy_tree(TMALL)
    before = tree.copy()
    patched = apply_variants(tree, [load_variant("policies/variants/tmall_response_48h.yaml")])
    assert tree.data == before.data and tree.origins == before.origins
    assert patched.data["tmall"]["refund_auto_agree"]["timeout"] == "48 hours"
    file = "policies/variants/tmall_response_48h.yaml"
    assert patched.origins["tmall.refund_auto_agree.timeout"] == (file, line_in(file, "timeout: 48 hours"))
