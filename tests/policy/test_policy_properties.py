"""Property-based tests: dated values, unit round trips, variants never change their base, diff symmetry."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from simkit.policy.diff import diff_policies
from simkit.policy.loader import build_policy, load_policy
from simkit.policy.model import Policy
from simkit.policy.values import Dated, Kind, format_quantity, parse_dated, parse_quantity
from simkit.policy.variants import apply_variants, load_variant

ROOT = Path(__file__).resolve().parents[2]
POLICIES = (str(ROOT / "policies" / "tmall.yaml"), str(ROOT / "policies" / "video_channel.yaml"))
FAST = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(FAST, max_examples=12)  # each example loads policies (~40 ms each)
UNIT = {Kind.DURATION: " hours", Kind.MONEY: " CNY", Kind.PERCENT: " percent", Kind.FACTOR: "x"}


# --- dated values ---------------------------------------------------------------------------

dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31))


@FAST
@given(
    versions=st.dictionaries(dates, st.integers(0, 1000), min_size=1, max_size=6),
    when=st.dates(min_value=dt.date(1999, 1, 1), max_value=dt.date(2031, 12, 31)),
)
def test_dated_value_picks_the_latest_version_not_after_the_date(versions: dict[dt.date, int], when: dt.date) -> None:
    value = parse_dated({day.isoformat(): f"{hours} hours" for day, hours in versions.items()}, Kind.DURATION)
    in_force = [day for day in versions if day <= when]
    if not in_force:
        with pytest.raises(LookupError):
            value.version_at(when)
        return
    since = max(in_force)
    assert value.version_at(when) == (since, float(versions[since]))
    assert value.at(dt.datetime.combine(when, dt.time(23, 59))) == float(versions[since])
    assert value.at() == float(versions[max(versions)])


# --- parse(format(x)) == x --------------------------------------------------------------------


def _decimals(places: int, top: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=top, places=places, allow_nan=False, allow_infinity=False)


@FAST
@given(st.one_of(_decimals(3, 87_600).map(float), st.integers(0, 3650).map(lambda days: days * 24.0)))
def test_duration_round_trip(hours: float) -> None:
    assert parse_quantity(format_quantity(hours, Kind.DURATION), Kind.DURATION) == hours


@FAST
@given(_decimals(2, 10**8).map(float))
def test_money_round_trip(amount: float) -> None:
    assert parse_quantity(format_quantity(amount, Kind.MONEY), Kind.MONEY) == amount


@FAST
@given(_decimals(2, 100))
def test_percent_round_trip(percent: Decimal) -> None:
    fraction = parse_quantity(f"{percent} percent", Kind.PERCENT)
    assert parse_quantity(format_quantity(fraction, Kind.PERCENT), Kind.PERCENT) == fraction


@FAST
@given(_decimals(3, 100).map(float))
def test_factor_round_trip(factor: float) -> None:
    assert parse_quantity(format_quantity(factor, Kind.FACTOR), Kind.FACTOR) == factor


@FAST
@given(st.integers(0, 1000))
def test_count_round_trip(count: int) -> None:
    assert parse_quantity(int(format_quantity(count, Kind.COUNT)), Kind.COUNT) == count


# --- variants and diff -------------------------------------------------------------------------


@cache
def _base(policy: str) -> Policy:
    return load_policy(policy)


@cache
def _numeric_paths(policy: str) -> tuple[tuple[str, Kind], ...]:
    """Every numeric (Dated) parameter of a policy, with its kind."""
    out = []
    base = _base(policy)
    for path in base.parameters():
        node: Any = base.spec
        for part in path.split("."):
            if isinstance(node, BaseModel):
                node = getattr(node, part)
            else:
                node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, Dated):
            out.append((path, node.kind))
    return tuple(out)


def _value(kind: Kind, number: int, dated: bool) -> Any:
    plain: Any = number if kind is Kind.COUNT else f"{number}{UNIT[kind]}"
    later: Any = number + 1 if kind is Kind.COUNT else f"{number + 1}{UNIT[kind]}"
    return {"2020-01-01": plain, "2026-07-01": later} if dated else plain


@st.composite
def variants(draw: st.DrawFn, policy: str) -> dict[str, Any]:
    """A ``set:`` mapping of 1-3 numeric parameters of `policy`."""
    chosen = draw(st.lists(st.sampled_from(_numeric_paths(policy)), min_size=1, max_size=3, unique_by=lambda p: p[0]))
    return {path: _value(kind, draw(st.integers(0, 99)), draw(st.booleans())) for path, kind in chosen}


def _write(directory: str, name: str, changes: dict[str, Any]) -> str:
    file = Path(directory) / f"{name}.yaml"
    header = {"id": name, "name": {"zh": "变", "en": name}, "source": "assumption"}
    file.write_text(yaml.safe_dump({"variant": header, "set": changes}, allow_unicode=True), encoding="utf-8")
    return str(file)


policies = st.sampled_from(POLICIES)


@SLOW
@given(data=st.data(), policy=policies)
def test_applying_a_variant_never_changes_the_base(data: st.DataObject, policy: str) -> None:
    changes = data.draw(variants(policy))
    base = _base(policy)
    parameters, digest, tree = base.parameters(), base.digest, base.tree
    with tempfile.TemporaryDirectory() as directory:
        file = _write(directory, "v", changes)
        patched = load_policy(policy, [file])
        located = base.located
        rebuilt = build_policy(apply_variants(located, [load_variant(file)]), base.files, [load_variant(file)])
        assert located.data == base.located.data
        again = load_policy(policy, [file])
    assert (base.parameters(), base.digest, base.tree) == (parameters, digest, tree)
    assert load_policy(policy).digest == digest
    assert again.parameters() == patched.parameters() and again.digest == patched.digest
    assert rebuilt.parameters() == patched.parameters()
    for path, value in changes.items():
        assert patched.parameters()[path] == value


@SLOW
@given(data=st.data(), policy=policies)
def test_diff_of_a_policy_with_itself_is_empty(data: st.DataObject, policy: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        patched = load_policy(policy, [_write(directory, "v", data.draw(variants(policy)))])
    assert diff_policies(patched, patched) == []


_FLIP = {
    "buyer": "merchant",
    "merchant": "buyer",
    "neutral": "neutral",
    "changed": "changed",
    "added": "removed",
    "removed": "added",
}


@SLOW
@given(data=st.data(), policy=policies)
def test_diff_is_antisymmetric(data: st.DataObject, policy: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        a = load_policy(policy, [_write(directory, "a", data.draw(variants(policy)))])
        b = load_policy(policy, [_write(directory, "b", data.draw(variants(policy)))])
    forward = {change.path: change for change in diff_policies(a, b)}
    backward = {change.path: change for change in diff_policies(b, a)}
    assert forward.keys() == backward.keys()
    for path, change in forward.items():
        back = backward[path]
        assert (back.old, back.new) == (change.new, change.old)
        assert back.favours == _FLIP[change.favours]
        assert back.change == _FLIP[change.change]


def test_diff_across_platforms_is_antisymmetric() -> None:
    a, b = _base(POLICIES[0]), _base(POLICIES[1])
    forward = {change.path: change for change in diff_policies(a, b)}
    backward = {change.path: change for change in diff_policies(b, a)}
    assert forward.keys() == backward.keys()
    for path, change in forward.items():
        assert (backward[path].favours, backward[path].change) == (_FLIP[change.favours], _FLIP[change.change])
