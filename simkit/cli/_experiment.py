"""Arguments and output shared by `simkit compare` and `simkit sweep`."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from simkit.errors import Problem, UsageError, shorten
from simkit.metrics import CATALOGUE

MAX_SEED = 2**64 - 1
"""Seeds are 64-bit (`numpy.random.SeedSequence` takes more, the event log's seed column does not)."""
MAX_REPS = 10_000
"""Replications per arm or point, and the cap of ``--max-reps``."""
MAX_SAMPLES = 10_000
"""``--lhs N`` points, and the ``--sobol N`` base sample size."""
MAX_WORKERS = 1_024
"""Worker processes asked for with ``--workers`` (never more are started than there are tasks)."""


def check_count(flag: str, value: int | None, low: int, high: int) -> None:
    """Refuse `value` outside ``low..high`` with the message `simkit run` gives (``--reps``, ``--seed`` …)."""
    if value is not None and not low <= value <= high:
        raise UsageError.at("<cli>", 0, flag, f"must be between {low} and {high}, got {shorten(value, 100)}")


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    """Replications, seed, executor, output and display options."""
    p.add_argument("--reps", type=int, default=None, help="replications per arm (default: the scenario's)")
    p.add_argument("--seed", type=int, default=None, help="base seed (default: the scenario's)")
    p.add_argument("--executor", choices=("local", "serial", "dask"), default="local", help="where tasks run")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: the CPU count; never more than there are tasks)",
    )
    p.add_argument("--address", default=None, help="an existing Dask scheduler, tcp://HOST:PORT")
    p.add_argument("--out", type=Path, default=None, help="write results (resumable), summary and figures here")
    p.add_argument("--resume", action="store_true", help="complete an interrupted experiment in --out")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def check_run_arguments(args: argparse.Namespace) -> None:
    """Reject impossible values with one line each (the bounds and messages of `simkit run`)."""
    from simkit.experiment.executors import check_address

    check_count("--reps", args.reps, 1, MAX_REPS)
    check_count("--seed", args.seed, 0, MAX_SEED)
    check_count("--workers", args.workers, 1, MAX_WORKERS)
    check_count("--max-reps", getattr(args, "max_reps", None), 1, MAX_REPS)
    check_count("--lhs", getattr(args, "lhs", None), 1, MAX_SAMPLES)
    check_count("--sobol", getattr(args, "sobol", None), 1, MAX_SAMPLES)
    if args.address is not None:
        check_address(args.address)
    if args.resume and args.out is None:
        raise UsageError(Problem("<cli>", 0, "--resume", "needs --out DIR (the experiment to complete)"))
    check_apart(args.out, getattr(args, "report", None))


def check_apart(out: Path | None, report: Path | None) -> None:
    """Refuse a ``--report`` that is ``--out``, lies inside it or holds it: one set would replace the other's files.

    Raises:
        UsageError: Naming both.
    """
    if out is None or report is None:
        return
    store, folder = Path(os.path.realpath(out)), Path(os.path.realpath(report))
    if store == folder or store in folder.parents or folder in store.parents:
        raise UsageError(
            Problem("<cli>", 0, "--report", f"{report} overlaps --out {out}; give the report a folder of its own")
        )


@contextlib.contextmanager
def progress(quiet: bool, title: str) -> Iterator[Any]:
    """A progress bar over tasks on stderr; yields a ``(done, total)`` callback (None when quiet or not a tty)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(title, total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield tick


def fmt(value: float) -> str:
    """A number for a table: thousands separators for large values, 4 decimals for small."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.4f}"


def metric_list(names: list[str] | None, default: list[str]) -> list[str]:
    """The metrics asked for with --metric (checked against the catalogue), or `default`."""
    if not names:
        return default
    for name in names:
        if name not in CATALOGUE:
            raise UsageError(Problem("<cli>", 0, "--metric", f"unknown metric {name!r}; see docs/metrics.md"))
    return names


def clean(value: Any) -> Any:
    """NaN → None for JSON."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def parse_metric_bounds(items: Sequence[str]) -> Mapping[str, float]:
    """``METRIC=HALFWIDTH`` strings as a mapping (for --target-ci)."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not sep or name not in CATALOGUE or not math.isfinite(value) or value <= 0:
            raise UsageError(
                Problem(
                    "<cli>",
                    0,
                    "--target-ci",
                    f"expected METRIC=HALFWIDTH with a catalogue metric and a positive number, got {item!r}",
                )
            )
        out[name] = value
    return out
