"""`simkit run --out DIR`: the three files as a set (all or none), bad targets, debris, file modes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import simkit.experiment
from simkit.cli.main import main
from simkit.errors import Problem, ScenarioError

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "scenarios/tmall_baseline.yaml"
SMALL = ["--reps", "1", "--quiet", "--set", "orders.count=150", "--set", "merchants.count=4", "--no-floor-warnings"]
SET = ["events.parquet", "metrics.csv", "run.json"]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture
def umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def run(capsys: pytest.CaptureFixture[str], out: Path | str, *extra: str) -> tuple[int, str]:
    code = main(["run", SCENARIO, *SMALL, "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def contents(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def hidden(parent: Path) -> list[str]:
    return sorted(path.name for path in parent.iterdir() if path.name.startswith("."))


# --- bad targets -----------------------------------------------------------------------------------


def test_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "afile"
    target.write_text("keep me", encoding="utf-8")
    assert run(capsys, target) == (2, f"<cli>: --out: {target} exists and is not a directory\n")
    assert target.read_text(encoding="utf-8") == "keep me"
    assert hidden(tmp_path) == []


def test_dev_null(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "/dev/null") == (2, "<cli>: --out: /dev/null exists and is not a directory\n")


def test_a_directory_below_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("", encoding="utf-8")
    target = tmp_path / "afile" / "sub"
    assert run(capsys, target) == (
        2,
        f"<cli>: --out: cannot create {target}: a part of {tmp_path / 'afile'} is not a directory\n",
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    assert run(capsys, locked / "out") == (2, f"<cli>: --out: cannot write in {locked}: Permission denied\n")


def test_a_staging_directory_that_cannot_be_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Path.mkdir

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        if self.name.startswith(".out.run-"):
            raise PermissionError(13, "Permission denied")
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert run(capsys, tmp_path / "out") == (2, f"<cli>: --out: cannot write in {tmp_path}: Permission denied\n")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_named_run_json_in_the_target_leaves_the_old_set_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "events.parquet").write_bytes(b"old events")
    (target / "metrics.csv").write_bytes(b"old metrics")
    (target / "run.json").mkdir()
    assert run(capsys, target) == (
        2,
        f"<cli>: --out: {target} holds other things than events.parquet, metrics.csv, run.json ('run.json'); "
        "give a new directory, or one that simkit run wrote\n",
    )
    assert (target / "events.parquet").read_bytes() == b"old events"
    assert (target / "metrics.csv").read_bytes() == b"old metrics"
    assert hidden(tmp_path) == []


def test_a_target_holding_other_files_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert run(capsys, tmp_path) == (
        2,
        f"<cli>: --out: {tmp_path} holds other things than events.parquet, metrics.csv, run.json ('notes.txt'); "
        "give a new directory, or one that simkit run wrote\n",
    )


# --- the set ------------------------------------------------------------------------------------------


def test_a_new_run_replaces_the_whole_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    assert run(capsys, target, "--seed", "1") == (0, "")
    first = contents(target)
    assert sorted(first) == SET
    assert run(capsys, target, "--seed", "2") == (0, "")
    second = contents(target)
    assert sorted(second) == SET
    assert all(first[name] != second[name] for name in SET)
    assert json.loads(second["run.json"])["seed"] == 2
    assert hidden(tmp_path) == []


def test_an_ordinary_failure_leaves_no_debris_and_the_old_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out"
    assert run(capsys, target) == (0, "")
    before = contents(target)
    real_run = simkit.experiment.run

    def fail_half_way(*args: object, **kwargs: object) -> object:
        real_run(*args, **kwargs)  # the event log is written in the staging directory…
        raise ScenarioError(Problem("<cli>", 0, "--reps", "stopped on purpose"))  # …then the run fails

    monkeypatch.setattr(simkit.experiment, "run", fail_half_way)
    assert run(capsys, target) == (2, "<cli>: --reps: stopped on purpose\n")
    assert contents(target) == before
    assert hidden(tmp_path) == []

    def crash(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(simkit.experiment, "run", crash)
    with pytest.raises(RuntimeError):
        main(["run", SCENARIO, *SMALL, "--out", str(target)])
    assert contents(target) == before
    assert hidden(tmp_path) == []


def test_debris_of_ended_runs_is_removed_and_of_live_ones_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(ended.stdout)
    for name in (f".out.run-{dead}-0123abcd", f".out.old-{dead}-89abcdef", f".out.run-{os.getppid()}-00000000"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "events.parquet").write_bytes(b"partial")
    (tmp_path / f".other.run-{dead}-0123abcd").mkdir()  # debris of another target: not ours to remove
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".run-a1b2c3d4").mkdir()  # left inside the target by versions before the set
    assert run(capsys, tmp_path / "out") == (0, "")
    assert hidden(tmp_path) == [f".other.run-{dead}-0123abcd", f".out.run-{os.getppid()}-00000000"]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == SET


def test_a_symlinked_target_keeps_its_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    assert run(capsys, tmp_path / "link") == (0, "")
    assert (tmp_path / "link").is_symlink()
    assert sorted(path.name for path in (tmp_path / "real").iterdir()) == SET
    assert hidden(tmp_path) == []


@pytest.mark.parametrize(("mask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_modes_follow_the_umask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], umask: None, mask: int, file_mode: int, dir_mode: int
) -> None:
    os.umask(mask)
    target = tmp_path / "out"
    assert run(capsys, target) == (0, "")
    assert (target.stat().st_mode & 0o777) == dir_mode
    assert {name: path.stat().st_mode & 0o777 for name, path in ((n, target / n) for n in SET)} == dict.fromkeys(
        SET, file_mode
    )


# --- killed part-way ----------------------------------------------------------------------------------


def _script() -> str:
    script = shutil.which("simkit", path=str(Path(sys.executable).parent)) or shutil.which("simkit")
    assert script is not None
    return script


def _kill_mid_run(target: Path) -> None:
    """Start a long run into `target`, wait until it is writing events, and SIGKILL it."""
    process = subprocess.Popen(
        [_script(), "run", SCENARIO, "--reps", "50", "--quiet", "--out", str(target)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            staging = list(target.parent.glob(f".{target.name}.run-{process.pid}-*/events.parquet"))
            if staging and staging[0].stat().st_size > 0:
                break
            assert process.poll() is None, "the run ended before it could be killed"
            time.sleep(0.05)
        else:
            raise AssertionError("the run never started writing its event log")
        time.sleep(0.3)
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_sigkill_leaves_the_previous_set_whole_and_the_next_run_clears_the_debris(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out"
    assert run(capsys, target, "--seed", "1") == (0, "")
    before = contents(target)
    _kill_mid_run(target)
    assert contents(target) == before  # nothing half-written: the earlier set, byte for byte
    assert len([name for name in hidden(tmp_path) if name.startswith(".out.run-")]) == 1  # the killed run's staging
    assert run(capsys, target, "--seed", "2") == (0, "")
    assert hidden(tmp_path) == []
    assert sorted(contents(target)) == SET
    assert json.loads((target / "run.json").read_text(encoding="utf-8"))["seed"] == 2


def test_sigkill_of_a_first_run_leaves_no_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    _kill_mid_run(target)
    assert not target.exists()
    assert run(capsys, target) == (0, "")
    assert hidden(tmp_path) == []
    assert sorted(contents(target)) == SET
