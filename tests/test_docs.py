"""The project's own docs stand alone and are true: every source key and rule id the policies use is
documented in docs/, no document points into ../shared/, and every documented command and snippet runs."""

from __future__ import annotations

import doctest
import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
KEY = re.compile(r"^(seed:\d{3}|law:[a-z0-9-]+|taobao:[a-z]+|wx:[a-z]+|assumption)\b")


def _sources(node: Any) -> list[str]:
    """Every value under a ``source:`` key, anywhere in a YAML tree."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "source":
                found += [value] if isinstance(value, str) else list(value)
            else:
                found += _sources(value)
    elif isinstance(node, list):
        for item in node:
            found += _sources(item)
    return found


def _source_keys() -> set[str]:
    keys = set()
    for file in sorted((ROOT / "policies").rglob("*.yaml")):
        for source in _sources(yaml.safe_load(file.read_text(encoding="utf-8"))):
            match = KEY.match(source)
            assert match, f"{file}: source {source!r} has no known key"
            keys.add(match.group(1))
    return keys


def _documented_sources() -> set[str]:
    text = (DOCS / "sources.md").read_text(encoding="utf-8")
    return set(re.findall(r"^#{2,3} `([^`]+)`$", text, flags=re.MULTILINE))


def test_the_policies_use_the_source_keys_we_expect() -> None:
    # a guard that the scan reads the files: these keys are in policies/ today
    assert {"seed:000", "seed:001", "seed:002", "seed:003", "seed:004", "law:7day", "assumption"} <= _source_keys()


def test_every_source_key_in_the_policies_is_described_in_docs_sources() -> None:
    assert _source_keys() - _documented_sources() == set()


def _rule_ids() -> set[str]:
    ids: set[str] = set()
    for name in ("national.yaml", "tmall.yaml", "video_channel.yaml"):
        ids |= set(load_policy(ROOT / "policies" / name).rule_ids())
    return ids


def _catalogued_rules() -> set[str]:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z_]+\.[a-z_0-9]+)` \|", text, flags=re.MULTILINE))


def test_every_rule_id_is_in_docs_rules() -> None:
    ids = _rule_ids()
    assert len(ids) > 40
    assert ids - _catalogued_rules() == set()


def test_docs_rules_lists_no_rule_the_policies_lack() -> None:
    assert _catalogued_rules() - _rule_ids() == set()


@pytest.mark.parametrize("doc", ["README.md", "docs/rules.md", "docs/sources.md"])
def test_docs_do_not_point_into_shared(doc: str) -> None:
    assert "../shared" not in (ROOT / doc).read_text(encoding="utf-8")


# --- every documented command and snippet runs ----------------------------------------------------
#
# Each fenced ``sh`` block of README.md, docs/*.md and scenarios/**/README.md runs line by line (a
# command continued with ``\`` is one line) in a fresh copy of the repository, with ``simkit`` and
# ``pytest`` resolving to ``python -m simkit`` / ``python -m pytest`` of this interpreter and
# ``.venv`` to its environment. A command must exit 0, or the code its comment states as
# ``(exit N…)``. A ``text`` block that starts with ``$ COMMAND`` must print what follows it.
# Each ``python`` block is run too: as a doctest when it shows ``>>>`` prompts (its stated results
# must match), else executed. New blocks are picked up by themselves.

DOC_FILES = sorted(
    [ROOT / "README.md", *DOCS.glob("*.md"), *(ROOT / "scenarios").rglob("README.md")],
    key=lambda path: str(path.relative_to(ROOT)),
)
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
EXIT = re.compile(r"\(exit (?P<code>\d+)\b")

NOT_RUN = {
    # These build the environment itself: they create .venv and install simkit and its extras from the
    # package index (network), which a test must not do; `make test` would also run this suite inside itself.
    "make demo": "creates .venv and installs from the package index",
    "make test": "creates .venv, installs from the package index and runs this test suite",
    "make .venv/.installed": "creates .venv and installs from the package index",
}
"""Commands not run, each with why: only those that need state outside the repository."""

SHRINK: list[tuple[str, str, str]] = [
    # (pattern, replacement, why): sizes only, the command as documented otherwise runs as it is.
    (
        r"^(simkit (?:compare) .*)$",
        r"\1 --common orders.count=2000",
        "2,000 orders in every arm instead of 5,000-20,000",
    ),
    (r"^(simkit (?:sweep|run) .*)$", r"\1 --set orders.count=2000", "2,000 orders instead of 13,400-20,000"),
    (r"--max-reps (?:50|100)\b", "--max-reps 8", "at most 8 replications for --target-ci"),
    (r"--sobol 64\b", "--sobol 4", "a Sobol base sample of 4 (20 points) instead of 64 (320 points)"),
    (r"(simkit check \S+) --reps 10\b", r"\1 --reps 3", "the scenarios' own 3 replications for a check"),
    (r"^\.venv/bin/jupyter execute", "SIMKIT_NB_QUICK=1 .venv/bin/jupyter execute", "the notebook at quick sizes"),
    (r"\breps=10\)", "reps=3)", "3 replications per arm in the Python compare example"),
]
"""How the slow examples are run smaller (every rule must apply to some documented example)."""


@dataclass(frozen=True)
class Block:
    """One fenced block of a document."""

    file: str
    line: int
    lang: str
    body: str

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Command:
    """One documented command line and the exit code its comment states (0 unless it says otherwise)."""

    text: str
    exit: int


def _blocks() -> list[Block]:
    found = []
    for path in DOC_FILES:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Block(str(path.relative_to(ROOT)), line, match["lang"], match["body"]))
    return found


def _split_comment(line: str) -> tuple[str, str]:
    """A shell line as (command, comment): ``#`` starts a comment outside quotes, after a blank."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip(), line[index + 1 :]
    return line.rstrip(), ""


def _commands(body: str) -> list[Command]:
    commands: list[Command] = []
    pending, comments = "", ""
    for raw in body.splitlines():
        text, comment = _split_comment(raw)
        comments += " " + comment
        if text.endswith("\\"):
            pending += text[:-1].rstrip() + " "
            continue
        text = (pending + text.strip()).strip()
        pending = ""
        if text:
            stated = EXIT.search(comments)
            commands.append(Command(" ".join(text.split()), int(stated["code"]) if stated else 0))
        comments = ""
    return commands


def _shrink(text: str) -> str:
    for pattern, replacement, _why in SHRINK:
        text = re.sub(pattern, replacement, text, flags=re.MULTILINE)
    return text


BLOCKS = _blocks()
SHELL = [b for b in BLOCKS if b.lang in ("sh", "bash", "shell")]
SESSIONS = [b for b in BLOCKS if b.lang == "text" and b.body.startswith("$ ")]
PYTHON = [b for b in BLOCKS if b.lang in ("python", "py", "pycon")]


def _repository_copy(target: Path) -> Path:
    """The repository's files (tracked, or new and not ignored) copied to `target`, as a user has them."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture
def repository(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh copy of the repository and the environment its documented commands run in."""
    copy = _repository_copy(tmp_path / "repo")
    shims = tmp_path / "bin"
    shims.mkdir()
    for name, module in (("simkit", "simkit"), ("pytest", "pytest")):
        shim = shims / name
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m {module} "$@"\n', encoding="utf-8")
        shim.chmod(0o755)
    (copy / ".venv").symlink_to(sys.prefix)  # `.venv/bin/…` as `make` would have made it
    env = {
        **os.environ,
        "PATH": f"{shims}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(copy),
        "MPLBACKEND": "Agg",
        "COLUMNS": "120",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    return copy, env


def _run(command: str, copy: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=copy, env=env, capture_output=True, text=True, timeout=900)


def test_the_docs_have_command_and_python_blocks_to_run() -> None:
    # a guard that the scan finds the blocks: these are in the docs today
    ids = {b.id.split(":")[0] for b in SHELL}
    assert {"README.md", "docs/compliance.md", "scenarios/README.md"} <= ids
    assert len(PYTHON) >= 4 and len(SESSIONS) >= 1
    assert any(">>>" in b.body for b in PYTHON)


def test_every_shrink_rule_applies_to_a_documented_example() -> None:
    texts = [c.text for b in SHELL for c in _commands(b.body)] + [b.body for b in PYTHON]
    for pattern, _replacement, why in SHRINK:
        assert any(re.search(pattern, t, flags=re.MULTILINE) for t in texts), f"stale size rule: {pattern} ({why})"
    documented = {c.text for b in SHELL for c in _commands(b.body)}
    assert set(NOT_RUN) <= documented, f"stale NOT_RUN entries: {set(NOT_RUN) - documented}"


@pytest.mark.parametrize("block", SHELL, ids=lambda b: b.id)
def test_documented_commands_run(block: Block, repository: tuple[Path, dict[str, str]]) -> None:
    copy, env = repository
    for command in _commands(block.body):
        if command.text in NOT_RUN:
            continue
        run = _run(_shrink(command.text), copy, env)
        assert run.returncode == command.exit, (
            f"{block.id}: `{command.text}` exited {run.returncode}, documented {command.exit}\n{run.stderr[-3000:]}"
        )
        assert "Traceback" not in run.stderr, f"{block.id}: `{command.text}`\n{run.stderr[-3000:]}"


@pytest.mark.parametrize("block", SESSIONS, ids=lambda b: b.id)
def test_documented_output_is_what_the_command_prints(block: Block, repository: tuple[Path, dict[str, str]]) -> None:
    copy, env = repository
    first, _, expected = block.body.partition("\n")
    run = _run(first.removeprefix("$ "), copy, env)
    assert run.returncode == 0, run.stderr
    assert [line.rstrip() for line in run.stdout.splitlines()] == [line.rstrip() for line in expected.splitlines()]


@pytest.mark.parametrize("block", PYTHON, ids=lambda b: b.id)
def test_documented_python_runs(
    block: Block, repository: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    copy, _env = repository
    monkeypatch.chdir(copy)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    source = _shrink(block.body)
    if ">>>" in source:
        test = doctest.DocTestParser().get_doctest(source, {}, block.id, block.file, block.line)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        report = io.StringIO()
        runner.run(test, out=report.write)
        assert runner.failures == 0, report.getvalue()
        assert len(test.examples) > 1
    else:
        exec(compile(source, block.id, "exec"), {"__name__": "__docs__"})
