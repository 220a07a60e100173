"""Fuzz: mutated shipped files never crash simkit; a refusal is one `FILE:LINE: path: message` per problem.

Each example takes one shipped policy, variant, scenario or case file, mutates it once (deletes
or duplicates a line, swaps a scalar for a random token, a huge or negative number, a special
float or a control byte, or breaks the encoding) and runs the commands a user would run on it,
in-process: ``validate``, then, when the file is valid, ``explain``, ``policy diff`` or a small
``run``. Every command must exit 0 or 2, raise nothing, warn nothing at run time (numpy's overflow
and invalid-value warnings), and on exit 2 print only lines that name an existing file and a line.

Saved results are fuzzed too (see the section below): a damaged experiment folder resumed, and
a damaged run or experiment folder reported on.

``make test`` runs 300 examples, 75 for each kind of file, and 20 for each kind of saved results
(derandomized, so the run is repeatable). Set ``SIMKIT_FUZZ_EXAMPLES=4000`` for a longer, random run
(the number is the total of the first kind).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("SIMKIT_FUZZ_EXAMPLES", "300"))
RANDOM = "SIMKIT_FUZZ_EXAMPLES" in os.environ
SMALL_RUN = ["--reps", "1", "--quiet", "--json", "--set", "orders.count=150", "--set", "merchants.count=4"]

KINDS = {
    "policy": "policies/*.yaml",
    "variant": "policies/variants/*.yaml",
    "case": "policies/examples/*.yaml",
    "scenario": "scenarios/*.yaml",
}
FILES = {kind: sorted(str(path.relative_to(ROOT)) for path in ROOT.glob(pattern)) for kind, pattern in KINDS.items()}
SHIPPED = sorted(name for names in FILES.values() for name in names)
PROBLEM = re.compile(r"^(?P<file>[^:]+):(?P<line>[1-9]\d*): (?P<path>.+?): (?P<message>\S.*)$")
SCALAR = re.compile(
    r"(?P<lead>(?::|^\s*-|[\[{,])[ \t]+)"  # after a key, a list dash or an opening bracket or comma
    r"(?P<value>[^\s#,\[\]{}][^#,\[\]{}\n]*?)"  # a plain scalar
    r"(?=[ \t]*(?:[,\]}]|#|$))"  # up to a comma, a closing bracket, a comment or the end of the line
)
PLATFORM_OF = {"national": "national", "tmall": "tmall", "video_channel": "channels"}
BASELINE = {"tmall": "scenarios/tmall_baseline.yaml", "video_channel": "scenarios/channels_baseline.yaml"}


def _example_for(prefix: str) -> str:
    return next(name for name in SHIPPED if name.startswith(f"policies/examples/{prefix}_"))


EXAMPLE_CASE = {policy: _example_for(prefix) for policy, prefix in PLATFORM_OF.items()}


@dataclass(frozen=True)
class Mutation:
    """One shipped file, changed once."""

    file: str
    how: str
    data: bytes

    def __repr__(self) -> str:  # shown by hypothesis when an example fails
        return f"Mutation({self.file!r}, {self.how!r}, {self.data!r})"


# --- mutations ---------------------------------------------------------------------------------


def _numbers() -> st.SearchStrategy[str]:
    digits = st.integers(min_value=4, max_value=400).map(lambda n: "9" * n)
    unit = st.sampled_from(["", " hours", " days", " CNY", " percent", "x", ".5", "e400"])
    return st.tuples(st.sampled_from(["", "-"]), st.one_of(digits, st.integers(0, 10**6).map(str)), unit).map("".join)


CONTROL = st.sampled_from([chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127, 0x85, 0x90, 0xFFFE)])
TOKENS = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), min_size=1, max_size=12),
    _numbers(),
    st.sampled_from([".inf", "-.inf", ".nan", "~", "null", "true", "''", "[]", "{}", "0", "-1", "0 days", "1e999"]),
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-02-30", "*x", "&a"]),
)


@st.composite
def mutations(draw: st.DrawFn, files: list[str]) -> Mutation:
    """One of `files` with one line deleted or doubled, one scalar replaced, or its encoding broken."""
    file = draw(st.sampled_from(files))
    text = (ROOT / file).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    how = draw(st.sampled_from(["delete", "duplicate", "scalar", "scalar", "control", "encoding"]))
    if how in ("delete", "duplicate"):
        index = draw(st.integers(0, len(lines) - 1))
        lines[index : index + 1] = [] if how == "delete" else [lines[index]] * 2
        return Mutation(file, f"{how} line {index + 1}", "".join(lines).encode())
    if how in ("scalar", "control"):
        spots = [(i, m) for i, line in enumerate(lines) for m in SCALAR.finditer(line)]
        index, match = draw(st.sampled_from(spots))
        value = match["value"]
        if how == "scalar":
            new = draw(TOKENS)
        else:
            at = draw(st.integers(0, len(value)))
            new = value[:at] + draw(CONTROL) + value[at:]
        line = lines[index]
        lines[index] = line[: match.start("value")] + new + line[match.end("value") :]
        return Mutation(file, f"{how} on line {index + 1}: {value!r} -> {new!r}", "".join(lines).encode())
    encoded = text.encode()
    broken = draw(st.sampled_from(["gbk", "utf-16", "utf-16-le", "utf-32", "latin-1", "bad byte", "truncated", "nul"]))
    if broken in ("gbk", "utf-16", "utf-16-le", "utf-32"):
        data = text.encode(broken)
    elif broken == "latin-1":  # a comment written in latin-1 on one line
        index = draw(st.integers(0, len(lines) - 1))
        data = "".join(lines[:index]).encode() + "# café\n".encode("latin-1") + "".join(lines[index:]).encode()
    else:
        at = draw(st.integers(0, len(encoded)))
        insert = {"bad byte": bytes([draw(st.integers(0x80, 0xFF))]), "nul": b"\x00", "truncated": b""}[broken]
        data = encoded[:at] + insert if broken == "truncated" else encoded[:at] + insert + encoded[at:]
    return Mutation(file, f"encoding: {broken}", data)


# --- running the commands ----------------------------------------------------------------------


def _simkit(*argv: str) -> tuple[int, str, str]:
    """`simkit ARGV` in-process: (exit code, stdout, stderr); exceptions propagate to the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # e.g. numpy overflow from an unbounded value
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _commands(copy: Path, mutation: Mutation) -> list[list[str]]:
    """What a user would run on the mutated file, given that `validate` accepted it."""
    file = str(copy / mutation.file)
    if mutation.file.startswith("policies/variants/"):
        base = "tmall" if "/tmall_" in mutation.file else "video_channel"
        policy = str(copy / f"policies/{base}.yaml")
        case = str(copy / EXAMPLE_CASE[base])
        return [
            ["policy", "diff", policy, "--variant", file],
            ["explain", "--policy", policy, "--variant", file, "--case", case],
        ]
    if mutation.file.startswith("policies/examples/"):
        return [["explain", "--case", file]]
    if mutation.file.startswith("policies/"):
        name = Path(mutation.file).stem
        commands = [["policy", "diff", file], ["explain", "--policy", file, "--case", str(copy / EXAMPLE_CASE[name])]]
        if name in BASELINE:
            commands.append(["run", str(copy / BASELINE[name]), *SMALL_RUN])
        return commands
    return [["run", file, *SMALL_RUN]]


def _check(code: int, err: str, argv: list[str], mutation: Mutation) -> None:
    assert code in (0, 2), f"exit {code} for {argv} on {mutation}\n{err}"
    assert "Traceback" not in err
    if code == 0:
        return
    lines = err.splitlines()
    assert lines, f"exit 2 without a message for {argv} on {mutation}"
    for line in lines:
        problem = PROBLEM.match(line)
        assert problem is not None, f"not FILE:LINE: path: message: {line!r} ({mutation})"
        assert Path(problem["file"]).is_file(), f"{problem['file']} is not a file: {line!r}"


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the shipped policies and scenarios (the mutated file is restored after each example)."""
    root = tmp_path_factory.mktemp("shipped")
    for folder in ("policies", "scenarios"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("bench"))
    return root


@pytest.mark.parametrize("kind", list(KINDS))
@settings(
    max_examples=max(1, EXAMPLES // len(KINDS)),
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_files_exit_0_or_2_with_located_messages(copy: Path, kind: str, data: st.DataObject) -> None:
    mutation = data.draw(mutations(FILES[kind]), label="mutation")
    target = copy / mutation.file
    original = target.read_bytes()
    target.write_bytes(mutation.data)
    try:
        argv = ["validate", str(target)]
        code, _, err = _simkit(*argv)
        _check(code, err, argv, mutation)
        event(f"validate: exit {code}")
        if code == 0:
            for argv in _commands(copy, mutation):
                code, _, err = _simkit(*argv)
                _check(code, err, argv, mutation)
                event(f"{argv[0]}: exit {code}")
    finally:
        target.write_bytes(original)


def test_every_kind_of_shipped_file_is_fuzzed() -> None:
    assert {kind: len(files) > 0 for kind, files in FILES.items()} == dict.fromkeys(KINDS, True)
    assert all(SCALAR.search((ROOT / name).read_text(encoding="utf-8")) for name in SHIPPED)


# --- saved results: experiment folders (compare --resume, report) and run folders (report) ----------------
#
# A small shipped-scenario comparison and a small `run --out` folder are made once; each example damages
# one of their files (truncates it, overwrites bytes, empties it, removes it, puts a directory in its place,
# or swaps a JSON scalar for a random token) and runs what a user would: `compare --resume` on the
# experiment, `report` on either. Exit 0, 1 or 2, no exception; on 2, one located line per problem
# (`FILE[:LINE]: path: message` naming an existing file, or `<cli>: option: message`) and nothing
# written; on 0 a resumed experiment's results equal the undamaged ones and a report is a whole set.

LOCATED = re.compile(r"^(?P<file>[^:]+)(?::(?P<line>[1-9]\d*))?: (?P<path>\S+): (?P<message>\S.*)$")
EXPERIMENT_ARGV = [
    "compare",
    str(ROOT / "scenarios/tmall_baseline.yaml"),
    "--variant",
    str(ROOT / "policies/variants/tmall_response_48h.yaml"),
    "--common",
    "orders.count=300",
    "--common",
    "merchants.count=10",
    "--reps",
    "2",
    "--executor",
    "serial",
    "--quiet",
    "--json",
]
SAVED_EXAMPLES = max(2, EXAMPLES // 15)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A finished small comparison and a small run folder, as the commands leave them."""
    root = tmp_path_factory.mktemp("saved")
    code, _, err = _simkit(*EXPERIMENT_ARGV, "--out", str(root / "experiment"))
    assert code == 0, err
    code, _, err = _simkit("run", str(ROOT / BASELINE["tmall"]), *SMALL_RUN, "--out", str(root / "run"))
    assert code == 0, err
    return {"experiment": root / "experiment", "run": root / "run"}


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
        if not p.is_symlink()
    }


@st.composite
def damage(draw: st.DrawFn, folder: Path) -> tuple[str, str, Any]:
    """(file relative to `folder`, how, new content: bytes, "dir" or None for removed)."""
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    name = draw(st.sampled_from(files))
    data = (folder / name).read_bytes()
    how = draw(st.sampled_from(["truncate", "overwrite", "empty", "remove", "directory", "json scalar"]))
    if how == "truncate":
        return name, how, data[: draw(st.integers(0, max(0, len(data) - 1)))]
    if how == "overwrite":
        at = draw(st.integers(0, max(0, len(data) - 1)))
        noise = draw(st.binary(min_size=1, max_size=16))
        return name, how, data[:at] + noise + data[at + len(noise) :]
    if how == "empty":
        return name, how, b""
    if how == "remove":
        return name, how, None
    if how == "directory":
        return name, how, "dir"
    text = data.decode("utf-8", errors="replace")
    scalars = list(re.finditer(r'(?<=: )("[^"\n]*"|-?\d+(?:\.\d+)?|true|false|null)', text))
    if not name.endswith(".json") or not scalars:
        return name, "empty", b""
    spot = draw(st.sampled_from(scalars))
    token = draw(st.sampled_from(['"x"', "[]", "{}", "null", "-1", "1e999", "0", '"\\u0000"', "true", "[1, 2]"]))
    return name, f"json scalar {spot.group()} -> {token}", (text[: spot.start()] + token + text[spot.end() :]).encode()


def _apply(folder: Path, name: str, content: Any) -> None:
    path = folder / name
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)


def _located(code: int, err: str, argv: list[str], what: str) -> None:
    assert code in (0, 1, 2), f"exit {code} for {argv} on {what}\n{err}"
    assert "Traceback" not in err
    if code != 2:
        return
    lines = err.splitlines()
    assert lines, f"exit 2 without a message for {argv} on {what}"
    for line in lines:
        match = LOCATED.match(line)
        assert match is not None, f"not located: {line!r} ({what})"
        assert match["file"] == "<cli>" or os.path.lexists(match["file"]), f"{match['file']} does not exist: {line!r}"


@pytest.mark.parametrize("kind", ["experiment", "run"])
@settings(
    max_examples=SAVED_EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_damaged_saved_results_exit_0_1_or_2_located_and_write_nothing_half(
    saved: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, kind: str, data: st.DataObject
) -> None:
    work = tmp_path_factory.mktemp("damaged")
    folder = work / kind
    shutil.copytree(saved[kind], folder)
    name, how, content = data.draw(damage(saved[kind]), label="damage")
    _apply(folder, name, content)
    what = f"{kind}/{name}: {how}"
    if kind == "experiment":
        before = _snapshot(folder)
        argv = [*EXPERIMENT_ARGV, "--out", str(folder), "--resume"]
        code, _, err = _simkit(*argv)
        _located(code, err, argv, what)
        event(f"compare --resume: exit {code}")
        if code == 2:
            assert _snapshot(folder) == before, f"written on a refusal: {what}"
        else:
            original = pd.read_parquet(saved[kind] / "results.parquet")
            pd.testing.assert_frame_equal(pd.read_parquet(folder / "results.parquet"), original)
    report = work / "report"
    argv = ["report", str(folder), "--out", str(report)]
    code, _, err = _simkit(*argv)
    _located(code, err, argv, what)
    event(f"report {kind}: exit {code}")
    if code == 2:
        assert not report.exists(), f"a report written on a refusal: {what}"
    else:
        assert sorted(p.name for p in report.iterdir()) == ["report.html", "report.json", "report.md"]
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".")) == []  # no staging debris
