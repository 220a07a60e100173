"""Video channel: the merchant extends the after-sale period (延长售后, seed:003)."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, channels, days, in_time, tmall
from simkit.rules.decision import Decision


def extend_after_sale(
    policy: Policy,
    *,
    paid_at: dt.datetime,
    settled_at: dt.datetime | None,
    at: dt.datetime,
    period_end: dt.datetime,
    extensions: int = 0,
    by: str = "merchant",
    permitted: bool = True,
) -> Decision:
    """Whether the merchant may extend the after-sale period now, and its new end.

    Extension is the merchant's action ("平台支持商家使用延长售后功能", seed:003): a buyer cannot
    extend, and a sub-account needs the permission. Within a year of payment, at most 3
    times, 7 days each, only after settlement (the older component: once, before
    settlement). The new end is the later of the current end and now, plus one extension.

    Args:
        policy: The policy in force.
        paid_at: Payment time.
        settled_at: When the payment settled to the merchant, or None.
        at: When the extension is asked for.
        period_end: The after-sale period's current end.
        extensions: Extensions already made.
        by: ``merchant``, ``sub_account`` or ``buyer``.
        permitted: Whether a sub-account has the permission.
    """
    c = channels(policy)
    if c is None:
        rule = ("tmall.reopen_entry",) if tmall(policy) is not None else ()
        return Decision(
            False,
            "use_reopen",
            rule,
            "This platform reopens the after-sale entry instead.",
            "该平台使用打开售后入口功能。",
        )
    ex = c.extend
    read = Reader(policy, paid_at, at)
    ids: tuple[str, ...] = ("channels.extend",)

    def refuse(outcome: str, en: str, zh: str) -> Decision:
        return Decision(
            False, outcome, ids, en, zh, deadline=period_end, deadline_kind="window_end", versions=read.frozen()
        )

    if by == "buyer":
        return refuse(
            "merchant_only",
            "Extension is the merchant's action; a buyer cannot extend the after-sale period.",
            "延长售后是商家操作,买家不能延长售后期。",
        )
    if by == "sub_account" and ex.sub_account_needs_permission and not permitted:
        return refuse("no_permission", "The sub-account lacks the permission.", "无权限,请去申请权限。")
    limit = int(read("channels.extend.max_times", ex.max_times))
    settled = settled_at is not None and settled_at <= at
    if extensions >= limit:
        return refuse("limit_reached", f"At most {limit} extensions per order.", f"同一订单最多延长{limit}次。")
    if ex.requires_settlement and not settled:
        return refuse("not_settled", "Extension is possible only after settlement.", "订单结算后才可延长售后。")
    if not ex.requires_settlement and settled:
        return refuse("already_settled", "Extension is possible only before settlement.", "仅结算前可延长售后。")
    horizon = read.hours("channels.extend.horizon", ex.horizon)
    if not in_time(at, paid_at + horizon):
        return refuse(
            "beyond_horizon",
            f"Extensions only within {days(horizon)} days of payment.",
            f"仅限订单支付后{days(horizon)}天内延长。",
        )
    length = read.hours("channels.extend.length", ex.length)
    new_end = max(period_end, at) + length
    return Decision(
        True,
        "extended",
        ids,
        f"Extended by {days(length)} days ({extensions + 1} of {limit}).",
        f"延长售后{days(length)}天(第{extensions + 1}次,共{limit}次)。",
        deadline=new_end,
        deadline_kind="new_period_end",
        versions=read.frozen(),
    )
