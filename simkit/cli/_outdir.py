"""An output directory written as a set: readers see the old files or all the new ones, never a mix.

The files are written into a staging directory beside the target (``.NAME.run-PID-XXXXXXXX``),
which then takes the target's place by renaming; the previous set is moved aside first
(``.NAME.old-PID-XXXXXXXX``) and removed. A failure removes the staging directory; a run that was
killed leaves one behind, and the next run into the same place removes it (its process is gone).
Directories and files are created with the default modes, so they follow the umask.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Collection, Iterator
from pathlib import Path

from simkit.errors import Problem, UsageError

_DEBRIS = re.compile(r"^\.(?P<name>.+)\.(?:run|old)-(?P<pid>\d+)-[0-9a-f]{8}$")
_LEGACY = re.compile(r"^\.run-[A-Za-z0-9_]+$")
"""Staging directories of older versions, made inside the target itself (removed with it)."""


def _error(option: str, message: str) -> UsageError:
    return UsageError(Problem("<cli>", 0, option, message))


def check_target(target: Path, names: Collection[str], option: str = "--out") -> None:
    """Refuse a target that is not a directory, or that holds anything but a previous set.

    Raises:
        UsageError: Naming the option and what is wrong.
    """
    if not os.path.lexists(target):
        return
    if not target.is_dir():
        raise _error(option, f"{target} exists and is not a directory")
    try:
        entries = sorted(os.listdir(target))
    except OSError as exc:
        raise _error(option, f"cannot read {target}: {exc.strerror or exc}") from None
    foreign = [
        entry
        for entry in entries
        if not (entry in names and (target / entry).is_file() and not (target / entry).is_symlink())
        and not _LEGACY.match(entry)
    ]
    if foreign:
        shown = ", ".join(repr(entry) for entry in foreign[:3]) + (", …" if len(foreign) > 3 else "")
        raise _error(
            option,
            f"{target} holds other things than {', '.join(names)} ({shown}); "
            "give a new directory, or one that simkit run wrote",
        )


@contextlib.contextmanager
def output_set(target: Path, names: Collection[str], option: str = "--out") -> Iterator[Path]:
    """Yield a staging directory for the files `names`; swap it in as `target` on success.

    Args:
        target: The directory that will hold the set.
        names: The file names of the set (anything else in an existing target is refused).
        option: The command-line option named in messages.

    Raises:
        UsageError: When the target cannot be used or written (checked before anything runs).
    """
    check_target(target, names, option)
    real = Path(os.path.realpath(target))  # a symlink keeps pointing at the directory it names
    if not real.name or real == real.parent:
        raise _error(option, f"{target} cannot be replaced; name a directory below it")
    parent = _make_parent(real, option)
    remove_debris(parent, real.name)
    staging = _make_staging(parent, real.name, "run", option)
    try:
        yield staging
        missing = [name for name in names if not (staging / name).is_file()]
        if missing:  # pragma: no cover - a programming error in the caller
            raise RuntimeError(f"output set incomplete: {', '.join(missing)} not written")
        _fsync_directory(staging)
        check_target(real, names, option)  # still a set we may replace
        _swap(staging, real, option)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _make_parent(target: Path, option: str) -> Path:
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise _error(option, f"cannot create {target}: a part of {parent} is not a directory") from None
    except OSError as exc:
        raise _error(option, f"cannot create {parent}: {exc.strerror or exc}") from None
    return parent


def _make_staging(parent: Path, name: str, kind: str, option: str) -> Path:
    path = parent / f".{name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        path.mkdir()
    except OSError as exc:
        raise _error(option, f"cannot write in {parent}: {exc.strerror or exc}") from None
    return path


def _swap(staging: Path, target: Path, option: str) -> None:
    """Put `staging` in the place of `target`; the previous set is moved aside, then removed."""
    parent = target.parent
    old = None
    try:
        if os.path.lexists(target):
            old = parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
            os.rename(target, old)
        os.rename(staging, target)
    except OSError as exc:
        if old is not None and not os.path.lexists(target):
            os.rename(old, target)  # put the previous set back
        raise _error(option, f"cannot replace {target}: {exc.strerror or exc}") from None
    _fsync_directory(parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove_debris(parent: Path, name: str) -> list[Path]:
    """Remove staging and set-aside directories for `name` in `parent` whose process has ended.

    Returns:
        The directories removed.
    """
    removed: list[Path] = []
    try:
        entries = os.listdir(parent)
    except OSError:
        return removed
    for entry in entries:
        match = _DEBRIS.match(entry)
        if match and match["name"] == name and not _alive(int(match["pid"])):
            path = parent / entry
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """True while process `pid` exists (or cannot be checked)."""
    if pid == os.getpid() or os.name != "posix":  # on Windows os.kill(pid, 0) would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _fsync_directory(path: Path) -> None:
    """Make renames and new entries in `path` durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_file(path: Path, data: str | bytes) -> None:
    """Write one file of a set (flushed to disk; mode from the umask).

    Raises:
        UsageError: When the file cannot be written (disk full, permissions).
    """
    payload = data if isinstance(data, bytes) else data.encode("utf-8")
    try:
        with open(path, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise _error("--out", f"cannot write {path.name}: {exc.strerror or exc}") from None
