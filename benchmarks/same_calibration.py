"""`python -m benchmarks.same_calibration OTHER_TREE`: does this tree calibrate a small shop exactly as OTHER_TREE does?

A speed-up must change no result. A small shop (the Tmall baseline, 3,000 orders over ten days)
is exported once as a Taobao and as a WeChat export; `simkit.calibrate` fits and validates each
in this tree and in `OTHER_TREE` (e.g. a checkout of main), each in a fresh process, and the
twin YAML, the parameters table, the KPI and distance validation tables and the verdicts are
compared exactly (both trees are given this tree's policy file, which the twin YAML names).
Exit 0 when all are the same, 1 (naming what differs) otherwise.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHAPES = {"taobao": ("refunds.csv", "trades.csv"), "wechat": ("aftersale_orders.jsonl", "orders.jsonl")}
POLICY = "policies/tmall.yaml"

_EXPORT = """
import sys
from simkit.events import MemoryRecorder
from simkit.logs.export import write_export
from simkit.scenario import load_scenario
from simkit.sim.facts import order_facts
from simkit.sim.model import Model
scenario = load_scenario("scenarios/tmall_baseline.yaml", {"orders.count": 3000, "scenario.horizon": "10 days"})
recorder = MemoryRecorder()
model = Model(scenario, 7, 0, recorder, "shop")
model.run()
write_export(recorder.frame(), order_facts(model), sys.argv[1], sys.argv[2])
"""

_CALIBRATE = """
import pickle, sys
import simkit
policy, log, orders, fmt, out = sys.argv[1:6]
cal = simkit.calibrate(policy, log, fmt=fmt, orders=orders, holdout=0.3, reps=6, seed=3)
v = cal.validation
with open(out, "wb") as handle:
    pickle.dump({"yaml": cal.yaml_text, "parameters": cal.parameters, "kpis": v.kpis, "distances": v.distances,
                 "verdict": v.verdict, "sample": v.sample, "warnings": cal.warnings}, handle)
"""


def _python(tree: Path, code: str, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-c", code, *args], check=True, cwd=tree, env=env)


def results(tree: Path, log: Path, orders: Path, fmt: str, out: Path) -> dict[str, Any]:
    """`simkit.calibrate`'s results on one export, computed by the code in `tree`."""
    _python(tree, _CALIBRATE, str(ROOT / POLICY), str(log), str(orders), fmt, str(out))
    with open(out, "rb") as handle:
        found: dict[str, Any] = pickle.load(handle)  # written just now by the process above
    return found


def differences(mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """What differs between two trees' results (empty when they are the same)."""
    out = []
    for key, value in mine.items():
        other = theirs[key]
        same = value.equals(other) if hasattr(value, "equals") else value == other
        if not same:
            out.append(key)
    return out


def main(argv: list[str] | None = None) -> int:
    """Compare and print; exit 1 when any result differs."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.same_calibration", description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other source tree (holding simkit/)")
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory(prefix="simkit-same-") as tmp:
        for shape, (log_name, orders_name) in SHAPES.items():
            folder = Path(tmp) / shape
            _python(ROOT, _EXPORT, shape, str(folder))
            log, orders = folder / log_name, folder / orders_name
            mine = results(ROOT, log, orders, shape, Path(tmp) / f"{shape}-mine.pkl")
            theirs = results(args.other.resolve(), log, orders, shape, Path(tmp) / f"{shape}-theirs.pkl")
            differ = differences(mine, theirs)
            failed |= bool(differ)
            print(f"{shape}: {'differ: ' + ', '.join(differ) if differ else 'the same'} ({mine['verdict']})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
