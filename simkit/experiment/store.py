"""A resumable, loss-free store of an experiment's results in a directory.

Layout of ``DIR``::

    experiment.json        the definition (what was asked), written first
    tasks/<key>.parquet    one file per finished task, each written atomically
    results.parquet        the whole long-form table, written when every task is done

After a crash or a kill, ``resume`` finds the tasks already on disk and the experiment
runs only the missing ones; the final table is the same as an uninterrupted run's. A
different definition in the same directory is refused with what changed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from simkit.errors import Problem, UsageError

DEFINITION = "experiment.json"


class Store:
    """The results directory of one experiment."""

    def __init__(self, root: str | Path, definition: dict[str, Any], resume: bool = False) -> None:
        self.root = Path(root)
        self.tasks_dir = self.root / "tasks"
        if self.root.exists() and not self.root.is_dir():
            raise _usage(f"{self.root} exists and is not a directory")
        existing = self.root / DEFINITION
        if existing.exists():
            try:
                old = json.loads(existing.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise _usage(f"{existing} is not readable: {exc}") from None
            if old != _plain(definition):
                raise _usage(f"{self.root} holds a different experiment: {_what_changed(old, _plain(definition))}")
            if not resume:
                raise _usage(
                    f"{self.root} already holds this experiment: add --resume to complete it, or use another --out"
                )
        elif resume and self.root.exists() and any(self.root.iterdir()):
            raise _usage(f"--resume: {self.root} holds no experiment ({DEFINITION} is missing)")
        self.tasks_dir.mkdir(parents=True, exist_ok=True)
        if not existing.exists():
            write_atomic(existing, json.dumps(_plain(definition), indent=2, ensure_ascii=False, sort_keys=True))

    def done(self) -> set[str]:
        """Keys of the tasks already stored."""
        return {p.stem for p in self.tasks_dir.glob("*.parquet")}

    def save(self, key: str, rows: list[dict[str, Any]]) -> None:
        """Store one finished task (atomically: all its rows or nothing)."""
        frame = pd.DataFrame(rows)
        write_atomic(self.tasks_dir / f"{key}.parquet", frame, binary=True)

    def load(self, keys: Iterable[str]) -> list[dict[str, Any]]:
        """The rows of the stored tasks `keys`."""
        rows: list[dict[str, Any]] = []
        for key in keys:
            frame = pd.read_parquet(self.tasks_dir / f"{key}.parquet")
            rows.extend({str(k): v for k, v in record.items()} for record in frame.to_dict("records"))
        return rows

    def finish(self, table: pd.DataFrame) -> Path:
        """Write the whole table; returns its path."""
        path = self.root / "results.parquet"
        write_atomic(path, table, binary=True)
        return path


def write_atomic(path: Path, content: Any, binary: bool = False) -> None:
    """Write `content` (text, or a DataFrame as Parquet) to `path` via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as handle:
            if isinstance(content, pd.DataFrame):
                content.to_parquet(handle, index=False)
            else:
                handle.write(content)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _what_changed(old: dict[str, Any], new: dict[str, Any]) -> str:
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changes.append(
                f"{key} {json.dumps(old.get(key), ensure_ascii=False)} → {json.dumps(new.get(key), ensure_ascii=False)}"
            )
    return "; ".join(changes) or "the definition differs"


def _usage(message: str) -> UsageError:
    return UsageError(Problem("<cli>", 0, "--out", message))
