"""Staff pools with shifts by hour and weekday."""

from __future__ import annotations

import pytest

from simkit.scenario.schema import Shift
from simkit.sim.pools import Pool

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


@pytest.fixture
def office() -> Pool:
    # one agent, 09:00-18:00 Monday to Friday; hour 0 is Monday 00:00
    return Pool(1, [Shift(start=9, end=18, days=WEEKDAYS)], start_hour=0.0, start_weekday=0)


def test_friday_evening_waits_for_monday_morning(office):
    assert office.until_open(4 * 24 + 18) == 63.0  # Friday 18:00 -> Monday 09:00
    assert office.until_open(5 * 24 + 10) == 47.0  # Saturday 10:00 -> Monday 09:00
    assert office.until_open(2 * 24 + 12) == 0.0  # Wednesday noon: open
    assert office.until_open(2 * 24 + 7) == 2.0  # Wednesday 07:00 -> 09:00


def test_a_task_booked_on_saturday_starts_on_monday(office):
    assert office.book(5 * 24 + 10, 1.0) == 7 * 24 + 9
    assert office.wait == 47.0


def test_staffed_hours_count_only_working_days(office):
    assert office.staffed_hours(7 * 24) == 5 * 9  # one week: five 9-hour days
    every_day = Pool(2, [Shift(start=9, end=18)], start_hour=0.0, start_weekday=0)
    assert every_day.staffed_hours(7 * 24) == 2 * 7 * 9


def test_a_start_on_sunday_shifts_the_week():
    pool = Pool(1, [Shift(start=9, end=18, days=WEEKDAYS)], start_hour=0.0, start_weekday=6)
    assert pool.until_open(10) == 23.0  # Sunday 10:00 -> Monday 09:00
