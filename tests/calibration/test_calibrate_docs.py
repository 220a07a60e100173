"""The commands in docs/calibration.md and the README's shop-twin section run as written."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def _commands(text: str) -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [shlex.split(line) for block in blocks for line in block.strip().splitlines() if line.startswith("simkit ")]


@pytest.mark.parametrize("doc", ["docs/calibration.md", "README.md#twins"])
def test_documented_commands_run(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name, _, part = doc.partition("#")
    text = (ROOT / name).read_text(encoding="utf-8")
    if part == "twins":
        text = text.split("## Shop twins (`simkit calibrate`)", 1)[1].split("\n## ", 1)[0]
    commands = _commands(text)
    assert len(commands) >= 3
    for path in ("policies", "tests", "scenarios"):
        os.symlink(ROOT / path, tmp_path / path)
    monkeypatch.chdir(tmp_path)
    for argv in commands:
        assert main(argv[1:]) == 0, argv
    assert (tmp_path / "out" / "twin.yaml").exists()


def test_the_python_snippet_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    snippet = re.findall(r"```python\n(.*?)```", text, flags=re.S)[0]
    for path in ("policies", "tests", "scenarios"):
        os.symlink(ROOT / path, tmp_path / path)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "tests/calibration/planted_tmall.yaml", "--out", "out/planted", "--quiet"]) == 0
    scope: dict[str, object] = {}
    exec(snippet, scope)  # the documented snippet, as written
    assert (tmp_path / "out" / "twin.yaml").exists()
