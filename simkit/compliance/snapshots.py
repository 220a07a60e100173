"""The merchant's receipt timer in snapshot exports (Taobao refunds, WeChat after-sale orders).

A snapshot export records no arrival of the return, only the record's status at each change.
The receipt timer runs from when the buyer ships the return, which is when the record enters
the merchant's receipt status (Taobao ``WAIT_SELLER_CONFIRM_GOODS``, WeChat
``MERCHANT_WAIT_RECEIPT``): where the export shows that change (a snapshot before it in the
buyer's return status, then one in the receipt status) or gives the time itself (Taobao's
``good_return_time``), the timer is checked from that moment, with the deadline `simkit.rules`
gives; a record still in the receipt status after the deadline
is a finding, because the platform's timer should have refunded. Where the export does not show
when the status began (the first snapshot already in it), the check is listed as not checkable
under the timer's clause. The legal refund deadline counts from the return's arrival, which no
snapshot shows: it is listed as not checkable under ``national.refund_deadline``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simkit.compliance.calls import HOUR_US, iso
from simkit.logs.orderlog import ENDING, CaseLog, Ev

if TYPE_CHECKING:
    from simkit.compliance.conformance import OrderChecks

RECEIPT_STATUS = {"taobao": "WAIT_SELLER_CONFIRM_GOODS", "wechat": "MERCHANT_WAIT_RECEIPT"}
"""The status in which a return waits for the merchant's receipt, per snapshot shape."""

RETURN_KINDS = frozenset({"return_refund", "exchange"})
_LEAVES = ENDING | {"request_intervention", "intervene"}
"""Steps that end the wait besides a change of status (a dispute takes the case to the platform)."""
_AUTOMATIC = frozenset({"auto_refund", "auto_confirm_return"})


def receipt(checks: OrderChecks, case: CaseLog) -> None:
    """Check the receipt timer of a case read from snapshots, or say why it cannot be checked."""
    status = RECEIPT_STATUS[checks.ctx.shape]
    index = next((i for i, ev in enumerate(case.events) if ev.status == status), None)
    if index is None:
        return
    if case.kind == "return_refund":
        checks.skip("national.refund_deadline", "refund_deadline", "the export does not show when the return arrived")
    entered = case.events[index]
    began = entered.time if entered.activity == "ship_return" else case.return_shipped
    deadline, rule = checks.calls.merchant_receipt(entered.time if began is None else began, checks.f.paid)
    if deadline is None or rule == "national.refund_deadline":
        return
    if began is None:
        checks.skip(rule, "receipt", f"the export does not show when {status} began")
        return
    left = next(
        (ev for ev in case.events[index + 1 :] if (ev.status and ev.status != status) or ev.activity in _LEAVES),
        None,
    )
    expected = f"the return confirmed by {iso(deadline)}, else refunded automatically then"
    if left is None:
        if checks.overdue(deadline):
            as_of = checks.ctx.as_of
            assert as_of is not None  # overdue() needs it
            checks.found(
                rule,
                "receipt",
                expected,
                f"still {status} at {iso(as_of)}, {_span(as_of - began)} after the return was shipped "
                "(the platform's timer should have refunded)",
                [entered],
                case,
            )
        else:
            checks.ok(rule, "receipt")
        return
    late = left.time > deadline + checks.tol
    early = left.activity in _AUTOMATIC and left.time < deadline - checks.tol
    if late or early:
        checks.found(
            rule,
            "receipt",
            expected,
            f"{_what(left)} at {iso(left.time)}, {_span(left.time - deadline)} "
            f"{'early' if early else 'after the timer'}",
            [entered, left],
            case,
        )
    else:
        checks.ok(rule, "receipt")


def _what(ev: Ev) -> str:
    return f"{ev.activity} ({ev.status})" if ev.status else ev.activity


def _span(micros: int) -> str:
    hours = abs(micros) / HOUR_US
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} h"
