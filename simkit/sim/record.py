"""Recording a case's steps: one event tuple per step, closing a case, follow-up cases.

Events are tuples in `simkit.events.Event` field order; nothing is built when the
recorder keeps no events.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from simkit.sim import statuses as st

if TYPE_CHECKING:
    from simkit.sim.model import Case, Model

Proc = Generator[Any, Any, Any]
TIMEOUT = ("timeout", "", 0.0)
ESCALATE = ("escalate", "", 0.0)
REFUND_KINDS = frozenset({"refund_only", "return_refund"})


def ev(
    m: Model,
    c: Case | Sub,
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
        c.cs = cs
    if m.emit is not None:
        m.emit(
            (
                c.order,
                c.no if case_no is None else case_no,
                c.merchant,
                m.env.now if time is None else time,
                actor,
                activity,
                status,
                c.cs if case_no != 0 else 0,
                c.kind if case_no != 0 else "",
                c.reason if case_no != 0 else "",
                amount,
                rule,
            )
        )


def finish(m: Model, c: Case | Sub, remedy: bool) -> None:
    """Close the case: resolution time and remedy share."""
    if c.closed:
        return
    c.closed = True
    m.n.closed += 1
    m.n.resolution.append(m.env.now - c.start)
    if remedy:
        m.n.remedies += 1
    if c.over_period:
        m.n.over_period_closed += 1
        m.n.over_period_remedies += int(remedy)


class Sub:
    """A follow-up case on the same order (a complaint)."""

    __slots__ = ("closed", "cs", "kind", "merchant", "no", "order", "over_period", "reason", "start")

    def __init__(self, parent: Case, no: int, kind: str, start: float) -> None:
        self.order, self.no, self.merchant = parent.order, no, parent.merchant
        self.kind, self.reason, self.start, self.closed = kind, parent.reason, start, False
        self.cs, self.over_period = 0, False


def status(m: Model, c: Case, step: str) -> str:
    """The platform's after-sale status of `step` for case `c` (from the model's table for its kind)."""
    return m.kind_statuses[c.kind][step]


def agreed_status(m: Model, c: Case) -> str:
    """The status right after the merchant (or a timer, or the arbiter) agreed."""
    return status(m, c, st.REFUNDING if c.kind == "refund_only" else st.WAIT_RETURN)
