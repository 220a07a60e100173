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


_UNITS: dict[tuple[type, str], Kind | None] = {}
"""Per (model class, field): the unit its values are written in (fields never change after class creation)."""


def _unit(model: type, name: str, info: Any) -> Kind | None:
    """`Kind.DURATION` for an hours field, `Kind.PERCENT` for a percent field, else None."""
    key = (model, name)
    if key not in _UNITS:
        validators = _validator_names(info)
        _UNITS[key] = Kind.DURATION if "_hours" in validators else Kind.PERCENT if "_percent" in validators else None
    return _UNITS[key]


def as_written(model: Any) -> Any:
    """Plain data for `model`: durations as ``"N hours"``/``"N days"``, datetimes as ISO text."""
    if isinstance(model, BaseModel):
        out: dict[str, Any] = {}
        model_type = type(model)
        for name, info in model_type.model_fields.items():
            value = getattr(model, name)
            if value is None:
                continue
            unit = _unit(model_type, name, info)
            if unit is not None and isinstance(value, (int, float)):
                out[name] = format_quantity(float(value), unit)
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
