"""Issue 8's bad inputs, one test each: what crashed or was silently accepted now gets one exact line.

The shipped policies and scenarios are copied into a temporary folder (the working directory
of each test), changed there, and the CLI is called in-process.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simkit.cli.main import main
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--reps", "1", "--quiet", "--json", "--set", "orders.count=100", "--set", "merchants.count=3"]
DAYS_RANGE = "must be between 0 and 3650 days"
PERCENT_RANGE = "must be between 0 and 100 percent"


@pytest.fixture(autouse=True)
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of policies/ and scenarios/ in the working directory."""
    for folder in ("policies", "scenarios"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("bench"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def simkit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def line_of(file: str, text: str) -> int:
    """The 1-based line of the first line of `file` containing `text`."""
    lines = Path(file).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def replace_in(file: str, old: str, new: str) -> int:
    """Replace the first `old` in `file` with `new`; return its line."""
    path = Path(file)
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


# --- crashes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old"),
    [
        ("policies/tmall.yaml", "id: tmall"),
        ("scenarios/tmall_baseline.yaml", "id: tmall_baseline"),
        ("policies/examples/tmall_late_shipment.yaml", "category: electronics"),
    ],
)
def test_a_nul_byte_is_one_line_naming_its_line_and_column(
    capsys: pytest.CaptureFixture[str], file: str, old: str
) -> None:
    new = old[:4] + "\x00" + old[4:]
    line = replace_in(file, old, new)
    column = Path(file).read_text(encoding="utf-8").splitlines()[line - 1].index("\x00") + 1
    assert simkit(capsys, "validate", file) == (
        2,
        "",
        f"{file}:{line}: <root>: invalid YAML: control character U+0000 in column {column} is not allowed\n",
    )


def test_one_file_with_a_nul_byte_does_not_hide_the_other_files_problems(capsys: pytest.CaptureFixture[str]) -> None:
    line = replace_in("policies/variants/tmall_ship_48h.yaml", "id: tmall_ship_48h", "id: tmall\x00ship_48h")
    other = replace_in("policies/variants/channels_extend_5.yaml", "max_times: 5", "max_times: -5")
    code, out, err = simkit(capsys, "validate", "policies/")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"policies/variants/channels_extend_5.yaml:{other}: channels.extend.max_times: "
        "must be between 0 and 1000, got -5",
        f"policies/variants/tmall_ship_48h.yaml:{line}: <root>: invalid YAML: control character U+0000 in column 12 "
        "is not allowed",
    ]


@pytest.mark.parametrize(
    ("old", "new", "path", "shown"),
    [
        ("timeout: 72 hours", "timeout: 99999999999 days", "tmall.refund_auto_agree.timeout", "'99999999999 days'"),
        (
            "timeout: 72 hours",
            "timeout: " + "9" * 400 + " hours",
            "tmall.refund_auto_agree.timeout",
            "'" + "9" * 54 + "…urs'",
        ),
        ("window: 15 days", "window: 9999999 days", "tmall.after_sale_window.window", "'9999999 days'"),
    ],
)
def test_huge_durations_are_refused_with_the_range(
    capsys: pytest.CaptureFixture[str], old: str, new: str, path: str, shown: str
) -> None:
    line = replace_in("policies/tmall.yaml", old, new)
    problem = f"policies/tmall.yaml:{line}: {path}: {DAYS_RANGE}, got {shown}"
    assert simkit(capsys, "validate", "policies/tmall.yaml") == (2, "", problem + "\n")
    case = "policies/examples/tmall_quality_refund.yaml"
    where = f"{case}:{line_of(case, 'policy:')} policy"
    assert simkit(capsys, "explain", "--case", case) == (2, "", f"{problem} (referenced from {where})\n")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("tmall.refund_auto_agree.timeout=99999999999 days", f"{DAYS_RANGE}, got '99999999999 days'"),
        ("tmall.after_sale_window.window=9999999 days", f"{DAYS_RANGE}, got '9999999 days'"),
        ("orders.window=9999999 days", f"{DAYS_RANGE}, got '9999999 days'"),
        ("scenario.horizon=99999999 days", f"{DAYS_RANGE}, got '99999999 days'"),
        ("logistics.return_fee=1000000000", "must be between 0 and 100000000 CNY, got 1000000000"),
        ("tmall.late_ship_comp.rate=100000 percent", f"{PERCENT_RANGE}, got '100000 percent'"),
        ("orders.count=99999999999", "Input should be less than or equal to 10000000"),
    ],
)
def test_huge_values_through_set_are_refused_with_the_range(
    capsys: pytest.CaptureFixture[str], setting: str, message: str
) -> None:
    path = setting.partition("=")[0]
    assert simkit(capsys, "run", "scenarios/tmall_baseline.yaml", "--set", setting) == (
        2,
        "",
        f"<cli>: {path}: {message}\n",
    )


def test_values_at_the_top_of_the_range_run_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    for old, new in [("timeout: 72 hours", "timeout: 3650 days"), ("cap: 500 CNY", "cap: 100000000 CNY")]:
        replace_in("policies/tmall.yaml", old, new)
    assert simkit(capsys, "validate", "policies/tmall.yaml")[0] == 0
    code, out, _ = simkit(capsys, "explain", "--case", "policies/examples/tmall_quality_refund.yaml")
    assert (code, out.splitlines()[3]) == (
        0,
        "deadline  2036-03-07T09:30:00+08:00  (answer_by)",
    )  # 3650 days after the request
    code, _, _ = simkit(capsys, "run", "scenarios/tmall_baseline.yaml", *SMALL, "--set", "scenario.horizon=3650 days")
    assert code == 0


def test_case_time_out_of_range_after_conversion(capsys: pytest.CaptureFixture[str]) -> None:
    case = "policies/examples/tmall_quality_refund.yaml"
    line = replace_in(case, 'paid_at: "2026-03-01T20:15:00"', 'paid_at: "0001-01-01T00:00:00+14:00"')
    expected = (
        f"{case}:{line}: order.paid_at: must be between 1970-01-01T00:00:00 and 2199-12-31T23:59:59 China time, "
        "got 0001-01-01T00:00:00+14:00\n"
    )
    assert simkit(capsys, "validate", case) == (2, "", expected)
    assert simkit(capsys, "explain", "--case", case) == (2, "", expected)


# --- accepted when they should fail ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "setting", "message"),
    [
        (
            "tmall_baseline",
            "tmall.late_ship_comp.rate=130 percent",
            f"tmall.late_ship_comp.rate: {PERCENT_RANGE}, got '130 percent'",
        ),
        (
            "channels_baseline",
            "channels.principle.small_compensation=150 percent",
            f"channels.principle.small_compensation: {PERCENT_RANGE}, got '150 percent'",
        ),
        (
            "channels_baseline",
            "channels.damage.levels=[10 percent, 300 percent]",
            f"channels.damage.levels.1: {PERCENT_RANGE}, got '300 percent'",
        ),
        (
            "tmall_baseline",
            "merchants.playbook={base: compensation_first, compensation: 500 percent}",
            f"merchants.playbook.compensation: {PERCENT_RANGE}, got '500 percent'",
        ),
    ],
)
def test_percentages_above_100_are_refused(
    capsys: pytest.CaptureFixture[str], scenario: str, setting: str, message: str
) -> None:
    assert simkit(capsys, "run", f"scenarios/{scenario}.yaml", "--set", setting) == (2, "", f"<cli>: {message}\n")


def test_policy_diff_refuses_a_500_percent_variant_instead_of_calling_it_favourable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    variant = Path("policies/variants/generous.yaml")
    variant.write_text(
        "variant:\n  id: generous\n  name: {zh: 慷慨, en: Generous}\n  source: assumption\n  applies_to: tmall\n"
        "set:\n  tmall.late_ship_comp.rate: 500 percent\n",
        encoding="utf-8",
    )
    assert simkit(capsys, "policy", "diff", "policies/tmall.yaml", "--variant", str(variant)) == (
        2,
        "",
        f"{variant}:7: tmall.late_ship_comp.rate: {PERCENT_RANGE}, got '500 percent'\n",
    )


def test_a_variant_cannot_set_policy_extends(capsys: pytest.CaptureFixture[str]) -> None:
    variant = Path("policies/variants/ext.yaml")
    variant.write_text(
        "variant:\n  id: ext\n  name: {zh: 继承, en: Extends}\n  source: assumption\n  applies_to: tmall\n"
        "set:\n  policy.extends: video_channel.yaml\n",
        encoding="utf-8",
    )
    assert simkit(capsys, "validate", str(variant)) == (
        2,
        "",
        f"{variant}:7: set.policy.extends: a variant cannot set 'policy.extends': the policy's id, platform and "
        "extends are fixed by its file\n",
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("orders.window=0 days", "orders.window: Input should be greater than 0"),
        ("orders.categories.apparel.share=.inf", "orders.categories.apparel.share: Input should be a finite number"),
        ("orders.categories.apparel.share=.nan", "orders.categories.apparel.share: Input should be a finite number"),
        ("orders.daily_cycle.3=.inf", "orders.daily_cycle.3: Input should be a finite number"),
    ],
)
def test_zero_window_and_infinite_shares_are_refused(
    capsys: pytest.CaptureFixture[str], setting: str, message: str
) -> None:
    assert simkit(capsys, "run", "scenarios/tmall_baseline.yaml", "--set", setting) == (2, "", f"<cli>: {message}\n")


@pytest.mark.parametrize(
    ("policy", "expected"), [("national", "none"), ("tmall", "taobao"), ("video_channel", "wechat")]
)
def test_status_model_is_optional_and_defaults_to_the_platforms_own(policy: str, expected: str) -> None:
    for file in ("policies/national.yaml", f"policies/{policy}.yaml"):
        text = Path(file).read_text(encoding="utf-8")
        Path(file).write_text("".join(ln for ln in text.splitlines(True) if "status_model:" not in ln), "utf-8")
    assert load_policy(f"policies/{policy}.yaml").spec.policy.status_model == expected


@pytest.mark.parametrize(
    ("file", "key", "path"),
    [
        ("policies/national.yaml", "counted_from:", "national.no_reason_return.counted_from"),
        ("policies/national.yaml", "version_date:", "policy.version_date"),
        ("policies/tmall.yaml", "form: points", "tmall.late_ship_comp.form"),
        ("policies/video_channel.yaml", "requires_settlement:", "channels.extend.requires_settlement"),
    ],
)
def test_a_removed_rule_parameter_is_an_error_not_a_silent_default(
    capsys: pytest.CaptureFixture[str], file: str, key: str, path: str
) -> None:
    removed = line_of(file, key)
    lines = Path(file).read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[removed - 1]
    Path(file).write_text("".join(lines), encoding="utf-8")
    code, out, err = simkit(capsys, "validate", file)
    parent = line_of(file, path.split(".")[-2] + ":")  # the rule (or header) the key was removed from
    assert (code, out, err) == (2, "", f"{file}:{parent}: {path}: required key is missing\n")


# --- messages that point the right way ------------------------------------------------------------


def test_a_problem_in_an_extended_policy_names_the_extends_line(capsys: pytest.CaptureFixture[str]) -> None:
    line = replace_in("policies/national.yaml", "minimum: 500 CNY", "minimum: -5 CNY")
    extends = line_of("policies/tmall.yaml", "extends:")
    problem = (
        f"policies/national.yaml:{line}: national.fraud.minimum: must be between 0 and 100000000 CNY, got '-5 CNY'"
    )
    assert simkit(capsys, "validate", "policies/tmall.yaml") == (
        2,
        "",
        f"{problem} (referenced from policies/tmall.yaml:{extends} policy.extends)\n",
    )
    scenario = line_of("scenarios/tmall_baseline.yaml", "policy:")
    assert simkit(capsys, "run", "scenarios/tmall_baseline.yaml") == (
        2,
        "",
        f"{problem} (referenced from policies/tmall.yaml:{extends} policy.extends ← "
        f"scenarios/tmall_baseline.yaml:{scenario} scenario.policy)\n",
    )
    case = "policies/examples/tmall_quality_refund.yaml"
    assert simkit(capsys, "explain", "--case", case) == (
        2,
        "",
        f"{problem} (referenced from policies/tmall.yaml:{extends} policy.extends ← "
        f"{case}:{line_of(case, 'policy:')} policy)\n",
    )


def test_a_yaml_error_in_an_extended_policy_names_the_extends_line(capsys: pytest.CaptureFixture[str]) -> None:
    Path("policies/national.yaml").write_text("policy: [\n", encoding="utf-8")
    extends = line_of("policies/tmall.yaml", "extends:")
    assert simkit(capsys, "validate", "policies/tmall.yaml") == (
        2,
        "",
        "policies/national.yaml:2: <root>: invalid YAML: expected the node content, but found '<stream end>' "
        f"(referenced from policies/tmall.yaml:{extends} policy.extends)\n",
    )


def test_a_problem_in_a_scenarios_variant_names_the_variants_line(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = "scenarios/tmall_baseline.yaml"
    replace_in(
        scenario, "  policy: ../policies/tmall.yaml\n", "  policy: ../policies/tmall.yaml\n  variants: [v.yaml]\n"
    )
    Path("scenarios/v.yaml").write_text(
        "variant:\n  id: v\n  name: {zh: 变, en: V}\n  source: assumption\nset:\n  tmall.ship_promise.normal: 48 CNY\n",
        encoding="utf-8",
    )
    problem = (
        "scenarios/v.yaml:6: tmall.ship_promise.normal: wrong unit 'CNY': expected a duration such as '72 hours' or "
        "'7 days', got '48 CNY'"
    )
    variants = line_of(scenario, "variants:")
    assert simkit(capsys, "run", scenario) == (
        2,
        "",
        f"{problem} (referenced from {scenario}:{variants} scenario.variants.0)\n",
    )
    assert simkit(capsys, "run", "scenarios/channels_baseline.yaml", "--variant", "scenarios/v.yaml") == (
        2,
        "",
        "scenarios/v.yaml:6: set.tmall.ship_promise.normal: unknown parameter 'tmall.ship_promise': no 'tmall' "
        "under the top level (referenced from <cli> --variant)\n",
    )


def test_a_policy_file_given_as_a_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert simkit(capsys, "run", "policies/tmall.yaml") == (
        2,
        "",
        f"policies/tmall.yaml:{line_of('policies/tmall.yaml', 'policy:')}: <root>: this is a policy file, "
        "not a scenario (a scenario has a 'scenario:' header)\n",
    )
    assert simkit(capsys, "policy", "diff", "scenarios/tmall_baseline.yaml") == (
        2,
        "",
        f"scenarios/tmall_baseline.yaml:{line_of('scenarios/tmall_baseline.yaml', 'scenario:')}: <root>: this is a "
        "scenario file, not a policy (a policy has a 'policy:' header with its id, name and platform)\n",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[1", "expected ',' or ']', but got '<stream end>'"),
        ("{a: 1", "expected ',' or '}', but got '<stream end>'"),
        ("a: b: c", "mapping values are not allowed here"),
        ("[1,\n 2", "expected ',' or ']', but got '<stream end>' (line 2)"),
        (
            "!!python/object/apply:os.system [ls]",
            "unsupported YAML tag '!!python/object/apply:os.system' (only safe YAML is accepted)",
        ),
        ("x\x01", "control character U+0001 in column 2 is not allowed"),
    ],
)
def test_a_set_value_that_is_not_yaml_is_one_line(capsys: pytest.CaptureFixture[str], value: str, message: str) -> None:
    assert simkit(capsys, "params", "scenarios/tmall_baseline.yaml", "--set", f"orders.count={value}") == (
        2,
        "",
        f"<cli>: orders.count: value is not valid YAML: {message}\n",
    )


def test_a_problem_in_the_policy_a_variant_applies_to_names_the_applies_to_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = replace_in("policies/tmall.yaml", "cap: 500 CNY", "cap: -500 CNY")
    variant = "policies/variants/tmall_ship_48h.yaml"
    assert simkit(capsys, "validate", variant) == (
        2,
        "",
        f"policies/tmall.yaml:{line}: tmall.late_ship_comp.cap: must be between 0 and 100000000 CNY, got '-500 CNY' "
        f"(referenced from {variant}:{line_of(variant, 'applies_to:')} variant.applies_to)\n",
    )
