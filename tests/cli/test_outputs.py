"""Output targets of check (--junit, --report), report (--out), compare and sweep (--report): refused with
one line before anything runs, written all or none, an earlier report replaced as a whole."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
MERCHANT = str(ROOT / "tests/fixtures/compliance/merchants/good_channels.yaml")
TMALL = str(ROOT / "scenarios/tmall_baseline.yaml")
VARIANT = str(ROOT / "policies/variants/tmall_response_48h.yaml")
REPORT = ["report.html", "report.json", "report.md"]


def simkit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


# --- check --junit / --report ---------------------------------------------------------------------------


def test_junit_on_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = simkit(capsys, "check", MERCHANT, "--junit", str(tmp_path))
    assert (code, out, err) == (2, "", f"<cli>: --junit: {tmp_path} is a directory; name a file\n")


def test_junit_on_dev_null(capsys: pytest.CaptureFixture[str]) -> None:
    assert simkit(capsys, "check", MERCHANT, "--junit", "/dev/null") == (
        2,
        "",
        "<cli>: --junit: /dev/null exists and is not a regular file\n",
    )


def test_junit_below_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("keep")
    target = tmp_path / "afile" / "j.xml"
    assert simkit(capsys, "check", MERCHANT, "--junit", str(target)) == (
        2,
        "",
        f"<cli>: --junit: cannot create {target}: a part of {tmp_path / 'afile'} is not a directory\n",
    )


def test_junit_in_proc_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = simkit(capsys, "check", MERCHANT, "--junit", "/proc/simkit-junit.xml")
    assert code == 2
    assert err.startswith("<cli>: --junit: cannot write in /proc: ")
    assert len(err.splitlines()) == 1


def test_report_on_a_file_writes_neither(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("keep")
    junit = tmp_path / "j.xml"
    code, out, err = simkit(capsys, "check", MERCHANT, "--junit", str(junit), "--report", str(tmp_path / "afile"))
    assert (code, out, err) == (2, "", f"<cli>: --report: {tmp_path / 'afile'} exists and is not a directory\n")
    assert names(tmp_path) == ["afile"]


def test_a_report_folder_holding_other_things_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert simkit(capsys, "check", MERCHANT, "--report", str(tmp_path)) == (
        2,
        "",
        f"<cli>: --report: {tmp_path} holds other things than report.html, report.md, report.json ('notes.txt'); "
        "give a new directory, or one that a report wrote\n",
    )


def test_junit_and_report_are_written_together_and_replace_the_earlier_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, report = tmp_path / "j.xml", tmp_path / "r"
    report.mkdir()
    for name in REPORT:
        (report / name).write_text("stale")
    junit.write_text("stale")
    code, out, _ = simkit(capsys, "check", MERCHANT, "--junit", str(junit), "--report", str(report))
    assert code == 0
    assert f"report: {report / 'report.html'} (also report.md, report.json)" in out
    assert names(tmp_path) == ["j.xml", "r"]  # no staging debris
    assert names(report) == REPORT
    assert all((report / name).read_text() != "stale" for name in REPORT)
    assert json.loads((report / "report.json").read_text())["kind"] == "check"
    assert junit.read_text().startswith("<?xml")


def test_when_the_report_cannot_be_put_in_place_the_junit_file_is_kept_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    junit, report = tmp_path / "j.xml", tmp_path / "r"
    junit.write_text("old junit")
    report.mkdir()
    for name in REPORT:
        (report / name).write_text("old report")
    rename = os.rename

    def fail_on_the_report(src: str | Path, dst: str | Path) -> None:
        if Path(dst) == report and Path(src).name.startswith(".r.run-"):
            raise OSError(28, "No space left on device")
        rename(src, dst)

    monkeypatch.setattr(os, "rename", fail_on_the_report)
    code, _, err = simkit(capsys, "check", MERCHANT, "--junit", str(junit), "--report", str(report))
    assert (code, err) == (2, f"<cli>: --report: cannot replace {report}: No space left on device\n")
    assert junit.read_text() == "old junit"
    assert {name: (report / name).read_text() for name in names(report)} == dict.fromkeys(REPORT, "old report")
    assert names(tmp_path) == ["j.xml", "r"]


# --- compare / sweep --report: refused before anything runs ------------------------------------------


@pytest.mark.parametrize(
    "command", [["compare", TMALL, "--variant", VARIANT], ["sweep", TMALL, "--grid", "buyers.evidence=0.5"]]
)
def test_experiment_report_on_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    (tmp_path / "afile").write_text("keep")
    assert simkit(capsys, *command, "--quiet", "--report", str(tmp_path / "afile")) == (
        2,
        "",
        f"<cli>: --report: {tmp_path / 'afile'} exists and is not a directory\n",
    )


# --- simkit report ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "r"
    assert main(["run", TMALL, "--reps", "2", "--quiet", "--set", "orders.count=300", "--out", str(out)]) == 0
    return out


def test_report_without_out_prints_markdown_and_writes_nothing(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = simkit(capsys, "report", str(run_dir))
    assert (code, err) == (0, "")
    assert out.startswith("# simkit run — tmall_baseline — INFO\n")
    assert "seed 20260302 · 2 replication(s)" in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["r.md", "r.html", "r.json"])
def test_report_out_a_file_writes_files_not_a_folder(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out, _ = simkit(capsys, "report", str(run_dir), "--out", str(tmp_path / name))
    assert code == 0
    assert out == f"report: {tmp_path / 'r.html'} (also r.md, r.json)\n"
    assert names(tmp_path) == ["r.html", "r.json", "r.md"]
    assert all((tmp_path / n).is_file() for n in names(tmp_path))
    assert (tmp_path / "r.md").read_text().startswith("# simkit run — tmall_baseline")


def test_report_out_a_file_that_is_a_folder(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "r.html").mkdir()
    assert simkit(capsys, "report", str(run_dir), "--out", str(tmp_path / "r.html")) == (
        2,
        "",
        f"<cli>: --out: {tmp_path / 'r.html'} is a directory; name a file\n",
    )


def test_report_out_a_folder_replaces_an_earlier_report_whole(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "rep"
    assert simkit(capsys, "report", str(run_dir), "--out", str(target))[0] == 0
    first = {name: (target / name).read_bytes() for name in REPORT}
    (target / "report.md").write_text("edited by hand")
    assert simkit(capsys, "report", str(run_dir), "--out", str(target))[0] == 0
    assert {name: (target / name).read_bytes() for name in REPORT} == first
    assert names(tmp_path) == ["rep"]


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("run.json", "[]\n", "run.json:1: <root>: not the run.json of simkit run --out (an object, found list)"),
        ("run.json", "null\n", "run.json:1: <root>: not the run.json of simkit run --out (an object, found null)"),
        ("run.json", "{}\n", "run.json:1: scenario.id: missing: not the run.json of simkit run --out"),
        ("run.json", '{"scenario": {"id": "x"}}\n', "run.json:1: seed: missing or not a whole number"),
        ("run.json", "{\n oops", "run.json:2: <root>: not JSON: Expecting property name enclosed in double quotes"),
        ("metrics.csv", "abc\n", "metrics.csv:1: <root>: expected the columns metric and value"),
        ("metrics.csv", "metric,value\n", "metrics.csv:1: <root>: holds no metrics"),
        ("metrics.csv", "metric,value\nrefund_rate,abc\n", "metrics.csv:2: value: not a number: 'abc'"),
        ("metrics.csv", "metric,value\nrefund_rat,0.1\n", "metrics.csv:2: metric: unknown metric 'refund_rat'"),
        ("metrics.csv", "metric,value\nrefund_rate,inf\n", "metrics.csv:2: value: not a finite number: 'inf'"),
    ],
)
def test_report_names_the_damaged_file(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, content: str, message: str
) -> None:
    folder = tmp_path / "r"
    shutil.copytree(run_dir, folder)
    (folder / file).write_text(content)
    out = tmp_path / "rep"
    assert simkit(capsys, "report", str(folder), "--out", str(out)) == (2, "", f"{folder}/{message}\n")
    assert not out.exists()


def test_report_json_that_is_not_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "report.json").write_text("[]\n")
    code, _, err = simkit(capsys, "report", str(tmp_path))
    assert (code, err) == (
        2,
        f"{tmp_path / 'report.json'}: <root>: not a simkit report (list indices must be integers or slices, not str)\n",
    )


def test_report_of_compare_and_sweep_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = ["--reps", "2", "--executor", "serial", "--quiet", "--json"]
    cmp, swp = tmp_path / "cmp", tmp_path / "swp"
    assert (
        main(["compare", TMALL, "--variant", VARIANT, "--common", "orders.count=300", *small, "--out", str(cmp)]) == 0
    )
    assert (
        main(
            [
                "sweep",
                TMALL,
                "--grid",
                "buyers.evidence=0.5,0.7",
                "--set",
                "orders.count=300",
                *small,
                "--out",
                str(swp),
            ]
        )
        == 0
    )
    capsys.readouterr()
    code, out, err = simkit(capsys, "report", str(cmp))
    assert (code, err) == (0, "")
    assert out.startswith(f"# simkit compare — {TMALL} — INFO\n")
    assert "tmall_response_48h" in out
    code, out, err = simkit(capsys, "report", str(swp), "--out", str(tmp_path / "s.html"))
    assert (code, err) == (0, "")
    assert json.loads((tmp_path / "s.json").read_text())["data"]["design"]["grid"] == {
        "buyers.evidence": ["0.5", "0.7"]
    }
    (swp / "results.parquet").unlink()
    assert simkit(capsys, "report", str(swp)) == (
        2,
        "",
        f"{swp / 'results.parquet'}: <root>: missing: the experiment is not complete; finish it with --resume\n",
    )
