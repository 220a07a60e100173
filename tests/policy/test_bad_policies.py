"""One bad file per error kind (tests/fixtures/bad_policies/): exact `FILE:LINE: path: message` lines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from simkit.cli.main import main
from simkit.errors import PolicyError
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
DIR = "tests/fixtures/bad_policies"
TMALL = "policies/tmall.yaml"
SOURCE_KEYS = (
    "use a key from RULES.md (seed:000…seed:004, law:7day, law:cpl, law:cpl-impl, law:ecom, law:3bao, "
    "taobao:dispute, taobao:api, wx:aftersale, wx:complaint, wx:guarantee, wx:api) or 'assumption', "
    "optionally followed by a section"
)


@dataclass(frozen=True)
class Case:
    """A bad fixture, how to load it, what must be reported and what the reported line shows."""

    fixture: str
    expected: str
    on_line: str
    variants: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return f"{DIR}/{self.fixture}.yaml"

    def load(self) -> None:
        if self.variants:
            load_policy(TMALL, [f"{DIR}/{name}.yaml" for name in self.variants])
        else:
            load_policy(self.file)

    def argv(self) -> list[str]:
        if self.variants:
            return ["validate", "--policy", TMALL, *(f"{DIR}/{name}.yaml" for name in self.variants)]
        return ["validate", self.file]


F = "{file}"
CASES = [
    Case(
        "unknown_key",
        f"{F}:10: categories.apparel.no_reasn: unknown key 'no_reasn' (did you mean 'no_reason'?)",
        "no_reasn:",
    ),
    Case(
        "duplicate_key",
        f"{F}:11: national.fraud.minimum: duplicate key 'minimum' (first defined on line 10)",
        "minimum: 600 CNY",
    ),
    Case(
        "wrong_unit",
        f"{F}:10: national.no_reason_return.window: wrong unit 'CNY': expected a duration such as "
        "'72 hours' or '7 days', got '500 CNY'",
        "window: 500 CNY",
    ),
    Case(
        "wrong_type",
        f"{F}:10: national.goods_intact.used_goods_accepted: Input should be a valid boolean, "
        "unable to interpret input",
        "used_goods_accepted: sometimes",
    ),
    Case(
        "negative_value",
        f"{F}:10: national.fraud.minimum: must be between 0 and 100000000 CNY, got '-500 CNY'",
        "minimum: -500 CNY",
    ),
    Case("missing_required", f"{F}:9: categories.toys.name: required key is missing", "toys:"),
    Case(
        "bad_source", f"{F}:10: national.fraud.source: unknown source 'wikipedia': {SOURCE_KEYS}", "source: wikipedia"
    ),
    Case(
        "unknown_exclusion_kind",
        f"{F}:10: categories.fresh.exclusion: Input should be 'made_to_order', "
        "'perishable', 'digital_unsealed', 'periodicals', 'unsafe_once_unsealed', 'value_loss_once_activated' "
        "or 'disclosed_flawed'",
        "exclusion: expired",
    ),
    Case(
        "eligible_with_exclusion",
        f"{F}:11: categories.apparel.exclusion: an eligible category cannot name an exclusion",
        "exclusion: perishable",
    ),
    Case(
        "bad_effective_date",
        f"{F}:10: national.no_reason_return.window: effective date '2026-13-01' is not an ISO date (YYYY-MM-DD)",
        "window:",
    ),
    Case("invalid_yaml", f"{F}:9: <root>: invalid YAML: mapping values are not allowed here", "fraud: multiple: 3x"),
    Case(
        "circular_extends",
        f"{F}:6: policy.extends: circular extends through 'circular_extends.yaml'",
        "extends: circular_extends.yaml",
    ),
    Case(
        "missing_extends",
        f"{F}:6: policy.extends: extended policy 'no_such_policy.yaml' not found",
        "extends: no_such_policy.yaml",
    ),
    Case(
        "foreign_section",
        f"{F}:6: policy.platform: section 'tmall' (from policies/tmall.yaml) does not belong to platform 'national'",
        "platform: national",
    ),
    Case(
        "unknown_see_also",
        f"{F}:10: national.fraud.see_also.0: unknown rule id 'national.no_reason_retrun' "
        "(did you mean 'national.no_reason_return'?)",
        "see_also: [national.no_reason_retrun]",
    ),
    Case(
        "missing_alternative_variant",
        f"{F}:11: national.fraud.alternatives.0.variant: variant file 'variants/no_such_variant.yaml' not found",
        "variant: variants/no_such_variant.yaml",
    ),
    Case(
        "unsafe_tag",
        f"{F}:10: national.fraud.note: unsupported YAML tag '!!python/object/apply:os.system' "
        "(only safe YAML is accepted)",
        "!!python/object/apply:os.system",
    ),
    Case(
        "variant_unknown_path",
        f"{F}:8: set.tmall.refund_auto_agre.timeout: unknown parameter "
        "'tmall.refund_auto_agre': no 'refund_auto_agre' under tmall (did you mean 'refund_auto_agree'?)",
        "tmall.refund_auto_agre.timeout:",
        ("variant_unknown_path",),
    ),
    Case(
        "variant_bad_value",
        f"{F}:8: tmall.refund_auto_agree.timeout: wrong unit 'CNY': expected a duration "
        "such as '72 hours' or '7 days', got '48 CNY'",
        "timeout: 48 CNY",
        ("variant_bad_value",),
    ),
    Case(
        "variant_conflict_b",
        f"{F}:8: set.tmall.refund_auto_agree.timeout: conflicts with "
        f"{DIR}/variant_conflict_a.yaml:8 ('48 hours' vs '24 hours')",
        "timeout: 24 hours",
        ("variant_conflict_a", "variant_conflict_b"),
    ),
    Case(
        "control_byte",
        f"{F}:10: <root>: invalid YAML: control character U+0000 in column 12 is not allowed",
        "note: t\x00mall",
    ),
    Case(
        "not_utf8",
        f"{F}:4: <root>: cannot read file: byte 0xbb in column 14 is not UTF-8 (a binary file, or text in "
        "another encoding such as GBK or latin-1; save it as UTF-8)",
        "  name: {zh: \ufffd",
    ),
    Case("utf16", f"{F}:1: <root>: cannot read file: the text is UTF-16; save it as UTF-8", "#\x00 \x00E\x00"),
    Case(
        "nested_too_deep",
        f"{F}:10: <root>: invalid YAML: nested too deeply (over 100 levels)",
        "note: [[[",
    ),
    Case(
        "percent_over_100",
        f"{F}:10: tmall.late_ship_comp.rate: must be between 0 and 100 percent, got '130 percent'",
        "rate: 130 percent",
    ),
    Case(
        "duration_too_long",
        f"{F}:10: national.no_reason_return.window: must be between 0 and 3650 days, got '99999999999 days'",
        "window: 99999999999 days",
    ),
    Case(
        "category_typo",
        f"{F}:9: categories.furnitures: a new category needs a name (did you mean 'furniture'?)",
        "furnitures:",
    ),
    Case(
        "variant_sets_extends",
        f"{F}:8: set.policy.extends: a variant cannot set 'policy.extends': the policy's id, platform and extends "
        "are fixed by its file",
        "policy.extends: video_channel.yaml",
        ("variant_sets_extends",),
    ),
    Case(
        "variant_wrong_policy",
        f"{F}:6: variant.applies_to: variant is for policy 'video_channel', not 'tmall'",
        "applies_to: video_channel",
        ("variant_wrong_policy",),
    ),
]
IDS = [case.fixture for case in CASES]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_every_fixture_has_a_case() -> None:
    on_disk = {path.stem for path in (ROOT / DIR).glob("*.yaml")}
    covered = {case.fixture for case in CASES} | {name for case in CASES for name in case.variants}
    assert on_disk == covered


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_message_names_file_line_and_path(case: Case) -> None:
    with pytest.raises(PolicyError) as info:
        case.load()
    assert [str(problem) for problem in info.value.problems] == [case.expected.format(file=case.file)]
    problem = info.value.problems[0]
    assert problem.file == case.file
    line = (ROOT / case.file).read_bytes().decode("utf-8", errors="replace").splitlines()[problem.line - 1]
    assert case.on_line in line


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_validate_exits_2_with_one_line_per_problem(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(case.argv()) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    assert err.splitlines() == [case.expected.format(file=case.file)]
