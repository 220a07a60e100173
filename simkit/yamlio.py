"""Safe YAML loading that keeps the line of every key and rejects duplicate keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from simkit.errors import Problem, SimkitError

LineIndex = dict[str, int]
"""Maps a dotted path ("a.b.0.c") to its 1-based line in the file."""


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records key lines and refuses duplicate keys."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.lines: LineIndex = {}


def _construct(loader: _LineLoader, node: yaml.Node, path: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
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
    return loader.construct_object(node, deep=True)


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
    loader = _LineLoader(text, str(file))
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}
        data = _construct(loader, node, "")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise SimkitError(Problem(str(file), line, "", f"invalid YAML: {exc.problem}")) from None
    finally:
        loader.dispose()
    loader.lines.setdefault("", 1)
    return data, loader.lines


def load_yaml(path: str | Path) -> tuple[Any, LineIndex]:
    """Read and parse a YAML file; see `load_yaml_text`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SimkitError.at(path, 0, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SimkitError.at(path, 0, "", f"cannot read file: {exc}") from None
    return load_yaml_text(text, path)


def line_of(lines: LineIndex, path: str) -> int:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path.rpartition(".")[0]
    return lines.get("", 0)
