"""Quantities with explicit units, and values that change on effective dates.

A policy value is written with its unit: ``72 hours``, ``7 days``, ``500 CNY``,
``30 percent``, ``3x``; counts and points are plain integers. A value may be dated:
``{"2020-01-01": 72 hours, "2026-01-01": 48 hours}`` — the version in force on a
given date is the one with the latest effective date not after it.

Every quantity lies in a sane range (`LIMITS`, from 0): durations up to ten years, money up
to 100 million CNY, a percent is a share (at most 100 percent), factors up to 100x, counts up
to 1000. Points in time (`china_time`) lie between 1970 and 2199, China local time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from simkit.errors import shorten


class Kind(StrEnum):
    """What a parameter measures, and so which units it accepts."""

    DURATION = "duration"
    MONEY = "money"
    PERCENT = "percent"
    FACTOR = "factor"
    COUNT = "count"

    @property
    def example(self) -> str:
        """An example of a well-formed value of this kind."""
        return _EXAMPLES[self]


_EXAMPLES = {
    Kind.DURATION: "'72 hours' or '7 days'",
    Kind.MONEY: "'500 CNY'",
    Kind.PERCENT: "'30 percent'",
    Kind.FACTOR: "'3x'",
    Kind.COUNT: "a whole number such as 3",
}

LIMITS: dict[Kind, float] = {
    Kind.DURATION: 3650 * 24.0,
    Kind.MONEY: 100_000_000.0,
    Kind.PERCENT: 1.0,
    Kind.FACTOR: 100.0,
    Kind.COUNT: 1000,
}
"""The largest value of each kind, in its canonical unit (hours, CNY, fraction, multiple, count)."""

CHINA = dt.timezone(dt.timedelta(hours=8))
EARLIEST = dt.datetime(1970, 1, 1)
LATEST = dt.datetime(2199, 12, 31, 23, 59, 59)
"""Points in time outside [EARLIEST, LATEST] are refused (a deadline ten years on stays representable)."""

_QUANTITY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(hours?|h|days?|d|CNY|percent|%|x)\s*$")
_UNIT_KIND = {
    "hour": Kind.DURATION,
    "hours": Kind.DURATION,
    "h": Kind.DURATION,
    "day": Kind.DURATION,
    "days": Kind.DURATION,
    "d": Kind.DURATION,
    "CNY": Kind.MONEY,
    "percent": Kind.PERCENT,
    "%": Kind.PERCENT,
    "x": Kind.FACTOR,
}


def parse_quantity(raw: Any, kind: Kind) -> float:
    """Parse one quantity of `kind` into its canonical unit.

    Durations become hours, money CNY, percents a fraction (30 percent → 0.3),
    factors a multiplier, counts an int.

    Raises:
        ValueError: With a message naming the expected form.
    """
    if kind is Kind.COUNT:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"expected {kind.example}, got {raw!r}")
        check_range(raw, kind, raw)
        return raw
    if isinstance(raw, bool) or not isinstance(raw, str):
        raise ValueError(f"expected a {kind.value} with its unit, such as {kind.example}, got {raw!r}")
    match = _QUANTITY.match(raw)
    if not match:
        raise ValueError(f"expected a {kind.value} with its unit, such as {kind.example}, got {raw!r}")
    number, unit = float(match.group(1)), match.group(2)
    if _UNIT_KIND[unit] is not kind:
        raise ValueError(f"wrong unit {unit!r}: expected a {kind.value} such as {kind.example}, got {raw!r}")
    if kind is Kind.DURATION:
        value = number * 24.0 if unit.startswith("d") else number
    elif kind is Kind.PERCENT:
        value = number / 100.0
    else:
        value = number
    return check_range(value, kind, raw)


def check_range(value: float, kind: Kind, raw: Any) -> float:
    """`value` (canonical unit) when it lies in ``[0, LIMITS[kind]]``.

    Raises:
        ValueError: Naming the range in policy notation and the value as written.
    """
    if not 0 <= value <= LIMITS[kind]:  # also refuses NaN
        limit = format_quantity(LIMITS[kind], kind)
        raise ValueError(f"must be between 0 and {limit}, got {shorten(raw)}")
    return value


def china_time(moment: dt.datetime) -> dt.datetime:
    """A point in time as China local time without a zone (an explicit offset is converted).

    Raises:
        ValueError: When the time, once converted, is not between `EARLIEST` and `LATEST`.
    """
    local = moment
    if moment.tzinfo is not None:
        try:
            local = moment.astimezone(CHINA).replace(tzinfo=None)
        except (OverflowError, ValueError):
            local = dt.datetime.min if moment.year < 2000 else dt.datetime.max
    if not EARLIEST <= local <= LATEST:
        raise ValueError(
            f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()} China time, got {moment.isoformat()}"
        )
    return local


def format_quantity(value: float, kind: Kind) -> str:
    """Write a canonical value back in policy notation (hours shown as days when whole)."""
    if kind is Kind.COUNT:
        return str(int(value))
    if kind is Kind.DURATION:
        if value >= 24 and value % 24 == 0:
            return f"{_num(value / 24)} days"
        return f"{_num(value)} hours"
    if kind is Kind.MONEY:
        return f"{_num(value)} CNY"
    if kind is Kind.PERCENT:
        return f"{_num(value * 100)} percent"
    return f"{_num(value)}x"


def _num(value: float) -> str:
    """Plain decimal notation that parses back (no exponent; float noise beyond 9 places dropped)."""
    value = round(float(value), 9)
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


@dataclass(frozen=True, slots=True)
class Dated:
    """A parameter value, possibly changing on effective dates.

    Attributes:
        kind: What the value measures.
        versions: ``(effective_date, value)`` sorted by date; the first may have date None
            (in force since always).
    """

    kind: Kind
    versions: tuple[tuple[dt.date | None, float], ...]

    @property
    def is_dated(self) -> bool:
        """True when the value changes on at least one effective date."""
        return len(self.versions) > 1 or self.versions[0][0] is not None

    def version_at(self, when: dt.date | dt.datetime | None) -> tuple[dt.date | None, float]:
        """The ``(effective_date, value)`` in force on `when` (latest version when None).

        Raises:
            LookupError: When `when` is before the first effective date.
        """
        if when is None:
            return self.versions[-1]
        day = when.date() if isinstance(when, dt.datetime) else when
        chosen = None
        for since, value in self.versions:
            if since is None or since <= day:
                chosen = (since, value)
        if chosen is None:
            raise LookupError(f"no version in force on {day.isoformat()} (first is {self.versions[0][0]})")
        return chosen

    def at(self, when: dt.date | dt.datetime | None = None) -> float:
        """The value in force on `when`."""
        return self.version_at(when)[1]

    def __float__(self) -> float:
        return self.versions[-1][1]

    def to_yaml(self) -> Any:
        """The value in policy notation (a mapping of dates when dated)."""
        if not self.is_dated:
            return format_quantity(self.versions[0][1], self.kind)
        return {
            (since.isoformat() if since else "always"): format_quantity(value, self.kind)
            for since, value in self.versions
        }


def parse_dated(raw: Any, kind: Kind) -> Dated:
    """Parse a plain or dated value of `kind`.

    Raises:
        ValueError: On a bad date, an empty mapping or a bad quantity.
    """
    if isinstance(raw, Dated):
        return raw
    if isinstance(raw, dict):
        if not raw:
            raise ValueError("a dated value needs at least one 'YYYY-MM-DD: value' entry")
        versions = []
        for key, value in raw.items():
            since = _parse_date(key)
            try:
                versions.append((since, parse_quantity(value, kind)))
            except ValueError as exc:
                raise ValueError(f"version {key}: {exc}") from None
        versions.sort(key=lambda item: item[0])
        return Dated(kind, tuple((d, v) for d, v in versions))
    return Dated(kind, ((None, parse_quantity(raw, kind)),))


def _parse_date(key: Any) -> dt.date:
    if isinstance(key, dt.datetime):
        return key.date()
    if isinstance(key, dt.date):
        return key
    try:
        return dt.date.fromisoformat(str(key))
    except ValueError:
        raise ValueError(f"effective date {key!r} is not an ISO date (YYYY-MM-DD)") from None


def dated_parser(kind: Kind) -> Callable[[Any], Dated]:
    """A one-argument parser for `kind`, for use as a pydantic validator."""

    def parse(raw: Any) -> Dated:
        return parse_dated(raw, kind)

    return parse
