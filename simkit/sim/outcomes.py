"""What follows the merchant's answer: refund, the return leg, exchange and repair, offers,
refusal and escalation, platform intervention and rule complaints. Every decision is a call
into `simkit.rules`.
"""

from __future__ import annotations

import math

from simkit import rules
from simkit.rules import in_time
from simkit.sim import statuses as st
from simkit.sim.driver import drive, wake_at
from simkit.sim.judgement import arbiter_finds_for_buyer, severity
from simkit.sim.lifecycle import close_trade
from simkit.sim.merchant import answer, no_reason_return
from simkit.sim.plan import (
    CLAIM_CASE_NO,
    D_ARBITER,
    D_ESCALATE,
    D_HANDLE2,
    D_HANDLE3,
    D_RETURN,
    D_TRANSIT,
    D_TRANSIT2,
    U_ACCEPT,
    U_COMPLAINT,
    U_ESCALATE,
    U_RETURN,
)
from simkit.sim.record import Proc, agreed_status, ev, finish, status
from simkit.sim.state import Case, Simulation, Sub

TAOBAO_CS_NEEDED, TAOBAO_CS_INTERVENED, TAOBAO_CS_DONE = 2, 3, 6
"""Taobao ``cs_status``: intervention needed, platform intervened, intervention done."""


def agreed(model: Simulation, case: Case, rule: str, now: float | None = None) -> Proc:
    """After agreement (at simulation hour `now`, default the clock's): refund at once, or the return leg first.

    Only a return may be agreed ahead of the clock (see `return_leg`); a refund waits for it.
    """
    case.basis = rule
    if case.kind == "refund_only":
        refund(model, case, case.price, rule)
        return
    yield from return_leg(model, case, model.env.now if now is None else now)


def refund(model: Simulation, case: Case, amount: float, rule: str, after_return: bool = False) -> None:
    """Pay the refund (and any compensation that goes with it); the case ends with a remedy."""
    done = st.RETURN_DONE if after_return else st.REFUND_DONE
    rule = rule or _due_rule(model, case)
    if model.emit is not None:
        ev(model, case, "platform", "refund", status(model, case, done), amount, rule)
    case.refunded += amount
    if case.handler == "platform_deposit":
        model.n.cost_deposit += amount
    else:
        model.n.cost_refunds += amount
    if case.intervened:
        model.n.dispute_refunds += 1
    full = amount >= case.price
    if case.reason == "counterfeit" and full:
        decision = rules.counterfeit_compensation(model.policy, price=case.price, paid_at=model.cache.at(case.paid))
        if decision.allowed and decision.amount:
            ev(model, case, "platform", "pay_compensation", "", decision.amount, decision.rules[0])
            model.n.cost_penalties += decision.amount
    if case.reason == "out_of_stock" and full:
        decision = rules.late_shipment_compensation(
            model.policy,
            price=case.price,
            paid_at=model.cache.at(case.paid),
            at=model.cache.at(model.env.now),
            reason="out_of_stock",
            channel=case.channel,
        )
        if decision.allowed and decision.amount:
            ev(model, case, "platform", "pay_compensation", "", decision.amount, decision.rules[0])
            model.n.cost_compensation += decision.amount
    finish(model, case, True)
    close_trade(model, case, full, rule)


def _due_rule(model: Simulation, case: Case) -> str:
    """The rule a refund the merchant agreed to is paid under (the legal refund deadline)."""
    due = rules.refund_deadline(
        model.policy, received_return_at=model.cache.at(model.env.now), paid_at=model.cache.at(case.paid)
    )
    return due.rules[0] if due.rules else ""


def return_leg(model: Simulation, case: Case, now: float) -> Proc:
    """The buyer ships the goods back; the merchant confirms receipt (or the timer does).

    It starts at simulation hour `now`, the agreement, which may be ahead of the clock: until the
    goods arrive back nothing here touches what other cases share, so it runs on without waking
    up at the agreement or the shipment, and wakes at the exact times a timeout would have.
    """
    env = model.env
    last, return_rule = model.cache.buyer_return(now, case.paid)
    delay = case.d[D_RETURN]
    if case.u[U_RETURN] >= model.spec.buyers.return_on_time or not in_time(now + delay, last):
        if last == math.inf:
            return
        yield wake_at(env, now + max(0.0, last - now))
        ev(model, case, "platform", "close_return", status(model, case, st.RETURN_CLOSED), rule=return_rule)
        finish(model, case, False)
        close_trade(model, case, False, return_rule)
        return
    # The shipment touches nothing another case reads or adds to in turn (the shipping cost only
    # ever grows by the one fixed return fee, so its sum is the same in any order): it is settled
    # here, at its own time `shipped`, without a wake-up of its own; the run ends before it when
    # the horizon comes first, as a timeout would.
    shipped = now + delay
    if shipped >= model.horizon:
        return
    ship = model.cache.pure(rules.return_shipping, reason=case.reason, kind=case.kind, free_shipping=case.free)
    fee = model.spec.logistics.return_fee
    share = 1.0 if ship.payer == "merchant" else 0.0  # the merchant's share of the return fee
    if model.emit is not None:
        ev(
            model,
            case,
            "buyer",
            "ship_return",
            status(model, case, st.WAIT_RECEIPT),
            fee,
            ship.rules[0] if ship.rules else "",
            time=shipped,
        )
    model.n.cost_shipping += fee * share
    # the platform's receipt timer runs from the shipment, while the parcel travels
    receipt_due, receipt_rule = model.cache.merchant_receipt(shipped, case.paid)
    service = case.kind in ("exchange", "repair")
    next_status = status(model, case, st.RESHIP if service else st.REFUNDING)
    arrival = shipped + case.d[D_TRANSIT]
    if not in_time(arrival, receipt_due):  # still travelling when the timer fires
        yield wake_at(env, shipped + (receipt_due - shipped))
        _receipt_timer_fired(model, case, service, next_status, receipt_rule)
        if not service:
            refund(model, case, case.price, receipt_rule, after_return=True)
            return
        yield env.timeout(arrival - env.now)
        yield from send_back(model, case)
        return
    yield wake_at(env, arrival)
    if model.emit is not None:
        ev(model, case, "logistics", "return_delivered", status(model, case, st.WAIT_RECEIPT))
    if receipt_due == math.inf:  # no platform timer (national floor): the legal refund deadline
        receipt_due, receipt_rule = model.cache.refund_due(env.now, case.paid)
    late = (
        model.playbook.confirm_returns == "late" and case.handler == "merchant"
    )  # a provider or the platform is on time
    action = "stall" if late else "agree"
    verb, _, _, when = yield from answer(model, case, receipt_due, action, 0.0, case.d[D_HANDLE2])
    yield wake_at(env, when)
    if verb == "timeout":
        _receipt_timer_fired(model, case, service, next_status, receipt_rule)
    elif model.emit is not None:
        ev(model, case, "merchant", "confirm_return", next_status)
    if not service:
        refund(model, case, case.price, receipt_rule if verb == "timeout" else case.basis, after_return=True)
        return
    yield from send_back(model, case)


def _receipt_timer_fired(model: Simulation, case: Case, service: bool, next_status: str, rule: str) -> None:
    """The platform's receipt timer confirmed the returned goods for the merchant (counted; recorded if kept)."""
    model.n.auto_refund += 1
    if model.emit is not None:
        ev(model, case, "platform", "auto_confirm_return" if service else "auto_refund", next_status, rule=rule)


def send_back(model: Simulation, case: Case) -> Proc:
    """Exchange or repair: the merchant sends the replacement (or the repaired item); the buyer receives it."""
    env = model.env
    yield env.timeout(case.d[D_HANDLE3])
    activity = "ship_replacement" if case.kind == "exchange" else "return_repaired"
    ev(model, case, "merchant", activity, status(model, case, st.WAIT_BUYER_RECEIPT))
    yield env.timeout(case.d[D_TRANSIT2])
    delivered = "deliver_replacement" if case.kind == "exchange" else "deliver_repaired"
    ev(model, case, "logistics", delivered, status(model, case, st.SERVICE_DONE))
    finish(model, case, True)
    close_trade(model, case, False, "")


def offer(model: Simulation, case: Case, amount: float, rule: str, declined: str = "agree") -> Proc:
    """A small compensation first; when the buyer declines, the merchant agrees or (`declined`) refuses.

    Args:
        m: The model.
        c: The case.
        amount: The offer (CNY).
        rule: The rule the offer rests on.
        declined: ``"agree"`` (compensation first, refund if declined) or ``"refuse"`` (the
            video channel's alternative to a refusal: the merchant may reject once it has
            offered one).
    """
    buyers = model.spec.buyers
    model.n.offers += 1
    ev(model, case, "merchant", "offer_compensation", status(model, case, st.OFFERED), amount, rule)
    yield model.env.timeout(case.d[D_ESCALATE] * 0.25)
    pct = 100.0 * amount / case.price if case.price else 0.0
    if case.u[U_ACCEPT] < min(1.0, buyers.accept_offer_base + buyers.accept_offer_per_percent * pct):
        model.n.offers_accepted += 1
        model.n.cost_compensation += amount
        case.refunded += amount
        if case.kind in ("refund_only", "return_refund"):
            ev(model, case, "buyer", "accept_offer", status(model, case, st.REFUNDING), amount)
            ev(
                model,
                case,
                "platform",
                "refund",
                status(model, case, st.REFUND_DONE),
                amount,
                rule or _due_rule(model, case),
            )
        else:
            ev(model, case, "buyer", "accept_offer", status(model, case, st.CLOSED), amount)
            ev(model, case, "platform", "pay_compensation", "", amount, rule)
        finish(model, case, True)
        close_trade(model, case, False, rule)
        return
    ev(model, case, "buyer", "decline_offer", status(model, case, st.REQUESTED))
    if declined == "refuse":
        model.n.refusals += 1
        ev(model, case, "merchant", "refuse", status(model, case, st.REFUSED), rule=case.basis)
        yield from refused(model, case)
        return
    ev(model, case, "merchant", "agree", agreed_status(model, case), rule=rule)
    yield from agreed(model, case, rule)


def refused(model: Simulation, case: Case) -> Proc:
    """After a refusal: the buyer escalates to the platform, or gives up (and may complain)."""
    env = model.env
    buyers = model.spec.buyers
    refused_at = env.now
    if case.u[U_ESCALATE] < buyers.escalate_after_refusal:
        when = env.now + case.d[D_ESCALATE]
        itv = rules.intervention(
            model.policy,
            refund_requested_at=model.cache.at(case.requested_at),
            at=model.cache.at(when),
            paid_at=model.cache.at(case.paid),
            merchant_refused=True,
            refused_at=model.cache.at(refused_at),
        )
        if not itv.allowed and itv.outcome == "too_early" and itv.deadline is not None:
            when = model.hours(itv.deadline)
            itv = rules.intervention(
                model.policy,
                refund_requested_at=model.cache.at(case.requested_at),
                at=itv.deadline,
                paid_at=model.cache.at(case.paid),
                merchant_refused=True,
                refused_at=model.cache.at(refused_at),
            )
        if itv.allowed:
            yield env.timeout(max(0.0, when - env.now))
            yield from arbitration(model, case, itv.rules[0])
            return
    ev(model, case, "buyer", "cancel", status(model, case, st.CANCELLED))
    finish(model, case, False)
    close_trade(model, case, False, "")
    if case.reason == "not_as_described" and case.u[U_COMPLAINT] < buyers.complaint:
        drive(complaint(model, case, refused_at))


def arbitration(model: Simulation, case: Case, rule: str, waiting: str | None = None) -> Proc:
    """Platform intervention: an arbiter reads the evidence and decides liability through the rules.

    Args:
        m: The model.
        c: The case.
        rule: The rule that lets the buyer ask for intervention.
        waiting: The case's status while the platform looks at it (default: refused).
    """
    env, statuses, policy = model.env, model.status, model.policy
    held = waiting or status(model, case, st.REFUSED)
    taobao = statuses.intervention
    model.n.interventions += 1
    case.intervened = True
    ev(model, case, "buyer", "request_intervention", held, rule=rule, cs=TAOBAO_CS_NEEDED if taobao else 0)
    begin = model.arbiters.book(env.now, case.d[D_ARBITER])
    assert begin is not None
    if begin > env.now:
        yield env.timeout(begin - env.now)
    ev(model, case, "arbiter", "intervene", held, rule=rule, cs=TAOBAO_CS_INTERVENED if taobao else 0)
    yield env.timeout(case.d[D_ARBITER])
    allowed = True
    if case.reason == "changed_mind" and not math.isnan(case.deliver):
        allowed = no_reason_return(model, case).allowed
    decision = model.cache.pure(
        rules.arbitrate,
        reason=case.reason,
        kind=case.kind,
        evidence=arbiter_finds_for_buyer(model, case),
        free_shipping=case.free,
        no_reason_allowed=allowed,
    )
    decided = decision.rules[0] if decision.rules else rule
    done = TAOBAO_CS_DONE if taobao else 0
    if not decision.allowed:
        ruled = statuses.case_status(st.RULED_FOR_MERCHANT, case.kind) or held
        ev(model, case, "arbiter", "merchant_wins", ruled, rule=decided, cs=done)
        finish(model, case, False)
        close_trade(model, case, False, decided)
        return
    ev(model, case, "arbiter", "buyer_wins", agreed_status(model, case), rule=decided, cs=done)
    if case.reason == "not_as_described":
        points = rules.penalty_points(
            policy, violation="not_as_described", severity=severity(model, case), paid_at=model.cache.at(case.paid)
        )
        if points.allowed and points.points:
            model.n.penalty_points += points.points
            ev(model, case, "platform", "penalty_points", "", float(points.points), points.rules[0])
    yield from agreed(model, case, decided)


def complaint(model: Simulation, case: Case, closed_at: float) -> Proc:
    """A rule complaint after the case closed: straight to human intervention."""
    env = model.env
    when = closed_at + case.d[D_ESCALATE]
    decision = rules.rule_complaint(
        model.policy,
        closed_at=model.cache.at(closed_at),
        at=model.cache.at(when),
        reason=case.reason,
        paid_at=model.cache.at(case.paid),
    )
    if not decision.allowed:
        return
    yield env.timeout(max(0.0, when - env.now))
    no = model.next_case_no(case.order, CLAIM_CASE_NO)
    taobao = model.status.intervention
    model.n.complaints += 1
    model.n.cases += 1
    sub = Sub(case, no, "rule_complaint", env.now)
    ev(model, sub, "buyer", "file_complaint", "", rule=decision.rules[0], cs=TAOBAO_CS_NEEDED if taobao else 0)
    begin = model.arbiters.book(env.now, case.d[D_ARBITER])
    assert begin is not None
    if begin > env.now:
        yield env.timeout(begin - env.now)
    ev(model, sub, "arbiter", "intervene", "", rule=decision.rules[0], cs=TAOBAO_CS_INTERVENED if taobao else 0)
    yield env.timeout(case.d[D_ARBITER])
    done = TAOBAO_CS_DONE if taobao else 0
    if arbiter_finds_for_buyer(model, case):  # the complaint is read on the case's own evidence
        model.n.penalty_points += decision.points
        ev(model, sub, "arbiter", "uphold_complaint", "", float(decision.points), decision.rules[-1], cs=done)
        finish(model, sub, True)
    else:
        ev(model, sub, "arbiter", "dismiss_complaint", "", rule=decision.rules[0], cs=done)
        finish(model, sub, False)
