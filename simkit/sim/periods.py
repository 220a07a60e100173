"""Claims and late requests: late-shipment compensation, over-period requests with reopening
(Tmall) or extension and small compensation (video channel)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import TYPE_CHECKING, Any

from simkit import rules
from simkit.sim.judgement import merchant_finds_for_buyer
from simkit.sim.plan import (
    D_ESCALATE,
    U_ACCEPT,
    U_REFILE,
)
from simkit.sim.record import Proc, ev, finish
from simkit.sim.rng import quantile

if TYPE_CHECKING:
    from simkit.sim.model import Case, Model


def late_claim(m: Model, c: Case) -> Proc:
    """A late-shipment compensation claim, decided by the platform through the rules."""
    env, P = m.env, m.policy
    paid_at = m.at(c.paid)

    def decide_now() -> Any:
        shipped = m.at(c.ship) if not math.isnan(c.ship) and c.ship <= env.now else None
        return rules.late_shipment_compensation(
            P,
            price=c.price,
            paid_at=paid_at,
            at=m.at(env.now),
            reason="late_shipment",
            shipped_at=shipped,
            channel=c.channel,
            presale_ship_by=paid_at + _h(m.spec.orders.presale_ship_after) if c.channel == "presale" else None,
        )

    d = decide_now()
    m.n.claims += 1
    ev(m, c, "buyer", "claim_compensation", "", c.price, d.rules[0] if d.rules else "")
    if not d.allowed and d.outcome == "too_early" and d.deadline is not None:
        yield env.timeout(max(0.0, m.hours(d.deadline) - env.now))
        d = decide_now()
    if d.allowed and d.amount:
        ev(m, c, "platform", "pay_compensation", "", d.amount, d.rules[0])
        m.n.cost_compensation += d.amount
        finish(m, c, True)
    else:
        ev(m, c, "platform", "reject_claim", "", rule=d.rules[0] if d.rules else "")
        finish(m, c, False)


def over_period(m: Model, c: Case, win: Any, completed: Any) -> Proc:
    """A problem found after the after-sale window: reopen (Tmall), extend or offer (video channel).

    Returns True when the buyer may now file an ordinary request.
    """
    env, P, book = m.env, m.policy, m.playbook
    paid_at, at = m.at(c.paid), m.at(env.now)
    received_at = m.at(c.deliver)
    c.over_period = True
    m.n.over_period += 1
    if P.spec.channels is None:
        ev(m, c, "buyer", "contact_merchant", "", rule=win.rules[0] if win.rules else "")
        if book.reopen:
            d = rules.reopen_entry(P, category=c.category, paid_at=paid_at, completed_at=completed, at=at)
            if d.allowed:
                m.n.reopens += 1
                ev(m, c, "merchant", "reopen_entry", "", rule=d.rules[0])
                if c.u[U_REFILE] < m.spec.buyers.refile_after_reopen:
                    yield env.timeout(c.d[D_ESCALATE] * 0.25)
                    c.window_rule = d.rules[0]
                    return True
                ev(m, c, "buyer", "not_refiled", "")
                finish(m, c, False)
                return False
            ev(m, c, "merchant", "decline_over_period", "", rule=d.rules[0] if d.rules else "")
        else:
            ev(m, c, "merchant", "decline_over_period", "", rule=win.rules[0] if win.rules else "")
        finish(m, c, False)
        return False
    proven = c.reason not in ("changed_mind",) and merchant_finds_for_buyer(m, c)
    op = rules.over_period_request(
        P,
        category=c.category,
        received_at=received_at,
        at=at,
        goods_used=c.used,
        quality_proven=proven,
        price=c.price,
        paid_at=paid_at,
    )
    ev(m, c, "buyer", "contact_merchant", "", rule=op.rules[0] if op.rules else "")
    if op.outcome == "reopen_required" or book.extend:
        reopened = yield from extensions(m, c, op.deadline or at)
        if reopened:
            return True
    amount, offer_rule = float(op.amount or 0.0), op.rules[-1] if op.rules else ""
    if amount <= 0:
        # never a bare refusal on the video channel: once no extension is possible, the
        # merchant offers the small compensation (channels.principle)
        alt = rules.channel_alternative(
            P,
            price=c.price,
            paid_at=paid_at,
            at=m.at(env.now),
            why_en="The after-sale period cannot be extended further.",
            why_zh="售后期无法再延长。",
            rules=op.rules,
        )
        amount, offer_rule = float(alt.amount or 0.0), alt.rules[-1]
    if amount <= 0:
        ev(m, c, "merchant", "decline_over_period", "", rule=op.rules[0] if op.rules else "")
        finish(m, c, False)
        return False
    m.n.offers += 1
    ev(m, c, "merchant", "offer_compensation", "", amount, offer_rule)
    yield env.timeout(c.d[D_ESCALATE] * 0.25)
    b = m.spec.buyers
    if c.u[U_ACCEPT] < min(1.0, b.accept_offer_base + b.accept_offer_per_percent * 100.0 * amount / c.price):
        m.n.offers_accepted += 1
        ev(m, c, "buyer", "accept_offer", "", amount)
        m.n.cost_compensation += amount
        finish(m, c, True)
    else:
        ev(m, c, "buyer", "decline_offer", "")
        finish(m, c, False)
    return False


def extensions(m: Model, c: Case, period_end: dt.datetime) -> Proc:
    """The merchant extends the after-sale period (延长售后) for a buyer who came too late.

    Each extension happens at a time and lasts its length (`rules.extend_after_sale`). The
    buyer files within the extended period, or comes back after it has lapsed and needs
    another one. The count limit, the one-year horizon and the settlement condition all
    bind through the rule. Returns True when the buyer may file an ordinary request now.
    """
    env, P = m.env, m.policy
    paid_at = m.at(c.paid)
    comebacks = m.streams.case_generator("buyer", c.order, c.no)
    for done in itertools.count():
        at = m.at(env.now)
        settled = m.at(c.settle) if not math.isnan(c.settle) and c.settle <= env.now else None
        ext = rules.extend_after_sale(
            P, paid_at=paid_at, settled_at=settled, at=at, period_end=period_end, extensions=done
        )
        if not ext.allowed:
            ev(m, c, "merchant", "cannot_extend", "", rule=ext.rules[0] if ext.rules else "")
            return False
        m.n.extensions += 1
        period_end = ext.deadline or at
        ev(m, c, "merchant", "extend_after_sale", "", rule=ext.rules[0])
        comeback = float(quantile(m.spec.buyers.file_after_extension, comebacks.random(1))[0])
        ends = m.hours(period_end)
        if env.now + comeback < ends:
            yield env.timeout(comeback)
            c.window_rule = ext.rules[0]
            return True
        yield env.timeout(comeback)
        ev(m, c, "buyer", "contact_merchant", "", rule=ext.rules[0])
    return False


def _h(hours: float) -> Any:

    return dt.timedelta(hours=hours)
