"""Planned cases waiting as columns (`simkit.sim.pending`): launch order, chunks, merges, stale windows."""

from __future__ import annotations

import numpy as np
import pytest

from simkit.sim.pending import CHUNK, Pending


def _window(starts: list[float], case_nos: list[int], orders: list[int]) -> tuple[list[np.ndarray], tuple]:
    """Columns shaped like `plan_columns` (order, case number, a text, two float rows, start)."""
    start = np.array(starts)
    case_no = np.array(case_nos, dtype=np.int64)
    order = np.array(orders, dtype=np.int64)
    text = np.array([f"o{o}" for o in orders], dtype=object)
    u = np.array([[o + 0.5, o + 0.25] for o in orders])
    return [order, case_no, text, u, start], (start, case_no, order)


def _drain(pending: Pending) -> list[tuple]:
    taken = []
    while pending.next() is not None:
        taken.append(pending.pop())
    return taken


def test_rows_come_as_python_values_in_launch_order_across_chunk_boundaries():
    count = 2 * CHUNK + 7
    pending = Pending()
    pending.add(*_window([float(k) for k in range(count)], [1] * count, list(range(count))))
    assert len(pending) == count
    rows = _drain(pending)
    assert len(pending) == 0
    assert [row[0] for row in rows] == list(range(count))
    assert rows[CHUNK] == (CHUNK, 1, f"o{CHUNK}", [CHUNK + 0.5, CHUNK + 0.25], float(CHUNK))
    assert {type(value) for row in rows for value in row} == {int, str, list, float}


def test_a_window_is_merged_by_start_then_case_number_then_order_id():
    pending = Pending()
    pending.add(*_window([1.0, 2.0, 4.0, 4.0], [1, 1, 1, 2], [10, 11, 12, 10]))
    assert pending.next() == (10, 1, "o10", [10.5, 10.25], 1.0)
    assert pending.pop() == (10, 1, "o10", [10.5, 10.25], 1.0)
    # a later window whose cases fall between the waiting ones: a claim (case 2) after a request (case 1)
    # at the same time, and an earlier order id first at the same time and case number
    pending.add(*_window([2.0, 4.0, 5.0], [1, 1, 1], [9, 13, 14]))
    assert [(row[-1], row[1], row[0]) for row in _drain(pending)] == [
        (2.0, 1, 9),
        (2.0, 1, 11),
        (4.0, 1, 12),
        (4.0, 1, 13),
        (4.0, 2, 10),
        (5.0, 1, 14),
    ]


def test_a_window_drawn_after_its_first_case_should_have_started_is_refused():
    pending = Pending()
    pending.add(*_window([1.0, 3.0], [1, 1], [1, 2]))
    pending.next()
    pending.pop()
    pending.next()
    pending.pop()
    with pytest.raises(RuntimeError) as raised:
        pending.add(*_window([2.0], [1], [3]))
    assert str(raised.value) == "a window of orders was drawn after its first case should have started: (2.0, 1, 3)"
    pending.add(*_window([3.0], [1], [3]))  # at the last start, after it in the launch order: fine
    assert [row[0] for row in _drain(pending)] == [3]
