"""Executors: where tasks run. One small protocol, a plain local default, and Dask.

Every executor yields ``(task, rows)`` as tasks finish, in any order; the experiment sorts
the rows afterwards, so the result table is the same on every executor and for any number
of workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from simkit.errors import Problem, UsageError
from simkit.experiment.tasks import Task, run_task

Rows = list[dict[str, Any]]


class Executor(Protocol):
    """Runs tasks and yields each with its rows as it finishes."""

    name: str
    workers: int

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, Rows]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Runs tasks one after another in this process (tiny jobs, debugging)."""

    name = "serial"
    workers = 1

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, Rows]]:
        """Run each task in turn."""
        for task in tasks:
            yield task, run_task(task)

    def close(self) -> None:
        """Nothing to release."""


class LocalExecutor:
    """A pool of worker processes on this machine (serial when there is one worker or one task)."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or multiprocessing.cpu_count())
        self._pool: cf.ProcessPoolExecutor | None = None

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, Rows]]:
        """Run the tasks on the pool, yielding them as they complete."""
        if self.workers == 1 or len(tasks) <= 1:
            yield from SerialExecutor().run(tasks)
            return
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
        futures = {self._pool.submit(run_task, task): task for task in tasks}
        try:
            for future in cf.as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        """Shut the pool down."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """Tasks on a Dask cluster: a `distributed.LocalCluster` started here, or one at `address`."""

    name = "dask"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError(
                Problem("<cli>", 0, "--executor", "dask is not installed: pip install 'simkit[dask]'")
            ) from None
        self._cluster: Any = None
        try:
            if address:
                self._client = Client(address, timeout="5s")  # type: ignore[no-untyped-call]
            else:
                n = max(1, workers or multiprocessing.cpu_count())
                self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self._client = Client(self._cluster)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(
                Problem("<cli>", 0, "--address", f"cannot reach the Dask scheduler at {address}: {exc}")
            ) from None
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})) or (workers or 1))

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, Rows]]:
        """Submit the tasks and yield them as they complete."""
        from distributed import as_completed

        futures = {self._client.submit(run_task, task, key=f"simkit-{task.key}", pure=False): task for task in tasks}
        try:
            for future in as_completed(list(futures)):  # type: ignore[no-untyped-call]
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()  # type: ignore[no-untyped-call]

    def close(self) -> None:
        """Close the client (and the cluster this executor started)."""
        self._client.close()  # type: ignore[no-untyped-call]
        if self._cluster is not None:
            self._cluster.close()


SCHEMES = ("tcp", "tls", "ws", "wss")
"""The address schemes of a Dask scheduler reached over the network (HOST:PORT)."""


def check_address(address: str) -> None:
    """Refuse an address that is not ``SCHEME://HOST:PORT`` with a Dask scheme, in one line.

    Raises:
        UsageError: ``notaurl``, ``http://…``, ``tcp://[::1:8786`` (an unclosed bracket), a port out of range.
    """
    expected = f"expected tcp://HOST:PORT (or {', '.join(s + '://' for s in SCHEMES[1:])}), got {address!r}"
    try:
        parts = urllib.parse.urlsplit(address)
        port = parts.port
    except ValueError as exc:
        raise UsageError(Problem("<cli>", 0, "--address", f"{expected}: {exc}")) from None
    if parts.scheme not in SCHEMES or not parts.hostname or port is None or parts.path not in ("", "/"):
        raise UsageError(Problem("<cli>", 0, "--address", expected))


def workers_for(workers: int | None, tasks: int) -> tuple[int, str]:
    """The worker processes to start for `tasks` tasks, and a note when fewer than asked are started.

    Args:
        workers: Asked for (None: the CPU count).
        tasks: The tasks to run.
    """
    wanted = workers or multiprocessing.cpu_count()
    started = max(1, min(wanted, tasks))
    note = ""
    if workers is not None and workers > started:
        note = f"--workers {workers}: started {started}, one per task ({tasks} task{'s' if tasks != 1 else ''})"
    return started, note


def make_executor(name: str = "local", workers: int | None = None, address: str | None = None) -> Executor:
    """The executor named `name` (``serial``, ``local`` or ``dask``; an address implies dask)."""
    if address:
        check_address(address)
    if address or name == "dask":
        return DaskExecutor(workers, address)
    if name == "serial":
        return SerialExecutor()
    if name == "local":
        return LocalExecutor(workers)
    raise UsageError(Problem("<cli>", 0, "--executor", f"unknown executor {name!r}: use local, serial or dask"))
