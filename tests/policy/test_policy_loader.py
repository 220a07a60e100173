"""Loading policies: extends, files, rule ids, parameters, digests (simkit.policy.loader / model)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from simkit.errors import PolicyError
from simkit.policy.loader import load_policy
from simkit.policy.model import Policy

ROOT = Path(__file__).resolve().parents[2]
NATIONAL_RULES = [
    "national.no_reason_return",
    "national.no_reason_exclusions",
    "national.no_reason_confirm",
    "national.goods_intact",
    "national.refund_deadline",
    "national.no_reason_shipping",
    "national.quality_return",
    "national.fraud",
    "national.three_guarantees",
    "national.favourable",
]
HEADER = "policy:\n  id: t\n  name: {zh: 测, en: Test}\n  platform: national\n"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def line_in(file: str, text: str) -> int:
    """The 1-based line of the first line of `file` that contains `text`."""
    for number, line in enumerate(Path(file).read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {file}")


def test_files_lists_base_first() -> None:
    assert load_policy("policies/national.yaml").files == ("policies/national.yaml",)
    assert load_policy("policies/tmall.yaml").files == ("policies/national.yaml", "policies/tmall.yaml")
    assert load_policy("policies/video_channel.yaml").files == (
        "policies/national.yaml",
        "policies/video_channel.yaml",
    )


def test_extends_merges_categories() -> None:
    national = load_policy("policies/national.yaml")
    tmall = load_policy("policies/tmall.yaml")
    assert set(national.spec.categories) <= set(tmall.spec.categories)
    furniture = tmall.spec.categories["furniture"]
    assert furniture.warranty.at() == 365 * 24  # from national.yaml
    assert furniture.rights_period is not None and furniture.rights_period.at() == 90 * 24  # from tmall.yaml
    assert national.spec.categories["furniture"].rights_period is None
    assert tmall.spec.categories["electronics"].long_reopen_window is True
    assert tmall.spec.categories["electronics"].three_guarantees is True
    assert tmall.spec.categories["fresh"].no_reason == "excluded"
    assert tmall.spec.categories["fresh"].exclusion == "perishable"


def test_extended_values_keep_their_origin() -> None:
    located = load_policy("policies/tmall.yaml").located
    assert located.where("tmall.refund_auto_agree.timeout") == (
        "policies/tmall.yaml",
        line_in("policies/tmall.yaml", "timeout: 72 hours"),
    )
    assert located.where("national.fraud.minimum") == (
        "policies/national.yaml",
        line_in("policies/national.yaml", "minimum: 500 CNY"),
    )


def test_rule_ids() -> None:
    assert load_policy("policies/national.yaml").rule_ids() == NATIONAL_RULES
    tmall = load_policy("policies/tmall.yaml").rule_ids()
    assert tmall[:10] == NATIONAL_RULES
    assert "tmall.refund_auto_agree" in tmall and "tmall.ship_promise" in tmall
    assert not [rule for rule in tmall if rule.startswith("channels.")]
    channels = load_policy("policies/video_channel.yaml").rule_ids()
    assert "channels.extend" in channels
    assert not [rule for rule in channels if rule.startswith("tmall.")]


def test_rule_lookup() -> None:
    tmall = load_policy("policies/tmall.yaml")
    assert tmall.rule("tmall.refund_auto_agree").source == ["seed:004"]
    assert tmall.spec.tmall is not None and tmall.spec.tmall.refund_auto_agree.timeout.at() == 72.0
    with pytest.raises(KeyError) as info:
        tmall.rule("channels.extend")
    assert info.value.args[0] == "policy 'tmall' has no rule 'channels.extend'"


def test_header_properties() -> None:
    tmall = load_policy("policies/tmall.yaml")
    assert (tmall.id, tmall.platform, tmall.variant_ids, tmall.variants) == ("tmall", "tmall", (), ())
    assert tmall.spec.policy.extends == "national.yaml"
    channels = load_policy("policies/video_channel.yaml")
    assert (channels.id, channels.platform) == ("video_channel", "video_channel")


def test_parameters_are_stable_and_include_every_section() -> None:
    first = load_policy("policies/tmall.yaml").parameters()
    second = load_policy("policies/tmall.yaml").parameters()
    assert first == second
    assert list(first) == list(second)
    assert first["tmall.refund_auto_agree.timeout"] == "72 hours"
    assert first["national.fraud.minimum"] == "500 CNY"
    assert first["categories.furniture.rights_period"] == "90 days"
    assert not [path for path in first if path.endswith((".name", ".source", ".note"))]
    national = load_policy("policies/national.yaml").parameters()
    assert set(national) < set(first)


def test_parameter_count_unchanged_by_a_variant_that_sets_existing_paths() -> None:
    base = load_policy("policies/tmall.yaml")
    patched = load_policy("policies/tmall.yaml", ["policies/variants/tmall_response_48h.yaml"])
    assert len(patched.parameters()) == len(base.parameters())
    assert patched.parameters()["tmall.refund_auto_agree.timeout"] == "48 hours"
    changed = {path for path, value in patched.parameters().items() if base.parameters()[path] != value}
    assert changed == {"tmall.refund_auto_agree.timeout"}


def test_digest_is_stable_and_changes_with_a_variant() -> None:
    base = load_policy("policies/tmall.yaml")
    assert base.digest == load_policy("policies/tmall.yaml").digest
    assert len(base.digest) == 64
    patched = load_policy("policies/tmall.yaml", ["policies/variants/tmall_response_48h.yaml"])
    assert patched.digest != base.digest
    assert patched.digest == load_policy("policies/tmall.yaml", ["policies/variants/tmall_response_48h.yaml"]).digest
    assert patched.id == "tmall+tmall_response_48h"
    assert patched.variant_ids == ("tmall_response_48h",)
    assert patched.variants == ("policies/variants/tmall_response_48h.yaml",)


def test_dated_variant_is_picked_by_date() -> None:
    policy = load_policy("policies/tmall.yaml", ["policies/variants/tmall_response_dated.yaml"])
    timeout = policy.rule("tmall.refund_auto_agree").timeout  # type: ignore[attr-defined]
    assert timeout.at(dt.date(2026, 12, 31)) == 72.0
    assert timeout.at(dt.date(2027, 1, 1)) == 48.0
    with pytest.raises(LookupError):
        timeout.at(dt.date(2014, 12, 31))


def test_tree_is_a_copy() -> None:
    policy = load_policy("policies/tmall.yaml")
    tree = policy.tree
    tree["tmall"]["refund_auto_agree"]["timeout"] = "1 hours"
    assert policy.parameters()["tmall.refund_auto_agree.timeout"] == "72 hours"
    assert "_variant_ids" not in tree


def _write(tmp_path: Path, name: str, text: str) -> str:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return str(file)


def test_circular_extends_through_two_files(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", HEADER + "  extends: b.yaml\n")
    b = _write(tmp_path, "b.yaml", HEADER + "  extends: a.yaml\n")
    with pytest.raises(PolicyError) as info:
        load_policy(a)
    assert str(info.value) == (
        f"{b}:5: policy.extends: circular extends through 'a.yaml' (referenced from {a}:5 policy.extends)"
    )


def test_extends_must_be_a_file_name(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", HEADER + "  extends: [x]\n")
    with pytest.raises(PolicyError) as info:
        load_policy(a)
    assert str(info.value) == f"{a}:5: policy.extends: must be a file name such as 'national.yaml'"


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    national = ROOT / "policies" / "national.yaml"
    a = _write(
        tmp_path,
        "a.yaml",
        HEADER + f"  extends: {national}\nnational:\n  fraud:\n    multiple: 3\n"
        "    minimum: 5 days\n  goods_intact:\n    used_goods_acepted: true\n",
    )
    with pytest.raises(PolicyError) as info:
        load_policy(a)
    assert [str(problem) for problem in info.value.problems] == [
        f"{a}:11: national.goods_intact.used_goods_acepted: unknown key 'used_goods_acepted' "
        "(did you mean 'used_goods_accepted'?)",
        f"{a}:8: national.fraud.multiple: expected a factor with its unit, such as '3x', got 3",
        f"{a}:9: national.fraud.minimum: wrong unit 'days': expected a money such as '500 CNY', got '5 days'",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "",
            [
                "{f}:1: policy: required key is missing",
                "{f}:1: categories: required key is missing",
                "{f}:1: national: required key is missing",
            ],
        ),
        ("- a\n", ["{f}:1: <root>: a policy file must be a mapping with a 'policy' header"]),
        (
            "policy: 5\n",
            [
                "{f}:1: policy: Input should be a valid dictionary or instance of Header",
                "{f}:1: categories: required key is missing",
                "{f}:1: national: required key is missing",
            ],
        ),
    ],
)
def test_odd_files_give_problems_not_crashes(tmp_path: Path, text: str, expected: list[str]) -> None:
    file = _write(tmp_path, "odd.yaml", text)
    with pytest.raises(PolicyError) as info:
        load_policy(file)
    assert [str(problem) for problem in info.value.problems] == [line.format(f=file) for line in expected]


def test_non_string_top_level_key(tmp_path: Path) -> None:
    file = _write(tmp_path, "odd.yaml", HEADER + f"  extends: {ROOT / 'policies' / 'national.yaml'}\n1: 2\n")
    with pytest.raises(PolicyError) as info:
        load_policy(file)
    assert str(info.value) == f"{file}:6: 1: unknown key '1'"


def test_policy_is_frozen() -> None:
    policy = load_policy("policies/national.yaml")
    assert isinstance(policy, Policy)
    with pytest.raises(AttributeError):
        policy.files = ()  # type: ignore[misc]
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises its ValidationError for frozen models
        policy.spec.policy.id = "x"  # type: ignore[misc]


def test_foreign_section_in_the_same_file_is_reported_at_the_section(tmp_path: Path) -> None:
    text = (ROOT / "policies" / "tmall.yaml").read_text(encoding="utf-8")
    text = text.replace("platform: tmall", "platform: national").replace(
        "extends: national.yaml", f"extends: {ROOT / 'policies' / 'national.yaml'}"
    )
    file = _write(tmp_path, "t.yaml", text)
    (tmp_path / "variants").symlink_to(ROOT / "policies" / "variants")  # for the documented alternatives
    with pytest.raises(PolicyError) as info:
        load_policy(file)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row == "tmall:")
    assert str(info.value) == f"{file}:{line}: tmall: section 'tmall' does not belong to platform 'national'"


def test_inherited_foreign_section_is_reported_at_the_platform(tmp_path: Path) -> None:
    tmall = ROOT / "policies" / "tmall.yaml"
    file = _write(
        tmp_path,
        "t.yaml",
        f"policy:\n  id: t\n  name: {{zh: 测, en: T}}\n  platform: video_channel\n  extends: {tmall}\n",
    )
    with pytest.raises(PolicyError) as info:
        load_policy(file)
    assert [str(problem) for problem in info.value.problems] == [
        f"{file}:4: policy.platform: section 'tmall' (from {tmall}) does not belong to platform 'video_channel'",
        f"{file}:4: policy.platform: platform 'video_channel' needs a 'channels' section",
    ]
