"""Platform intervention (小二介入 / 平台介入) and the arbiter's liability decision."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import (
    MERCHANT_FAULT_REASONS,
    NO_REASON_REASONS,
    Reader,
    channels,
    days,
    hours,
    in_time,
    opened,
    tmall,
)
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
    refund_state: str | None = None,
) -> Decision:
    """Whether the buyer may ask the platform to intervene at `at`.

    Tmall: while the refund is in progress ("退款中") and at least the waiting time after the
    request. Video channel: only after the merchant rejected, within the escalation window,
    and not after the buyer withdrew the request.

    Args:
        policy: The policy in force.
        refund_requested_at: When the refund was requested.
        at: When the buyer asks for intervention.
        paid_at: Payment time (picks dated values).
        in_progress: Whether the refund is still in progress.
        merchant_refused: Whether the merchant rejected the request (video channel).
        refused_at: When the merchant rejected it.
        refund_state: ``in_progress``, ``closed`` or ``withdrawn`` (overrides `in_progress`).
    """
    read = Reader(policy, paid_at or refund_requested_at, at)
    t, c = tmall(policy), channels(policy)
    if refund_state is not None:
        in_progress = refund_state == "in_progress"
    state_en, state_zh = _STATE.get(refund_state or "", ("no longer in progress", "已不在退款中"))
    if t is not None:
        ids: tuple[str, ...] = ("tmall.intervention_wait",)
        wait = read.hours("tmall.intervention_wait.wait", t.intervention_wait.wait)
        earliest = refund_requested_at + wait
        if not in_progress:
            return Decision(
                False,
                "not_in_progress",
                ids,
                f"Intervention needs a refund in progress (退款中); this refund is {state_en}.",
                f"仅退款中可申请小二介入;该退款{state_zh}。",
                versions=read.frozen(),
            )
        if not opened(at, earliest):
            return Decision(
                False,
                "too_early",
                ids,
                f"Intervention opens {hours(wait)} h after the refund request.",
                f"申请退款{hours(wait)}小时后方可申请小二介入。",
                deadline=earliest,
                deadline_kind="opens_at",
                versions=read.frozen(),
            )
        return Decision(
            True,
            "intervene",
            ids,
            f"The platform may intervene ({hours(wait)} h after the refund request, refund in progress).",
            f"可申请小二介入(申请退款已满{hours(wait)}小时,退款中)。",
            deadline=earliest,
            deadline_kind="opens_at",
            versions=read.frozen(),
        )
    if c is not None:
        ids = ("channels.escalate",)
        if not in_progress:
            return Decision(
                False,
                "not_in_progress",
                ids,
                f"Escalation needs an after-sale in progress; this one is {state_en}.",
                f"售后单{state_zh},不能申请平台介入。",
            )
        if not merchant_refused:
            return Decision(
                False,
                "not_refused",
                ids,
                "Escalation needs a merchant rejection first.",
                "商家拒绝后方可申请平台介入。",
            )
        since = refused_at or refund_requested_at
        within = read.hours("channels.escalate.within", c.escalate.within)
        last = since + within
        if not in_time(at, last):
            return Decision(
                False,
                "expired",
                ids,
                f"The {days(within)}-day escalation window after the rejection has passed.",
                f"已超过商家拒绝后{days(within)}天内申请平台介入的期限。",
                deadline=last,
                deadline_kind="file_by",
                versions=read.frozen(),
            )
        return Decision(
            True,
            "escalate",
            ids,
            f"The buyer may escalate to a platform dispute within {days(within)} days of the rejection.",
            f"可在商家拒绝后{days(within)}天内申请平台介入。",
            deadline=last,
            deadline_kind="file_by",
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
                "符合无理由退货条件:支持退款。",
                payer=shipping.payer,
            )
        return Decision(
            False,
            "merchant_wins",
            ("national.no_reason_return", *floor),
            "No-reason return does not apply: refusal upheld.",
            "不符合无理由退货条件:维持拒绝。",
        )
    t = tmall(policy)
    if reason == "not_received" and t is not None and reason in t.advance_pay.reasons:
        return Decision(
            True,
            "buyer_wins",
            ("tmall.advance_pay",),
            "Goods not received: the platform advances the refund (先行赔付).",
            "未收到货:平台先行赔付。",
            payer=shipping.payer if kind != "refund_only" else None,
            advance_payer="platform",
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


_STATE = {"closed": ("closed", "已关闭"), "withdrawn": ("withdrawn by the buyer", "已被买家撤销")}
