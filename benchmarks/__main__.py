"""`python -m benchmarks`: orders/s, events/s, peak memory, and the bare SimPy loop for comparison.

Targets (issue: simulation engine): >= 30,000 orders/s on one core with the counters-only
recorder; <= 1.5 GB peak memory with the Parquet recorder; events/s at least 30% of a bare
SimPy loop that schedules the same number of timeouts on the same machine. Then the scaling
table (issue 18, `benchmarks.scaling`): 250 k and 1 M orders (4 M with ``--scale-4m``), each a
longer run at the same order rate, against the bare SimPy loop measured around it.

Each measurement runs in a fresh process, so that peak memory is that run's alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import audit, calibrate, experiments, floor, measure, scaling
from benchmarks import optimize as policy_search

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "bench" / "tmall_1m.yaml"
TARGET_ORDERS_S = 30_000
TARGET_PEAK_MB = 1536
TARGET_RATIO = 0.30


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders in the benchmark scenario")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--simulation-only", action="store_true", help="only the simulation benchmarks (no experiments, no audit)"
    )
    parser.add_argument(
        "--scale-4m", action="store_true", help="add the 4,000,000-order row to the scaling table (about 3 min more)"
    )
    parser.add_argument("--no-scaling", action="store_true", help="leave the scaling table out")
    args = parser.parse_args(argv)
    common = ["--scenario", str(SCENARIO), "--orders", str(args.orders), "--seed", str(args.seed)]
    counters = _child("counters", *common)
    with tempfile.TemporaryDirectory() as tmp:
        parquet = _child("parquet", *common, "--out", str(Path(tmp) / "events.parquet"))
    bare = _child("bare", "--timeouts", str(int(parquet["events"])))
    figures = {
        "orders": counters["orders"],
        "cases": counters["cases"],
        "counters_seconds": counters["seconds"],
        "orders_per_s": counters["orders"] / counters["seconds"],
        "parquet_seconds": parquet["seconds"],
        "log_events": parquet["events"],
        "events_per_s": parquet["events"] / parquet["seconds"],
        "simpy_events": parquet["simpy_events"],
        "simpy_events_per_s": parquet["simpy_events"] / parquet["seconds"],
        "peak_mb_parquet": parquet["peak_mb"],
        "peak_mb_counters": counters["peak_mb"],
        "bare_simpy_events_per_s": bare["events_per_s"],
    }
    figures["events_ratio"] = figures["events_per_s"] / figures["bare_simpy_events_per_s"]
    figures["simpy_events_ratio"] = figures["simpy_events_per_s"] / figures["bare_simpy_events_per_s"]
    checks = {
        "orders/s (counters only)": (figures["orders_per_s"] >= TARGET_ORDERS_S, f">= {TARGET_ORDERS_S:,}"),
        "peak MB (Parquet recorder)": (figures["peak_mb_parquet"] <= TARGET_PEAK_MB, f"<= {TARGET_PEAK_MB:,}"),
        "events/s vs bare SimPy": (figures["events_ratio"] >= TARGET_RATIO, f">= {TARGET_RATIO:.0%}"),
    }
    scaled: list[dict[str, float]] = []
    cost: dict[str, float] = {}
    scale_checks: dict[str, tuple[bool, str]] = {}
    if not args.no_scaling:
        sizes = (*scaling.SIZES, scaling.BIG) if args.scale_4m else scaling.SIZES
        with tempfile.TemporaryDirectory() as tmp:
            scaled = scaling.measure(scaling.run_child(ROOT), SCENARIO, sizes, args.seed, Path(tmp))
        scale_checks = scaling.checks(scaled)
        cost = _child_floor(args.seed)  # what a case costs, part by part, against the speed goal's budget
    experiment_ok, audit_ok, calibrate_ok, search_ok, text, audited = True, True, True, True, "", {}
    calibrated: dict[str, float | str] = {}
    searched: dict[str, float] = {}
    search_text = ""
    if not args.simulation_only:
        exp = _child_experiments()
        text, experiment_ok = experiments.report(exp)
        figures.update({f"experiments.{k}": v for k, v in exp.items()})
        audited, audit_ok = audit.measure()  # the log audit: 5,000,000 rows under 1 GB
        calibrated, calibrate_ok = calibrate.measure()  # a twin validated on a 20,000-case log
        searched = _child_search()  # a 300-simulation policy search on 2 workers
        search_text, search_ok = policy_search.describe(searched)
    if args.json:
        met = {k: v[0] for k, v in (checks | scale_checks).items()}
        met |= {"peak MB (audit)": audit_ok, "calibration s": calibrate_ok, "optimiser share": search_ok}
        found = {"figures": figures, "scaling": scaled, "case_cost": cost, "audit": audited, "calibration": calibrated}
        print(json.dumps(found | {"optimize": searched, "targets_met": met}, indent=2))
    else:
        print(measure.report(figures, checks))
        if scaled:
            print(scaling.report(scaled, scale_checks))
            print(floor.describe(cost))
        if not args.simulation_only:
            print(text)
            print(audit.describe(audited, audit_ok))
            print(calibrate.describe(calibrated, calibrate_ok))
            print(search_text)
    met_all = all(ok for ok, _ in (checks | scale_checks).values())
    return 0 if met_all and experiment_ok and audit_ok and calibrate_ok and search_ok else 1


def _child_floor(seed: int) -> dict[str, float]:
    """The cost of a case part by part (`benchmarks.floor`), in a fresh process (it swaps rule functions)."""
    args = ["--scenario", str(SCENARIO), "--orders", str(scaling.SIZES[0]), "--seed", str(seed)]
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.floor", *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _child_experiments() -> dict[str, float]:
    """The experiment benchmarks, in a fresh process."""
    code = "import json; from benchmarks import experiments; print(json.dumps(experiments.measure()))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _child_search() -> dict[str, float]:
    """The policy search benchmark, in a fresh process."""
    code = "import json; from benchmarks import optimize; print(json.dumps(optimize.measure()))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    raise SystemExit(main())
