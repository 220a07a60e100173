"""`simkit check SCENARIO|DIR [--reps R] [--report DIR] [--junit FILE] [--quiet]`: exit 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
MERCHANTS = ROOT / "tests" / "fixtures" / "compliance" / "merchants"


def _small(tmp_path, name="tmall_baseline", expect=None):
    text = (ROOT / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")
    text = text.replace("policy: ../policies/", f"policy: {ROOT / 'policies'}/").replace("count: 20000", "count: 1500")
    if expect is not None:
        text = text[: text.index("\n# Expected bounds")] + "\n" + expect
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_passing_scenario_exits_0(tmp_path, capsys):
    path = _small(tmp_path, expect="expect:\n  refund_rate: {max: 0.9}\n  violations.tmall.ship_promise: {max: 1000}\n")
    assert main(["check", str(path), "--reps", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"PASS {path} (scenario tmall_baseline, policy tmall; 2 replication(s), 2 warning(s), ")
    assert out[-1] == "1 passed, 0 failed"


def test_a_failing_check_exits_1_with_one_line_per_failure(tmp_path, capsys):
    path = _small(tmp_path, expect="expect:\n  orders: {max: 10}\n  violations.tmall.ship_promise: {max: 1000}\n")
    assert main(["check", str(path), "--reps", "1"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"FAIL {path} ")
    assert out[1].startswith(f"  {path}::orders: ")
    assert out[1].endswith(" > max 10")
    assert out[-1] == "0 passed, 1 failed"


def test_merchant_files_and_quiet(capsys):
    assert main(["check", str(MERCHANTS / "good_channels.yaml"), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["check", str(MERCHANTS / "good_channels.yaml"), str(MERCHANTS / "bad_channels.yaml"), "--quiet"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"FAIL {MERCHANTS / 'bad_channels.yaml'} (merchant bad_channels, policy video_channel; ")
    assert len(out) == 1 + 8 + 1
    assert out[1] == (
        f"  {MERCHANTS / 'bad_channels.yaml'}:5: violation of channels.principle (Communicate first, never refuse "
        "outright / 沟通优先不得直接拒绝): expected communicate first: offer a small compensation, then other "
        "remedies; never a bare refusal; found the playbook refuses outright: quality, not_as_described"
    )
    assert out[-1] == "1 passed, 1 failed"


def test_bad_input_exits_2_naming_file_line_and_path(tmp_path, capsys):
    path = _small(tmp_path, expect="expect:\n  dispute_rat: {max: 0.1}\n")
    line = path.read_text(encoding="utf-8").splitlines().index("  dispute_rat: {max: 0.1}") + 1
    assert main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert (
        captured.err
        == f"{path}:{line}: expect.dispute_rat: unknown metric 'dispute_rat' (did you mean 'dispute_rate'?)\n"
    )
    assert main(["check", str(tmp_path / "missing.yaml")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'missing.yaml'}: <root>: no such file or directory\n"
    assert main(["check", str(path), "--reps", "0"]) == 2
    assert capsys.readouterr().err == "<cli>: --reps: must be between 1 and 10000, got 0\n"


def test_junit_and_report(tmp_path, capsys):
    path = _small(tmp_path, expect="expect:\n  orders: {max: 10}\n  refund_rate: {max: 0.9}\n")
    junit, report = tmp_path / "junit.xml", tmp_path / "report"
    assert (
        main(
            [
                "check",
                str(path),
                str(MERCHANTS / "good_channels.yaml"),
                "--reps",
                "1",
                "--junit",
                str(junit),
                "--report",
                str(report),
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert f"report: {report / 'report.html'} (also report.md, report.json)" in out
    root = ET.parse(junit).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [str(path), str(MERCHANTS / "good_channels.yaml")]
    cases = {c.get("name"): c for c in suites[0].findall("testcase")}
    assert list(cases) == ["national_floor", "playbook", "orders", "refund_rate", "conformance"]
    assert cases["orders"].find("failure").get("message").startswith(f"{path}::orders: ")
    assert cases["refund_rate"].find("failure") is None
    conformance = cases["conformance"].find("failure")
    assert conformance.get("message").endswith("conformance violation(s) with no bound")
    assert suites[0].get("failures") == "2"
    assert suites[1].get("failures") == "0"
    data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "FAIL"
    assert [c["file"] for c in data["data"]["checks"]] == [str(path), str(MERCHANTS / "good_channels.yaml")]
    assert (report / "report.html").read_text(encoding="utf-8").count('class="figure"') >= 3
    assert (report / "report.md").read_text(encoding="utf-8").startswith("# simkit check — FAIL\n")


@pytest.mark.parametrize("name", ["fresh_produce"])
def test_a_channel_scenario_with_its_shipped_bounds(tmp_path, capsys, name):
    path = _small(tmp_path, name)
    text = path.read_text(encoding="utf-8").replace("count: 12000", "count: 1500")
    path.write_text(text, encoding="utf-8")
    code = main(["check", str(path), "--reps", "1"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "channels.principle" not in out, "a by-the-rules channel merchant never refuses outright"
