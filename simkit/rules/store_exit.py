"""After-sale duty after a store exits (退店后售后责任, seed:000)."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, get_category, in_time, tmall
from simkit.rules.decision import Decision, Payer
from simkit.rules.windows import after_sale_window

_HANDLER: dict[str, tuple[Payer, str, str]] = {
    "merchant": ("merchant", "The merchant still handles after-sales.", "商家继续处理售后。"),
    "third_party": (
        "merchant",
        "A third-party provider handles after-sales at the merchant's cost.",
        "委托第三方服务商处理售后,费用由商家承担。",
    ),
    "platform_deposit": (
        "platform",
        "The platform handles after-sales, paid from the deposit.",
        "由平台代为处理售后,从保证金中划扣。",
    ),
}


def after_exit_duty(
    policy: Policy,
    *,
    category: str,
    paid_at: dt.datetime,
    completed_at: dt.datetime | None,
    received_at: dt.datetime | None = None,
    exit_at: dt.datetime,
    at: dt.datetime,
    mode: str = "merchant",
    warranty: dt.timedelta | None = None,
) -> Decision:
    """Whether after-sale duty still applies at `at` after the store exited, and who handles it.

    The duty lasts until the later of the order's after-sale window and its warranty (the
    order's own `warranty` when longer than the category's, seed:000: "质保期通常为一年或两年").
    ``payer`` here is who bears the merchant's costs: the merchant, or the platform from the
    deposit ("由平台代为处理售后问题"); the buyer's own share (e.g. no-reason return shipping) stays
    the buyer's.
    """
    cat = get_category(policy, category)
    read = Reader(policy, paid_at, at)
    window = after_sale_window(
        policy, category=category, completed_at=completed_at, at=at, received_at=received_at, paid_at=paid_at
    )
    base = received_at or completed_at or paid_at
    span = read.hours(f"categories.{category}.warranty", cat.warranty)
    if cat.three_guarantees and span.total_seconds() == 0:
        tg = policy.spec.national.three_guarantees
        span = read.hours("national.three_guarantees.warranty_default", tg.warranty_default)
    if warranty is not None and warranty > span:
        span = warranty
    in_sale = window.allowed and window.deadline is None  # not completed yet: the periods have not started
    ends = [base + span]
    if window.deadline is not None:
        ends.append(window.deadline)
    duty_end = None if in_sale else max(ends)
    rule = ("tmall.store_exit",) if tmall(policy) is not None else ("national.three_guarantees", "national.favourable")
    ids = (*rule, *window.rules)
    payer, en, zh = _HANDLER[mode]
    if at < exit_at:
        return Decision(
            True,
            "store_open",
            ids,
            "The store has not exited yet.",
            "店铺尚未退出。",
            deadline=duty_end,
            deadline_kind=None if duty_end is None else "duty_end",
            payer=payer,
            versions=read.frozen(),
        )
    if duty_end is not None and not in_time(at, duty_end):
        return Decision(
            False,
            "duty_ended",
            ids,
            "The warranty and after-sale periods have ended.",
            "质保期和售后期均已结束。",
            deadline=duty_end,
            deadline_kind=None if duty_end is None else "duty_end",
            versions=read.frozen(),
        )
    return Decision(
        True,
        f"handled_by_{mode}",
        ids,
        f"Duty continues after exit. {en}",
        f"退店后仍须承担售后。{zh}",
        deadline=duty_end,
        deadline_kind=None if duty_end is None else "duty_end",
        payer=payer,
        versions=read.frozen(),
    )
