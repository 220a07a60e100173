"""Compensation: late shipment and out of stock, counterfeit, fraud (赔付)."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, channels, hours, in_time, opened, tmall
from simkit.rules.decision import Decision
from simkit.rules.fulfilment import ship_deadline


def late_shipment_compensation(
    policy: Policy,
    *,
    price: float,
    paid_at: dt.datetime,
    at: dt.datetime,
    reason: str = "late_shipment",
    shipped_at: dt.datetime | None = None,
    channel: str = "normal",
    presale_ship_by: dt.datetime | None = None,
) -> Decision:
    """Compensation for late shipment or out of stock (延迟发货 / 缺货赔付).

    Late shipment: claimable once the shipping promise is broken and no earlier than
    the claim delay after payment. Out of stock: claimable at once. The amount is the
    rate times the price, capped, in the policy's form (Tmall: points).
    """
    t = tmall(policy)
    if t is None:
        return Decision(
            False,
            "not_applicable",
            (),
            "This platform has no late-shipment compensation rule.",
            "该平台无延迟发货赔付规则。",
        )
    rule = t.late_ship_comp
    read = Reader(policy, paid_at, at)
    ids: tuple[str, ...] = ("tmall.late_ship_comp",)
    if reason not in rule.reasons:
        return Decision(
            False, "not_applicable", ids, f"Reason {reason!r} is not compensated.", f"原因{reason}不涉及赔付。"
        )
    rate = read("tmall.late_ship_comp.rate", rule.rate)
    cap = read("tmall.late_ship_comp.cap", rule.cap)
    amount = round(min(rate * price, cap), 2)
    if reason == "late_shipment":
        promise = ship_deadline(policy, paid_at=paid_at, channel=channel, presale_ship_by=presale_ship_by)
        ids += promise.rules
        read.versions += promise.versions
        claim_after = read.hours("tmall.late_ship_comp.claim_after", rule.claim_after)
        earliest = max(paid_at + claim_after, promise.deadline or paid_at)
        if shipped_at is not None and promise.deadline is not None and in_time(shipped_at, promise.deadline):
            return Decision(
                False,
                "shipped_on_time",
                ids,
                "The order shipped within the promise.",
                "商家已按约定时间发货。",
                deadline=promise.deadline,
                deadline_kind="ship_by",
                versions=read.frozen(),
            )
        if not opened(at, earliest):
            return Decision(
                False,
                "too_early",
                ids,
                f"A late-shipment claim opens once the shipping promise is broken, and no earlier than "
                f"{hours(claim_after)} h after payment. (The claim, once open: {amount:.2f} CNY ({rule.form}), "
                f"{rate * 100:g}% of the price, at most {cap:g} CNY.)",
                f"发货超时且付款满{hours(claim_after)}小时后方可申请延迟发货赔付。"
                f"(届时可申请的赔付:{amount:.2f}元{_FORM_ZH[rule.form]},价款的{rate * 100:g}%,最高{cap:g}元。)",
                deadline=earliest,
                deadline_kind="opens_at",
                versions=read.frozen(),
            )
    return Decision(
        True,
        "compensate",
        ids,
        f"Compensation of {amount:.2f} CNY ({rule.form}): {rate * 100:g}% of the price, at most {cap:g} CNY.",
        f"赔付{amount:.2f}元{_FORM_ZH[rule.form]}:价款的{rate * 100:g}%,最高{cap:g}元。",
        amount=amount,
        amount_form=rule.form,
        versions=read.frozen(),
    )


_FORM_ZH = {"points": "(天猫积分)", "cash": "(现金)"}


def counterfeit_compensation(
    policy: Policy, *, price: float, appraisal_fee: float = 0.0, paid_at: dt.datetime | None = None
) -> Decision:
    """Counterfeit compensation: Tmall 假一赔十; channel 假一赔三 plus appraisal fee."""
    t, c = tmall(policy), channels(policy)
    read = Reader(policy, paid_at, paid_at)
    if t is not None:
        multiple = read("tmall.counterfeit.multiple", t.counterfeit.multiple)
        amount = round(multiple * price, 2)
        return Decision(
            True,
            "compensate",
            ("tmall.counterfeit",),
            f"Counterfeit: {multiple:g}x the price.",
            f"假一赔{multiple:g}。",
            amount=amount,
            amount_form="cash",
            versions=read.frozen(),
        )
    if c is not None:
        multiple = read("channels.counterfeit.multiple", c.counterfeit.multiple)
        amount = round(multiple * price + appraisal_fee, 2)
        return Decision(
            True,
            "compensate",
            ("channels.counterfeit",),
            f"Counterfeit: {multiple:g}x the price plus the appraisal fee.",
            f"假一赔{multiple:g},另付鉴定费。",
            amount=amount,
            amount_form="cash",
            versions=read.frozen(),
        )
    return fraud_compensation(policy, price=price, paid_at=paid_at)


def fraud_compensation(policy: Policy, *, price: float, paid_at: dt.datetime | None = None) -> Decision:
    """Fraud compensation under the consumer law: a multiple of the price, with a minimum."""
    rule = policy.spec.national.fraud
    read = Reader(policy, paid_at, paid_at)
    multiple = read("national.fraud.multiple", rule.multiple)
    minimum = read("national.fraud.minimum", rule.minimum)
    amount = round(max(multiple * price, minimum), 2)
    return Decision(
        True,
        "compensate",
        ("national.fraud",),
        f"Fraud: {multiple:g}x the price, at least {minimum:g} CNY.",
        f"欺诈赔偿价款{multiple:g}倍,不足{minimum:g}元按{minimum:g}元。",
        amount=amount,
        amount_form="cash",
        versions=read.frozen(),
    )
