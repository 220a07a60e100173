"""SimPy process of an after-sale case: checks, the request, and the race that decides it.

Every rule decision is a call into `simkit.rules`; the flow only routes on the answers.
The steps after the answer live in `outcomes`, late requests and claims in `periods`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simkit import rules
from simkit.sim import statuses as st
from simkit.sim.lifecycle import emit_lifecycle
from simkit.sim.merchant import action_for, answer
from simkit.sim.outcomes import agreed, arbitration, offer, refused
from simkit.sim.periods import late_claim, over_period
from simkit.sim.plan import (
    D_HANDLE1,
    D_PATIENCE,
    D_RESPONSE,
    POST_DELIVERY,
    U_STALL,
)
from simkit.sim.record import REFUND_KINDS, Proc, agreed_status, ev, finish, status

if TYPE_CHECKING:
    from simkit.sim.model import Case, Model

__all__ = ["case_process", "emit_lifecycle", "request"]

HANDLER_ACTOR = {"merchant": "merchant", "third_party": "provider", "platform_deposit": "platform"}
"""Who handles an exited store's after-sales, by follow-up mode (seed:000)."""


def case_process(m: Model, c: Case) -> Proc:
    """The whole life of one case."""
    m.n.cases += 1
    if c.kind == "late_shipment_compensation":
        yield from late_claim(m, c)
        return
    P, now = m.policy, m.env.now
    paid_at = m.at(c.paid)
    received_at = None if math.isnan(c.deliver) else m.at(c.deliver)
    completed = m.at(c.confirm) if not math.isnan(c.confirm) and c.confirm <= now else None
    exit_h = float(m.merchants.exit_h[c.merchant])
    if exit_h <= now:
        mode = m.spec.merchants.exit.mode if m.spec.merchants.exit else "merchant"
        duty = rules.after_exit_duty(
            P,
            category=c.category,
            paid_at=paid_at,
            completed_at=completed,
            received_at=received_at,
            exit_at=m.at(exit_h),
            at=m.at(now),
            mode=mode,
        )
        if not duty.allowed:
            ev(m, c, "buyer", "contact_merchant", "", rule=duty.rules[0])
            ev(m, c, "platform", "duty_ended", "", rule=duty.rules[0])
            finish(m, c, False)
            return
        c.handler = mode
        # who answers for the exited store (merchant, provider or platform), under the store-exit duty
        ev(m, c, HANDLER_ACTOR[mode], "handle_after_exit", "", rule=duty.rules[0] if duty.rules else "")
    if c.reason in POST_DELIVERY and received_at is not None:
        win = rules.after_sale_window(
            P, category=c.category, completed_at=completed, at=m.at(now), received_at=received_at, paid_at=paid_at
        )
        c.window_rule = win.rules[0] if win.rules else ""
        if not win.allowed:
            ok = yield from over_period(m, c, win, completed)
            if not ok:
                return
    yield from request(m, c)


def request(m: Model, c: Case) -> Proc:
    """The buyer files; the merchant answers (or the timer does)."""
    now = m.env.now
    c.requested_at = now
    ev(m, c, "buyer", "request", status(m, c, st.REQUESTED), c.price, c.window_rule)
    m.n.requests += 1
    if c.kind in REFUND_KINDS:
        m.n.refund_requests += 1
        if c.reason == "changed_mind" and math.isnan(c.ship):
            m.n.unshipped_refunds += 1
    deadline, timer_rule = m.cache.merchant_response(c.kind, now, c.paid)
    action = action_for(m, c)
    escalate_at, escalate_rule = _stall_escalation(m, c)
    verb, rule, amount = yield from answer(m, c, deadline, action, c.d[D_RESPONSE], c.d[D_HANDLE1], escalate_at)
    if verb == "escalate":
        yield from arbitration(m, c, escalate_rule, status(m, c, st.REQUESTED))
    elif verb == "timeout":
        m.n.auto_agree += 1
        ev(m, c, "platform", "auto_agree", agreed_status(m, c), rule=timer_rule)
        yield from agreed(m, c, timer_rule)
    elif verb == "agree":
        ev(m, c, "merchant", "agree", agreed_status(m, c), rule=rule)
        yield from agreed(m, c, rule)
    elif verb == "offer":
        yield from offer(m, c, amount, rule)
    elif verb == "alternative":
        yield from offer(m, c, amount, rule, declined="refuse")
    else:
        m.n.refusals += 1
        ev(m, c, "merchant", "refuse", status(m, c, st.REFUSED), rule=rule)
        yield from refused(m, c)


def _stall_escalation(m: Model, c: Case) -> tuple[float, str]:
    """When a buyer who runs out of patience may ask the platform to step in, if the rules allow it."""
    if c.u[U_STALL] >= m.spec.buyers.escalate_after_stall:
        return math.inf, ""
    asked, paid_at = m.at(c.requested_at), m.at(c.paid)
    when = c.requested_at + c.d[D_PATIENCE]
    itv = rules.intervention(m.policy, refund_requested_at=asked, at=m.at(when), paid_at=paid_at)
    if not itv.allowed and itv.outcome == "too_early" and itv.deadline is not None:
        when = m.hours(itv.deadline)
        itv = rules.intervention(m.policy, refund_requested_at=asked, at=itv.deadline, paid_at=paid_at)
    if not itv.allowed:
        return math.inf, ""
    return when, itv.rules[0]
