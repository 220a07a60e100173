"""Safe YAML loading that keeps the line of every key and rejects duplicate keys."""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import functools
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from simkit.errors import Problem, SimkitError, shorten

LineIndex = dict[str, int]
"""Maps a dotted path ("a.b.0.c") to its 1-based line in the file."""

MAX_NODES = 200_000
"""Refuse documents whose aliases expand beyond this many nodes ("billion laughs")."""

MAX_DEPTH = 100
"""Refuse documents nested deeper than this many collections."""

_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
"""Characters YAML does not allow in a document (NUL and other control characters)."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records key lines and refuses duplicate keys."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.lines: LineIndex = {}
        self.nodes = 0
        self.depth = 0
        self.active: set[int] = set()

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node, refusing nesting deeper than `MAX_DEPTH` at the line where it happens."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                line = self.peek_event().start_mark.line + 1  # type: ignore[no-untyped-call]
                raise SimkitError.at(self.file, line, "", f"invalid YAML: nested too deeply (over {MAX_DEPTH} levels)")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_TAG + name for name in ("null", "bool", "int", "float", "str", "timestamp", "binary"))


def _check_tag(loader: _LineLoader, node: yaml.Node, path: str) -> None:
    """Refuse tags other than plain maps, sequences and standard scalars (e.g. ``!!python/object``)."""
    if isinstance(node, yaml.MappingNode):
        allowed = node.tag == _TAG + "map"
    elif isinstance(node, yaml.SequenceNode):
        allowed = node.tag == _TAG + "seq"
    else:
        allowed = node.tag in _SCALAR_TAGS
    if not allowed:
        tag = node.tag.replace(_TAG, "!!", 1)
        raise SimkitError.at(
            loader.file, node.start_mark.line + 1, path, f"unsupported YAML tag {tag!r} (only safe YAML is accepted)"
        )


def _scalar(loader: _LineLoader, node: yaml.Node, path: str) -> Any:
    _check_tag(loader, node, path)
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError):
        # e.g. an impossible date such as 2026-13-01: keep the text so the schema reports it
        if node.tag == _TAG + "timestamp":
            return str(node.value)
        line = node.start_mark.line + 1
        raise SimkitError.at(loader.file, line, path, f"invalid value {shorten(node.value)}") from None


def _construct(loader: _LineLoader, node: yaml.Node, path: str) -> Any:
    _check_tag(loader, node, path)
    loader.nodes += 1
    if loader.nodes > MAX_NODES:
        line = node.start_mark.line + 1
        raise SimkitError.at(loader.file, line, path, f"document too large (over {MAX_NODES} nodes)")
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if id(node) in loader.active:
            raise SimkitError.at(loader.file, node.start_mark.line + 1, path, "recursive YAML alias")
        loader.active.add(id(node))
        try:
            return _construct_collection(loader, node, path)
        finally:
            loader.active.discard(id(node))
    return _scalar(loader, node, path)


def _construct_collection(loader: _LineLoader, node: yaml.Node, path: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = _scalar(loader, key_node, path)
            else:
                _check_tag(loader, key_node, path)
                key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                key = str(key)
            child = f"{path}.{key}" if path else str(key)
            if key in out:
                first = loader.lines.get(child, 0)
                raise SimkitError.at(
                    loader.file,
                    key_node.start_mark.line + 1,
                    child,
                    f"duplicate key {key!r} (first defined on line {first})",
                )
            loader.lines[child] = key_node.start_mark.line + 1
            out[key] = _construct(loader, value_node, child)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = f"{path}.{index}" if path else str(index)
            loader.lines[child] = item.start_mark.line + 1
            items.append(_construct(loader, item, child))
        return items
    raise AssertionError("not a collection")  # pragma: no cover


def load_yaml_text(text: str, file: str | Path) -> tuple[Any, LineIndex]:
    """Parse YAML text safely.

    Args:
        text: The YAML document.
        file: Name used in error messages.

    Returns:
        The plain data (dicts, lists, scalars) and the line of every dotted path.

    Raises:
        SimkitError: On a syntax error or a duplicate key.
    """
    _check_characters(text, str(file))
    loader = _LineLoader(text, str(file))
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {"": 1}
        data = _construct(loader, node, "")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else loader.get_mark().line + 1
        raise SimkitError(Problem(str(file), line, "", f"invalid YAML: {exc.problem}")) from None
    except yaml.YAMLError as exc:
        raise SimkitError(Problem(str(file), loader.get_mark().line + 1, "", f"invalid YAML: {exc}")) from None
    except RecursionError:
        line = loader.get_mark().line + 1
        raise SimkitError(Problem(str(file), line, "", "invalid YAML: nested too deeply")) from None
    finally:
        loader.dispose()
    loader.lines.setdefault("", 1)
    return data, loader.lines


def _check_characters(text: str, file: str) -> None:
    """Refuse characters YAML does not allow (NUL, other control characters), naming line and column."""
    bad = _NON_PRINTABLE.search(text)
    if bad is None:
        return
    line, column = _line_column(text, bad.start(), "\n")
    message = f"invalid YAML: control character U+{ord(bad.group()):04X} in column {column} is not allowed"
    raise SimkitError.at(file, line, "", message)


def _line_column(text: Any, offset: int, newline: Any) -> tuple[int, int]:
    """1-based line and column of `offset` in a str or bytes."""
    start = text.rfind(newline, 0, offset) + 1
    return text.count(newline, 0, offset) + 1, offset - start + 1


def decode_utf8(raw: bytes, file: str | Path) -> str:
    """Decode a file's bytes as UTF-8 (a UTF-8 byte-order mark is dropped).

    Raises:
        SimkitError: For UTF-16/32 text, or at the line and column of the first byte that is not
            UTF-8 (binary data, or text saved as GBK, latin-1 and the like).
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise SimkitError.at(file, 1, "", f"cannot read file: the text is {name}; save it as UTF-8")
    if len(raw) >= 2 and (raw[0] == 0) != (raw[1] == 0):
        raise SimkitError.at(file, 1, "", "cannot read file: the text looks like UTF-16; save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_column(raw, exc.start, b"\n")
        message = (
            f"cannot read file: byte 0x{raw[exc.start]:02x} in column {column} is not UTF-8 "
            "(a binary file, or text in another encoding such as GBK or latin-1; save it as UTF-8)"
        )
        raise SimkitError.at(file, line, "", message) from None


def is_file(path: str | Path) -> bool:
    """True when `path` names a readable regular file; False also for names the system refuses (too long)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


NOT_REGULAR = "not a regular file (a pipe, a socket or a device): save the data to a file and give that"
"""Why a FIFO, a socket or a device is refused (reading one could wait for ever, or read nothing)."""


def missing_file(path: str | Path) -> str:
    """Why `path` is not a readable regular file: ``not found``, a directory, or a special file."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return "not found"
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    return "not found" if stat.S_ISREG(mode) else f"is {NOT_REGULAR}"


def load_yaml(path: str | Path) -> tuple[Any, LineIndex]:
    """Read and parse a YAML file (UTF-8); see `load_yaml_text`.

    A FIFO, a socket or a device is refused before it is opened: reading one could wait for ever.
    """
    path = Path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) and not path.is_dir():
            raise SimkitError.at(path, 0, "", f"cannot read file: {NOT_REGULAR}")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SimkitError.at(path, 0, "", "file not found") from None
    except IsADirectoryError:
        raise SimkitError.at(path, 0, "", "cannot read file: is a directory") from None
    except OSError as exc:
        raise SimkitError.at(path, 0, "", f"cannot read file: {exc.strerror or exc}") from None
    data, lines = _parsed(decode_utf8(raw, path), str(path))
    return plain_copy(data), dict(lines)


def plain_copy(data: Any) -> Any:
    """A deep copy of plain YAML data (mappings and lists are copied; scalars are immutable and shared).

    About five times faster than `copy.deepcopy` on a policy tree; any other container falls back to it.
    """
    if isinstance(data, dict):
        return {key: plain_copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain_copy(value) for value in data]
    if data is None or isinstance(data, (str, int, float, bool, dt.date)):
        return data
    return copy.deepcopy(data)


@functools.lru_cache(maxsize=64)
def _parsed(text: str, file: str) -> tuple[Any, LineIndex]:
    """`load_yaml_text`, remembered for the same text and file name (callers get deep copies).

    Experiments load the same policy and scenario files once per task; parsing them is most
    of that cost.
    """
    return load_yaml_text(text, file)


def line_of(lines: LineIndex, path: str) -> int:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path.rpartition(".")[0]
    return lines.get("", 0)
