"""An after-sale request (refund only, return and refund, exchange, repair), decided by composing the
rule families: store exit, attempts, the window that applies, no-reason and quality rules,
compensation, triage, shipping, 先行赔付, the merchant's timer and the return flow."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import NO_REASON_REASONS, channels, tmall
from simkit.rules.case import Case, paid
from simkit.rules.compensation import counterfeit_compensation, fraud_compensation, late_shipment_compensation
from simkit.rules.decision import AmountForm, Decision, Party, Payer
from simkit.rules.no_reason import no_reason_return
from simkit.rules.quality import quality_remedy
from simkit.rules.reopen import reopened_window
from simkit.rules.returns import return_flow
from simkit.rules.shipping import refund_triage, return_shipping
from simkit.rules.store_exit import after_exit_duty
from simkit.rules.timers import merchant_response
from simkit.rules.windows import (
    after_sale_attempt,
    after_sale_window,
    applicable_period,
    channel_alternative,
    over_period_request,
)

OVER_PERIOD_OUTCOMES = frozenset({"offer_alternative", "reopen_required"})
NOT_DELIVERED_REASONS = frozenset({"late_shipment", "out_of_stock", "not_received"})


class _Notes:
    """The rules, dated versions and reasons a composed decision rests on, in the order met."""

    def __init__(self) -> None:
        self.rules: list[str] = []
        self.versions: list[tuple[str, str]] = []
        self.en: list[str] = []
        self.zh: list[str] = []

    def add(self, decision: Decision, *, say: bool = False) -> None:
        """Note a decision's rules and versions; with `say`, its reason too."""
        self.rules.extend(r for r in decision.rules if r not in self.rules)
        self.versions.extend(decision.versions)
        if say:
            self.en.append(decision.reason_en)
            self.zh.append(decision.reason_zh)

    def merged(self, decision: Decision) -> Decision:
        """`decision` citing its own rules first, then those noted so far."""
        return decision._replace(
            rules=tuple(dict.fromkeys([*decision.rules, *self.rules])),
            versions=tuple(dict.fromkeys([*decision.versions, *self.versions])),
        )


def after_sale(policy: Policy, case: Case) -> Decision:
    """The decision for an after-sale request, citing every rule it rests on."""
    request, order = case.request, case.order
    reason = request.reason or "no_reason"
    notes = _Notes()
    handler: Decision | None = None
    if order.store_exit_at is not None and request.at >= order.store_exit_at:
        duty = after_exit_duty(
            policy,
            category=order.category,
            paid_at=paid(case),
            completed_at=order.completed_at,
            received_at=order.received_at,
            exit_at=order.store_exit_at,
            at=request.at,
            mode=order.follow_up,
            warranty=order.warranty,
        )
        if not duty.allowed:
            return duty
        notes.add(duty)
        handler = duty
    if channels(policy) is not None:
        attempt = after_sale_attempt(policy, attempts=case.history.after_sales)
        if not attempt.allowed:
            return attempt
        notes.add(attempt)
    received = _received(case)
    quality_like = reason not in NO_REASON_REASONS and reason not in NOT_DELIVERED_REASONS
    platform_window_open = False
    if received is not None and (tmall(policy) is not None or channels(policy) is not None):
        # the national floor has no after-sale period of its own: the no-reason window and the
        # quality remedies (with the merchant's promises) decide there, each below
        window = _window(policy, case)
        if window.outcome in OVER_PERIOD_OUTCOMES or not window.allowed:
            remedy = _quality(policy, case, received) if quality_like else None
            if remedy is not None and remedy.allowed:
                return notes.merged(_handled(_statutory_remedy(policy, remedy, window), handler))
            return notes.merged(_refusal(window, remedy))
        notes.add(window, say=True)
        platform_window_open = True
    if received is None and tmall(policy) is None and channels(policy) is None:
        notes.add(_before_receipt(reason), say=True)
    if received is not None and reason in NO_REASON_REASONS:
        eligibility = no_reason_return(
            policy,
            category=order.category,
            received_at=received,
            at=request.at,
            goods_used=request.goods_used,
            confirmed_at_purchase=order.confirmed_exclusion,
            paid_at=paid(case),
            promised_window=order.promise.no_reason_window,
            extended_to=_extended_to(policy, case, received),
        )
        if not eligibility.allowed and channels(policy) is not None:
            eligibility = _never_refuse(policy, case, eligibility)
        if not eligibility.allowed or eligibility.outcome in OVER_PERIOD_OUTCOMES:
            return notes.merged(eligibility)
        notes.add(eligibility, say=True)
        if request.kind == "refund_only":
            return notes.merged(_return_required(policy, eligibility))
    elif received is not None and quality_like:
        remedy = _quality(policy, case, received)
        if not remedy.allowed and not platform_window_open:
            return notes.merged(remedy)
        # inside the platform window its rules are more favourable than the legal floor
        notes.add(remedy, say=remedy.allowed)
    amount, form = _compensation(policy, case, reason, notes)
    triage = refund_triage(policy, reason=reason)
    if triage.rules:
        notes.add(triage, say=True)
    payer, proof = _shipping(policy, case, reason, received, notes)
    advance = _advance(policy, reason, notes)
    if request.agreed_at is not None:
        flow = return_flow(
            policy,
            kind=request.kind,
            requested_at=request.at,
            agreed_at=request.agreed_at,
            as_of=request.as_of or _latest(case),
            paid_at=paid(case),
            shipped_back_at=request.return_shipped_at,
            arrived_at=request.return_received_at,
            refunded_at=request.refunded_at,
        )
        step = flow
    else:
        step = merchant_response(policy, kind=request.kind, requested_at=request.at, paid_at=paid(case))
        step = step._replace(outcome="await_merchant", allowed=True)
    notes.add(step, say=True)
    en, zh = _advance_text(advance)
    decision = Decision(
        step.allowed,
        step.outcome,
        tuple(notes.rules),
        " ".join([f"{request.kind} for {reason} is allowed.", *notes.en]) + en,
        "".join([f"{request.kind}({reason})申请成立。", *notes.zh]) + zh,
        deadline=step.deadline,
        deadline_kind=step.deadline_kind,
        amount=amount,
        amount_form=form,
        payer=payer,
        advance_payer=advance,
        burden_of_proof=proof,
        versions=tuple(dict.fromkeys(notes.versions)),
        timeline=step.timeline,
    )
    return _handled(decision, handler)


def _compensation(policy: Policy, case: Case, reason: str, notes: _Notes) -> tuple[float | None, AmountForm | None]:
    """Compensation that goes with the refund: counterfeit, fraud, late shipment or out of stock."""
    order, request = case.order, case.request
    if reason == "counterfeit":
        comp = counterfeit_compensation(
            policy, price=order.price, appraisal_fee=request.appraisal_fee, paid_at=paid(case)
        )
    elif reason == "fraud":
        comp = fraud_compensation(policy, price=order.price, paid_at=paid(case))
    elif reason in ("late_shipment", "out_of_stock") and tmall(policy) is not None:
        comp = late_shipment(policy, case, reason)
        if not comp.allowed:
            notes.add(comp)
            return None, None
    else:
        return None, None
    notes.add(comp, say=True)
    return comp.amount, comp.amount_form


def _shipping(
    policy: Policy, case: Case, reason: str, received: dt.datetime | None, notes: _Notes
) -> tuple[Payer | None, Party | None]:
    """Who pays the return shipping and who must prove (refused delivery), when goods travel back."""
    order, request = case.order, case.request
    if order.delivery_refused_at is not None:
        shipping = return_shipping(
            policy,
            reason=reason,
            kind=request.kind,
            free_shipping=order.free_shipping,
            refused_delivery=True,
            refused_with_reason=reason not in NO_REASON_REASONS,
            merchant_agreed=order.promise.pays_return_shipping,
        )
    elif request.kind != "refund_only" or received is not None:
        shipping = return_shipping(
            policy,
            reason=reason,
            kind=request.kind,
            free_shipping=order.free_shipping,
            merchant_agreed=order.promise.pays_return_shipping,
        )
    else:
        return None, None
    notes.add(shipping, say=True)
    return shipping.payer, shipping.burden_of_proof


def _advance(policy: Policy, reason: str, notes: _Notes) -> Payer | None:
    """Tmall advances the money for logistics loss and wrong or missing items (先行赔付, seed:004)."""
    t = tmall(policy)
    if t is None or reason not in t.advance_pay.reasons:
        return None
    if "tmall.advance_pay" not in notes.rules:
        notes.rules.append("tmall.advance_pay")
    return "platform"


def _advance_text(advance: Payer | None) -> tuple[str, str]:
    if advance is None:
        return "", ""
    return (
        f" The {advance} advances the money first (先行赔付) and recovers it from the party at fault.",
        f"{'平台' if advance == 'platform' else advance}先行赔付。",
    )


def _before_receipt(reason: str) -> Decision:
    """The national floor before the buyer has the goods: the rule the refund rests on.

    A no-reason refund rests on the no-reason return, whose window counts from the day after
    receipt (law:7day §10) and so has not begun; a merchant-fault refund on the merchant bearing
    its fault (national.quality_return: the merchant pays transport).
    """
    if reason in NO_REASON_REASONS:
        return Decision(
            True,
            "before_receipt",
            ("national.no_reason_return",),
            "Before receipt the no-reason window, counted from the day after receipt, has not begun.",
            "尚未签收,无理由退货期限(自签收次日起算)尚未开始。",
        )
    return Decision(
        True,
        "before_receipt",
        ("national.quality_return",),
        "Before receipt, the merchant is at fault and bears the cost.",
        "尚未签收,商家责任,由商家承担。",
    )


def _return_required(policy: Policy, eligibility: Decision) -> Decision:
    """A no-reason refund for goods the buyer received is a return (seed:002)."""
    rules = ("national.no_reason_return", "tmall.refund_kinds") if tmall(policy) is not None else ()
    return Decision(
        False,
        "return_required",
        rules or ("national.no_reason_return",),
        "The buyer has received the goods: a no-reason refund is a return and refund, not a refund only. "
        f"File a return and refund (the goods go back). {eligibility.reason_en}",
        f"已收到商品的无理由退款须退货退款,不能仅退款,请申请退货退款。{eligibility.reason_zh}",
        deadline=eligibility.deadline,
        deadline_kind="file_by" if eligibility.deadline is not None else None,
        versions=eligibility.versions,
    )


def _handled(decision: Decision, handler: Decision | None) -> Decision:
    """Add who handles the case after a store exit.

    With ``platform_deposit`` the platform steps in for the merchant ("由平台代为处理售后问题",
    seed:000): it pays what the merchant would pay, from the deposit. The buyer's own share
    (e.g. no-reason return shipping, "非商家包邮产品,所有邮费均由买家承担", seed:004) stays the buyer's.
    """
    if handler is None:
        return decision
    platform = handler.payer == "platform"
    payer: Payer | None = "platform" if platform and decision.payer == "merchant" else decision.payer
    en, zh = handler.reason_en, handler.reason_zh
    if platform and decision.payer == "buyer":
        en += " The platform steps in for the merchant only: the buyer still pays the return shipping."
        zh += "平台仅代商家承担责任,退货运费仍由买家承担。"
    return decision._replace(
        payer=payer,
        reason_en=f"{decision.reason_en} {en}",
        reason_zh=f"{decision.reason_zh}{zh}",
        rules=tuple(dict.fromkeys([*decision.rules, *handler.rules])),
    )


def _window(policy: Policy, case: Case) -> Decision:
    """The after-sale window, honouring promises, a Tmall reopening and channel extensions."""
    order, history, request = case.order, case.history, case.request
    window = after_sale_window(
        policy,
        category=order.category,
        completed_at=order.completed_at,
        at=request.at,
        received_at=order.received_at,
        paid_at=paid(case),
        extensions=history.extension_count,
        promised=order.promise.after_sale_period,
        extended_at=history.extended_at,
    )
    if window.allowed:
        return window
    if tmall(policy) is not None and history.reopened and history.reopened_at is not None:
        reopened = reopened_window(
            policy,
            category=order.category,
            paid_at=paid(case),
            completed_at=order.completed_at,
            reopened_at=history.reopened_at,
            at=request.at,
            filed=history.after_sales,
        )
        if reopened.outcome in ("within_reopened_window", "already_filed_after_reopen"):
            return reopened
        return window._replace(rules=(*window.rules, "tmall.reopen_entry"))
    if channels(policy) is not None and _received(case) is not None:
        return _over_period(policy, case)
    return window


def _over_period(policy: Policy, case: Case) -> Decision:
    order, request, history = case.order, case.request, case.history
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
        paid_at=paid(case),
        extensions=history.extension_count,
        promised=order.promise.after_sale_period,
        promised_window=order.promise.no_reason_window,
        extended_at=history.extended_at,
    )


def _extended_to(policy: Policy, case: Case, received: dt.datetime) -> dt.datetime | None:
    """The end of the after-sale period the merchant extended (video channel), or None."""
    history = case.history
    if channels(policy) is None or not history.extension_count:
        return None
    return applicable_period(
        policy,
        category=case.order.category,
        received_at=received,
        paid_at=paid(case),
        extensions=history.extension_count,
        promised=case.order.promise.after_sale_period,
        extended_at=history.extended_at,
    ).deadline


def _quality(policy: Policy, case: Case, received: dt.datetime) -> Decision:
    """The quality remedy for the case's request."""
    order, request = case.order, case.request
    return quality_remedy(
        policy,
        category=order.category,
        kind=request.kind,
        paid_at=paid(case),
        received_at=received,
        at=request.at,
        failed_repairs=case.history.failed_repairs,
        warranty=order.warranty,
        promised=order.promise.after_sale_period,
    )


def late_shipment(policy: Policy, case: Case, reason: str) -> Decision:
    """Late-shipment or out-of-stock compensation for the case's order."""
    order = case.order
    return late_shipment_compensation(
        policy,
        price=order.price,
        paid_at=paid(case),
        at=case.request.at,
        reason=reason,
        shipped_at=order.shipped_at,
        channel=order.channel,
        presale_ship_by=order.presale_ship_by,
    )


def _received(case: Case) -> dt.datetime | None:
    """When the buyer received the goods; a successful transaction implies receipt."""
    return case.order.received_at or case.order.completed_at


def _latest(case: Case) -> dt.datetime:
    """The latest moment the request gives (the default moment to judge a return at)."""
    request = case.request
    moments = [request.at, request.agreed_at, request.return_shipped_at, request.return_received_at]
    return max(m for m in [*moments, request.refunded_at] if m is not None)


def _refusal(window: Decision, remedy: Decision | None) -> Decision:
    """The refusal of a request after the platform period, stating what refused it.

    When the statutory quality remedy (warranty, 三包) ran longer than the platform period,
    its end refused the request; otherwise the platform period's.
    """
    if remedy is None or window.allowed or remedy.deadline is None or window.deadline is None:
        return window
    if remedy.deadline <= window.deadline:
        return window
    return remedy._replace(rules=tuple(dict.fromkeys((*remedy.rules, *window.rules))))


def _statutory_remedy(policy: Policy, remedy: Decision, window: Decision) -> Decision:
    """After the platform period, a quality remedy owed by law (三包, warranty) still stands."""
    order_rule = ("channels.period_order",) if channels(policy) is not None else ()
    return remedy._replace(
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
        return over._replace(rules=tuple(dict.fromkeys((*over.rules, *refusal.rules))))
    return channel_alternative(
        policy,
        price=case.order.price,
        paid_at=paid(case),
        at=case.request.at,
        why_en=refusal.reason_en,
        why_zh=refusal.reason_zh,
        rules=refusal.rules,
    )
