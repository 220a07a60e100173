"""Rule calls for the audit: log times to rule datetimes, and timers memoised exactly.

The log keeps times as microseconds since the Unix epoch; `simkit.rules` takes naive China
local times (as case files and the simulation do). China has kept UTC+8 without daylight
saving since 1991, so the conversion is a fixed offset.

Timers (the merchant's response, the buyer's return, the merchant's receipt, the legal refund
deadline, the shipping promise, automatic confirmation) end at their start plus a span that
depends only on dates (the payment date or the start date picks the dated value in force).
Each is called once per (kind, payment day, start day) with the start at midnight, and the
span reused, exactly as the simulation's rule cache does; a test compares against direct calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from simkit import rules
from simkit.policy.model import Policy
from simkit.rules import Decision

MICROS = 1_000_000
HOUR_US = 3600 * MICROS
DAY_US = 24 * HOUR_US
_OFFSET_US = 8 * HOUR_US
LOCAL_EPOCH = dt.datetime(1970, 1, 1)


def to_local(micros: int) -> dt.datetime:
    """A naive China local datetime from microseconds since the epoch."""
    return LOCAL_EPOCH + dt.timedelta(microseconds=micros + _OFFSET_US)


def to_micros(moment: dt.datetime) -> int:
    """Microseconds since the epoch of a naive China local datetime."""
    return (moment - LOCAL_EPOCH) // dt.timedelta(microseconds=1) - _OFFSET_US


def iso(micros: int | None) -> str:
    """ISO 8601 in China local time with its offset, to the second (``""`` for None)."""
    if micros is None:
        return ""
    return to_local(micros).isoformat(timespec="seconds") + "+08:00"


def local_day(micros: int) -> int:
    """The China local day number (days since 1970-01-01) of a time."""
    return (micros + _OFFSET_US) // DAY_US


def _midnight(day: int) -> dt.datetime:
    return LOCAL_EPOCH + dt.timedelta(days=day)


Timer = tuple[int | None, str]
"""``(deadline in microseconds or None, rule id)``."""


class RuleCalls:
    """Calls into `simkit.rules` for one policy, with log times."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._spans: dict[tuple[Any, ...], tuple[int | None, str]] = {}

    def at(self, micros: int | None) -> dt.datetime | None:
        """The rule datetime of a log time."""
        return None if micros is None else to_local(micros)

    def _timer(
        self, key: tuple[Any, ...], start: int, paid: int | None, call: Callable[[dt.datetime, dt.datetime], Decision]
    ) -> Timer:
        paid = start if paid is None else paid
        full = (*key, local_day(paid), local_day(start))
        hit = self._spans.get(full)
        if hit is None:
            since, paid_day = _midnight(full[-1]), _midnight(full[-2])
            decision = call(since, paid_day)
            span = None if decision.deadline is None else to_micros(decision.deadline) - to_micros(since)
            hit = (span, decision.rules[0] if decision.rules else "")
            self._spans[full] = hit
        return (None if hit[0] is None else start + hit[0]), hit[1]

    def merchant_response(self, kind: str, requested: int, paid: int | None) -> Timer:
        """`rules.merchant_response`: when the request is approved automatically."""
        return self._timer(
            ("response", kind),
            requested,
            paid,
            lambda since, p: rules.merchant_response(self.policy, kind=kind, requested_at=since, paid_at=p),
        )

    def buyer_return(self, agreed: int, paid: int | None) -> Timer:
        """`rules.buyer_return_deadline`: when an unshipped return closes."""
        return self._timer(
            ("buyer_return",),
            agreed,
            paid,
            lambda since, p: rules.buyer_return_deadline(self.policy, agreed_at=since, paid_at=p),
        )

    def merchant_receipt(self, shipped: int, paid: int | None) -> Timer:
        """`rules.merchant_receipt_deadline`: when a return unconfirmed since the buyer shipped it is refunded."""
        return self._timer(
            ("receipt",),
            shipped,
            paid,
            lambda since, p: rules.merchant_receipt_deadline(self.policy, shipped_back_at=since, paid_at=p),
        )

    def refund_deadline(self, received: int, paid: int | None) -> Timer:
        """`rules.refund_deadline`: the legal deadline to refund after receiving the return."""
        return self._timer(
            ("refund",),
            received,
            paid,
            lambda since, p: rules.refund_deadline(self.policy, received_return_at=since, paid_at=p),
        )

    def auto_confirm(self, shipped: int, paid: int | None) -> Timer:
        """`rules.auto_confirm_deadline`: when receipt is confirmed automatically."""
        return self._timer(
            ("auto_confirm",),
            shipped,
            paid,
            lambda since, p: rules.auto_confirm_deadline(self.policy, shipped_at=since, paid_at=p),
        )

    def ship(self, paid: int, channel: str, presale_ship_by: int | None) -> Timer:
        """`rules.ship_deadline`: when the merchant must have shipped."""
        if channel == "presale" and presale_ship_by is not None:
            decision = rules.ship_deadline(
                self.policy, paid_at=to_local(paid), channel=channel, presale_ship_by=to_local(presale_ship_by)
            )
            deadline = None if decision.deadline is None else to_micros(decision.deadline)
            return deadline, decision.rules[0] if decision.rules else ""
        return self._timer(
            ("ship", channel),
            paid,
            paid,
            lambda since, p: rules.ship_deadline(self.policy, paid_at=since, channel=channel),
        )
