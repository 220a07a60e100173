"""The scaling table of `make bench`: the same scenario run longer, at its own order rate.

Each row runs the benchmark scenario with 250 k, 1 M (and, on request, 4 M) orders: the order
window and the horizon grow with the count (`measure.scaled`), so a row four times bigger is a
run four times longer. Per row, in fresh processes: a counters-only run (orders/s, peak MB),
the bare SimPy loop just before and just after it (its timeouts/s, averaged: the machine's
speed in that minute), and a Parquet run (peak MB).

Targets (issue 18): orders/s per bare timeout/s >= 0.40 at 1 M orders, and at the biggest row
within 10 % of the 250 k row's; counters-only peak at the biggest row <= 1.2x the 250 k row's, and growing by at most
200 MB per million orders; the Parquet recorder <= 600 MB at 1 M orders and flat beyond
(<= 1.2x the 1 M row's).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZES = (250_000, 1_000_000)
"""Rows of the default run."""
BIG = 4_000_000
"""The row `--scale-4m` adds (about 3 minutes more on two cores)."""
BARE_TIMEOUTS = 1_000_000
FLAT = 0.10
"""Throughput (per bare timeout/s) may fall by this share from the smallest to the biggest row."""
MEMORY_RATIO = 1.2
MB_PER_MILLION = 200.0
PARQUET_MB_1M = 600.0
RATIO_1M = 0.40
"""Orders/s per bare-SimPy timeout/s at 1 M orders, counters only (issue 18's speed goal)."""

Child = Callable[..., dict[str, float]]


def measure(child: Child, scenario: Path, sizes: tuple[int, ...], seed: int, tmp: Path) -> list[dict[str, float]]:
    """One row per size (see the module's description).

    Args:
        child: Runs ``python -m benchmarks.measure`` with the given arguments and returns its JSON.
        scenario: The benchmark scenario.
        sizes: Orders per row.
        seed: The seed.
        tmp: A directory for the Parquet files (each removed after its run).
    """
    rows = []
    for orders in sizes:
        common = ["--scenario", str(scenario), "--orders", str(orders), "--seed", str(seed), "--longer"]
        before = child("bare", "--timeouts", str(BARE_TIMEOUTS))
        counters = child("counters", *common)
        after = child("bare", "--timeouts", str(BARE_TIMEOUTS))
        out = tmp / f"events-{orders}.parquet"
        parquet = child("parquet", *common, "--out", str(out))
        out.unlink(missing_ok=True)
        bare = (before["events_per_s"] + after["events_per_s"]) / 2
        orders_per_s = counters["orders"] / counters["seconds"]
        rows.append(
            {
                "orders": counters["orders"],
                "orders_per_s": orders_per_s,
                "bare_timeouts_per_s": bare,
                "ratio": orders_per_s / bare,
                "peak_mb_counters": counters["peak_mb"],
                "peak_mb_parquet": parquet["peak_mb"],
                "log_events": parquet["events"],
            }
        )
    return rows


def checks(rows: list[dict[str, float]]) -> dict[str, tuple[bool, str]]:
    """Each target of the table and whether it is met (targets that need two rows need them)."""
    found: dict[str, tuple[bool, str]] = {}
    small, big = rows[0], rows[-1]
    if len(rows) > 1:
        fall = 1.0 - big["ratio"] / small["ratio"]
        found["throughput flat (per bare timeout/s)"] = (
            fall <= FLAT,
            f"falls <= {FLAT:.0%} from {small['orders']:,.0f} to {big['orders']:,.0f} orders (fell {fall:.1%})",
        )
        ratio = big["peak_mb_counters"] / small["peak_mb_counters"]
        found["peak MB counters-only, biggest / smallest"] = (
            ratio <= MEMORY_RATIO,
            f"<= {MEMORY_RATIO} (is {ratio:.2f})",
        )
        slope = (big["peak_mb_counters"] - small["peak_mb_counters"]) / ((big["orders"] - small["orders"]) / 1e6)
        found["peak MB counters-only per million orders more"] = (
            slope <= MB_PER_MILLION,
            f"<= {MB_PER_MILLION:.0f} (is {slope:.0f})",
        )
    million = [row for row in rows if row["orders"] >= 900_000]
    if million:
        speed = million[0]["ratio"]
        found["orders/s per bare timeout/s at 1 M orders"] = (speed >= RATIO_1M, f">= {RATIO_1M:.2f} (is {speed:.3f})")
        first = million[0]["peak_mb_parquet"]
        found["peak MB Parquet at 1 M orders"] = (first <= PARQUET_MB_1M, f"<= {PARQUET_MB_1M:.0f} (is {first:,.0f})")
        if len(million) > 1:
            ratio = million[-1]["peak_mb_parquet"] / first
            found["peak MB Parquet beyond 1 M / at 1 M"] = (
                ratio <= MEMORY_RATIO,
                f"<= {MEMORY_RATIO} (is {ratio:.2f})",
            )
    return found


def report(rows: list[dict[str, float]], found: dict[str, tuple[bool, str]]) -> str:
    """The table and its targets as text."""
    lines = [
        "scaling (the benchmark scenario run longer at its own order rate; bare SimPy measured around each row):",
        f"  {'orders':>10}  {'orders/s':>9}  {'bare timeouts/s':>15}  {'ratio':>6}  "
        f"{'peak MB counters':>16}  {'peak MB parquet':>15}",
    ]
    for row in rows:
        lines.append(
            f"  {row['orders']:>10,.0f}  {row['orders_per_s']:>9,.0f}  {row['bare_timeouts_per_s']:>15,.0f}  "
            f"{row['ratio']:>6.3f}  {row['peak_mb_counters']:>16,.0f}  {row['peak_mb_parquet']:>15,.0f}"
        )
    lines.append("scaling targets:")
    for name, (ok, target) in found.items():
        lines.append(f"  {'ok  ' if ok else 'MISS'} {name} {target}")
    return "\n".join(lines)


def run_child(root: Path) -> Child:
    """A `Child` that runs ``python -m benchmarks.measure`` in a fresh process from `root`."""

    def child(*args: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.measure", *args], check=True, capture_output=True, text=True, cwd=root
        )
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    return child
