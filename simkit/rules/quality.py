"""Quality remedies: return, exchange, repair under the consumer law and 三包."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from simkit.policy.model import Policy
from simkit.rules._common import Reader, days, get_category, in_time
from simkit.rules.decision import Decision

_REMEDY_OF_KIND = {"refund_only": "return", "return_refund": "return", "exchange": "exchange", "repair": "repair"}


def quality_remedy(
    policy: Policy,
    *,
    category: str,
    kind: str,
    paid_at: dt.datetime,
    received_at: dt.datetime,
    at: dt.datetime,
    failed_repairs: int = 0,
    warranty: dt.timedelta | None = None,
    promised: dt.timedelta | None = None,
) -> Decision:
    """Which remedy a quality defect allows at `at`; the merchant pays transport.

    三包 goods: return within 7 days, exchange within 15, repair within the warranty;
    two failed repairs entitle exchange or return. Other goods (consumer law §24):
    return within 7 days of receipt, afterwards exchange or repair (within the warranty when
    the goods have one; the law sets no end otherwise). Periods count from receipt (the sale
    completes on delivery). An order's own warranty (`warranty`, e.g. two years for an
    appliance) applies when longer than the category's, and a promised after-sale period
    (`promised`, from receipt) allows any remedy while it lasts (national.favourable).
    """
    cat = get_category(policy, category)
    national = policy.spec.national
    wanted = _REMEDY_OF_KIND.get(kind, "return")
    read = Reader(policy, paid_at, at)
    payer = national.quality_return.transport_payer
    deadline: dt.datetime | None
    if cat.three_guarantees:
        tg = national.three_guarantees
        ids: tuple[str, ...] = ("national.three_guarantees",)
        ret = received_at + read.hours("national.three_guarantees.return_within", tg.return_within)
        exc = received_at + read.hours("national.three_guarantees.exchange_within", tg.exchange_within)
        warranty_span = read.hours(f"categories.{category}.warranty", cat.warranty)
        if warranty_span.total_seconds() == 0:
            warranty_span = read.hours("national.three_guarantees.warranty_default", tg.warranty_default)
        if warranty is not None and warranty > warranty_span:
            warranty_span, ids = warranty, (*ids, "national.favourable")
        war = received_at + warranty_span
        repairs_failed = failed_repairs >= read(
            "national.three_guarantees.failed_repairs_for_exchange", tg.failed_repairs_for_exchange
        )
        if in_time(at, ret):
            allowed, deadline = True, ret
        elif in_time(at, exc):
            allowed, deadline = wanted in ("exchange", "repair") or repairs_failed, exc
        elif in_time(at, war):
            allowed, deadline = wanted == "repair" or repairs_failed, war
        else:
            allowed, deadline = False, war
        later_en = later_zh = ""
    else:
        qr = national.quality_return
        ids = ("national.quality_return",)
        within = read.hours("national.quality_return.return_within", qr.return_within)
        ret = received_at + within
        warranty_span = read.hours(f"categories.{category}.warranty", cat.warranty)
        if warranty is not None and warranty > warranty_span:
            warranty_span, ids = warranty, (*ids, "national.favourable")
        war = received_at + warranty_span
        later_en = later_zh = ""
        if in_time(at, ret):
            allowed, deadline = True, ret
        elif not warranty_span:
            # cpl §24: "七日后……可以要求经营者履行更换、修理等义务" -- no end without a warranty
            later_en, later_zh = _later(within, qr.later_remedies)
            allowed = wanted in qr.later_remedies
            deadline = None if allowed else ret
        elif in_time(at, war):
            later_en, later_zh = _later(within, qr.later_remedies)
            allowed, deadline = wanted in qr.later_remedies, war
        else:
            allowed, deadline = False, war
    if not allowed and promised is not None and in_time(at, received_at + promised):
        return Decision(
            True,
            wanted,
            (*ids, "national.favourable"),
            f"Quality defect: {wanted} allowed within the merchant's promised {days(promised)} days after receipt "
            "(more favourable to the buyer: the promise binds); the merchant pays transport.",
            f"质量问题:商家承诺签收后{days(promised)}天售后,更有利于消费者,按承诺可{_ZH[wanted]},运费由商家承担。",
            deadline=received_at + promised,
            deadline_kind="window_end",
            payer=payer,
            versions=read.frozen(),
        )
    if allowed:
        return Decision(
            True,
            wanted,
            ids,
            f"Quality defect: {wanted} allowed{_warranty_en(warranty_span)}{later_en}; the merchant pays transport.",
            f"质量问题:可{_ZH[wanted]}{_warranty_zh(warranty_span)}{later_zh},运费由商家承担。",
            deadline=deadline,
            deadline_kind=None if deadline is None else "window_end",
            payer=payer,
            versions=read.frozen(),
        )
    return Decision(
        False,
        "remedy_not_available",
        ids,
        f"Quality defect: {wanted} is no longer available{_warranty_en(warranty_span)}{later_en}.",
        f"质量问题:已不能{_ZH[wanted]}{_warranty_zh(warranty_span)}{later_zh}。",
        deadline=deadline,
        deadline_kind="window_end",
        payer=payer,
        versions=read.frozen(),
    )


_ZH = {"return": "退货", "exchange": "换货", "repair": "维修"}


def _later(within: dt.timedelta, remedies: Sequence[str]) -> tuple[str, str]:
    """The consumer law's sequence as a clause: a return within N days, afterwards the later remedies."""
    en = " or ".join(remedies)
    zh = "或".join(_ZH.get(r, r) for r in remedies)
    return (
        f"; a return within {days(within)} days of receipt, afterwards {en}",
        f"(收货后{days(within)}日内可退货,此后可{zh})",
    )


def _warranty_en(span: dt.timedelta) -> str:
    return f" (warranty {days(span)} days from receipt)" if span.total_seconds() else ""


def _warranty_zh(span: dt.timedelta) -> str:
    return f"(质保期自签收起{days(span)}天)" if span.total_seconds() else ""
