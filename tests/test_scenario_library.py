"""The scenario library: every shipped scenario has an `expect:` block, and scenarios/README.md shows its bounds."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _shipped() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


def _bounds(expect: dict[str, dict[str, float]]) -> str:
    parts = []
    for metric, bound in expect.items():
        low, high = bound.get("min"), bound.get("max")
        if low is not None and high is not None:
            parts.append(f"{low} ≤ `{metric}` ≤ {high}")
        elif low is not None:
            parts.append(f"`{metric}` ≥ {low}")
        else:
            parts.append(f"`{metric}` ≤ {high}")
    return "; ".join(parts)


def test_every_shipped_scenario_has_expectations():
    assert len(_shipped()) >= 6
    for path in _shipped():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data.get("expect"), f"{path.name} has no expect: block"


def test_the_readme_lists_each_scenario_with_its_question_and_bounds():
    readme = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    for path in _shipped():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{path.name}` |")), None)
        assert row is not None, f"{path.name} is not listed in scenarios/README.md"
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]
        assert cells[2].endswith("?"), f"{path.name}: the question cell should ask a question"
        expect = yaml.safe_load(path.read_text(encoding="utf-8"))["expect"]
        assert cells[4] == _bounds(expect), f"{path.name}: README bounds differ from the file's expect: block"
