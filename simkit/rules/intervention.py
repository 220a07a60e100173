"""Platform intervention (小二介入 / 平台介入) and the arbiter's liability decision."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import MERCHANT_FAULT_REASONS, NO_REASON_REASONS, Reader, channels, tmall
from simkit.rules.decision import Decision
from simkit.rules.shipping import return_shipping


def intervention(
    policy: Policy,
    *,
    refund_requested_at: dt.datetime,
    at: dt.datetime,
    paid_at: dt.datetime | None = None,
    in_progress: bool = True,
    merchant_refused: bool = False,
    refused_at: dt.datetime | None = None,
) -> Decision:
    """Whether the buyer may ask the platform to intervene at `at`.

    Tmall: while the refund is in progress and at least the waiting time after the
    request. Video channel: only after the merchant rejected, within the escalation window.
    """
    read = Reader(policy, paid_at or refund_requested_at, at)
    t, c = tmall(policy), channels(policy)
    if t is not None:
        ids: tuple[str, ...] = ("tmall.intervention_wait",)
        earliest = refund_requested_at + read.hours("tmall.intervention_wait.wait", t.intervention_wait.wait)
        if not in_progress:
            return Decision(
                False,
                "not_in_progress",
                ids,
                "Intervention needs a refund in progress.",
                "仅退款进行中可申请介入。",
                versions=read.frozen(),
            )
        if at < earliest:
            return Decision(
                False,
                "too_early",
                ids,
                "Intervention opens 72 h after the refund request.",
                "申请退款72小时后方可申请小二介入。",
                deadline=earliest,
                versions=read.frozen(),
            )
        return Decision(
            True,
            "intervene",
            ids,
            "The platform may intervene.",
            "可申请小二介入。",
            deadline=earliest,
            versions=read.frozen(),
        )
    if c is not None:
        ids = ("channels.escalate",)
        if not merchant_refused:
            return Decision(
                False,
                "not_refused",
                ids,
                "Escalation needs a merchant rejection first.",
                "商家拒绝后方可申请平台介入。",
            )
        since = refused_at or refund_requested_at
        last = since + read.hours("channels.escalate.within", c.escalate.within)
        if at > last:
            return Decision(
                False,
                "expired",
                ids,
                "The escalation window after the rejection has passed.",
                "已超过商家拒绝后申请平台介入的期限。",
                deadline=last,
                versions=read.frozen(),
            )
        return Decision(
            True,
            "escalate",
            ids,
            "The buyer may escalate to a platform dispute.",
            "可申请平台介入。",
            deadline=last,
            versions=read.frozen(),
        )
    return Decision(
        False, "not_applicable", (), "No platform intervention in the national floor.", "国家规定无平台介入。"
    )


def arbitrate(
    policy: Policy,
    *,
    reason: str,
    kind: str,
    evidence: bool,
    free_shipping: bool = False,
    no_reason_allowed: bool = True,
) -> Decision:
    """The arbiter's liability decision on a disputed refund.

    A merchant-fault reason backed by evidence is upheld (the merchant pays, and pays
    the shipping); a no-reason request is upheld when the no-reason return applies;
    otherwise the merchant's refusal stands. On the video channel the platform standard
    applies whatever the merchant's own policy says.

    Args:
        policy: The policy in force.
        reason: The refund reason.
        kind: The request kind.
        evidence: Whether the buyer's evidence holds.
        free_shipping: Whether the order shipped free (for the shipping payer).
        no_reason_allowed: The outcome of `no_reason_return` for no-reason requests.
    """
    floor: tuple[str, ...] = ("channels.merchant_policy_floor",) if channels(policy) is not None else ()
    shipping = return_shipping(policy, reason=reason, kind=kind, free_shipping=free_shipping)
    if reason in NO_REASON_REASONS:
        if no_reason_allowed:
            return Decision(
                True,
                "buyer_wins",
                tuple(dict.fromkeys(("national.no_reason_return", *shipping.rules, *floor))),
                "No-reason return applies: refund upheld.",
                "符合七日无理由退货:支持退款。",
                payer=shipping.payer,
            )
        return Decision(
            False,
            "merchant_wins",
            ("national.no_reason_return", *floor),
            "No-reason return does not apply: refusal upheld.",
            "不符合七日无理由退货:维持拒绝。",
        )
    if reason == "not_received" and tmall(policy) is not None:
        return Decision(
            True,
            "buyer_wins",
            ("tmall.advance_pay",),
            "Goods not received: the platform pays first.",
            "未收到货:平台先行赔付。",
            payer="platform",
        )
    if reason in MERCHANT_FAULT_REASONS and evidence:
        return Decision(
            True,
            "buyer_wins",
            tuple(dict.fromkeys((*shipping.rules, *floor))),
            "Merchant at fault with evidence: refund upheld, merchant pays shipping.",
            "商家责任且举证属实:支持退款,运费由商家承担。",
            payer=shipping.payer,
        )
    return Decision(
        False,
        "merchant_wins",
        tuple(dict.fromkeys((*shipping.rules, *floor))),
        "Evidence does not support the claim: refusal upheld.",
        "举证不足:维持商家拒绝。",
    )
