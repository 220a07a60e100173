"""`simkit validate PATH...`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from simkit.cli.main import main
from simkit.errors import Problem, ScenarioError

ROOT = Path(__file__).resolve().parents[2]
BAD = "tests/fixtures/bad_policies"
UNKNOWN_KIND = "unknown file kind: expected a top-level 'policy', 'variant', 'scenario' or 'order'/'request' key"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, list[str]]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err.splitlines()


def write(tmp_path: Path, name: str, text: str) -> str:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return str(file)


def variant_text(applies_to: str | None, changes: str) -> str:
    head = "variant:\n  id: v\n  name: {zh: 变, en: V}\n  source: assumption\n"
    return head + (f"  applies_to: {applies_to}\n" if applies_to else "") + "set:\n" + changes


def test_one_valid_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "policies/tmall.yaml") == (0, "ok: 1 file valid\n", [])


def test_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--quiet", "policies/tmall.yaml", "policies/national.yaml") == (0, "", [])
    assert run(capsys, "-q", "policies/variants") == (0, "", [])


def test_a_file_named_twice_counts_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "policies/tmall.yaml", "./policies/tmall.yaml") == (0, "ok: 1 file valid\n", [])


def test_variant_is_checked_against_the_policy_it_applies_to(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "policies/variants/tmall_ship_48h.yaml", "policies/variants/channels_extend_5.yaml") == (
        0,
        "ok: 2 files valid\n",
        [],
    )


def test_variant_with_a_bad_value_for_its_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "variants").mkdir()
    shutil.copy(ROOT / "policies" / "national.yaml", tmp_path / "national.yaml")
    file = write(tmp_path, "variants/v.yaml", variant_text("national", "  national.fraud.minimum: 5 days\n"))
    assert run(capsys, file) == (
        2,
        "",
        [
            f"{file}:7: national.fraud.minimum: wrong unit 'days': expected a money such as '500 CNY', got '5 days'",
        ],
    )


def test_variant_whose_policy_is_not_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, "v.yaml", variant_text("tmall", "  tmall.intervention_wait.wait: 24 hours\n"))
    assert run(capsys, file) == (
        2,
        "",
        [
            f"{file}:5: variant.applies_to: policy 'tmall' not found at {tmp_path.parent / 'tmall.yaml'} "
            "(use --policy to check against another file)",
        ],
    )


def test_variant_without_applies_to_is_checked_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, "v.yaml", variant_text(None, "  anything.at.all: 1\n"))
    assert run(capsys, file) == (0, "ok: 1 file valid\n", [])


def test_policy_option_stacks_variants(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--policy",
        "policies/tmall.yaml",
        "policies/variants/tmall_ship_48h.yaml",
        "policies/variants/tmall_response_48h.yaml",
    ]
    assert run(capsys, *argv) == (0, "ok: 3 files valid\n", [])


def test_policy_option_reports_conflicts_between_variants(capsys: pytest.CaptureFixture[str]) -> None:
    five, once = "policies/variants/channels_extend_5.yaml", "policies/variants/channels_extend_once.yaml"
    lines = {name: _line(name, "max_times:") for name in (five, once)}
    assert run(capsys, "--policy", "policies/video_channel.yaml", five, once) == (
        2,
        "",
        [
            f"{once}:{lines[once]}: set.channels.extend.max_times: conflicts with {five}:{lines[five]} (5 vs 1)",
        ],
    )


def test_policy_option_with_a_variant_for_another_policy(capsys: pytest.CaptureFixture[str]) -> None:
    file = "policies/variants/channels_extend_5.yaml"
    assert run(capsys, "--policy", "policies/tmall.yaml", file) == (
        2,
        "",
        [
            f"{file}:{_line(file, 'applies_to:')}: variant.applies_to: "
            "variant is for policy 'video_channel', not 'tmall'",
        ],
    )


def test_missing_paths_are_problems_not_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "no/such.yaml", "policies/tmall.yaml", "no_dir/") == (
        2,
        "",
        [
            "no/such.yaml: <root>: no such file or directory",
            "no_dir: <root>: no such file or directory",
        ],
    )


def test_empty_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(tmp_path)) == (2, "", [f"{tmp_path}: <root>: no *.yaml files in this directory"])


def test_problems_of_all_files_are_collected(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, f"{BAD}/wrong_unit.yaml", "policies/national.yaml", f"{BAD}/unknown_key.yaml")
    assert (code, out) == (2, "")
    assert err == [
        f"{BAD}/wrong_unit.yaml:10: national.no_reason_return.window: wrong unit 'CNY': expected a duration such "
        "as '72 hours' or '7 days', got '500 CNY'",
        f"{BAD}/unknown_key.yaml:10: categories.apparel.no_reasn: unknown key 'no_reasn' (did you mean 'no_reason'?)",
    ]


def test_whole_fixture_directory(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, BAD)
    assert (code, out) == (2, "")
    files = sorted(path.name for path in (ROOT / BAD).glob("*.yaml"))
    assert sorted({line.split(":")[0].rsplit("/", 1)[-1] for line in err}) == files
    assert len(err) == len(files)  # one problem per fixture file, one line each


def test_several_problems_in_one_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    national = ROOT / "policies" / "national.yaml"
    file = write(
        tmp_path,
        "p.yaml",
        f"policy:\n  id: p\n  name: {{zh: 测, en: P}}\n  platform: national\n"
        f"  extends: {national}\nnational:\n  fraud:\n    multiple: 3\n    minimum: 5 days\n",
    )
    code, _, err = run(capsys, file)
    assert code == 2
    assert err == [
        f"{file}:8: national.fraud.multiple: expected a factor with its unit, such as '3x', got 3",
        f"{file}:9: national.fraud.minimum: wrong unit 'days': expected a money such as '500 CNY', got '5 days'",
    ]


def test_unknown_file_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = write(tmp_path, "typo.yaml", "# a policy?\npolciy: {}\n")
    empty = write(tmp_path, "empty.yaml", "")
    listed = write(tmp_path, "list.yaml", "- a\n")
    assert run(capsys, typo, empty, listed) == (
        2,
        "",
        [
            f"{typo}:2: <root>: {UNKNOWN_KIND}; found 'polciy' (did you mean 'policy'?)",
            f"{empty}:1: <root>: {UNKNOWN_KIND}; the file is empty",
            f"{listed}:1: <root>: {UNKNOWN_KIND}; the file is not a mapping",
        ],
    )


def test_yaml_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, "bad.yaml", "policy:\n  id: [x\n")
    code, _, err = run(capsys, file)
    assert code == 2
    assert len(err) == 1 and err[0].startswith(f"{file}:3: <root>: invalid YAML: ")


def test_case_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    examples = sorted((ROOT / "policies" / "examples").glob("*.yaml"))
    if examples:
        assert run(capsys, str(examples[0])) == (0, "ok: 1 file valid\n", [])
    bad = write(
        tmp_path,
        "case.yaml",
        'order: {category: apparel, price: 1, paid_at: "2026-03-01T20:15:00", colour: '
        'red}\nrequest: {kind: refund_only, at: "2026-03-02T10:00:00"}\n',
    )
    assert run(capsys, bad) == (2, "", [f"{bad}:1: order.colour: unknown key 'colour'"])


def test_scenario_and_case_validation_unavailable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in ("simkit.scenario", "simkit.scenario.loader", "simkit.rules.explain"):
        monkeypatch.setitem(sys.modules, module, None)  # makes the import fail
    scenario = write(tmp_path, "s.yaml", "scenario:\n  id: s\n")
    case = write(tmp_path, "c.yaml", "order: {}\nrequest: {}\n")
    assert run(capsys, scenario, case) == (
        2,
        "",
        [
            f"{scenario}:1: <root>: scenario validation is unavailable "
            "(simkit.scenario.load_scenario cannot be imported)",
            f"{case}:1: <root>: case validation is unavailable (simkit.rules.explain.explain_file cannot be imported)",
        ],
    )


def test_scenario_problems_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = write(tmp_path, "s.yaml", "scenario:\n  id: s\n")

    def load_scenario(path: str | Path) -> None:
        raise ScenarioError([Problem(str(path), 2, "scenario.id", "too short"), Problem(str(path), 1, "", "bad")])

    monkeypatch.setitem(sys.modules, "simkit.scenario", types.SimpleNamespace(load_scenario=load_scenario))
    assert run(capsys, scenario) == (2, "", [f"{scenario}:2: scenario.id: too short", f"{scenario}:1: <root>: bad"])


def test_a_crashing_loader_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = write(tmp_path, "s.yaml", "scenario:\n  id: s\n")

    def load_scenario(path: str | Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(sys.modules, "simkit.scenario", types.SimpleNamespace(load_scenario=load_scenario))
    assert run(capsys, scenario, "policies/tmall.yaml") == (
        2,
        "",
        [
            f"{scenario}: <root>: internal error while validating: RuntimeError: boom",
        ],
    )


def test_no_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 2
    assert "the following arguments are required: PATH" in capsys.readouterr().err


def test_installed_console_script() -> None:
    script = shutil.which("simkit", path=str(Path(sys.executable).parent)) or shutil.which("simkit")
    assert script is not None
    done = subprocess.run(
        [script, "validate", "policies/", f"{BAD}/unsafe_tag.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"{BAD}/unsafe_tag.yaml:10: national.fraud.note: unsupported YAML tag '!!python/object/apply:os.system' "
        "(only safe YAML is accepted)",
    ]


def _line(file: str, text: str) -> int:
    for number, line in enumerate((ROOT / file).read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {file}")


def test_hidden_folders_are_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".venv").mkdir()
    (tmp_path / "__pycache__").mkdir()
    write(tmp_path, ".venv/junk.yaml", "- not a policy\n")
    write(tmp_path, "__pycache__/junk.yml", "- not a policy\n")
    shutil.copy(ROOT / "policies" / "national.yaml", tmp_path / "national.yml")
    assert run(capsys, str(tmp_path)) == (0, "ok: 1 file valid\n", [])
