"""`python -m benchmarks.audit`: audit a 5-million-row event log; print rows, seconds and peak memory.

Target (issue: compliance test kit): a log of 5,000,000 rows audited with peak memory under
1 GB. The log is the Tmall baseline's simulated event log (20,000 orders, with the order facts
the audit needs: category, price, channel, shipping terms), repeated as further runs until it
has the rows asked for, and written as Parquet (or CSV with ``--format csv``). The audit runs
in a fresh process, so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "tmall_baseline.yaml"
POLICY = ROOT / "policies" / "tmall.yaml"
TARGET_ROWS = 5_000_000
TARGET_PEAK_MB = 1024


def build_log(path: Path, rows: int, fmt: str = "parquet") -> int:
    """Write a simulated log of at least `rows` rows; returns the rows written."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from simkit.compliance.simulate import order_facts
    from simkit.events import MemoryRecorder
    from simkit.scenario import load_scenario
    from simkit.sim.model import Model

    scenario = load_scenario(SCENARIO)
    recorder = MemoryRecorder()
    model = Model(scenario, scenario.spec.scenario.seed, 0, recorder, "bench-r0")
    model.run()
    run = recorder.table()
    facts = order_facts(model).set_index("order_id")
    ids = run.column("order_id").to_numpy()
    for name in ("category", "price", "channel", "free_shipping", "presale_ship_by"):
        run = run.append_column(name, pa.array(facts[name].to_numpy()[ids], from_pandas=True))
    written, copy = 0, 0
    writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
    try:
        while written < rows:
            run_id = f"bench-r{copy}"
            table = run.set_column(0, "run_id", pa.array([run_id] * run.num_rows))
            cases = pc.replace_substring(table.column("case:concept:name"), "bench-r0:", f"{run_id}:")
            table = table.set_column(1, "case:concept:name", cases)
            if writer is None:
                writer = (
                    pq.ParquetWriter(path, table.schema) if fmt == "parquet" else pacsv.CSVWriter(path, table.schema)
                )
            writer.write_table(table.slice(0, rows - written))
            written += min(table.num_rows, rows - written)
            copy += 1
    finally:
        if writer is not None:
            writer.close()
    return written


def audit_once(path: str) -> dict[str, float]:
    """Audit the log (in this process) and return the figures."""
    from simkit.compliance.audit import audit_log
    from simkit.policy.loader import load_policy

    start = time.perf_counter()
    result = audit_log(path, load_policy(POLICY))
    seconds = time.perf_counter() - start
    return {
        "rows": float(result.rows),
        "orders": float(result.orders),
        "cases": float(result.cases),
        "violations": float(len(result.violations)),
        "malformed": float(len(result.problems)),
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


def measure(rows: int = TARGET_ROWS, fmt: str = "parquet") -> tuple[dict[str, float | str], bool]:
    """Build a log of `rows` rows, audit it in a child process; the figures and whether the target is met."""
    with tempfile.TemporaryDirectory(prefix="simkit-bench-") as tmp:
        path = Path(tmp) / f"events.{fmt}"
        started = time.perf_counter()
        written = build_log(path, rows, fmt)
        build_seconds = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.audit", "--child", str(path)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    figures: dict[str, float | str] = json.loads(done.stdout.strip().splitlines()[-1])
    figures.update({"log_rows": written, "log_mb": size_mb, "build_seconds": build_seconds, "format": fmt})
    ok = float(figures["peak_mb"]) < TARGET_PEAK_MB and figures["rows"] == written
    return figures, ok


def describe(figures: dict[str, float | str], ok: bool) -> str:
    """The figures as text, with the target and whether it is met."""
    f = {k: v for k, v in figures.items() if not isinstance(v, str)}
    return (
        f"audit benchmark: {f['rows']:,.0f} rows ({figures['format']}, {f['log_mb']:,.0f} MB), "
        f"{f['orders']:,.0f} orders, {f['cases']:,.0f} after-sale cases\n"
        f"  audit        : {f['seconds']:.1f} s -> {f['rows'] / f['seconds']:,.0f} rows/s, "
        f"{f['violations']:,.0f} violations, peak {f['peak_mb']:,.0f} MB\n"
        f"targets:\n  {'ok  ' if ok else 'MISS'} peak MB (audit of {f['rows']:,.0f} rows): "
        f"{f['peak_mb']:,.0f} (< {TARGET_PEAK_MB:,})"
    )


def main(argv: list[str] | None = None) -> int:
    """Build the log, audit it in a child process, print the figures; exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.audit", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS, help="rows in the log")
    parser.add_argument("--format", dest="fmt", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", metavar="LOG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(audit_once(args.child)))
        return 0
    figures, ok = measure(args.rows, args.fmt)
    if args.json:
        print(json.dumps({"audit": figures, "targets_met": {"peak MB (audit)": ok}}, indent=2))
    else:
        print(describe(figures, ok))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
