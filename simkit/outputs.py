"""Outputs written as a set: readers see the old files or all the new ones, never a mix.

Shared by the command line (`simkit.cli`), the reports (`simkit.report`) and the exports
(`simkit.logs.export`); it depends on none of them. The option named in messages (``--out``
by default) is the caller's.

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
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from simkit.errors import Problem, UsageError

_DEBRIS = re.compile(r"^\.(?P<name>.+)\.(?:run|old)-(?P<pid>\d+)-[0-9a-f]{8}$")
_LEGACY = re.compile(r"^\.run-[A-Za-z0-9_]+$")
"""Staging directories of older versions, made inside the target itself (removed with it)."""


def _error(option: str, message: str) -> UsageError:
    return UsageError(Problem("<cli>", 0, option, message))


def check_target(
    target: Path,
    names: Collection[str],
    option: str = "--out",
    writer: str = "simkit run",
    earlier: Collection[str] = (),
) -> None:
    """Refuse a target that is not a directory, or that holds anything but a previous set.

    Args:
        target: The directory.
        names: The files of the new set (paths relative to `target`; ``export/taobao/refunds.csv``).
        option: The command-line option named in messages.
        writer: Who writes such sets (named in messages).
        earlier: Further files an earlier set of the same writer may hold (e.g. another export shape).

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
    allowed = {*names, *earlier}
    foreign = [entry for entry in entries if not (_in_set(target, entry, allowed) or _LEGACY.match(entry))]
    if foreign:
        shown = ", ".join(repr(entry) for entry in foreign[:3]) + (", …" if len(foreign) > 3 else "")
        raise _error(
            option,
            f"{target} holds other things than {', '.join(names)} ({shown}); "
            f"give a new directory, or one that {writer} wrote",
        )


def _in_set(target: Path, entry: str, allowed: set[str]) -> bool:
    """Whether `entry` (relative to `target`) is a file of the set, or a folder of nothing but such files."""
    path = target / entry
    if path.is_symlink():
        return False
    if path.is_file():
        return entry in allowed
    if not path.is_dir() or not any(name.startswith(entry + "/") for name in allowed):
        return False
    try:
        inside = sorted(os.listdir(path))
    except OSError:
        return False
    return all(_in_set(target, f"{entry}/{name}", allowed) for name in inside)


@contextlib.contextmanager
def output_set(
    target: Path, names: Collection[str], option: str = "--out", earlier: Collection[str] = ()
) -> Iterator[Path]:
    """Yield a staging directory for the files `names`; swap it in as `target` on success.

    Args:
        target: The directory that will hold the set.
        names: The file names of the set (anything else in an existing target is refused).
        option: The command-line option named in messages.
        earlier: Further files an earlier set of the same writer may hold (replaced too).

    Raises:
        UsageError: When the target cannot be used or written (checked before anything runs).
    """
    outputs = Outputs()
    outputs.directory(target, names, option, earlier=earlier)
    with outputs.staged() as stage:
        yield stage(target)


class Outputs:
    """Several outputs — directories of named files and single files — published all or none.

    Declare each output first (`directory`, `file`: a bad target is refused at once, before any
    work), then write them inside `staged` into the paths it gives; on success every staged
    output takes its target's place, and if one cannot, the ones already swapped are put back.
    """

    def __init__(self) -> None:
        self._dirs: list[tuple[Path, tuple[str, ...], str]] = []
        self._writers: dict[Path, tuple[str, tuple[str, ...]]] = {}
        self._files: list[tuple[Path, str]] = []

    def directory(
        self,
        target: Path,
        names: Collection[str],
        option: str,
        writer: str = "simkit run",
        earlier: Collection[str] = (),
    ) -> None:
        """A directory that will hold exactly the files `names` (an existing one must hold nothing else).

        `earlier` names further files an earlier set of the same writer may hold; they are replaced too.

        Raises:
            UsageError: When `target` is a file, holds other things, or cannot be created.
        """
        check_target(target, names, option, writer, earlier)
        check_parent(target, option)
        self._dirs.append((target, tuple(names), option))
        self._writers[target] = (writer, tuple(earlier))

    def file(self, target: Path, option: str) -> None:
        """A single file.

        Raises:
            UsageError: When `target` is a directory or a special file, or its folder cannot be created.
        """
        check_file_target(target, option)
        check_parent(target, option)
        self._files.append((target, option))

    @contextlib.contextmanager
    def staged(self) -> Iterator[Callable[[Path], Path]]:
        """Yield ``stage(target)``: where to write each declared output; publish them all on success.

        Raises:
            UsageError: When an output cannot be staged or put in place (nothing is left changed).
        """
        staging: dict[Path, tuple[Path, Path, str, tuple[str, ...] | None]] = {}
        try:
            for target, names, option in self._dirs:
                real = _real(target, option)
                parent = _make_parent(real, option)
                remove_debris(parent, real.name)
                staging[target] = (_make_staging(parent, real.name, "run", option), real, option, names)
            for target, option in self._files:
                real = _real(target, option)
                parent = _make_parent(real, option)
                remove_debris(parent, real.name)
                staging[target] = (_make_staging_file(parent, real.name, option), real, option, None)
            yield lambda target: staging[target][0]
            for stage, _real_target, _option, members in staging.values():
                if members is not None:
                    missing = [name for name in members if not (stage / name).is_file()]
                    if missing:  # pragma: no cover - a programming error in the caller
                        raise RuntimeError(f"output set incomplete: {', '.join(missing)} not written")
                    _fsync_directory(stage)
                elif not stage.is_file():  # pragma: no cover - a programming error in the caller
                    raise RuntimeError(f"output {stage} not written")
            for target, (_stage, real, option, members) in staging.items():  # still ours to replace
                if members is not None:
                    check_target(real, members, option, *self._writers[target])
                else:
                    check_file_target(real, option)
            _publish([(stage, real, option) for stage, real, option, _names in staging.values()])
        finally:
            for stage, *_ in staging.values():
                if stage.is_dir() and not stage.is_symlink():
                    shutil.rmtree(stage, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        stage.unlink()


def check_file_target(target: Path, option: str) -> None:
    """Refuse a file target that is a directory or not a regular file (``/dev/null``).

    Raises:
        UsageError: Naming the option and what is wrong.
    """
    if not os.path.lexists(target):
        return
    if target.is_dir():
        raise _error(option, f"{target} is a directory; name a file")
    if not target.is_file():
        raise _error(option, f"{target} exists and is not a regular file")


def check_parent(target: Path, option: str) -> None:
    """Refuse a target whose nearest existing ancestor is not a directory (nothing is created)."""
    parent = Path(os.path.abspath(target)).parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise _error(option, f"cannot create {target}: a part of {parent} is not a directory")


def _real(target: Path, option: str) -> Path:
    real = Path(os.path.realpath(target))  # a symlink keeps pointing at what it names
    if not real.name or real == real.parent:
        raise _error(option, f"{target} cannot be replaced; name a directory below it")
    return real


def _publish(items: list[tuple[Path, Path, str]]) -> None:
    """Put each staged output in its target's place; on a failure put the previous ones back."""
    done: list[tuple[Path, Path | None]] = []
    current = ""
    try:
        for stage, target, option in items:
            current = option
            old = None
            if os.path.lexists(target):
                old = target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
                os.rename(target, old)
            done.append((target, old))
            os.rename(stage, target)
            _fsync_directory(target.parent)
    except OSError as exc:
        failed = done[-1][0] if done else items[0][1]
        for target, old in reversed(done):
            if os.path.lexists(target):
                _remove(target)
            if old is not None:
                with contextlib.suppress(OSError):  # nothing more can be done; the old set stays beside it
                    os.rename(old, target)
        raise _error(current, f"cannot replace {failed}: {exc.strerror or exc}") from None
    for _target, old in done:
        if old is not None:
            _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _make_parent(target: Path, option: str) -> Path:
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise _error(option, f"cannot create {target}: a part of {parent} is not a directory") from None
    except OSError as exc:
        raise _error(option, f"cannot create {parent}: {exc.strerror or exc}") from None
    return parent


def _make_staging_file(parent: Path, name: str, option: str) -> Path:
    path = parent / f".{name}.run-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        with open(path, "xb"):
            pass
    except OSError as exc:
        raise _error(option, f"cannot write in {parent}: {exc.strerror or exc}") from None
    return path


def _make_staging(parent: Path, name: str, kind: str, option: str) -> Path:
    path = parent / f".{name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        path.mkdir()
    except OSError as exc:
        raise _error(option, f"cannot write in {parent}: {exc.strerror or exc}") from None
    return path


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
            _remove(path)
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


def write_file(path: Path, data: str | bytes, option: str = "--out") -> None:
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
        raise _error(option, f"cannot write {path.name}: {exc.strerror or exc}") from None
