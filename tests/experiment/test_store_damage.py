"""`compare`/`sweep --out DIR --resume` on a damaged experiment folder: checked whole before anything is
written, the damaged file named with how to recover; and the `--out` targets an experiment cannot use."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
TMALL = str(ROOT / "scenarios" / "tmall_baseline.yaml")
VARIANT = str(ROOT / "policies" / "variants" / "tmall_response_48h.yaml")
SMALL = ["--common", "orders.count=300", "--common", "merchants.count=10", "--reps", "2", "--executor", "serial"]
BASE_TASK = "tasks/base-s20260302-r0-1.parquet"
RECOVER_TASK = "delete this file and resume (the task runs again)"
RECOVER_DEFINITION = "remove {root} (or give another --out) and run the experiment again"


def compare(out: Path, *extra: str) -> int:
    return main(["compare", TMALL, "--variant", VARIANT, *SMALL, "--quiet", "--json", "--out", str(out), *extra])


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry below `folder`: a file's bytes, None for a directory."""
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete small comparison, as `simkit compare --out` leaves it."""
    out = tmp_path_factory.mktemp("experiment") / "cmp"
    assert compare(out) == 0
    return out


@pytest.fixture
def damaged(finished: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "cmp"
    shutil.copytree(finished, copy)
    (copy / "results.parquet").unlink()  # as if killed before the end
    return copy


def _foreign_parquet(path: Path) -> None:
    pd.DataFrame({"order_id": [1, 2], "amount": [3.0, 4.0]}).to_parquet(path)


def _other_seed(path: Path) -> None:
    frame = pd.read_parquet(path)
    frame["seed"] = 1
    frame.to_parquet(path)


DAMAGE: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "truncated task": (
        lambda f: (f / BASE_TASK).write_bytes((f / BASE_TASK).read_bytes()[:100]),
        BASE_TASK,
        f"not a readable task file (Parquet magic bytes not found in footer); {RECOVER_TASK}",
    ),
    "garbage task": (
        lambda f: (f / BASE_TASK).write_bytes(b"garbage\n"),
        BASE_TASK,
        f"not a readable task file (Parquet magic bytes not found in footer); {RECOVER_TASK}",
    ),
    "empty task": (
        lambda f: (f / BASE_TASK).write_bytes(b""),
        BASE_TASK,
        f"not a readable task file (Parquet file size is 0 bytes); {RECOVER_TASK}",
    ),
    "foreign parquet": (
        lambda f: _foreign_parquet(f / BASE_TASK),
        BASE_TASK,
        f"not a task file of simkit (no column run_id, arm, replication, seed, metric, value); {RECOVER_TASK}",
    ),
    "another experiment's task": (
        lambda f: _other_seed(f / BASE_TASK),
        BASE_TASK,
        f"holds other replications or seeds than its name says; {RECOVER_TASK}",
    ),
    "task that is a directory": (
        lambda f: ((f / BASE_TASK).unlink(), (f / BASE_TASK).mkdir()),
        BASE_TASK,
        f"is not a file; {RECOVER_TASK}",
    ),
    "definition is a list": (
        lambda f: (f / "experiment.json").write_text("[]\n"),
        "experiment.json",
        f"not an experiment definition (a JSON object is expected, found a list); {RECOVER_DEFINITION}",
    ),
    "definition is null": (
        lambda f: (f / "experiment.json").write_text("null\n"),
        "experiment.json",
        f"not an experiment definition (a JSON object is expected, found null); {RECOVER_DEFINITION}",
    ),
    "definition is a string": (
        lambda f: (f / "experiment.json").write_text('"compare"\n'),
        "experiment.json",
        f"not an experiment definition (a JSON object is expected, found a string); {RECOVER_DEFINITION}",
    ),
    "definition is a directory": (
        lambda f: ((f / "experiment.json").unlink(), (f / "experiment.json").mkdir()),
        "experiment.json",
        f"is not a file; {RECOVER_DEFINITION}",
    ),
    "tasks is a file": (
        lambda f: (shutil.rmtree(f / "tasks"), (f / "tasks").write_text("x")),
        "tasks",
        "is not a directory; remove it and resume (every task runs again)",
    ),
    "results.parquet is a directory": (
        lambda f: (f / "results.parquet").mkdir(),
        "results.parquet",
        "is not a file; remove it and resume (it is written again at the end)",
    ),
    "summary.csv is a directory": (
        lambda f: ((f / "summary.csv").unlink(), (f / "summary.csv").mkdir()),
        "summary.csv",
        "is not a file; remove it and resume (it is written again at the end)",
    ),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_folder_is_refused_naming_the_file_and_nothing_is_written(
    damaged: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    damage, name, message = DAMAGE[case]
    damage(damaged)
    before = snapshot(damaged)
    capsys.readouterr()
    assert compare(damaged, "--resume") == 2
    err = capsys.readouterr().err
    assert err == f"{damaged / name}: <root>: {message.format(root=damaged)}\n"
    assert snapshot(damaged) == before  # results.parquet is not written, no task is overwritten


def test_a_malformed_definition_names_its_line(damaged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (damaged / "experiment.json").write_text('{\n  "kind": "compare",\n  oops\n}\n')
    assert compare(damaged, "--resume") == 2
    assert capsys.readouterr().err == (
        f"{damaged / 'experiment.json'}:3: <root>: not JSON (Expecting property name enclosed in double quotes); "
        f"{RECOVER_DEFINITION.format(root=damaged)}\n"
    )


def test_every_damaged_task_is_named_at_once(damaged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tasks = sorted((damaged / "tasks").iterdir())
    for path in tasks:
        path.write_bytes(b"")
    assert compare(damaged, "--resume") == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{path}: <root>: not a readable task file (Parquet file size is 0 bytes); {RECOVER_TASK}" for path in tasks
    ]


def test_following_the_advice_recovers_the_same_results(
    finished: Path, damaged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (damaged / BASE_TASK).write_bytes(b"garbage")
    assert compare(damaged, "--resume") == 2
    (damaged / BASE_TASK).unlink()  # as the message says
    assert compare(damaged, "--resume") == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(damaged / "results.parquet"), pd.read_parquet(finished / "results.parquet")
    )
    assert (damaged / "summary.csv").read_bytes() == (finished / "summary.csv").read_bytes()


# --- targets an experiment cannot use ----------------------------------------------------------------


def test_a_folder_holding_other_things_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert compare(tmp_path) == 2
    assert capsys.readouterr().err == (
        f"<cli>: --out: {tmp_path} holds other things than an experiment ('notes.txt'); "
        "give a new directory, or one that simkit compare or sweep wrote\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("keep")
    assert compare(tmp_path / "afile") == 2
    assert capsys.readouterr().err == f"<cli>: --out: {tmp_path / 'afile'} exists and is not a directory\n"
    assert compare(tmp_path / "afile" / "sub") == 2
    assert capsys.readouterr().err == (
        f"<cli>: --out: cannot create {tmp_path / 'afile' / 'sub'}: a part of {tmp_path / 'afile'} is not a directory\n"
    )
    assert (tmp_path / "afile").read_text() == "keep"


def test_a_missing_parent_is_created(tmp_path: Path) -> None:
    assert compare(tmp_path / "a" / "b") == 0
    assert (tmp_path / "a" / "b" / "results.parquet").is_file()


def test_proc_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert compare(Path("/proc/simkit-out")) == 2
    err = capsys.readouterr().err
    assert err.startswith("<cli>: --out: cannot write /proc/simkit-out/tasks: ")
    assert len(err.splitlines()) == 1


# --- a sweep checks every point before it writes --------------------------------------------------------


def test_a_bad_later_sweep_point_writes_nothing_and_the_corrected_rerun_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "g"
    argv = ["sweep", TMALL, "--set", "merchants.count=10", "--reps", "1", "--executor", "serial", "--quiet", "--json"]
    assert main([*argv, "--grid", "orders.count=100,-5", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("<cli>: orders.count: ") and len(err.splitlines()) == 1  # the value -5 is refused
    assert not out.exists()
    assert main([*argv, "--grid", "orders.count=100,50", "--out", str(out)]) == 0
    assert (out / "results.parquet").is_file()
