"""What follows the merchant's answer: refund, the return leg, exchange and repair, offers,
refusal and escalation, platform intervention and rule complaints. Every decision is a call
into `simkit.rules`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simkit import rules
from simkit.rules import in_time
from simkit.sim import statuses as st
from simkit.sim.judgement import arbiter_finds_for_buyer, severity
from simkit.sim.lifecycle import close_trade
from simkit.sim.merchant import answer
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
from simkit.sim.record import Proc, Sub, agreed_status, ev, finish, status

if TYPE_CHECKING:
    from simkit.sim.model import Case, Model

TAOBAO_CS_NEEDED, TAOBAO_CS_INTERVENED, TAOBAO_CS_DONE = 2, 3, 6
"""Taobao ``cs_status``: intervention needed, platform intervened, intervention done."""


def agreed(m: Model, c: Case, rule: str) -> Proc:
    """After agreement: refund at once, or the return leg first."""
    c.basis = rule
    if c.kind == "refund_only":
        refund(m, c, c.price, rule)
        return
    yield from return_leg(m, c)


def refund(m: Model, c: Case, amount: float, rule: str, after_return: bool = False) -> None:
    """Pay the refund (and any compensation that goes with it); the case ends with a remedy."""
    done = st.RETURN_DONE if after_return else st.REFUND_DONE
    rule = rule or _due_rule(m, c)
    ev(m, c, "platform", "refund", status(m, c, done), amount, rule)
    c.refunded += amount
    if c.handler == "platform_deposit":
        m.n.cost_deposit += amount
    else:
        m.n.cost_refunds += amount
    if c.intervened:
        m.n.dispute_refunds += 1
    full = amount >= c.price
    if c.reason == "counterfeit" and full:
        d = rules.counterfeit_compensation(m.policy, price=c.price, paid_at=m.at(c.paid))
        if d.allowed and d.amount:
            ev(m, c, "platform", "pay_compensation", "", d.amount, d.rules[0])
            m.n.cost_penalties += d.amount
    if c.reason == "out_of_stock" and full:
        d = rules.late_shipment_compensation(
            m.policy, price=c.price, paid_at=m.at(c.paid), at=m.at(m.env.now), reason="out_of_stock", channel=c.channel
        )
        if d.allowed and d.amount:
            ev(m, c, "platform", "pay_compensation", "", d.amount, d.rules[0])
            m.n.cost_compensation += d.amount
    finish(m, c, True)
    close_trade(m, c, full, rule)


def _due_rule(m: Model, c: Case) -> str:
    """The rule a refund the merchant agreed to is paid under (the legal refund deadline)."""
    due = rules.refund_deadline(m.policy, received_return_at=m.at(m.env.now), paid_at=m.at(c.paid))
    return due.rules[0] if due.rules else ""


def return_leg(m: Model, c: Case) -> Proc:
    """The buyer ships the goods back; the merchant confirms receipt (or the timer does)."""
    env = m.env
    last, return_rule = m.cache.buyer_return(env.now, c.paid)
    delay = c.d[D_RETURN]
    if c.u[U_RETURN] >= m.spec.buyers.return_on_time or not in_time(env.now + delay, last):
        if last == math.inf:
            return
        yield env.timeout(max(0.0, last - env.now))
        ev(m, c, "platform", "close_return", status(m, c, st.RETURN_CLOSED), rule=return_rule)
        finish(m, c, False)
        close_trade(m, c, False, return_rule)
        return
    yield env.timeout(delay)
    ship = m.cache.pure(rules.return_shipping, reason=c.reason, kind=c.kind, free_shipping=c.free)
    fee = m.spec.logistics.return_fee
    share = 1.0 if ship.payer == "merchant" else 0.0  # the merchant's share of the return fee
    ev(m, c, "buyer", "ship_return", status(m, c, st.WAIT_RECEIPT), fee, ship.rules[0] if ship.rules else "")
    m.n.cost_shipping += fee * share
    # the platform's receipt timer runs from the shipment, while the parcel travels
    receipt_due, receipt_rule = m.cache.merchant_receipt(env.now, c.paid)
    service = c.kind in ("exchange", "repair")
    next_status = status(m, c, st.RESHIP if service else st.REFUNDING)
    arrival = env.now + c.d[D_TRANSIT]
    if not in_time(arrival, receipt_due):  # still travelling when the timer fires
        yield env.timeout(receipt_due - env.now)
        m.n.auto_refund += 1
        ev(m, c, "platform", "auto_confirm_return" if service else "auto_refund", next_status, rule=receipt_rule)
        if not service:
            refund(m, c, c.price, receipt_rule, after_return=True)
            return
        yield env.timeout(arrival - env.now)
        yield from send_back(m, c)
        return
    yield env.timeout(c.d[D_TRANSIT])
    ev(m, c, "logistics", "return_delivered", status(m, c, st.WAIT_RECEIPT))
    if receipt_due == math.inf:  # no platform timer (national floor): the legal refund deadline
        receipt_due, receipt_rule = m.cache.refund_due(env.now, c.paid)
    late = m.playbook.confirm_returns == "late" and c.handler == "merchant"  # a provider or the platform is on time
    action = "stall" if late else "agree"
    verb, _, _ = yield from answer(m, c, receipt_due, action, 0.0, c.d[D_HANDLE2])
    if verb == "timeout":
        m.n.auto_refund += 1
        ev(m, c, "platform", "auto_confirm_return" if service else "auto_refund", next_status, rule=receipt_rule)
    else:
        ev(m, c, "merchant", "confirm_return", next_status)
    if not service:
        refund(m, c, c.price, receipt_rule if verb == "timeout" else c.basis, after_return=True)
        return
    yield from send_back(m, c)


def send_back(m: Model, c: Case) -> Proc:
    """Exchange or repair: the merchant sends the replacement (or the repaired item); the buyer receives it."""
    env = m.env
    yield env.timeout(c.d[D_HANDLE3])
    activity = "ship_replacement" if c.kind == "exchange" else "return_repaired"
    ev(m, c, "merchant", activity, status(m, c, st.WAIT_BUYER_RECEIPT))
    yield env.timeout(c.d[D_TRANSIT2])
    delivered = "deliver_replacement" if c.kind == "exchange" else "deliver_repaired"
    ev(m, c, "logistics", delivered, status(m, c, st.SERVICE_DONE))
    finish(m, c, True)
    close_trade(m, c, False, "")


def offer(m: Model, c: Case, amount: float, rule: str, declined: str = "agree") -> Proc:
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
    b = m.spec.buyers
    m.n.offers += 1
    ev(m, c, "merchant", "offer_compensation", status(m, c, st.OFFERED), amount, rule)
    yield m.env.timeout(c.d[D_ESCALATE] * 0.25)
    pct = 100.0 * amount / c.price if c.price else 0.0
    if c.u[U_ACCEPT] < min(1.0, b.accept_offer_base + b.accept_offer_per_percent * pct):
        m.n.offers_accepted += 1
        m.n.cost_compensation += amount
        c.refunded += amount
        if c.kind in ("refund_only", "return_refund"):
            ev(m, c, "buyer", "accept_offer", status(m, c, st.REFUNDING), amount)
            ev(m, c, "platform", "refund", status(m, c, st.REFUND_DONE), amount, rule or _due_rule(m, c))
        else:
            ev(m, c, "buyer", "accept_offer", status(m, c, st.CLOSED), amount)
            ev(m, c, "platform", "pay_compensation", "", amount, rule)
        finish(m, c, True)
        close_trade(m, c, False, rule)
        return
    ev(m, c, "buyer", "decline_offer", status(m, c, st.REQUESTED))
    if declined == "refuse":
        m.n.refusals += 1
        ev(m, c, "merchant", "refuse", status(m, c, st.REFUSED), rule=c.basis)
        yield from refused(m, c)
        return
    ev(m, c, "merchant", "agree", agreed_status(m, c), rule=rule)
    yield from agreed(m, c, rule)


def refused(m: Model, c: Case) -> Proc:
    """After a refusal: the buyer escalates to the platform, or gives up (and may complain)."""
    env = m.env
    b = m.spec.buyers
    refused_at = env.now
    if c.u[U_ESCALATE] < b.escalate_after_refusal:
        when = env.now + c.d[D_ESCALATE]
        itv = rules.intervention(
            m.policy,
            refund_requested_at=m.at(c.requested_at),
            at=m.at(when),
            paid_at=m.at(c.paid),
            merchant_refused=True,
            refused_at=m.at(refused_at),
        )
        if not itv.allowed and itv.outcome == "too_early" and itv.deadline is not None:
            when = m.hours(itv.deadline)
            itv = rules.intervention(
                m.policy,
                refund_requested_at=m.at(c.requested_at),
                at=itv.deadline,
                paid_at=m.at(c.paid),
                merchant_refused=True,
                refused_at=m.at(refused_at),
            )
        if itv.allowed:
            yield env.timeout(max(0.0, when - env.now))
            yield from arbitration(m, c, itv.rules[0])
            return
    ev(m, c, "buyer", "cancel", status(m, c, st.CANCELLED))
    finish(m, c, False)
    close_trade(m, c, False, "")
    if c.reason == "not_as_described" and c.u[U_COMPLAINT] < b.complaint:
        env.process(complaint(m, c, refused_at))


def arbitration(m: Model, c: Case, rule: str, waiting: str | None = None) -> Proc:
    """Platform intervention: an arbiter reads the evidence and decides liability through the rules.

    Args:
        m: The model.
        c: The case.
        rule: The rule that lets the buyer ask for intervention.
        waiting: The case's status while the platform looks at it (default: refused).
    """
    env, s, P = m.env, m.status, m.policy
    held = waiting or status(m, c, st.REFUSED)
    taobao = s.intervention
    m.n.interventions += 1
    c.intervened = True
    ev(m, c, "buyer", "request_intervention", held, rule=rule, cs=TAOBAO_CS_NEEDED if taobao else 0)
    begin = m.arbiters.book(env.now, c.d[D_ARBITER])
    assert begin is not None
    if begin > env.now:
        yield env.timeout(begin - env.now)
    ev(m, c, "arbiter", "intervene", held, rule=rule, cs=TAOBAO_CS_INTERVENED if taobao else 0)
    yield env.timeout(c.d[D_ARBITER])
    allowed = True
    if c.reason == "changed_mind" and not math.isnan(c.deliver):
        allowed = rules.no_reason_return(
            P,
            category=c.category,
            received_at=m.at(c.deliver),
            at=m.at(c.requested_at),
            goods_used=c.used,
            paid_at=m.at(c.paid),
        ).allowed
    d = m.cache.pure(
        rules.arbitrate,
        reason=c.reason,
        kind=c.kind,
        evidence=arbiter_finds_for_buyer(m, c),
        free_shipping=c.free,
        no_reason_allowed=allowed,
    )
    decided = d.rules[0] if d.rules else rule
    done = TAOBAO_CS_DONE if taobao else 0
    if not d.allowed:
        ruled = s.case_status(st.RULED_FOR_MERCHANT, c.kind) or held
        ev(m, c, "arbiter", "merchant_wins", ruled, rule=decided, cs=done)
        finish(m, c, False)
        close_trade(m, c, False, decided)
        return
    ev(m, c, "arbiter", "buyer_wins", agreed_status(m, c), rule=decided, cs=done)
    if c.reason == "not_as_described":
        pp = rules.penalty_points(P, violation="not_as_described", severity=severity(m, c), paid_at=m.at(c.paid))
        if pp.allowed and pp.points:
            m.n.penalty_points += pp.points
            ev(m, c, "platform", "penalty_points", "", float(pp.points), pp.rules[0])
    yield from agreed(m, c, decided)


def complaint(m: Model, c: Case, closed_at: float) -> Proc:
    """A rule complaint after the case closed: straight to human intervention."""
    env = m.env
    when = closed_at + c.d[D_ESCALATE]
    d = rules.rule_complaint(m.policy, closed_at=m.at(closed_at), at=m.at(when), reason=c.reason, paid_at=m.at(c.paid))
    if not d.allowed:
        return
    yield env.timeout(max(0.0, when - env.now))
    no = m.next_case_no(c.order, CLAIM_CASE_NO)
    taobao = m.status.intervention
    m.n.complaints += 1
    m.n.cases += 1
    sub = Sub(c, no, "rule_complaint", env.now)
    ev(m, sub, "buyer", "file_complaint", "", rule=d.rules[0], cs=TAOBAO_CS_NEEDED if taobao else 0)
    begin = m.arbiters.book(env.now, c.d[D_ARBITER])
    assert begin is not None
    if begin > env.now:
        yield env.timeout(begin - env.now)
    ev(m, sub, "arbiter", "intervene", "", rule=d.rules[0], cs=TAOBAO_CS_INTERVENED if taobao else 0)
    yield env.timeout(c.d[D_ARBITER])
    done = TAOBAO_CS_DONE if taobao else 0
    if arbiter_finds_for_buyer(m, c):  # the complaint is read on the case's own evidence
        m.n.penalty_points += d.points
        ev(m, sub, "arbiter", "uphold_complaint", "", float(d.points), d.rules[-1], cs=done)
        finish(m, sub, True)
    else:
        ev(m, sub, "arbiter", "dismiss_complaint", "", rule=d.rules[0], cs=done)
        finish(m, sub, False)
