"""Tmall: the merchant reopens the after-sale entry (打开售后入口, seed:001)."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, channels, get_category, tmall
from simkit.rules.decision import Decision
from simkit.rules.windows import after_sale_window


def reopen_entry(
    policy: Policy,
    *,
    category: str,
    paid_at: dt.datetime,
    completed_at: dt.datetime | None,
    at: dt.datetime,
    after_sales: int = 0,
    reopened: int = 0,
    by: str = "merchant",
    permitted: bool = True,
) -> Decision:
    """Whether the merchant may reopen the after-sale entry, and the buyer's last moment to file.

    Once per order; only when no after-sale was filed and the window has passed; not for
    categories with a 90-day rights period nor orders older than three months; a
    sub-account needs the permission ("无权限").
    """
    t = tmall(policy)
    if t is None:
        rule = ("channels.extend",) if channels(policy) is not None else ()
        return Decision(
            False,
            "use_extension",
            rule,
            "This platform reopens after-sale by extension.",
            "该平台通过延长售后功能重新打开售后入口。",
        )
    re = t.reopen_entry
    read = Reader(policy, paid_at, at)
    ids: tuple[str, ...] = ("tmall.reopen_entry",)
    cat = get_category(policy, category)

    def refuse(outcome: str, en: str, zh: str) -> Decision:
        return Decision(False, outcome, ids, en, zh, versions=read.frozen())

    if by == "sub_account" and re.sub_account_needs_permission and not permitted:
        return refuse("no_permission", "The sub-account lacks the permission.", "无权限,请去申请权限。")
    if by == "buyer":
        return refuse("merchant_only", "Only the merchant can reopen the entry.", "仅商家可打开售后入口。")
    if reopened >= read("tmall.reopen_entry.per_order", re.per_order):
        return refuse("already_reopened", "The entry can be reopened once per order.", "售后入口只能打开1次。")
    if after_sales > 0:
        return refuse("earlier_after_sale", "The order already had an after-sale.", "该订单已发起过售后。")
    if cat.rights_period is not None and read(f"categories.{category}.rights_period", cat.rights_period) >= read(
        "tmall.reopen_entry.excluded_rights_period", re.excluded_rights_period
    ):
        return refuse(
            "excluded_category",
            "Categories with a 90-day rights period cannot reopen.",
            "售后维权期90天的类目不支持商家自主打开售后入口。",
        )
    if at - paid_at > read.hours("tmall.reopen_entry.max_order_age", re.max_order_age):
        return refuse(
            "order_too_old", "Orders older than three months cannot reopen.", "3个月前的历史订单无法打开售后入口。"
        )
    window = after_sale_window(policy, category=category, completed_at=completed_at, at=at, paid_at=paid_at)
    if window.allowed:
        return Decision(
            False,
            "window_open",
            (*ids, *window.rules),
            "The after-sale window is still open.",
            "售后期未过,无需打开售后入口。",
            deadline=window.deadline,
            versions=read.frozen(),
        )
    span = read.hours(
        "tmall.reopen_entry.long_buyer_window" if cat.long_reopen_window else "tmall.reopen_entry.buyer_window",
        re.long_buyer_window if cat.long_reopen_window else re.buyer_window,
    )
    days = span.total_seconds() / 86400
    return Decision(
        True,
        "reopened",
        ids,
        f"Entry reopened: the buyer may file once within {days:g} days.",
        f"售后入口已打开:买家可在{days:g}天内申请1次售后。",
        deadline=at + span,
        versions=read.frozen(),
    )
