"""SimPy process of an after-sale case: checks, the request, and the race that decides it.

Every rule decision is a call into `simkit.rules`; the flow only routes on the answers.
The steps after the answer live in `outcomes`, late requests and claims in `periods`.
"""

from __future__ import annotations

import math

from simkit import rules
from simkit.sim import statuses as st
from simkit.sim.driver import drive, wake_at
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
from simkit.sim.state import Case, Simulation

__all__ = ["case_process", "emit_lifecycle", "request", "start_case"]

HANDLER_ACTOR = {"merchant": "merchant", "third_party": "provider", "platform_deposit": "platform"}
"""Who handles an exited store's after-sales, by follow-up mode (seed:000)."""


def start_case(model: Simulation, case: Case) -> None:
    """Start a case now: its steps run on the model's clock (`simkit.sim.driver`)."""
    drive(case_process(model, case))


def case_process(model: Simulation, case: Case) -> Proc:
    """The whole life of one case."""
    model.n.cases += 1
    if case.kind == "late_shipment_compensation":
        yield from late_claim(model, case)
        return
    policy, now = model.policy, model.env.now
    paid_at = model.cache.at(case.paid)
    received_at = None if math.isnan(case.deliver) else model.cache.at(case.deliver)
    completed = model.cache.at(case.confirm) if not math.isnan(case.confirm) and case.confirm <= now else None
    exit_h = float(model.merchants.exit_h[case.merchant])
    if exit_h <= now:
        mode = model.spec.merchants.exit.mode if model.spec.merchants.exit else "merchant"
        duty = rules.after_exit_duty(
            policy,
            category=case.category,
            paid_at=paid_at,
            completed_at=completed,
            received_at=received_at,
            exit_at=model.cache.at(exit_h),
            at=model.cache.at(now),
            mode=mode,
        )
        if not duty.allowed:
            ev(model, case, "buyer", "contact_merchant", "", rule=duty.rules[0])
            ev(model, case, "platform", "duty_ended", "", rule=duty.rules[0])
            finish(model, case, False)
            return
        case.handler = mode
        # who answers for the exited store (merchant, provider or platform), under the store-exit duty
        ev(model, case, HANDLER_ACTOR[mode], "handle_after_exit", "", rule=duty.rules[0] if duty.rules else "")
    if case.reason in POST_DELIVERY and received_at is not None:
        window = rules.after_sale_window(
            policy,
            category=case.category,
            completed_at=completed,
            at=model.cache.at(now),
            received_at=received_at,
            paid_at=paid_at,
        )
        case.window_rule = window.rules[0] if window.rules else ""
        if not window.allowed:
            ok = yield from over_period(model, case, window, completed)
            if not ok:
                return
    yield from request(model, case)


def request(model: Simulation, case: Case) -> Proc:
    """The buyer files; the merchant answers (or the timer does)."""
    now = model.env.now
    case.requested_at = now
    if model.emit is not None:
        ev(model, case, "buyer", "request", status(model, case, st.REQUESTED), case.price, case.window_rule)
    model.n.requests += 1
    if case.kind in REFUND_KINDS:
        model.n.refund_requests += 1
        if case.reason == "changed_mind" and math.isnan(case.ship):
            model.n.unshipped_refunds += 1
    deadline, timer_rule = model.cache.merchant_response(case.kind, now, case.paid)
    action = action_for(model, case)
    escalate_at, escalate_rule = _stall_escalation(model, case)
    verb, rule, amount, when = yield from answer(
        model, case, deadline, action, case.d[D_RESPONSE], case.d[D_HANDLE1], escalate_at
    )
    if verb in ("agree", "timeout") and case.kind != "refund_only":
        # an agreed return touches nothing shared until the goods arrive back: it goes on at
        # `when` without waking up then (`outcomes.return_leg`), unless the run ends first
        if when >= model.horizon:
            return
    else:
        yield wake_at(model.env, when)
    if verb == "escalate":
        yield from arbitration(model, case, escalate_rule, status(model, case, st.REQUESTED))
    elif verb == "timeout":
        model.n.auto_agree += 1
        if model.emit is not None:
            ev(model, case, "platform", "auto_agree", agreed_status(model, case), rule=timer_rule, time=when)
        yield from agreed(model, case, timer_rule, when)
    elif verb == "agree":
        if model.emit is not None:
            ev(model, case, "merchant", "agree", agreed_status(model, case), rule=rule, time=when)
        yield from agreed(model, case, rule, when)
    elif verb == "offer":
        yield from offer(model, case, amount, rule)
    elif verb == "alternative":
        yield from offer(model, case, amount, rule, declined="refuse")
    else:
        model.n.refusals += 1
        ev(model, case, "merchant", "refuse", status(model, case, st.REFUSED), rule=rule)
        yield from refused(model, case)


def _stall_escalation(model: Simulation, case: Case) -> tuple[float, str]:
    """When a buyer who runs out of patience may ask the platform to step in, if the rules allow it."""
    if case.u[U_STALL] >= model.spec.buyers.escalate_after_stall:
        return math.inf, ""
    asked, paid_at = model.cache.at(case.requested_at), model.cache.at(case.paid)
    when = case.requested_at + case.d[D_PATIENCE]
    itv = rules.intervention(model.policy, refund_requested_at=asked, at=model.cache.at(when), paid_at=paid_at)
    if not itv.allowed and itv.outcome == "too_early" and itv.deadline is not None:
        when = model.hours(itv.deadline)
        itv = rules.intervention(model.policy, refund_requested_at=asked, at=itv.deadline, paid_at=paid_at)
    if not itv.allowed:
        return math.inf, ""
    return when, itv.rules[0]
