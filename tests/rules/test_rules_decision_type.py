"""The `Decision` type: immutable, checked when built and when changed."""

from __future__ import annotations

import datetime as dt

import pytest

from simkit.rules import Decision

MOMENT = dt.datetime(2026, 3, 5, 12)


def test_a_deadline_needs_its_kind_and_the_other_way_round() -> None:
    with pytest.raises(ValueError) as missing_kind:
        Decision(True, "ok", (), "en", "zh", deadline=MOMENT)
    assert str(missing_kind.value) == (
        "a decision's deadline and deadline_kind go together "
        "(deadline=datetime.datetime(2026, 3, 5, 12, 0), deadline_kind=None, outcome='ok')"
    )
    with pytest.raises(ValueError, match="deadline=None, deadline_kind='answer_by'"):
        Decision(True, "ok", (), "en", "zh", deadline_kind="answer_by")


def test_an_unknown_deadline_kind_is_refused() -> None:
    with pytest.raises(ValueError) as error:
        Decision(True, "ok", (), "en", "zh", deadline=MOMENT, deadline_kind="whenever")  # type: ignore[arg-type]
    assert str(error.value) == "unknown deadline_kind 'whenever'"


def test_of_deadline_builds_the_same_decision_as_the_constructor_and_checks_the_same() -> None:
    built = Decision.of_deadline(
        False, "window_passed", ("a.rule",), "en", "zh", MOMENT, "window_end", (("a.path", "2026-01-01"),)
    )
    assert built == Decision(
        False,
        "window_passed",
        ("a.rule",),
        "en",
        "zh",
        deadline=MOMENT,
        deadline_kind="window_end",
        versions=(("a.path", "2026-01-01"),),
    )
    assert type(built) is Decision
    assert (built.amount, built.points, built.advance_payer, built.burden_of_proof, built.timeline) == (
        None,
        0,
        None,
        None,
        (),
    )
    with pytest.raises(ValueError) as unknown:
        Decision.of_deadline(True, "ok", (), "en", "zh", MOMENT, "whenever", ())  # type: ignore[arg-type]
    assert str(unknown.value) == "unknown deadline_kind 'whenever'"
    with pytest.raises(ValueError, match="deadline=None, deadline_kind='window_end'"):
        Decision.of_deadline(True, "ok", (), "en", "zh", None, "window_end", ())  # type: ignore[arg-type]


def test_replace_gives_a_checked_copy_and_leaves_the_original() -> None:
    base = Decision(True, "ok", ("a.rule",), "en", "zh", deadline=MOMENT, deadline_kind="answer_by")
    later = base._replace(outcome="later", deadline=MOMENT + dt.timedelta(hours=1))
    assert (base.outcome, base.deadline) == ("ok", MOMENT)
    assert (later.outcome, later.deadline, later.deadline_kind) == ("later", dt.datetime(2026, 3, 5, 13), "answer_by")
    with pytest.raises(ValueError, match="go together"):
        base._replace(deadline_kind=None)


def test_fields_cannot_be_assigned() -> None:
    decision = Decision(False, "refuse", (), "en", "zh")
    with pytest.raises(AttributeError):
        decision.allowed = True  # type: ignore[misc]
    assert decision.allowed is False
