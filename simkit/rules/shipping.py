"""Who pays the return shipping, and the triage of refund reasons (运费与退款原因)."""

from __future__ import annotations

from simkit.policy.model import Policy
from simkit.rules._common import MERCHANT_FAULT_REASONS, NO_REASON_REASONS, channels, tmall
from simkit.rules.decision import Decision, Party


def return_shipping(
    policy: Policy,
    *,
    reason: str,
    kind: str = "return_refund",
    free_shipping: bool = False,
    refused_delivery: bool = False,
    refused_with_reason: bool = False,
    merchant_agreed: bool = False,
) -> Decision:
    """Who pays the return shipping.

    Refused delivery (Tmall, seed:004 关于拒签): without reason the buyer pays and the merchant
    proves; with reason the merchant pays and the buyer proves. Merchant fault: the party at
    fault pays. No-reason: when the merchant agreed to pay (`merchant_agreed`), the merchant;
    on Tmall a free-shipped item splits the legs (each side pays its own), otherwise the buyer
    pays all; exchanges are paid by the buyer. The national floor: the buyer pays unless the
    merchant agreed otherwise.
    """
    t = tmall(policy)
    if refused_delivery and t is not None:
        rd = t.refused_delivery
        payer = rd.with_reason if refused_with_reason else rd.without_reason
        prover: Party = "buyer" if refused_with_reason else "merchant"
        return Decision(
            True,
            "refused_delivery",
            ("tmall.refused_delivery",),
            f"Refused delivery {'with' if refused_with_reason else 'without'} reason: the {payer} pays the "
            f"shipping; the {prover} proves.",
            f"{'有' if refused_with_reason else '无'}理由拒签:运费由{_ZH[payer]}承担,由{_ZH[prover]}举证。",
            payer=payer,
            burden_of_proof=prover,
        )
    if merchant_agreed and reason in NO_REASON_REASONS:
        return Decision(
            True,
            "merchant_pays",
            ("national.no_reason_shipping", "national.favourable"),
            "The merchant agreed to pay the no-reason return shipping: the merchant pays.",
            "商家承诺承担无理由退货运费:运费由商家承担。",
            payer="merchant",
        )
    if reason in MERCHANT_FAULT_REASONS:
        if t is not None and t.fault_shipping.at_fault_pays:
            return Decision(
                True,
                "fault_pays",
                ("tmall.fault_shipping",),
                "The merchant is at fault and pays shipping.",
                "谁过错谁承担:商家承担运费。",
                payer="merchant",
            )
        qr = policy.spec.national.quality_return
        return Decision(
            True,
            "fault_pays",
            ("national.quality_return",),
            "The merchant pays transport for defects.",
            "质量问题运费由商家承担。",
            payer=qr.transport_payer,
        )
    if reason in NO_REASON_REASONS and t is not None:
        ns = t.no_reason_shipping
        if kind == "exchange":
            return Decision(
                True,
                "buyer_pays_all",
                ("tmall.no_reason_shipping",),
                "No-reason exchange: buyer pays.",
                "无理由换货:运费由买家承担。",
                payer=ns.exchange,
            )
        if free_shipping:
            payer = "buyer" if ns.free_shipped in ("split", "buyer") else "merchant"
            outcome = "each_pays_own_leg" if ns.free_shipped == "split" else f"{ns.free_shipped}_pays_all"
            return Decision(
                True,
                outcome,
                ("tmall.no_reason_shipping",),
                "Free-shipped item: each side pays its own leg; the buyer pays the return.",
                "包邮商品:双方各自承担发货运费,退回运费由买家承担。",
                payer=payer,
            )
        return Decision(
            True,
            "buyer_pays_all",
            ("tmall.no_reason_shipping",),
            "Not free-shipped: the buyer pays all shipping.",
            "非包邮商品:所有运费由买家承担。",
            payer=ns.not_free_shipped,
        )
    payer = policy.spec.national.no_reason_shipping.payer
    ids: tuple[str, ...] = ("national.no_reason_shipping",)
    if channels(policy) is not None:
        ids += ("channels.merchant_policy_floor",)
    return Decision(
        True,
        "buyer_pays",
        ids,
        "No-reason return: the buyer pays unless the merchant agreed otherwise.",
        "无理由退货运费由消费者承担,商家另有约定的除外。",
        payer=payer,
    )


def refund_triage(policy: Policy, *, reason: str) -> Decision:
    """How a merchant handles a refund reason (Tmall triage; channel: communicate first; national: none)."""
    t = tmall(policy)
    if t is None and channels(policy) is None:
        return Decision(
            True,
            "no_triage",
            (),
            "The national floor sets no triage of refund reasons.",
            "国家规定未设退款原因处理流程。",
        )
    if t is None:
        return Decision(
            True,
            "communicate",
            ("channels.principle",),
            "Communicate with the buyer first; never refuse outright.",
            "优先与用户沟通,避免直接拒绝。",
        )
    rr = t.refund_reasons
    if reason in rr.direct_agree:
        return Decision(
            True, "agree", ("tmall.refund_reasons",), "This reason can be agreed directly.", "该原因可直接同意。"
        )
    if reason in rr.contact_to_change:
        return Decision(
            True,
            "contact_to_change",
            ("tmall.refund_reasons",),
            "Contact the buyer to correct the reason if it does not apply.",
            "联系买家修改退款原因。",
        )
    if reason in rr.evidence_required:
        return Decision(
            True, "evidence_required", ("tmall.refund_reasons",), "Ask the buyer for evidence.", "需买家提供凭证。"
        )
    return Decision(True, "negotiate", ("tmall.refund_reasons",), "Contact the buyer and negotiate.", "联系买家协商。")


_ZH = {"buyer": "买家", "merchant": "商家", "platform": "平台"}
