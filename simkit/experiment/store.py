"""A resumable, loss-free store of an experiment's results in a directory.

Layout of ``DIR``::

    experiment.json        the definition (what was asked), written first
    tasks/<key>.parquet    one file per finished task, each written atomically
    results.parquet        the whole long-form table, written when every task is done
    summary.csv            its summary, written with it (results.parquet is put in place last)

After a crash or a kill, ``resume`` finds the tasks already on disk and the experiment
runs only the missing ones; the final table is the same as an uninterrupted run's. A
different definition in the same directory is refused with what changed (the definition holds
the scenario's text and the digest of every policy and variant file, so an input edited between
runs is named too), and so is a directory that holds anything but an experiment. Before anything
is written, a resumed directory is checked whole: a damaged definition or task file, or an entry
of the wrong kind, is named with how to recover (delete that file and resume).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from simkit.errors import Problem, SimkitError, UsageError, shorten
from simkit.metrics import CATALOGUE

DEFINITION = "experiment.json"
RESULTS = "results.parquet"
SUMMARY = "summary.csv"
TASKS = "tasks"
INPUTS = "inputs"
"""The definition's key for `file_digests` (policy and variant files)."""
TASK_COLUMNS = ("run_id", "arm", "replication", "seed", "metric", "value")
"""Columns every task file has (besides the arm's labels)."""
_JSON_KINDS = {
    list: "a list",
    type(None): "null",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
}
_TASK_KEY = re.compile(r"-s(?P<seed>\d+)-r(?P<first>\d+)-(?P<last>\d+)$")


class Store:
    """The results directory of one experiment."""

    def __init__(self, root: str | Path, definition: dict[str, Any], resume: bool = False) -> None:
        self.root = Path(root)
        self.tasks_dir = self.root / TASKS
        self._frames: dict[str, pd.DataFrame] = {}
        plain = _plain(definition)
        existing = self.root / DEFINITION
        if os.path.lexists(self.root) and not self.root.is_dir():
            raise _usage(f"{self.root} exists and is not a directory")
        _check_parent(self.root)
        if os.path.lexists(existing):
            old = _read_definition(existing, self.root)
            if old.get("kind") != plain.get("kind"):
                raise _usage(
                    f"{self.root} holds an experiment of simkit {old.get('kind')}, not of simkit {plain.get('kind')}; "
                    "use another --out"
                )
            if old != plain:
                raise _usage(f"{self.root} holds a different experiment: {_what_changed(old, plain)}")
            if not resume:
                raise _usage(
                    f"{self.root} already holds this experiment: add --resume to complete it, or use another --out"
                )
            self._frames = _check_folder(self.root)  # before anything is written
        elif self.root.is_dir():
            entries = sorted(os.listdir(self.root))
            if resume and entries:
                raise _usage(f"--resume: {self.root} holds no experiment ({DEFINITION} is missing)")
            foreign = [entry for entry in entries if not entry.startswith(".")]
            if foreign:
                shown = ", ".join(repr(entry) for entry in foreign[:3]) + (", …" if len(foreign) > 3 else "")
                raise _usage(
                    f"{self.root} holds other things than an experiment ({shown}); "
                    "give a new directory, or one that simkit compare or sweep wrote"
                )
        _guard(lambda: self.tasks_dir.mkdir(parents=True, exist_ok=True), self.tasks_dir)
        if not os.path.lexists(existing):
            write_atomic(existing, json.dumps(plain, indent=2, ensure_ascii=False, sort_keys=True))

    def done(self) -> set[str]:
        """Keys of the tasks already stored."""
        return {p.stem for p in self.tasks_dir.glob("*.parquet")}

    def save(self, key: str, rows: list[dict[str, Any]]) -> None:
        """Store one finished task (atomically: all its rows or nothing)."""
        frame = pd.DataFrame(rows)
        write_atomic(self.tasks_dir / f"{key}.parquet", frame, binary=True)

    def load(self, keys: Iterable[str]) -> list[dict[str, Any]]:
        """The rows of the stored tasks `keys` (checked when the store was opened).

        Raises:
            UsageError: When a task file cannot be read, naming it and how to recover.
        """
        rows: list[dict[str, Any]] = []
        for key in keys:
            frame = self._frames.get(key)
            if frame is None:
                frame = _read_task(self.tasks_dir / f"{key}.parquet")
            rows.extend({str(k): v for k, v in record.items()} for record in frame.to_dict("records"))
        return rows

    def finish(self, table: pd.DataFrame, summary: pd.DataFrame | None = None) -> Path:
        """Write the whole table and its summary (both staged first; the table is put in place last).

        Returns:
            The path of the table.
        """
        path = self.root / RESULTS
        staged = []
        if summary is not None:
            staged.append((_stage(self.root / SUMMARY, summary.to_csv(index=False)), self.root / SUMMARY))
        staged.append((_stage(path, table), path))
        try:
            for tmp, target in staged:
                _guard(lambda tmp=tmp, target=target: os.replace(tmp, target), target)
        finally:
            for tmp, _ in staged:
                Path(tmp).unlink(missing_ok=True)
        return path


def _check_parent(root: Path) -> None:
    parent = Path(os.path.abspath(root)).parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise _usage(f"cannot create {root}: a part of {parent} is not a directory")


def _read_definition(path: Path, root: Path) -> Any:
    recover = f"remove {root} (or give another --out) and run the experiment again"
    if not path.is_file():
        raise _damaged(path, f"is not a file; {recover}")
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SimkitError(Problem(str(path), exc.lineno, "", f"not JSON ({exc.msg}); {recover}")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _damaged(path, f"cannot be read ({getattr(exc, 'strerror', None) or exc}); {recover}") from None
    if not isinstance(old, dict) or "kind" not in old:
        found = _JSON_KINDS.get(type(old), "an object without 'kind'")
        raise _damaged(path, f"not an experiment definition (a JSON object is expected, found {found}); {recover}")
    return old


def _check_folder(root: Path) -> dict[str, pd.DataFrame]:
    """Check a stored experiment before it is resumed; returns the task files' rows by key.

    Raises:
        SimkitError: One problem per damaged entry, each saying how to recover.
    """
    problems: list[Problem] = []
    tasks = root / TASKS
    if os.path.lexists(tasks) and not tasks.is_dir():
        problems.append(_problem(tasks, "is not a directory; remove it and resume (every task runs again)"))
    for name in (RESULTS, SUMMARY):
        path = root / name
        if os.path.lexists(path) and not path.is_file():
            problems.append(_problem(path, "is not a file; remove it and resume (it is written again at the end)"))
    frames: dict[str, pd.DataFrame] = {}
    if tasks.is_dir():
        for path in sorted(tasks.glob("*.parquet")):
            try:
                frames[path.stem] = _read_task(path)
            except SimkitError as exc:
                problems += exc.problems
    if problems:
        raise SimkitError(problems)
    return frames


def _read_task(path: Path) -> pd.DataFrame:
    """A stored task's rows, checked: readable Parquet, the task columns, its own seed and replications.

    Raises:
        SimkitError: Naming the file and how to recover.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    recover = "delete this file and resume (the task runs again)"
    if not path.is_file():
        raise SimkitError(_problem(path, f"is not a file; {recover}"))
    try:
        frame: pd.DataFrame = pq.read_table(path, page_checksum_verification=True).to_pandas()
        records = frame.to_dict("records")  # every value decoded now, not when the rows are used
    except (OSError, pa.ArrowException, ValueError) as exc:
        reason = re.sub(
            r"^Could not open Parquet input source '[^']*': ", "", str(exc).splitlines()[0] if str(exc) else ""
        )
        reason = reason.split(". Either the file")[0] or type(exc).__name__
        raise SimkitError(_problem(path, f"not a readable task file ({reason}); {recover}")) from None
    missing = [column for column in TASK_COLUMNS if column not in frame.columns]
    if missing:
        raise SimkitError(_problem(path, f"not a task file of simkit (no column {', '.join(missing)}); {recover}"))
    if frame.empty:
        raise SimkitError(_problem(path, f"holds no rows; {recover}"))
    unknown = sorted({str(r["metric"]) for r in records} - set(CATALOGUE))
    if unknown or not pd.api.types.is_numeric_dtype(frame["value"]):
        found = f"unknown metric {unknown[0]!r}" if unknown else "values that are not numbers"
        raise SimkitError(_problem(path, f"holds {found}; {recover}"))
    key = _TASK_KEY.search(path.stem)
    if key is not None:
        expected = set(range(int(key["first"]), int(key["last"]) + 1))
        seeds = set(frame["seed"].tolist())
        if set(frame["replication"].tolist()) != expected or seeds != {int(key["seed"])}:
            raise SimkitError(_problem(path, f"holds other replications or seeds than its name says; {recover}"))
    return frame


def write_atomic(path: Path, content: Any, binary: bool = False) -> None:
    """Write `content` (text, or a DataFrame as Parquet) to `path` via a temporary file and a rename.

    Raises:
        UsageError: When the file cannot be written (naming it).
    """
    tmp = _stage(path, content, binary)
    try:
        _guard(lambda: os.replace(tmp, path), path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _stage(path: Path, content: Any, binary: bool = True) -> str:
    """`content` in a temporary file beside `path` (mode from the umask); returns its name."""
    _guard(lambda: path.parent.mkdir(parents=True, exist_ok=True), path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise _usage(f"cannot write in {path.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(content, pd.DataFrame):  # page checksums: a damaged byte is found when read back
                content.to_parquet(handle, index=False, write_page_checksum=True)
            else:
                handle.write(content if isinstance(content, bytes) else str(content).encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _usage(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _guard(action: Any, path: Path) -> None:
    """Run a file-system `action`; an OSError becomes a one-line UsageError naming `path`."""
    try:
        action()
    except OSError as exc:
        raise _usage(f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _what_changed(old: dict[str, Any], new: dict[str, Any]) -> str:
    changes: list[str] = []
    _differences("", old, new, changes)
    return "; ".join(changes) or "the definition differs"


def _differences(path: str, old: Any, new: Any, out: list[str]) -> None:
    """Append ``dotted.path old → new`` for each leaf that differs (a text: its first differing line)."""
    if path == INPUTS:  # a store written before inputs were recorded has none
        old, new = old or {}, new or {}
    if path.startswith(f"{INPUTS}.") and (isinstance(old, str) or isinstance(new, str)):
        file = path.removeprefix(f"{INPUTS}.")
        if old is None or new is None:
            out.append(f"input file {file} {'is new' if old is None else 'is no longer read'}")
        else:
            out.append(f"input file {file} was edited (sha256 {str(old)[:12]}… → {str(new)[:12]}…)")
    elif isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                _differences(f"{path}.{key}" if path else str(key), old.get(key), new.get(key), out)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for number, (was, now) in enumerate(zip(old, new, strict=True)):
            if was != now:
                _differences(f"{path}.{number}", was, now, out)
    elif isinstance(old, list) and isinstance(new, list) and any(_named(x) for x in (*old, *new)):
        out.append(f"{path} {_names(old)} → {_names(new)}")  # levers added or removed: by their paths
    elif isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new):
        before, after = old.splitlines(), new.splitlines()
        common = min(len(before), len(after))
        line = next((n for n in range(1, common + 1) if before[n - 1] != after[n - 1]), common + 1)
        was = before[line - 1] if line <= len(before) else "(end of file)"
        now = after[line - 1] if line <= len(after) else "(end of file)"
        out.append(f"{path} line {line} {shorten(was)} → {shorten(now)}")
    else:
        out.append(f"{path} {_short_json(old)} → {_short_json(new)}")


def _named(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("path"), str)


def _names(items: list[Any]) -> str:
    return shorten("[" + ", ".join(x["path"] if _named(x) else _short_json(x) for x in items) + "]", 200)[1:-1]


def _short_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else f"{text[:75]}…{text[-4:]}"


def file_digests(paths: Iterable[str | Path]) -> dict[str, str]:
    """The SHA-256 of each input file, by its name (a definition records them, so an edited input is refused).

    Names in angle brackets (``<cli>``: the ``--set`` overrides) are not files and are left out.

    Raises:
        UsageError: When a file cannot be read (naming it).
    """
    import hashlib

    digests: dict[str, str] = {}
    for path in paths:
        if str(path).startswith("<"):
            continue
        try:
            digests[str(path)] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError as exc:
            raise UsageError(Problem(str(path), 0, "", f"cannot be read: {exc.strerror or exc}")) from None
    return digests


def _problem(path: Path, message: str) -> Problem:
    return Problem(str(path), 0, "", message)


def _damaged(path: Path, message: str) -> SimkitError:
    return SimkitError(_problem(path, message))


def _usage(message: str) -> UsageError:
    return UsageError(Problem("<cli>", 0, "--out", message))
