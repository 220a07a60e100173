"""What follows the merchant's answer: refund, the return leg, offers, refusal and escalation,
platform intervention and rule complaints. Every decision is a call into `simkit.rules`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simkit import rules
from simkit.sim import statuses as st
from simkit.sim.lifecycle import close_trade
from simkit.sim.merchant import answer
from simkit.sim.plan import (
    D_ARBITER,
    D_ESCALATE,
    D_HANDLE2,
    D_RETURN,
    D_TRANSIT,
    U_ACCEPT,
    U_COMPLAINT,
    U_ESCALATE,
    U_EVIDENCE,
    U_RETURN,
)
from simkit.sim.record import Proc, Sub, agreed_status, ev, finish

if TYPE_CHECKING:
    from simkit.sim.model import Case, Model


def agreed(m: Model, c: Case, rule: str) -> Proc:
    """After agreement: refund at once, or the return leg first."""
    c.basis = rule
    if c.kind == "refund_only":
        refund(m, c, c.price, rule)
        return
    yield from return_leg(m, c)


def refund(m: Model, c: Case, amount: float, rule: str, after_return: bool = False) -> None:
    """Pay the refund (and any compensation that goes with it); the case ends with a remedy."""
    s = m.status
    done = st.RETURN_DONE if after_return else st.REFUND_DONE
    rule = rule or _due_rule(m, c)
    ev(m, c, "platform", "refund", s.case[done], amount, rule)
    if c.handler == "platform_deposit":
        m.n.cost_deposit += amount
    else:
        m.n.cost_refunds += amount
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
    env, s = m.env, m.status
    last, return_rule = m.cache.buyer_return(env.now, c.paid)
    delay = c.d[D_RETURN]
    if c.u[U_RETURN] >= m.spec.buyers.return_on_time or env.now + delay > last:
        if last == math.inf:
            return
        yield env.timeout(max(0.0, last - env.now))
        ev(m, c, "platform", "close_return", s.case[st.RETURN_CLOSED], rule=return_rule)
        finish(m, c, False)
        close_trade(m, c, False, return_rule)
        return
    yield env.timeout(delay)
    ship = m.cache.pure(rules.return_shipping, reason=c.reason, kind=c.kind, free_shipping=c.free)
    fee = m.spec.logistics.return_fee
    share = {"merchant": 1.0, "platform": 0.0}.get(ship.payer or "buyer", 0.0)
    ev(m, c, "buyer", "ship_return", s.case[st.WAIT_RECEIPT], fee, ship.rules[0] if ship.rules else "")
    m.n.cost_shipping += fee * share
    yield env.timeout(c.d[D_TRANSIT])
    ev(m, c, "logistics", "return_delivered", s.case[st.WAIT_RECEIPT])
    receipt_due, receipt_rule = m.cache.merchant_receipt(env.now, c.paid)
    action = "stall" if m.playbook.confirm_returns == "late" else "agree"
    verb, _, _ = yield from answer(m, c, receipt_due, action, 0.0, c.d[D_HANDLE2])
    exchange = c.kind in ("exchange", "repair")
    next_status = s.case[st.WAIT_RECEIPT if exchange else st.REFUNDING]
    if verb == "timeout":
        m.n.auto_refund += 1
        ev(m, c, "platform", "auto_confirm_return" if exchange else "auto_refund", next_status, rule=receipt_rule)
    else:
        ev(m, c, "merchant", "confirm_return", next_status)
    if not exchange:
        refund(m, c, c.price, receipt_rule if verb == "timeout" else c.basis, after_return=True)
        return
    yield env.timeout(c.d[D_TRANSIT])
    activity = "ship_replacement" if c.kind == "exchange" else "return_repaired"
    ev(m, c, "merchant", activity, s.case[st.RETURN_DONE])
    finish(m, c, True)
    close_trade(m, c, False, "")


def offer(m: Model, c: Case, amount: float, rule: str) -> Proc:
    """Small compensation first; a refund (or return) when the buyer declines."""
    s, b = m.status, m.spec.buyers
    m.n.offers += 1
    ev(m, c, "merchant", "offer_compensation", s.case[st.OFFERED], amount, rule)
    yield m.env.timeout(c.d[D_ESCALATE] * 0.25)
    pct = 100.0 * amount / c.price if c.price else 0.0
    if c.u[U_ACCEPT] < min(1.0, b.accept_offer_base + b.accept_offer_per_percent * pct):
        m.n.offers_accepted += 1
        ev(m, c, "buyer", "accept_offer", s.case[st.REFUNDING], amount)
        ev(m, c, "platform", "refund", s.case[st.REFUND_DONE], amount, rule or _due_rule(m, c))
        m.n.cost_compensation += amount
        finish(m, c, True)
        close_trade(m, c, False, rule)
        return
    ev(m, c, "buyer", "decline_offer", s.case[st.REQUESTED])
    ev(m, c, "merchant", "agree", agreed_status(m, c), rule=rule)
    yield from agreed(m, c, rule)


def refused(m: Model, c: Case) -> Proc:
    """After a refusal: the buyer escalates to the platform, or gives up (and may complain)."""
    env, s = m.env, m.status
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
    ev(m, c, "buyer", "cancel", s.case[st.CANCELLED])
    finish(m, c, False)
    close_trade(m, c, False, "")
    if c.reason == "not_as_described" and c.u[U_COMPLAINT] < b.complaint:
        env.process(complaint(m, c, refused_at))


def arbitration(m: Model, c: Case, rule: str, status: str | None = None) -> Proc:
    """Platform intervention: an arbiter decides liability through the rules.

    Args:
        m: The model.
        c: The case.
        rule: The rule that lets the buyer ask for intervention.
        status: The case's status while the platform looks at it (default: refused).
    """
    env, s, P = m.env, m.status, m.policy
    ret = c.kind != "refund_only"
    refused_status = status or s.case_status(st.REFUSED, ret)
    cs = s.intervention
    m.n.interventions += 1
    ev(m, c, "buyer", "request_intervention", refused_status, rule=rule, cs=2 if cs else 0)
    begin = m.arbiters.book(env.now, c.d[D_ARBITER])
    assert begin is not None
    if begin > env.now:
        yield env.timeout(begin - env.now)
    ev(m, c, "arbiter", "intervene", refused_status, rule=rule, cs=3 if cs else 0)
    yield env.timeout(c.d[D_ARBITER])
    evidence = bool(c.u[U_EVIDENCE] < m.spec.buyers.evidence)
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
        evidence=evidence,
        free_shipping=c.free,
        no_reason_allowed=allowed,
    )
    decided = d.rules[0] if d.rules else rule
    if not d.allowed:
        ev(m, c, "arbiter", "merchant_wins", s.case[st.CLOSED], rule=decided, cs=6 if cs else 0)
        finish(m, c, False)
        close_trade(m, c, False, decided)
        return
    ev(m, c, "arbiter", "buyer_wins", agreed_status(m, c), rule=decided, cs=6 if cs else 0)
    if c.reason == "not_as_described":
        pp = rules.penalty_points(P, violation="not_as_described", paid_at=m.at(c.paid))
        m.n.penalty_points += pp.points
    yield from agreed(m, c, decided)


def complaint(m: Model, c: Case, closed_at: float) -> Proc:
    """A rule complaint after the case closed: straight to human intervention."""
    env = m.env
    when = closed_at + c.d[D_ESCALATE]
    d = rules.rule_complaint(m.policy, closed_at=m.at(closed_at), at=m.at(when), reason=c.reason, paid_at=m.at(c.paid))
    if not d.allowed:
        return
    yield env.timeout(max(0.0, when - env.now))
    no = m.next_case_no(c.order, c.no)
    cs = m.status.intervention
    m.n.complaints += 1
    m.n.cases += 1
    sub = Sub(c, no, "rule_complaint", env.now)
    ev(m, sub, "buyer", "file_complaint", "", rule=d.rules[0], cs=2 if cs else 0)
    begin = m.arbiters.book(env.now, c.d[D_ARBITER])
    assert begin is not None
    if begin > env.now:
        yield env.timeout(begin - env.now)
    ev(m, sub, "arbiter", "intervene", "", rule=d.rules[0], cs=3 if cs else 0)
    yield env.timeout(c.d[D_ARBITER])
    if c.u[U_EVIDENCE] < m.spec.buyers.evidence:
        m.n.penalty_points += d.points
        ev(m, sub, "arbiter", "uphold_complaint", "", float(d.points), d.rules[-1], cs=6 if cs else 0)
        finish(m, sub, True)
    else:
        ev(m, sub, "arbiter", "dismiss_complaint", "", rule=d.rules[0], cs=6 if cs else 0)
        finish(m, sub, False)
