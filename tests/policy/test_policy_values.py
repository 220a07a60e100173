"""Quantities with units and dated values (simkit.policy.values)."""

from __future__ import annotations

import datetime as dt

import pytest

from simkit.policy.values import Dated, Kind, china_time, format_quantity, parse_dated, parse_quantity

D = dt.date


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("72 hours", Kind.DURATION, 72.0),
        ("1 hour", Kind.DURATION, 1.0),
        ("3 h", Kind.DURATION, 3.0),
        ("36.5 hours", Kind.DURATION, 36.5),
        ("7 days", Kind.DURATION, 168.0),
        ("1 day", Kind.DURATION, 24.0),
        ("2 d", Kind.DURATION, 48.0),
        ("0 hours", Kind.DURATION, 0.0),
        ("  15 days ", Kind.DURATION, 360.0),
        ("500 CNY", Kind.MONEY, 500.0),
        ("0.5 CNY", Kind.MONEY, 0.5),
        ("30 percent", Kind.PERCENT, 0.3),
        ("30%", Kind.PERCENT, 0.3),
        ("100 percent", Kind.PERCENT, 1.0),
        ("3x", Kind.FACTOR, 3.0),
        ("2.5 x", Kind.FACTOR, 2.5),
        (3, Kind.COUNT, 3),
        (0, Kind.COUNT, 0),
    ],
)
def test_parse_every_unit(raw: object, kind: Kind, expected: float) -> None:
    assert parse_quantity(raw, kind) == expected


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        (
            "500 CNY",
            Kind.DURATION,
            "wrong unit 'CNY': expected a duration such as '72 hours' or '7 days', got '500 CNY'",
        ),
        ("72 hours", Kind.MONEY, "wrong unit 'hours': expected a money such as '500 CNY', got '72 hours'"),
        ("3x", Kind.PERCENT, "wrong unit 'x': expected a percent such as '30 percent', got '3x'"),
        ("30 percent", Kind.FACTOR, "wrong unit 'percent': expected a factor such as '3x', got '30 percent'"),
        ("72", Kind.DURATION, "expected a duration with its unit, such as '72 hours' or '7 days', got '72'"),
        (72, Kind.DURATION, "expected a duration with its unit, such as '72 hours' or '7 days', got 72"),
        (True, Kind.MONEY, "expected a money with its unit, such as '500 CNY', got True"),
        (
            "72 weeks",
            Kind.DURATION,
            "expected a duration with its unit, such as '72 hours' or '7 days', got '72 weeks'",
        ),
        ("three", Kind.COUNT, "expected a whole number such as 3, got 'three'"),
        (2.5, Kind.COUNT, "expected a whole number such as 3, got 2.5"),
        (True, Kind.COUNT, "expected a whole number such as 3, got True"),
    ],
)
def test_wrong_units_and_types(raw: object, kind: Kind, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_quantity(raw, kind)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("-3 days", Kind.DURATION, "must be between 0 and 3650 days, got '-3 days'"),
        ("-500 CNY", Kind.MONEY, "must be between 0 and 100000000 CNY, got '-500 CNY'"),
        ("-1 percent", Kind.PERCENT, "must be between 0 and 100 percent, got '-1 percent'"),
        ("-2x", Kind.FACTOR, "must be between 0 and 100x, got '-2x'"),
        (-1, Kind.COUNT, "must be between 0 and 1000, got -1"),
    ],
)
def test_negatives_are_refused(raw: object, kind: Kind, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_quantity(raw, kind)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("99999999999 days", Kind.DURATION, "must be between 0 and 3650 days, got '99999999999 days'"),
        ("87601 hours", Kind.DURATION, "must be between 0 and 3650 days, got '87601 hours'"),
        (
            "1" + "0" * 400 + " hours",
            Kind.DURATION,
            "must be between 0 and 3650 days, got '1" + "0" * 53 + "…urs'",
        ),
        ("100000001 CNY", Kind.MONEY, "must be between 0 and 100000000 CNY, got '100000001 CNY'"),
        ("130 percent", Kind.PERCENT, "must be between 0 and 100 percent, got '130 percent'"),
        ("100000 %", Kind.PERCENT, "must be between 0 and 100 percent, got '100000 %'"),
        ("101x", Kind.FACTOR, "must be between 0 and 100x, got '101x'"),
        (1001, Kind.COUNT, "must be between 0 and 1000, got 1001"),
    ],
)
def test_values_beyond_the_range_are_refused(raw: object, kind: Kind, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_quantity(raw, kind)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("3650 days", Kind.DURATION, 87600.0),
        ("100000000 CNY", Kind.MONEY, 100_000_000.0),
        ("100 percent", Kind.PERCENT, 1.0),
        ("100x", Kind.FACTOR, 100.0),
        (1000, Kind.COUNT, 1000),
        ("0 hours", Kind.DURATION, 0.0),
    ],
)
def test_the_ends_of_the_range_are_accepted(raw: object, kind: Kind, value: float) -> None:
    assert parse_quantity(raw, kind) == value


@pytest.mark.parametrize(
    ("written", "local"),
    [
        ("2026-03-01T10:00:00+00:00", dt.datetime(2026, 3, 1, 18, 0)),
        ("2026-03-01T10:00:00", dt.datetime(2026, 3, 1, 10, 0)),
        ("1970-01-01T08:00:00+08:00", dt.datetime(1970, 1, 1, 8, 0)),
    ],
)
def test_china_time_converts_an_offset(written: str, local: dt.datetime) -> None:
    assert china_time(dt.datetime.fromisoformat(written)) == local


@pytest.mark.parametrize(
    "written",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "1969-12-31T23:59:59", "2200-01-01T00:00:00"],
)
def test_china_time_refuses_moments_outside_1970_to_2199(written: str) -> None:
    with pytest.raises(ValueError) as info:
        china_time(dt.datetime.fromisoformat(written))
    assert str(info.value) == (f"must be between 1970-01-01T00:00:00 and 2199-12-31T23:59:59 China time, got {written}")


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (72.0, Kind.DURATION, "3 days"),
        (168.0, Kind.DURATION, "7 days"),
        (36.0, Kind.DURATION, "36 hours"),
        (12.5, Kind.DURATION, "12.5 hours"),
        (0.0, Kind.DURATION, "0 hours"),
        (500.0, Kind.MONEY, "500 CNY"),
        (1234567.5, Kind.MONEY, "1234567.5 CNY"),
        (0.3, Kind.PERCENT, "30 percent"),
        (0.07, Kind.PERCENT, "7 percent"),
        (0.125, Kind.PERCENT, "12.5 percent"),
        (3.0, Kind.FACTOR, "3x"),
        (2.5, Kind.FACTOR, "2.5x"),
        (4, Kind.COUNT, "4"),
    ],
)
def test_format_every_unit(value: float, kind: Kind, text: str) -> None:
    assert format_quantity(value, kind) == text
    assert parse_quantity(text if kind is not Kind.COUNT else int(text), kind) == value


def test_format_never_uses_exponent_notation() -> None:
    assert format_quantity(0.00001, Kind.DURATION) == "0.00001 hours"
    assert format_quantity(1e20, Kind.MONEY) == "100000000000000000000 CNY"


def test_kind_examples() -> None:
    assert [kind.example for kind in Kind] == [
        "'72 hours' or '7 days'",
        "'500 CNY'",
        "'30 percent'",
        "'3x'",
        "a whole number such as 3",
    ]


# --- dated values ---------------------------------------------------------------------------


def test_plain_value_is_not_dated_and_applies_always() -> None:
    value = parse_dated("72 hours", Kind.DURATION)
    assert value == Dated(Kind.DURATION, ((None, 72.0),))
    assert not value.is_dated
    assert value.version_at(D(1990, 1, 1)) == (None, 72.0)
    assert value.at() == 72.0
    assert float(value) == 72.0
    assert value.to_yaml() == "3 days"


def test_dated_versions_are_sorted_and_picked_by_date() -> None:
    value = parse_dated({"2026-01-01": "10 days", "2020-01-01": "7 days"}, Kind.DURATION)
    assert value.versions == ((D(2020, 1, 1), 168.0), (D(2026, 1, 1), 240.0))
    assert value.is_dated
    assert value.version_at(D(2020, 1, 1)) == (D(2020, 1, 1), 168.0)
    assert value.version_at(D(2025, 12, 31)) == (D(2020, 1, 1), 168.0)
    assert value.version_at(D(2026, 1, 1)) == (D(2026, 1, 1), 240.0)
    assert value.at(dt.datetime(2025, 12, 31, 23, 59)) == 168.0
    assert value.at(dt.datetime(2026, 1, 1, 0, 0)) == 240.0
    assert value.at(None) == 240.0
    assert float(value) == 240.0
    assert value.to_yaml() == {"2020-01-01": "7 days", "2026-01-01": "10 days"}


def test_single_dated_version_is_dated() -> None:
    value = parse_dated({"2027-01-01": "48 hours"}, Kind.DURATION)
    assert value.is_dated
    assert value.at(D(2027, 1, 1)) == 48.0


def test_lookup_error_before_first_date() -> None:
    value = parse_dated({"2020-01-01": "7 days"}, Kind.DURATION)
    with pytest.raises(LookupError) as info:
        value.at(D(2019, 12, 31))
    assert str(info.value) == "no version in force on 2019-12-31 (first is 2020-01-01)"


def test_date_keys_may_be_dates() -> None:
    value = parse_dated({D(2020, 1, 1): "3x", dt.datetime(2021, 1, 1, 12): "4x"}, Kind.FACTOR)
    assert value.versions == ((D(2020, 1, 1), 3.0), (D(2021, 1, 1), 4.0))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "a dated value needs at least one 'YYYY-MM-DD: value' entry"),
        ({"2026-13-01": "7 days"}, "effective date '2026-13-01' is not an ISO date (YYYY-MM-DD)"),
        ({"soon": "7 days"}, "effective date 'soon' is not an ISO date (YYYY-MM-DD)"),
        (
            {"2026-01-01": "7 CNY"},
            "version 2026-01-01: wrong unit 'CNY': expected a duration such as '72 hours' or '7 days', got '7 CNY'",
        ),
    ],
)
def test_bad_dated_values(raw: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_dated(raw, Kind.DURATION)
    assert str(info.value) == message


def test_parse_dated_passes_dated_through() -> None:
    value = Dated(Kind.MONEY, ((None, 5.0),))
    assert parse_dated(value, Kind.MONEY) is value
