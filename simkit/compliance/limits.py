"""Per-order limits and windows: attempts, extensions, reopenings, rule complaints, request windows.

These count across all of an order's cases, so they walk the order's steps in time order and
ask `simkit.rules` at each step with the counts so far. An extension, reopening or complaint
the rules refuse is reported and not counted (it could not have taken effect); every request
counts as an attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simkit import rules
from simkit.compliance.calls import iso, to_micros
from simkit.logs.orderlog import CaseLog, Ev
from simkit.rules import in_time

if TYPE_CHECKING:
    from simkit.compliance.conformance import OrderChecks

_LIMIT_STEPS = frozenset({"request", "extend_after_sale", "reopen_entry", "file_complaint", "withdraw_complaint"})


def order_limits(chk: OrderChecks) -> None:
    """Run the per-order checks of `chk`'s order."""
    order = chk.order
    steps = sorted(
        ((ev.time, ev.line, case, ev) for case in order.cases for ev in case.events if ev.activity in _LIMIT_STEPS),
        key=lambda item: (item[0], item[1]),
    )
    state = _State()
    for _, _, case, ev in steps:
        if ev.activity == "request":
            if case.case_id not in state.requested:
                _attempt(chk, case, ev, state)
                _window(chk, case, ev, state)
                state.requested.add(case.case_id)
        elif ev.activity == "extend_after_sale":
            _extension(chk, case, ev, state)
        elif ev.activity == "reopen_entry":
            _reopen(chk, case, ev, state)
        elif ev.activity == "file_complaint":
            _complaint(chk, case, ev, state)
        else:
            state.withdrawn = True


class _State:
    """Counts so far on the order."""

    def __init__(self) -> None:
        self.requested: set[str] = set()
        self.attempts: dict[str, int] = {}
        self.extensions = 0
        self.extended_until: int | None = None
        self.reopens = 0
        self.reopened_until: int | None = None
        self.complaints = 0
        self.withdrawn = False


def _attempt(chk: OrderChecks, case: CaseLog, ev: Ev, state: _State) -> None:
    if chk.ctx.policy.spec.channels is None:
        return
    before = state.attempts.get(case.item, 0)
    d = rules.after_sale_attempt(chk.ctx.policy, attempts=before)
    state.attempts[case.item] = before + 1
    if d.allowed:
        chk.ok(d.rules[0], "attempts")
    else:
        chk.found(
            d.rules[0], "attempts", d.reason_en, f"after-sale request number {before + 1} on the item", [ev], case
        )


def _window(chk: OrderChecks, case: CaseLog, ev: Ev, state: _State) -> None:
    f, calls, policy = chk.f, chk.calls, chk.ctx.policy
    if policy.spec.tmall is None and policy.spec.channels is None:
        return
    clause = "tmall.after_sale_window" if policy.spec.tmall is not None else "channels.period_order"
    if f.delivered is None or f.delivered > ev.time:
        return
    if f.category is None or f.category not in policy.spec.categories:
        chk.skip(clause, "window", "needs the category")
        return
    completed = f.completed if f.completed is not None and f.completed <= ev.time else None
    d = rules.after_sale_window(
        policy,
        category=f.category,
        completed_at=calls.at(completed),
        at=calls.at(ev.time),  # type: ignore[arg-type]
        received_at=calls.at(f.delivered),
        paid_at=calls.at(f.paid),
    )
    if d.allowed:
        chk.ok(d.rules[0], "window")
        return
    for until, how in ((state.reopened_until, "reopening"), (state.extended_until, "extension")):
        if until is not None and in_time(ev.time, until + chk.tol):
            chk.ok(d.rules[0], f"window_after_{how}")
            return
    ended = iso(to_micros(d.deadline)) if d.deadline is not None else "?"
    chk.found(
        d.rules[0],
        "window",
        f"a request within the after-sale period (it ended {ended}), or after a reopening or extension",
        f"request at {iso(ev.time)} with no reopening or extension",
        [ev],
        case,
        severity="warning",
    )


def _extension(chk: OrderChecks, case: CaseLog, ev: Ev, state: _State) -> None:
    f, calls, policy = chk.f, chk.calls, chk.ctx.policy
    if f.paid is None:
        chk.skip("channels.extend", "extension", "needs the payment time")
        return
    settled = f.settled if f.settled is not None and f.settled <= ev.time else None
    end = ev.time
    if f.category in policy.spec.categories and f.delivered is not None and policy.spec.channels is not None:
        end = to_micros(rules.period_end(policy, category=f.category, received_at=calls.at(f.delivered)))  # type: ignore[arg-type]
    d = rules.extend_after_sale(
        policy,
        paid_at=calls.at(f.paid),  # type: ignore[arg-type]
        settled_at=calls.at(settled),
        at=calls.at(ev.time),  # type: ignore[arg-type]
        period_end=calls.at(end),  # type: ignore[arg-type]
        extensions=state.extensions,
    )
    clause = d.rules[0] if d.rules else "channels.extend"
    if d.allowed:
        state.extensions += 1
        state.extended_until = to_micros(d.deadline) if d.deadline is not None else None
        chk.ok(clause, "extension")
    else:
        chk.found(
            clause, "extension", d.reason_en, f"extension number {state.extensions + 1} at {iso(ev.time)}", [ev], case
        )


def _reopen(chk: OrderChecks, case: CaseLog, ev: Ev, state: _State) -> None:
    f, calls, policy = chk.f, chk.calls, chk.ctx.policy
    if f.paid is None or f.category is None or f.category not in policy.spec.categories:
        chk.skip("tmall.reopen_entry", "reopen", "needs the payment time and the category")
        return
    completed = f.completed if f.completed is not None and f.completed <= ev.time else None
    earlier = sum(
        1
        for other in chk.order.cases
        if other is not case and any(e.activity == "request" and e.time < ev.time for e in other.events)
    )
    d = rules.reopen_entry(
        policy,
        category=f.category,
        paid_at=calls.at(f.paid),  # type: ignore[arg-type]
        completed_at=calls.at(completed),
        at=calls.at(ev.time),  # type: ignore[arg-type]
        after_sales=earlier,
        reopened=state.reopens,
    )
    clause = d.rules[0] if d.rules else "tmall.reopen_entry"
    if d.allowed:
        state.reopens += 1
        state.reopened_until = to_micros(d.deadline) if d.deadline is not None else None
        chk.ok(clause, "reopen")
    else:
        chk.found(clause, "reopen", d.reason_en, f"entry reopened at {iso(ev.time)}", [ev], case)


def _complaint(chk: OrderChecks, case: CaseLog, ev: Ev, state: _State) -> None:
    f, calls, policy = chk.f, chk.calls, chk.ctx.policy
    closes = [
        e.time
        for other in chk.order.cases
        if other is not case
        for e in other.events
        if e.activity in _CLOSES and e.time <= ev.time
    ]
    closed = max(closes) if closes else f.closed if f.closed is not None else f.completed
    if closed is None:
        chk.skip("tmall.rule_complaint", "complaint", "needs the close of the transaction")
        return
    d = rules.rule_complaint(
        policy,
        closed_at=calls.at(closed),
        at=calls.at(ev.time),  # type: ignore[arg-type]
        reason=case.reason or "not_as_described",
        complaints_filed=state.complaints,
        withdrawn=state.withdrawn,
        paid_at=calls.at(f.paid),
    )
    if not d.rules:
        return
    if d.allowed:
        state.complaints += 1
        chk.ok(d.rules[0], "complaint")
    else:
        chk.found(d.rules[0], "complaint", d.reason_en, f"complaint filed at {iso(ev.time)}", [ev], case)


_CLOSES = frozenset(
    {"refund", "close_return", "close", "cancel", "merchant_wins", "deliver_replacement", "deliver_repaired"}
)
"""Steps that close a case (a rule complaint counts from the close)."""
