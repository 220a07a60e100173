"""pytest plugin (entry point ``pytest11``): every scenario file with an ``expect:`` block is a test.

pytest collects YAML files below its test paths; a file with a top-level ``scenario:`` and a
non-empty ``expect:`` becomes one test item, ``<file>::expect``, that runs ``simkit check`` on
it: the national floor, the playbook, the replications with the conformance of every
simulated log, and the expected bounds on the 95% CI. A failure lists one line per broken
bound, e.g. ``scenarios/double11_surge.yaml::dispute_rate: 0.0031 ± 0.0004 > max 0.002``.

Options: ``--simkit-reps N`` (replications instead of each scenario's own) and
``--simkit-seed N``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

_SCENARIO = re.compile(r"^scenario\s*:", re.MULTILINE)
_EXPECT = re.compile(r"^expect\s*:", re.MULTILINE)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--simkit-reps`` and ``--simkit-seed``."""
    group = parser.getgroup("simkit", "simkit scenario suites")
    group.addoption(
        "--simkit-reps", type=int, default=None, metavar="N", help="replications per scenario (default: its own)"
    )
    group.addoption("--simkit-seed", type=int, default=None, metavar="N", help="base seed (default: each scenario's)")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect scenario files that carry expectations."""
    if file_path.suffix in (".yaml", ".yml") and _has_expectations(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def _has_expectations(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if not (_SCENARIO.search(text) and _EXPECT.search(text)):
        return False
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return True  # the item reports the problem
    return not isinstance(data, dict) or bool(data.get("expect"))


class ScenarioFailure(Exception):
    """A scenario's checks failed (or its files are bad input); one line each."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class ScenarioFile(pytest.File):
    """A scenario file: one item, ``expect``."""

    def collect(self) -> list[pytest.Item]:
        return [ScenarioItem.from_parent(self, name="expect")]


class ScenarioItem(pytest.Item):
    """Runs ``simkit check`` on one scenario file."""

    def runtest(self) -> None:
        from simkit.compliance.check import check_file
        from simkit.errors import SimkitError

        shown = os.path.relpath(self.path, self.config.invocation_params.dir)
        reps = self.config.getoption("simkit_reps")
        seed = self.config.getoption("simkit_seed")
        try:
            result = check_file(shown, reps=reps, seed=seed)
        except SimkitError as exc:
            raise ScenarioFailure([str(problem) for problem in exc.problems]) from None
        self.user_properties.append(("replications", result.reps))
        if not result.passed:
            raise ScenarioFailure(result.failures())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailure):
            return "\n".join(excinfo.value.lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.path.name}::expect"
