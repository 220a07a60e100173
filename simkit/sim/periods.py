"""Claims and late requests: late-shipment compensation, over-period requests with reopening
(Tmall) or extension and small compensation (video channel)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

from simkit import rules
from simkit.sim.judgement import merchant_finds_for_buyer
from simkit.sim.plan import (
    D_ESCALATE,
    U_ACCEPT,
    U_REFILE,
)
from simkit.sim.record import Proc, ev, finish
from simkit.sim.rng import quantile
from simkit.sim.state import Case, Simulation


def late_claim(model: Simulation, case: Case) -> Proc:
    """A late-shipment compensation claim, decided by the platform through the rules."""
    env, policy = model.env, model.policy
    paid_at = model.cache.at(case.paid)

    def decide_now() -> Any:
        shipped = model.cache.at(case.ship) if not math.isnan(case.ship) and case.ship <= env.now else None
        return rules.late_shipment_compensation(
            policy,
            price=case.price,
            paid_at=paid_at,
            at=model.cache.at(env.now),
            reason="late_shipment",
            shipped_at=shipped,
            channel=case.channel,
            presale_ship_by=paid_at + _h(model.spec.orders.presale_ship_after) if case.channel == "presale" else None,
        )

    decision = decide_now()
    model.n.claims += 1
    ev(model, case, "buyer", "claim_compensation", "", case.price, decision.rules[0] if decision.rules else "")
    if not decision.allowed and decision.outcome == "too_early" and decision.deadline is not None:
        yield env.timeout(max(0.0, model.hours(decision.deadline) - env.now))
        decision = decide_now()
    if decision.allowed and decision.amount:
        ev(model, case, "platform", "pay_compensation", "", decision.amount, decision.rules[0])
        model.n.cost_compensation += decision.amount
        finish(model, case, True)
    else:
        ev(model, case, "platform", "reject_claim", "", rule=decision.rules[0] if decision.rules else "")
        finish(model, case, False)


def over_period(model: Simulation, case: Case, window: Any, completed: Any) -> Proc:
    """A problem found after the after-sale window: reopen (Tmall), extend or offer (video channel).

    Returns True when the buyer may now file an ordinary request.
    """
    env, policy, book = model.env, model.policy, model.playbook
    paid_at, at = model.cache.at(case.paid), model.cache.at(env.now)
    received_at = model.cache.at(case.deliver)
    case.over_period = True
    model.n.over_period += 1
    if policy.spec.channels is None:
        ev(model, case, "buyer", "contact_merchant", "", rule=window.rules[0] if window.rules else "")
        if book.reopen:
            decision = rules.reopen_entry(
                policy, category=case.category, paid_at=paid_at, completed_at=completed, at=at
            )
            if decision.allowed:
                model.n.reopens += 1
                ev(model, case, "merchant", "reopen_entry", "", rule=decision.rules[0])
                if case.u[U_REFILE] < model.spec.buyers.refile_after_reopen:
                    yield env.timeout(case.d[D_ESCALATE] * 0.25)
                    case.window_rule = decision.rules[0]
                    return True
                ev(model, case, "buyer", "not_refiled", "")
                finish(model, case, False)
                return False
            ev(model, case, "merchant", "decline_over_period", "", rule=decision.rules[0] if decision.rules else "")
        else:
            ev(model, case, "merchant", "decline_over_period", "", rule=window.rules[0] if window.rules else "")
        finish(model, case, False)
        return False
    proven = case.reason not in ("changed_mind",) and merchant_finds_for_buyer(model, case)
    op = rules.over_period_request(
        policy,
        category=case.category,
        received_at=received_at,
        at=at,
        goods_used=case.used,
        quality_proven=proven,
        price=case.price,
        paid_at=paid_at,
    )
    ev(model, case, "buyer", "contact_merchant", "", rule=op.rules[0] if op.rules else "")
    if op.outcome == "reopen_required" or book.extend:
        reopened = yield from extensions(model, case, op.deadline or at)
        if reopened:
            return True
    amount, offer_rule = float(op.amount or 0.0), op.rules[-1] if op.rules else ""
    if amount <= 0:
        # never a bare refusal on the video channel: once no extension is possible, the
        # merchant offers the small compensation (channels.principle)
        alt = rules.channel_alternative(
            policy,
            price=case.price,
            paid_at=paid_at,
            at=model.cache.at(env.now),
            why_en="The after-sale period cannot be extended further.",
            why_zh="售后期无法再延长。",
            rules=op.rules,
        )
        amount, offer_rule = float(alt.amount or 0.0), alt.rules[-1]
    if amount <= 0:
        ev(model, case, "merchant", "decline_over_period", "", rule=op.rules[0] if op.rules else "")
        finish(model, case, False)
        return False
    model.n.offers += 1
    ev(model, case, "merchant", "offer_compensation", "", amount, offer_rule)
    yield env.timeout(case.d[D_ESCALATE] * 0.25)
    buyers = model.spec.buyers
    if case.u[U_ACCEPT] < min(
        1.0, buyers.accept_offer_base + buyers.accept_offer_per_percent * 100.0 * amount / case.price
    ):
        model.n.offers_accepted += 1
        ev(model, case, "buyer", "accept_offer", "", amount)
        model.n.cost_compensation += amount
        finish(model, case, True)
    else:
        ev(model, case, "buyer", "decline_offer", "")
        finish(model, case, False)
    return False


def extensions(model: Simulation, case: Case, period_end: dt.datetime) -> Proc:
    """The merchant extends the after-sale period (延长售后) for a buyer who came too late.

    Each extension happens at a time and lasts its length (`rules.extend_after_sale`). The
    buyer files within the extended period, or comes back after it has lapsed and needs
    another one. The count limit, the one-year horizon and the settlement condition all
    bind through the rule. Returns True when the buyer may file an ordinary request now.
    """
    env, policy = model.env, model.policy
    paid_at = model.cache.at(case.paid)
    comebacks = model.streams.case_generator("buyer", case.order, case.no)
    for done in itertools.count():
        at = model.cache.at(env.now)
        settled = model.cache.at(case.settle) if not math.isnan(case.settle) and case.settle <= env.now else None
        ext = rules.extend_after_sale(
            policy, paid_at=paid_at, settled_at=settled, at=at, period_end=period_end, extensions=done
        )
        if not ext.allowed:
            ev(model, case, "merchant", "cannot_extend", "", rule=ext.rules[0] if ext.rules else "")
            return False
        model.n.extensions += 1
        period_end = ext.deadline or at
        ev(model, case, "merchant", "extend_after_sale", "", rule=ext.rules[0])
        comeback = float(quantile(model.spec.buyers.file_after_extension, comebacks.random(1))[0])
        ends = model.hours(period_end)
        if env.now + comeback < ends:
            yield env.timeout(comeback)
            case.window_rule = ext.rules[0]
            return True
        yield env.timeout(comeback)
        ev(model, case, "buyer", "contact_merchant", "", rule=ext.rules[0])
    return False


def _h(hours: float) -> Any:

    return dt.timedelta(hours=hours)
