"""Helpers shared by the rule families: reading dated values, categories, time arithmetic."""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Protocol, TypeVar

from simkit.policy.model import Policy
from simkit.policy.schema import Category, Channels, Tmall
from simkit.policy.values import Dated

HOUR = dt.timedelta(hours=1)
T = TypeVar("T")


class _Ordered(Protocol):
    def __le__(self, other: Any, /) -> bool: ...


M = TypeVar("M", bound=_Ordered)
_TERMS: dict[int, dict[Hashable, Any]] = {}


class Reader:
    """Reads dated parameter values on the policy's decision date, noting versions used.

    The decision date is the order's payment time unless the policy header says
    ``version_date: requested_at``.
    """

    __slots__ = ("policy", "versions", "when")

    def __init__(self, policy: Policy, paid_at: dt.date | None, at: dt.date | None) -> None:
        self.policy = policy
        self.when = paid_at if policy.spec.policy.version_date == "paid_at" else at
        self.versions: list[tuple[str, str]] = []

    def __call__(self, path: str, value: Dated) -> float:
        """The value of `path` in force on the decision date."""
        since, number = value.version_at(self.when)
        if since is not None:
            self.versions.append((path, since.isoformat()))
        return number

    def hours(self, path: str, value: Dated) -> dt.timedelta:
        """A duration parameter as a timedelta."""
        return self(path, value) * HOUR

    def span(self, path: str) -> dt.timedelta:
        """The duration parameter at dotted `path` (e.g. ``tmall.refund_auto_agree.timeout``)."""
        node: object = self.policy.spec
        for part in path.split("."):
            node = getattr(node, part)
        if not isinstance(node, Dated):
            raise TypeError(f"{path} is not a policy value")
        return self.hours(path, node)

    def frozen(self) -> tuple[tuple[str, str], ...]:
        """The versions noted so far."""
        return tuple(self.versions)


def decision_day(policy: Policy, paid_at: dt.datetime | None, at: dt.datetime | None) -> dt.date | None:
    """The date whose parameter values are in force for a decision (see `Reader`)."""
    when = paid_at if policy.spec.policy.version_date == "paid_at" else at
    return None if when is None else when.date()


def terms(policy: Policy, key: Hashable, build: Callable[[], T]) -> T:
    """What `build` derives from `policy` alone, built once per policy and `key`.

    Rule functions keep the parts of a decision that depend only on the policy and the
    decision date (spans read from dated values, reason texts, versions) here, keyed by that
    date, and add the request's own times; a simulation asks the same questions of one
    policy a million times. The store goes when the policy does.
    """
    store = _TERMS.get(id(policy))
    if store is None:
        store = _TERMS[id(policy)] = {}
        weakref.finalize(policy, _TERMS.pop, id(policy), None)
    hit = store.get(key)
    if hit is None:
        hit = store[key] = build()
    return hit


def platform_span(read: Reader, *, tmall_path: str, channels_path: str) -> tuple[dt.timedelta, str] | None:
    """The duration the platform's own rule sets, and that rule's id; None under the national floor.

    Args:
        read: The reader for the decision (its policy picks the platform).
        tmall_path: Dotted path of the parameter on Tmall.
        channels_path: Dotted path of the parameter on the video channel.
    """
    spec = read.policy.spec
    path = tmall_path if spec.tmall is not None else channels_path if spec.channels is not None else None
    if path is None:
        return None
    return read.span(path), path.rpartition(".")[0]


def get_category(policy: Policy, name: str) -> Category:
    """The category `name`.

    Raises:
        KeyError: When the policy has no such category.
    """
    try:
        return policy.spec.categories[name]
    except KeyError:
        raise KeyError(f"unknown category {name!r}; known: {', '.join(sorted(policy.spec.categories))}") from None


def tmall(policy: Policy) -> Tmall | None:
    """The Tmall rules, when the policy is a Tmall policy."""
    return policy.spec.tmall


def channels(policy: Policy) -> Channels | None:
    """The video-channel rules, when the policy is a channel policy."""
    return policy.spec.channels


def days(span: dt.timedelta) -> str:
    """A duration as a number of days for a reason text (``7``, ``0.5``)."""
    return f"{span.total_seconds() / 86400:g}"


def hours(span: dt.timedelta) -> str:
    """A duration as a number of hours for a reason text (``72``)."""
    return f"{span.total_seconds() / 3600:g}"


def times(count: int) -> str:
    """``1 time``, ``3 times``."""
    return f"{count} time" if count == 1 else f"{count} times"


def in_time(moment: M, deadline: M) -> bool:
    """Whether an act at `moment` meets `deadline`: an act exactly at its deadline is in time.

    The one meaning of a deadline's boundary for every deadline family (windows, periods,
    complaints, answers, returns, refunds, escalations, timers): in time up to and including
    the deadline, late from one instant after it ("交易关闭的0-15天内", seed:004: day 15 is in).
    A platform timer fires only once its deadline has passed without the act. The rules pass
    datetimes; the simulation passes its clock's hours and the audit its log's microseconds.
    """
    return moment <= deadline


def opened(moment: dt.datetime, opens_at: dt.datetime) -> bool:
    """Whether something that opens at `opens_at` (an intervention, a late-shipment claim) is open at `moment`."""
    return moment >= opens_at


def start_of_next_day(moment: dt.datetime) -> dt.datetime:
    """Midnight after `moment` (the start of "the day after")."""
    return _combine(moment.date() + _DAY, _MIDNIGHT, moment.tzinfo)


_DAY = dt.timedelta(days=1)
_MIDNIGHT = dt.time()
_combine = dt.datetime.combine


MERCHANT_FAULT_REASONS = frozenset(
    {
        "quality",
        "not_as_described",
        "damaged",
        "wrong_item",
        "missing_parts",
        "counterfeit",
        "not_received",
        "late_shipment",
        "out_of_stock",
        "invoice",
        "unkept_promise",
        "campaign_breach",
        "fraud",
        "refuse_to_ship",
    }
)
"""Reasons where the merchant is at fault when the buyer's evidence holds."""

NO_REASON_REASONS = frozenset({"no_reason", "changed_mind"})
"""Reasons that fall under the 7-day no-reason return."""
