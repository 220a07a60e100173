"""Video channel: the merchant extends the after-sale period (延长售后, seed:003)."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, channels, tmall
from simkit.rules.decision import Decision


def extend_after_sale(
    policy: Policy,
    *,
    paid_at: dt.datetime,
    settled_at: dt.datetime | None,
    at: dt.datetime,
    period_end: dt.datetime,
    extensions: int = 0,
) -> Decision:
    """Whether the merchant may extend the after-sale period now, and its new end.

    Within a year of payment, at most 3 times, 7 days each, only after settlement (the
    older component: once, before settlement). The new end is the later of the current
    end and now, plus one extension.
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
    limit = int(read("channels.extend.max_times", ex.max_times))
    settled = settled_at is not None and settled_at <= at
    if extensions >= limit:
        return Decision(
            False,
            "limit_reached",
            ids,
            f"At most {limit} extensions per order.",
            f"同一订单最多延长{limit}次。",
            deadline=period_end,
            versions=read.frozen(),
        )
    if ex.requires_settlement and not settled:
        return Decision(
            False,
            "not_settled",
            ids,
            "Extension is possible only after settlement.",
            "订单结算后才可延长售后。",
            deadline=period_end,
            versions=read.frozen(),
        )
    if not ex.requires_settlement and settled:
        return Decision(
            False,
            "already_settled",
            ids,
            "Extension is possible only before settlement.",
            "仅结算前可延长售后。",
            deadline=period_end,
            versions=read.frozen(),
        )
    horizon = paid_at + read.hours("channels.extend.horizon", ex.horizon)
    if at > horizon:
        return Decision(
            False,
            "beyond_horizon",
            ids,
            "Extensions only within a year of payment.",
            "仅限订单支付时间一年内延长。",
            deadline=period_end,
            versions=read.frozen(),
        )
    length = read.hours("channels.extend.length", ex.length)
    new_end = max(period_end, at) + length
    days = length.total_seconds() / 86400
    return Decision(
        True,
        "extended",
        ids,
        f"Extended by {days:g} days ({extensions + 1} of {limit}).",
        f"延长售后{days:g}天(第{extensions + 1}次,共{limit}次)。",
        deadline=new_end,
        versions=read.frozen(),
    )
