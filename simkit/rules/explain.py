"""Decide a whole case (order + history + request) by composing the rule families."""

from __future__ import annotations

import dataclasses
import datetime as dt

from simkit.errors import CaseError
from simkit.policy.model import Policy
from simkit.policy.tree import Located
from simkit.rules._common import NO_REASON_REASONS, channels, tmall
from simkit.rules.case import Case, check_case_against
from simkit.rules.compensation import counterfeit_compensation, late_shipment_compensation
from simkit.rules.complaints import rule_complaint
from simkit.rules.decision import Decision
from simkit.rules.extension import extend_after_sale
from simkit.rules.intervention import intervention
from simkit.rules.no_reason import no_reason_return
from simkit.rules.quality import quality_remedy
from simkit.rules.reopen import reopen_entry
from simkit.rules.shipping import refund_triage, return_shipping
from simkit.rules.store_exit import after_exit_duty
from simkit.rules.timers import merchant_response
from simkit.rules.windows import (
    after_sale_attempt,
    after_sale_window,
    channel_alternative,
    over_period_request,
    period_end,
)

AFTER_SALE_KINDS = frozenset({"refund_only", "return_refund", "exchange", "repair"})
OVER_PERIOD_OUTCOMES = frozenset({"offer_alternative", "reopen_required"})
NOT_DELIVERED_REASONS = frozenset({"late_shipment", "out_of_stock", "not_received"})


def decide(policy: Policy, case: Case) -> Decision:
    """The decision for the case's request, citing every rule it rests on."""
    request, order, history = case.request, case.order, case.history
    kind = request.kind
    if kind in AFTER_SALE_KINDS:
        return _after_sale(policy, case)
    if kind == "late_shipment_compensation":
        return _late_shipment(policy, case, request.reason or "late_shipment")
    if kind == "intervention":
        assert request.refund_requested_at is not None
        return intervention(
            policy,
            refund_requested_at=request.refund_requested_at,
            at=request.at,
            paid_at=order.paid_at,
            in_progress=True,
            merchant_refused=history.merchant_refused,
            refused_at=history.refused_at,
        )
    if kind == "rule_complaint":
        closed = order.closed_at or order.completed_at
        assert closed is not None and request.reason is not None
        return rule_complaint(
            policy,
            closed_at=closed,
            at=request.at,
            reason=request.reason,
            complaints_filed=history.complaints,
            withdrawn=history.complaint_withdrawn,
            severity=request.severity,
            paid_at=order.paid_at,
        )
    if kind == "reopen_entry":
        return reopen_entry(
            policy,
            category=order.category,
            paid_at=order.paid_at,
            completed_at=order.completed_at,
            at=request.at,
            after_sales=history.after_sales,
            reopened=history.reopened,
            by=request.by,
            permitted=request.permitted,
        )
    assert kind == "extend_after_sale"
    received = order.received_at or order.completed_at
    end = (
        period_end(
            policy, category=order.category, received_at=received, paid_at=order.paid_at, extensions=history.extensions
        )
        if channels(policy) is not None and received is not None
        else request.at
    )
    return extend_after_sale(
        policy,
        paid_at=order.paid_at,
        settled_at=order.settled_at,
        at=request.at,
        period_end=end,
        extensions=history.extensions,
    )


def _after_sale(policy: Policy, case: Case) -> Decision:
    request, order, history = case.request, case.order, case.history
    reason = request.reason or "no_reason"
    cited: list[str] = []
    versions: list[tuple[str, str]] = []
    handler: Decision | None = None

    def note(decision: Decision) -> None:
        cited.extend(r for r in decision.rules if r not in cited)
        versions.extend(decision.versions)

    if order.store_exit_at is not None and request.at >= order.store_exit_at:
        duty = after_exit_duty(
            policy,
            category=order.category,
            paid_at=order.paid_at,
            completed_at=order.completed_at,
            received_at=order.received_at,
            exit_at=order.store_exit_at,
            at=request.at,
            mode=order.follow_up,
        )
        if not duty.allowed:
            return duty
        note(duty)
        handler = duty
    if channels(policy) is not None:
        attempt = after_sale_attempt(policy, attempts=history.after_sales)
        if not attempt.allowed:
            return attempt
        note(attempt)
    received = _received(case)
    quality_like = reason not in NO_REASON_REASONS and reason not in NOT_DELIVERED_REASONS
    platform_window_open = False
    if received is not None:
        window = _window(policy, case)
        if window.outcome in OVER_PERIOD_OUTCOMES or not window.allowed:
            statutory = _statutory_remedy(policy, case, window) if quality_like else None
            if statutory is None:
                return _merge(window, cited, versions)
            return _merge(_handled(statutory, handler), cited, versions)
        note(window)
        platform_window_open = policy.platform != "national"
    if received is not None and reason in NO_REASON_REASONS:
        eligibility = no_reason_return(
            policy,
            category=order.category,
            received_at=received,
            at=request.at,
            goods_used=request.goods_used,
            confirmed_at_purchase=order.confirmed_exclusion,
            paid_at=order.paid_at,
        )
        if not eligibility.allowed and channels(policy) is not None:
            eligibility = _never_refuse(policy, case, eligibility)
        if not eligibility.allowed or eligibility.outcome in OVER_PERIOD_OUTCOMES:
            return _merge(eligibility, cited, versions)
        note(eligibility)
    elif received is not None and quality_like:
        remedy = _quality(policy, case, received)
        if not remedy.allowed and not platform_window_open:
            return _merge(remedy, cited, versions)
        note(remedy)  # inside the platform window its rules are more favourable than the legal floor
    amount, form = None, None
    if reason == "counterfeit":
        comp = counterfeit_compensation(
            policy, price=order.price, appraisal_fee=request.appraisal_fee, paid_at=order.paid_at
        )
        note(comp)
        amount, form = comp.amount, comp.amount_form
    elif reason in ("late_shipment", "out_of_stock") and tmall(policy) is not None:
        comp = _late_shipment(policy, case, reason)
        note(comp)
        if comp.allowed:
            amount, form = comp.amount, comp.amount_form
    note(refund_triage(policy, reason=reason))
    payer = None
    if request.kind != "refund_only" or received is not None:
        shipping = return_shipping(policy, reason=reason, kind=request.kind, free_shipping=order.free_shipping)
        note(shipping)
        payer = shipping.payer
    response = merchant_response(policy, kind=request.kind, requested_at=request.at, paid_at=order.paid_at)
    note(response)
    decision = Decision(
        True,
        "await_merchant",
        tuple(cited),
        f"{request.kind} for {reason} is allowed. {response.reason_en}",
        f"{request.kind}({reason})申请成立。{response.reason_zh}",
        deadline=response.deadline,
        amount=amount,
        amount_form=form,
        payer=payer,
        versions=tuple(dict.fromkeys(versions)),
    )
    return _handled(decision, handler)


def _handled(decision: Decision, handler: Decision | None) -> Decision:
    """Add who handles the case after a store exit; the platform pays from the deposit."""
    if handler is None:
        return decision
    return dataclasses.replace(
        decision,
        payer="platform" if handler.payer == "platform" and decision.payer is not None else decision.payer,
        reason_en=f"{decision.reason_en} {handler.reason_en}",
        reason_zh=f"{decision.reason_zh}{handler.reason_zh}",
        rules=tuple(dict.fromkeys([*decision.rules, *handler.rules])),
    )


def _over_period(policy: Policy, case: Case) -> Decision:
    order, request = case.order, case.request
    received = _received(case)
    assert received is not None
    return over_period_request(
        policy,
        category=order.category,
        received_at=received,
        at=request.at,
        goods_used=request.goods_used,
        reason=request.reason or "no_reason",
        quality_proven=request.quality_proven,
        price=order.price,
        paid_at=order.paid_at,
        extensions=case.history.extensions,
    )


def _window(policy: Policy, case: Case) -> Decision:
    """The after-sale window, honouring a Tmall reopening or channel extensions."""
    order, history, request = case.order, case.history, case.request
    window = after_sale_window(
        policy,
        category=order.category,
        completed_at=order.completed_at,
        at=request.at,
        received_at=order.received_at,
        paid_at=order.paid_at,
        extensions=history.extensions,
    )
    if window.allowed:
        return window
    if tmall(policy) is not None and history.reopened and history.reopened_at is not None:
        reopened = reopen_entry(
            policy,
            category=order.category,
            paid_at=order.paid_at,
            completed_at=order.completed_at,
            at=history.reopened_at,
        )
        if reopened.allowed and reopened.deadline is not None and request.at < reopened.deadline:
            return dataclasses.replace(reopened, outcome="within_reopened_window")
        return dataclasses.replace(window, rules=(*window.rules, "tmall.reopen_entry"))
    if channels(policy) is not None and _received(case) is not None:
        return _over_period(policy, case)
    return window


def _quality(policy: Policy, case: Case, received: dt.datetime) -> Decision:
    """The quality remedy for the case's request."""
    order, request = case.order, case.request
    return quality_remedy(
        policy,
        category=order.category,
        kind=request.kind,
        paid_at=order.paid_at,
        received_at=received,
        at=request.at,
        failed_repairs=case.history.failed_repairs,
    )


def _late_shipment(policy: Policy, case: Case, reason: str) -> Decision:
    """Late-shipment or out-of-stock compensation for the case's order."""
    order = case.order
    return late_shipment_compensation(
        policy,
        price=order.price,
        paid_at=order.paid_at,
        at=case.request.at,
        reason=reason,
        shipped_at=order.shipped_at,
        channel=order.channel,
        presale_ship_by=order.presale_ship_by,
    )


def _received(case: Case) -> dt.datetime | None:
    """When the buyer received the goods; a successful transaction implies receipt."""
    return case.order.received_at or case.order.completed_at


def _statutory_remedy(policy: Policy, case: Case, window: Decision) -> Decision | None:
    """After the platform period, a quality remedy owed by law (三包, warranty) still stands."""
    received = _received(case)
    if received is None:
        return None
    remedy = _quality(policy, case, received)
    if not remedy.allowed:
        return None
    order_rule = ("channels.period_order",) if channels(policy) is not None else ()
    return dataclasses.replace(
        remedy,
        outcome="statutory_remedy",
        rules=tuple(dict.fromkeys((*remedy.rules, *order_rule, *window.rules))),
        amount=None,
        amount_form=None,
        reason_en=f"The platform period has ended, but the statutory remedy stands: {remedy.reason_en}",
        reason_zh=f"平台售后期已过,但法定义务仍在:{remedy.reason_zh}",
    )


def _never_refuse(policy: Policy, case: Case, refusal: Decision) -> Decision:
    """Video channel: a request the rules do not oblige is answered with an alternative, never refused."""
    over = _over_period(policy, case)
    if over.outcome in OVER_PERIOD_OUTCOMES:
        return dataclasses.replace(over, rules=tuple(dict.fromkeys((*over.rules, *refusal.rules))))
    return channel_alternative(
        policy,
        price=case.order.price,
        paid_at=case.order.paid_at,
        at=case.request.at,
        why_en=refusal.reason_en,
        why_zh=refusal.reason_zh,
        rules=refusal.rules,
    )


def _merge(decision: Decision, cited: list[str], versions: list[tuple[str, str]]) -> Decision:
    rules = tuple(dict.fromkeys([*decision.rules, *cited]))
    return dataclasses.replace(decision, rules=rules, versions=tuple(dict.fromkeys([*decision.versions, *versions])))


def explain_case(policy: Policy, case: Case, tree: Located) -> Decision:
    """Check the case against the policy, then decide it.

    Raises:
        CaseError: When a field the request needs is missing or inconsistent.
    """
    check_case_against(policy, case, tree)
    _check_required(case, tree)
    try:
        return decide(policy, case)
    except LookupError as exc:
        raise CaseError(tree.problem("order.paid_at", str(exc))) from None


def _check_required(case: Case, tree: Located) -> None:
    request, order = case.request, case.order
    problems = []
    needs_reason = request.kind in AFTER_SALE_KINDS or request.kind == "rule_complaint"
    if needs_reason and request.reason is None:
        problems.append(tree.problem("request.reason", f"a {request.kind} request needs a reason"))
    if request.kind == "intervention" and request.refund_requested_at is None:
        problems.append(tree.problem("request.refund_requested_at", "an intervention needs refund_requested_at"))
    if request.kind == "rule_complaint" and order.closed_at is None and order.completed_at is None:
        problems.append(tree.problem("order", "a rule complaint needs order.closed_at or order.completed_at"))
    if request.at < order.paid_at:
        problems.append(tree.problem("request.at", "the request is before the payment (order.paid_at)"))
    ordered = [
        ("paid_at", order.paid_at),
        ("shipped_at", order.shipped_at),
        ("received_at", order.received_at),
        ("completed_at", order.completed_at),
    ]
    last: tuple[str, dt.datetime] | None = None
    for name, moment in ordered:
        if moment is None:
            continue
        if last is not None and moment < last[1]:
            problems.append(tree.problem(f"order.{name}", f"{name} is before {last[0]}"))
        last = (name, moment)
    if problems:
        raise CaseError(problems)
