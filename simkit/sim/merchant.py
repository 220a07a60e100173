"""The merchant's answer: playbook action, a service agent on shift, the race with the timers.

`by_the_rules` asks `simkit.rules` whether the rules oblige the merchant to grant the request.
"""

from __future__ import annotations

import math

from simkit import rules
from simkit.rules import in_time
from simkit.sim.judgement import merchant_finds_for_buyer
from simkit.sim.pools import Pool
from simkit.sim.record import ESCALATE, TIMEOUT, Proc
from simkit.sim.state import Case, Simulation

REOPENED = frozenset({"channels.extend", "tmall.reopen_entry"})
"""Rules under which a request was filed in an extended or reopened after-sale period."""


def action_for(model: Simulation, case: Case) -> str:
    if case.handler in ("third_party", "platform_deposit"):
        return "by_the_rules"
    book = model.playbook
    return book.reasons.get(case.reason, book.default)  # type: ignore[call-overload,no-any-return]


def pool_for(model: Simulation, case: Case) -> Pool:
    if case.handler == "third_party" and model.provider is not None:
        return model.provider
    if case.handler == "platform_deposit":
        return model.arbiters
    return model.staff(case.merchant)


def answer(
    model: Simulation,
    case: Case,
    deadline: float,
    action: str,
    pre: float,
    handling: float,
    escalate_at: float = math.inf,
) -> Proc:
    """Race the merchant's answer against the deadline (and an impatient buyer).

    The merchant looks at the case after `pre` hours, queues for a service agent (on
    shift), who works `handling` hours and answers. When the deadline comes first, the
    timer decides (``"timeout"``); when the buyer's escalation comes first, ``"escalate"``
    (a tie goes to the timer). An answer exactly at the deadline is in time (`simkit.rules.in_time`):
    the timer fires only once the deadline has passed without it.

    It waits only for what must happen in turn with other cases (joining the agents' queue);
    the answer comes at the returned time `when`, which the caller waits for
    (`simkit.sim.driver.wake_at`) unless what follows touches nothing shared. At most one
    SimPy event whatever the outcome.

    Returns:
        ``(verb, rule, amount, when)``.
    """
    env = model.env
    now = env.now
    limit, at_limit = (deadline, TIMEOUT) if deadline <= escalate_at else (escalate_at, ESCALATE)
    if action == "stall" or not in_time(now + pre, limit):
        return (*at_limit, now + (limit - now if limit > now else 0.0))
    if pre > 0.0:
        yield env.timeout(pre)
        now = env.now
    start = pool_for(model, case).book(now, handling, limit)
    if start is None or not in_time(start + handling, limit):
        return (*at_limit, now + (limit - now))
    when = now + (start + handling - now)
    return (*decide(model, case, action, when), when)


def decide(model: Simulation, case: Case, action: str, now: float) -> tuple[str, str, float]:
    """The merchant's answer under its playbook action, given at simulation hour `now`.

    Returns:
        ``(verb, rule, amount)``; verb ``"alternative"`` is the video channel's answer to a
        request the rules do not oblige: a small compensation instead of a bare refusal
        (channels.principle), the refusal coming only if the buyer declines.
    """
    if action == "agree":
        return ("agree", "", 0.0)
    if action == "refuse":
        return ("refuse", "", 0.0)
    if action == "offer":
        return ("offer", "", round((model.playbook.compensation or 0.1) * case.price, 2))
    ok, rule = obliged(model, case)
    if ok:
        return ("agree", rule, 0.0)
    case.basis = rule
    if model.policy.spec.channels is not None:
        alt = rules.channel_alternative(
            model.policy,
            price=case.price,
            paid_at=model.cache.at(case.paid),
            at=model.cache.at(now),
            why_en="The rules do not oblige the merchant.",
            why_zh="规则不要求商家同意。",
            rules=(rule,) if rule else (),
        )
        return ("alternative", alt.rules[-1], float(alt.amount or 0.0))
    return ("refuse", rule, 0.0)


def no_reason_return(model: Simulation, case: Case) -> rules.Decision:
    """The no-reason return rule on this case: delivered goods, asked for when the case was requested."""
    return rules.no_reason_return(
        model.policy,
        category=case.category,
        received_at=model.cache.at(case.deliver),
        at=model.cache.at(case.requested_at),
        goods_used=case.used,
        paid_at=model.cache.at(case.paid),
    )


def obliged(model: Simulation, case: Case) -> tuple[bool, str]:
    """Whether the rules oblige the merchant to grant the request now, and the rule id."""
    policy = model.policy
    if case.reason == "changed_mind":
        if math.isnan(case.deliver):
            return True, ""
        if case.window_rule in REOPENED:
            # filed inside an extended or reopened period: handled as within the window
            return not case.used, case.window_rule
        decision = no_reason_return(model, case)
        return decision.allowed, decision.rules[0] if decision.rules else ""
    tri = model.cache.pure(rules.refund_triage, reason=case.reason)
    rule = tri.rules[0] if tri.rules else ""
    if tri.outcome in ("communicate", "no_triage"):
        # The video channel's triage only says "communicate first" (the national floor has none);
        # a claim the merchant does not find proven rests on the legal quality remedy (law:cpl §24).
        rule = "national.quality_return"
    if case.reason in ("not_received", "out_of_stock"):
        return True, rule
    ok = tri.outcome == "agree" or merchant_finds_for_buyer(model, case)
    if ok and case.reason == "quality" and not math.isnan(case.deliver):
        q = rules.quality_remedy(
            policy,
            category=case.category,
            kind=case.kind,
            paid_at=model.cache.at(case.paid),
            received_at=model.cache.at(case.deliver),
            at=model.cache.at(case.requested_at),
        )
        if q.allowed:
            return True, q.rules[0] if q.rules else rule
        if case.window_rule:
            # beyond the legal 7 days, but inside the platform's after-sale period (e.g. the video
            # channel's 15-day quality period) or an extension of it: the platform standard applies
            return True, case.window_rule
        return False, q.rules[0] if q.rules else rule
    return ok, rule
