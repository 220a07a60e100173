"""Tmall: the merchant reopens the after-sale entry (打开售后入口, seed:001)."""

from __future__ import annotations

import datetime as dt

from simkit.policy.model import Policy
from simkit.rules._common import Reader, channels, days, get_category, in_time, times, tmall
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
    categories with a long rights period (90 days) nor old orders (three months); a
    sub-account needs the permission ("无权限"); the buyer may then file once.
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
    per_order = int(read("tmall.reopen_entry.per_order", re.per_order))
    if reopened >= per_order:
        return refuse(
            "already_reopened",
            f"The entry can be reopened {times(per_order)} per order.",
            f"售后入口只能打开{per_order}次。",
        )
    if after_sales > 0:
        return refuse("earlier_after_sale", "The order already had an after-sale.", "该订单已发起过售后。")
    excluded = read.hours("tmall.reopen_entry.excluded_rights_period", re.excluded_rights_period)
    rights = (
        None if cat.rights_period is None else read.hours(f"categories.{category}.rights_period", cat.rights_period)
    )
    if rights is not None and rights >= excluded:
        return refuse(
            "excluded_category",
            f"Categories with a {days(excluded)}-day rights period cannot reopen.",
            f"售后维权期{days(excluded)}天的类目不支持商家自主打开售后入口。",
        )
    max_age = read.hours("tmall.reopen_entry.max_order_age", re.max_order_age)
    if not in_time(at, paid_at + max_age):
        return refuse(
            "order_too_old",
            f"Orders paid more than {days(max_age)} days ago cannot reopen.",
            f"付款超过{days(max_age)}天的历史订单无法打开售后入口。",
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
            deadline_kind=window.deadline_kind,
            versions=read.frozen(),
        )
    span = read.hours(
        "tmall.reopen_entry.long_buyer_window" if cat.long_reopen_window else "tmall.reopen_entry.buyer_window",
        re.long_buyer_window if cat.long_reopen_window else re.buyer_window,
    )
    filings = int(read("tmall.reopen_entry.buyer_filings", re.buyer_filings))
    return Decision(
        True,
        "reopened",
        ids,
        f"Entry reopened: the buyer may file {times(filings)} within {days(span)} days.",
        f"售后入口已打开:买家可在{days(span)}天内申请{filings}次售后。",
        deadline=at + span,
        deadline_kind="file_by",
        versions=read.frozen(),
    )


def reopened_window(
    policy: Policy,
    *,
    category: str,
    paid_at: dt.datetime,
    completed_at: dt.datetime | None,
    reopened_at: dt.datetime,
    at: dt.datetime,
    filed: int = 0,
) -> Decision:
    """Whether the buyer may file at `at` after the merchant reopened the entry at `reopened_at`.

    The buyer may file only once ("入口开启后,买家也只能申请1次维权", seed:001), within the
    buyer window after the reopening. A reopening the rules did not allow opens nothing.

    Args:
        policy: The policy in force.
        category: The order's category.
        paid_at: Payment time.
        completed_at: Transaction success.
        reopened_at: When the merchant reopened the entry.
        at: When the buyer files.
        filed: After-sales the buyer filed since the reopening.
    """
    reopened = reopen_entry(policy, category=category, paid_at=paid_at, completed_at=completed_at, at=reopened_at)
    if not reopened.allowed or reopened.deadline is None:
        return reopened._replace(outcome=f"reopening_invalid_{reopened.outcome}")
    t = tmall(policy)
    assert t is not None
    read = Reader(policy, paid_at, at)
    allowed_filings = int(read("tmall.reopen_entry.buyer_filings", t.reopen_entry.buyer_filings))
    if not in_time(at, reopened.deadline):
        return reopened._replace(
            allowed=False,
            outcome="reopened_window_closed",
            reason_en=f"The buyer's window after the reopening has ended. {reopened.reason_en}",
            reason_zh=f"入口开启后的申请期限已过。{reopened.reason_zh}",
        )
    if filed >= allowed_filings:
        return reopened._replace(
            allowed=False,
            outcome="already_filed_after_reopen",
            reason_en=f"After the reopening the buyer may file only {times(allowed_filings)}; {filed} already filed.",
            reason_zh=f"入口开启后,买家只能申请{allowed_filings}次维权,已申请{filed}次。",
            versions=tuple(dict.fromkeys((*reopened.versions, *read.frozen()))),
        )
    return reopened._replace(outcome="within_reopened_window")
