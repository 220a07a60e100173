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
