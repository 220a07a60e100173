"""The return flow after the merchant agrees: the buyer ships back, the merchant confirms, the refund.

The stages and their time limits (law:7day §13, §31 and the platform timers):

1. the merchant agreed (or the response timer approved the request) → the buyer ships the
   return by the buyer's deadline, else the return closes;
2. the buyer shipped the return → the platform's receipt timer runs (from the shipment, while
   the parcel travels): the platform refunds when the merchant has not confirmed by then;
3. the return arrived → the merchant refunds within the legal 7 days; unhandled beyond 15 days
   is a violation.

An act exactly at its deadline is in time (`simkit.rules._common.in_time`).
"""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import in_time
from simkit.rules.decision import DeadlineKind, Decision
from simkit.rules.timers import buyer_return_deadline, merchant_receipt_deadline, merchant_response, refund_deadline


def return_flow(
    policy: Policy,
    *,
    kind: str,
    requested_at: dt.datetime,
    agreed_at: dt.datetime,
    as_of: dt.datetime,
    paid_at: dt.datetime | None = None,
    shipped_back_at: dt.datetime | None = None,
    arrived_at: dt.datetime | None = None,
    refunded_at: dt.datetime | None = None,
) -> Decision:
    """Where a return stands at `as_of`, and the next time limit.

    ``allowed`` says whether the buyer's return still stands (False once it closed because
    the buyer did not ship in time).

    Args:
        policy: The policy in force.
        kind: ``return_refund``, ``exchange`` or ``repair`` (only a return and refund is refunded).
        requested_at: When the buyer asked.
        agreed_at: When the merchant agreed (a later agreement than the response deadline counts
            from that deadline: the request was approved automatically).
        as_of: The moment to judge at.
        paid_at: Payment time (picks dated values).
        shipped_back_at: When the buyer shipped the return.
        arrived_at: When the return arrived at the merchant.
        refunded_at: When the refund was paid.
    """
    response = merchant_response(policy, kind=kind, requested_at=requested_at, paid_at=paid_at)
    versions = list(response.versions)
    rules: list[str] = []
    notes_en: list[str] = []
    notes_zh: list[str] = []
    agreed = agreed_at
    if response.deadline is not None and not in_time(agreed_at, response.deadline):
        agreed = response.deadline
        rules += response.rules
        notes_en.append("The merchant answered after its deadline: the request was approved automatically then.")
        notes_zh.append("商家超时未处理,申请已自动达成。")
    buyer = buyer_return_deadline(policy, agreed_at=agreed, paid_at=paid_at)
    versions += buyer.versions

    def decided(
        allowed: bool,
        outcome: str,
        basis: Decision,
        en: str,
        zh: str,
        due: tuple[DeadlineKind, dt.datetime] | None = None,
    ) -> Decision:
        kind_of, deadline = due or (basis.deadline_kind, basis.deadline)
        return Decision(
            allowed,
            outcome,
            tuple(dict.fromkeys((*basis.rules, *rules))),
            " ".join([en, *notes_en, basis.reason_en]),
            "".join([zh, *notes_zh, basis.reason_zh]),
            deadline=deadline,
            deadline_kind=kind_of,
            versions=tuple(dict.fromkeys((*versions, *basis.versions))),
            timeline=basis.timeline,
        )

    closed = buyer.deadline is not None and (
        (shipped_back_at is None and not in_time(as_of, buyer.deadline))
        or (shipped_back_at is not None and not in_time(shipped_back_at, buyer.deadline))
    )
    if closed:
        en, zh = "The buyer did not ship the return in time: it closed.", "买家未按时退货,退货关闭。"
        return decided(False, "return_closed", buyer, en, zh)
    if shipped_back_at is None:
        en, zh = "The merchant agreed; the buyer ships the return.", "商家已同意,等待买家退货。"
        return decided(True, "await_return", buyer, en, zh)
    receipt = merchant_receipt_deadline(policy, shipped_back_at=shipped_back_at, paid_at=paid_at)
    timer = receipt.deadline if receipt.deadline_kind == "confirm_receipt_by" else None
    if timer is not None and refunded_at is None and not in_time(as_of, timer):
        verb_en, verb_zh = ("refunds", "自动退款") if kind == "return_refund" else ("confirms receipt", "自动确认收货")
        en = f"The merchant did not confirm the return by its deadline: the platform {verb_en}."
        zh = f"商家超时未确认收货,平台{verb_zh}。"
        return decided(True, "platform_refund" if kind == "return_refund" else "platform_confirms", receipt, en, zh)
    if arrived_at is None:
        if timer is not None:
            return decided(True, "return_in_transit", receipt, "The return is on its way.", "退货运输中。")
        quiet = buyer._replace(deadline=None, deadline_kind=None)
        return decided(True, "return_in_transit", quiet, "The return is on its way.", "退货运输中。")
    if kind != "return_refund":
        en, zh = "The return arrived; the merchant confirms it.", "退货已到达,等待商家确认收货。"
        return decided(True, "await_confirmation", receipt, en, zh)
    legal = refund_deadline(policy, received_return_at=arrived_at, paid_at=paid_at, at=refunded_at or as_of)
    if timer is not None:
        legal = legal._replace(
            rules=tuple(dict.fromkeys((*legal.rules, *receipt.rules))),
            reason_en=f"{legal.reason_en} {receipt.reason_en}",
            reason_zh=f"{legal.reason_zh}{receipt.reason_zh}",
            versions=tuple(dict.fromkeys((*legal.versions, *receipt.versions))),
            timeline=tuple(sorted((*legal.timeline, ("confirm_receipt_by", timer)), key=_when)),
        )
    assert legal.deadline is not None
    violation = dict(legal.timeline)["violation_after"]
    if refunded_at is not None:
        on_time = in_time(refunded_at, legal.deadline)
        outcome = (
            "refunded"
            if on_time
            else "refunded_after_violation"
            if not in_time(refunded_at, violation)
            else "refunded_late"
        )
        en = "Refunded in time." if on_time else "Refunded, but late."
        zh = "已按时退款。" if on_time else "已退款,但超过法定期限。"
        return decided(True, outcome, legal, en, zh)
    if in_time(as_of, legal.deadline):
        en, zh = "The return arrived; the merchant refunds.", "退货已到达,等待商家退款。"
        return decided(True, "await_refund", legal, en, zh)
    if in_time(as_of, violation):
        en, zh = "The refund is overdue.", "退款已超过法定期限。"
        return decided(True, "refund_overdue", legal, en, zh, ("violation_after", violation))
    en, zh = "The refund is still unpaid: a violation.", "仍未退款,构成违法。"
    return decided(True, "refund_violation", legal, en, zh, ("violation_after", violation))


def _when(step: tuple[DeadlineKind, dt.datetime]) -> dt.datetime:
    return step[1]
