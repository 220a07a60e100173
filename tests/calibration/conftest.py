"""Planted shops: a scenario with known behaviour, simulated with a fixed seed and written as a log."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from simkit.compliance.simulate import order_facts
from simkit.events import MemoryRecorder
from simkit.scenario.loader import load_scenario
from simkit.sim.model import Model

HERE = Path(__file__).parent
PLANTED = HERE / "planted_tmall.yaml"


def simulate(scenario: Path, overrides: Sequence[str] = (), *, seed: int = 15, run_id: str = "planted") -> pd.DataFrame:
    """One replication's events in the simkit shape, with the order facts on each order's ``pay`` row."""
    sc = load_scenario(scenario, list(overrides))
    recorder = MemoryRecorder()
    model = Model(sc, seed, 0, recorder, run_id)
    model.run()
    events = recorder.frame()
    facts = order_facts(model).set_index("order_id")
    pay = events["concept:name"] == "pay"
    ids = events.loc[pay, "order_id"]
    for column in ("category", "price", "channel", "free_shipping"):
        events[column] = None
        events.loc[pay, column] = facts.loc[ids, column].to_numpy()
    return events


def write_log(events: pd.DataFrame, path: Path) -> Path:
    """The events as a log file (Parquet or CSV by suffix)."""
    if path.suffix == ".csv":
        events.to_csv(path, index=False)
    else:
        events.to_parquet(path)
    return path


@pytest.fixture(scope="session")
def planted_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The planted Tmall shop (tests/calibration/planted_tmall.yaml), 6,000 orders over 28 days."""
    out = tmp_path_factory.mktemp("planted") / "planted.parquet"
    return write_log(simulate(PLANTED), out)


@pytest.fixture(scope="session")
def planted_fit(planted_log: Path) -> object:
    """The planted shop fitted (no validation)."""
    from simkit.calibration.api import calibrate

    return calibrate("policies/tmall.yaml", planted_log, validate=False)
