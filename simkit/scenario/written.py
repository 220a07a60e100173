"""Turn a validated scenario back into plain data written as in a file (durations with units)."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

from pydantic import BaseModel

from simkit.policy.values import Kind, format_quantity


def _validator_names(info: Any) -> set[str]:
    """Names of the before-validators on a field, looking inside Optional/Annotated."""
    names: set[str] = set()
    stack: list[Any] = [*getattr(info, "metadata", []), getattr(info, "annotation", None)]
    while stack:
        item = stack.pop()
        func = getattr(item, "func", None)
        if func is not None:
            names.add(getattr(func, "__name__", ""))
        stack.extend(getattr(item, "__metadata__", ()))
        stack.extend(typing.get_args(item) if item is not None else ())
    return names


def _is_hours(info: Any) -> bool:
    return "_hours" in _validator_names(info)


def _is_percent(info: Any) -> bool:
    return "_percent" in _validator_names(info)


def as_written(model: Any) -> Any:
    """Plain data for `model`: durations as ``"N hours"``/``"N days"``, datetimes as ISO text."""
    if isinstance(model, BaseModel):
        out: dict[str, Any] = {}
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            if value is None:
                continue
            if _is_hours(info) and isinstance(value, (int, float)):
                out[name] = format_quantity(float(value), Kind.DURATION)
            elif _is_percent(info) and isinstance(value, (int, float)):
                out[name] = format_quantity(float(value), Kind.PERCENT)
            else:
                out[name] = as_written(value)
        return out
    if isinstance(model, dict):
        return {k: as_written(v) for k, v in model.items()}
    if isinstance(model, (list, tuple)):
        return [as_written(v) for v in model]
    if isinstance(model, dt.datetime):
        return model.isoformat()
    return model
