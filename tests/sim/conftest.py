"""Small scenarios written on the fly for exact-timeline and property tests (fixtures below)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from simkit.events import MemoryRecorder
from simkit.scenario import Scenario, load_scenario
from simkit.sim.model import Model

POLICIES = Path(__file__).resolve().parents[2] / "policies"

BASE: dict[str, Any] = {
    "scenario": {
        "id": "one_order",
        "name": {"zh": "单笔订单", "en": "One order"},
        "policy": str(POLICIES / "tmall.yaml"),
        "start": "2026-03-02T00:00:00",
        "horizon": "60 days",
        "seed": 1,
    },
    "orders": {
        "times": ["0 hours"],
        "categories": {"apparel": {"share": 1.0, "price": 100}},
        "free_shipping": 1.0,
        "channels": {"normal": 1.0},
    },
    "issues": {},
    "buyers": {
        "confirm_early": 0.0,
        "evidence": 1.0,
        "escalate_after_refusal": 0.0,
        "complaint": 0.0,
        "return_on_time": 1.0,
        "return_delay": "24 hours",
        "escalate_delay": "24 hours",
        "claim_late_shipment": 0.0,
        "claim_delay": "12 hours",
        "patience": "48 hours",
    },
    "merchants": {
        "count": 1,
        "staff": {"per_merchant": 1},
        "response_time": "2 hours",
        "handling_time": "1 hours",
        "ship_time": "24 hours",
        "late_extra": "24 hours",
        "oos_notice": "1 hours",
        "playbook": "by_the_rules",
    },
    "arbiters": {"staff": 1, "decision_time": "10 hours"},
    "logistics": {"transit": "48 hours", "return_transit": "48 hours", "loss": 0.0, "damage": 0.0},
}


def deep_update(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`patch` merged into a copy of `base` (mappings merge, the rest replaces)."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_update(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def scenario(tmp_path: Path, patch: dict[str, Any] | None = None, name: str = "s.yaml") -> Scenario:
    """Write BASE + `patch` to `tmp_path` and load it."""
    data = deep_update(BASE, patch or {})
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_scenario(path)


def run_log(sc: Scenario, seed: int = 1) -> tuple[Any, Model]:
    """Run one replication with the memory recorder; returns (events DataFrame, model)."""
    rec = MemoryRecorder()
    model = Model(sc, seed, 0, rec)
    model.run()
    return rec.frame(), model


def rows_of(df: Any, case: str) -> Any:
    """The rows of one case, named within its run (``O0-1``: the log's id is ``<run_id>:O0-1``)."""
    return df[df["case:concept:name"] == df["run_id"] + ":" + case]


def timeline(df: Any, case: str) -> list[tuple[float, str]]:
    """``[(time_h, activity), …]`` of one case, times rounded to 1e-6 h."""
    rows = rows_of(df, case)
    return [(round(float(t), 6), a) for t, a in zip(rows["time_h"], rows["concept:name"], strict=True)]


def steps(df: Any, case: str) -> list[tuple[float, str, str, str]]:
    """``[(time_h, activity, status, rule), …]`` of one case."""
    rows = rows_of(df, case)
    return [
        (round(float(t), 6), a, s, r)
        for t, a, s, r in zip(rows["time_h"], rows["concept:name"], rows["status"], rows["rule"], strict=True)
    ]


class Sim:
    """Helpers handed to tests by the `sim` fixture."""

    base = BASE
    scenario = staticmethod(scenario)
    run_log = staticmethod(run_log)
    rows = staticmethod(rows_of)
    timeline = staticmethod(timeline)
    steps = staticmethod(steps)
    deep_update = staticmethod(deep_update)

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self._n = 0

    def load(self, patch: dict[str, Any] | None = None) -> Scenario:
        """Write BASE + `patch` to a fresh file and load it."""
        self._n += 1
        return scenario(self.tmp_path, patch, f"s{self._n}.yaml")

    def log(self, patch: dict[str, Any] | None = None, seed: int = 1) -> tuple[Any, Model]:
        """Load BASE + `patch` and run it with the memory recorder."""
        return run_log(self.load(patch), seed)


@pytest.fixture
def sim(tmp_path: Path) -> Sim:
    """Scenario-building helpers bound to a temporary folder."""
    return Sim(tmp_path)
