"""Recording a case's steps: one event tuple per step, closing a case, follow-up cases.

Events are tuples in `simkit.events.Event` field order; nothing is built when the
recorder keeps no events.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simkit.sim import statuses as st
from simkit.sim.state import Case, Simulation, Sub

Proc = Generator[Any, Any, Any]
TIMEOUT = ("timeout", "", 0.0)
ESCALATE = ("escalate", "", 0.0)
REFUND_KINDS = frozenset({"refund_only", "return_refund"})


def ev(
    model: Simulation,
    case: Case | Sub,
    actor: str,
    activity: str,
    status: str,
    amount: float = 0.0,
    rule: str = "",
    cs: int | None = None,
    case_no: int | None = None,
    time: float | None = None,
) -> None:
    """Record one event of case `c` (no-op without a recording recorder).

    ``cs`` sets the case's Taobao intervention status; once set it stays on every later
    event of the case (the order's own events, ``case_no=0``, carry 0).
    """
    if cs is not None:
        case.cs = cs
    if model.emit is not None:
        model.emit(
            (
                case.order,
                case.no if case_no is None else case_no,
                case.merchant,
                model.env.now if time is None else time,
                actor,
                activity,
                status,
                case.cs if case_no != 0 else 0,
                case.kind if case_no != 0 else "",
                case.reason if case_no != 0 else "",
                amount,
                rule,
            )
        )


def finish(model: Simulation, case: Case | Sub, remedy: bool) -> None:
    """Close the case: resolution time and remedy share."""
    if case.closed:
        return
    case.closed = True
    model.n.closed += 1
    model.n.resolution.append(model.env.now - case.start)
    if remedy:
        model.n.remedies += 1
    if case.over_period:
        model.n.over_period_closed += 1
        model.n.over_period_remedies += int(remedy)


def status(model: Simulation, case: Case, step: str) -> str:
    """The platform's after-sale status of `step` for case `c` (from the model's table for its kind)."""
    return model.kind_statuses[case.kind][step]


def agreed_status(model: Simulation, case: Case) -> str:
    """The status right after the merchant (or a timer, or the arbiter) agreed."""
    return status(model, case, st.REFUNDING if case.kind == "refund_only" else st.WAIT_RETURN)
