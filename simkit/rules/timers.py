"""Timers that race the parties: merchant response, buyer return, merchant receipt, refund."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, days, hours, in_time, platform_span
from simkit.rules.decision import Decision

RETURN_KINDS = frozenset({"return_refund", "exchange", "repair"})


def merchant_response(
    policy: Policy, *, kind: str, requested_at: dt.datetime, paid_at: dt.datetime | None = None
) -> Decision:
    """By when the merchant must answer an after-sale request before it is approved automatically.

    Tmall: the refund countdown (about 3 days). Video channel: the merchant review
    deadline for refund-only or return requests.
    """
    read = Reader(policy, paid_at or requested_at, requested_at)
    review = "return_review" if kind in RETURN_KINDS else "refund_review"
    found = platform_span(
        read, tmall_path="tmall.refund_auto_agree.timeout", channels_path=f"channels.review_deadlines.{review}"
    )
    if found is None:
        return Decision(
            False, "no_timer", (), "The national floor sets no merchant response timer.", "国家规定未设商家处理时限。"
        )
    span, rule = found
    return Decision(
        True,
        "auto_agree",
        (rule,),
        f"The merchant must answer within {hours(span)} h, else the request is approved automatically.",
        f"商家须在{hours(span)}小时内处理,超时自动同意。",
        deadline=requested_at + span,
        deadline_kind="answer_by",
        versions=read.frozen(),
    )


def buyer_return_deadline(policy: Policy, *, agreed_at: dt.datetime, paid_at: dt.datetime | None = None) -> Decision:
    """By when the buyer must ship the return after the merchant agrees, else the return closes."""
    read = Reader(policy, paid_at or agreed_at, agreed_at)
    found = platform_span(
        read,
        tmall_path="tmall.return_deadlines.buyer_ship_within",
        channels_path="channels.review_deadlines.buyer_return_upload",
    )
    if found is None:
        return Decision(
            False, "no_timer", (), "No buyer return deadline in the national floor.", "国家规定未设退货时限。"
        )
    span, rule = found
    return Decision(
        True,
        "close",
        (rule,),
        f"The buyer must ship the return within {days(span)} days of the agreement, else it closes.",
        f"买家须在商家同意后{days(span)}天内寄回,超时关闭退货。",
        deadline=agreed_at + span,
        deadline_kind="ship_return_by",
        versions=read.frozen(),
    )


def merchant_receipt_deadline(
    policy: Policy, *, shipped_back_at: dt.datetime, paid_at: dt.datetime | None = None
) -> Decision:
    """By when the merchant must confirm the returned goods, else the platform refunds.

    The timer runs from when the buyer ships the return: the video channel's merchant receipt
    limit belongs to the status ``MERCHANT_WAIT_RECEIPT`` and Tmall's to
    ``WAIT_SELLER_CONFIRM_GOODS``, both entered when the buyer sends the goods back, and both
    end in the platform refunding. It runs while the parcel travels. The national floor has
    no such timer (the legal refund deadline counts from the return's arrival: `refund_deadline`).
    """
    read = Reader(policy, paid_at or shipped_back_at, shipped_back_at)
    found = platform_span(
        read,
        tmall_path="tmall.return_deadlines.merchant_confirm_within",
        channels_path="channels.review_deadlines.merchant_receipt",
    )
    if found is None:
        return Decision(
            False,
            "no_timer",
            (),
            "The national floor sets no merchant receipt timer.",
            "国家规定未设商家确认收货时限。",
        )
    span, rule = found
    return Decision(
        True,
        "auto_refund",
        (rule,),
        f"The merchant must confirm the returned goods within {days(span)} days of the buyer shipping them, "
        "else the platform refunds.",
        f"商家须在买家寄回退货后{days(span)}天内确认收货,超时平台自动退款。",
        deadline=shipped_back_at + span,
        deadline_kind="confirm_receipt_by",
        versions=read.frozen(),
    )


def refund_deadline(
    policy: Policy,
    *,
    received_return_at: dt.datetime,
    paid_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    """The legal refund deadline after the merchant receives a return; late beyond 15 days is a violation."""
    rule = policy.spec.national.refund_deadline
    read = Reader(policy, paid_at or received_return_at, received_return_at)
    within = read.hours("national.refund_deadline.refund_within", rule.refund_within)
    after = read.hours("national.refund_deadline.violation_after", rule.violation_after)
    due, violation = received_return_at + within, received_return_at + after
    if at is not None and not in_time(at, violation):
        return Decision(
            False,
            "violation",
            ("national.refund_deadline",),
            f"The refund is more than {days(after)} days late: a violation.",
            f"收到退货超过{days(after)}日未退款,构成违法。",
            deadline=due,
            deadline_kind="refund_by",
            versions=read.frozen(),
            timeline=(("violation_after", violation),),
        )
    return Decision(
        True,
        "refund_due",
        ("national.refund_deadline",),
        f"Refund within {days(within)} days of receiving the return; unhandled beyond {days(after)} days "
        "is a violation.",
        f"收到退货之日起{days(within)}日内退款;超过{days(after)}日未处理构成违法。",
        deadline=due,
        deadline_kind="refund_by",
        versions=read.frozen(),
        timeline=(("violation_after", violation),),
    )
