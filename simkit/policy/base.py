"""Shared pydantic building blocks for policy, variant, case and scenario schemas."""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from simkit.policy.values import Dated, Kind, dated_parser

BuyerDirection = Literal["higher", "lower"]


def suggest(word: str, choices: list[str]) -> str:
    """A " (did you mean 'x'?)" hint, or "" when nothing is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Strict(BaseModel):
    """A frozen model that rejects unknown keys with a suggestion."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True, validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = [f.alias or name for name, f in cls.model_fields.items()]
            for key in data:
                if key not in known:
                    message = f"unknown key {str(key)!r}{suggest(str(key), known)}"
                    raise PydanticCustomError("unknown_key", "{message}", {"key": str(key), "message": message})
        return data


def _parser(kind: Kind) -> BeforeValidator:
    return BeforeValidator(dated_parser(kind))


Duration = Annotated[Dated, _parser(Kind.DURATION)]
Money = Annotated[Dated, _parser(Kind.MONEY)]
Percent = Annotated[Dated, _parser(Kind.PERCENT)]
Factor = Annotated[Dated, _parser(Kind.FACTOR)]
Count = Annotated[Dated, _parser(Kind.COUNT)]


_REQUIRED: Any = ...


def param(buyer: BuyerDirection | None = None, description: str = "", default: Any = _REQUIRED) -> Any:
    """A parameter field; `buyer` says which direction favours the buyer."""
    extra: dict[str, Any] = {"buyer": buyer} if buyer else {}
    return Field(default, description=description, json_schema_extra=extra)


class Names(Strict):
    """A name in both languages users read."""

    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.en} ({self.zh})"
