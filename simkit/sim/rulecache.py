"""Cached rule calls for the hot path. The numbers still come from `simkit.rules`.

Two kinds of caching, both exact:

* Pure rules whose answer depends only on their arguments (triage, who pays shipping,
  arbitration) are memoised on those arguments.
* Timers ("the merchant must answer within X of the request") have a deadline equal to
  the timer's start plus a span that depends only on dates (the payment date picks the
  dated value in force). They are called once per (payment day, start day, kind) with
  the start at midnight, and the span is reused; a test checks this against direct calls.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from simkit import rules
from simkit.policy.model import Policy
from simkit.rules import Decision

_TD = dt.timedelta


class RuleCache:
    """Memoised rule calls for one policy and one simulation clock."""

    def __init__(self, policy: Policy, start: dt.datetime) -> None:
        self.policy = policy
        self.start = start
        self._midnight = dt.datetime.combine(start.date(), dt.time(), tzinfo=start.tzinfo)
        self._base = (start - self._midnight).total_seconds() / 3600.0
        self._timers: dict[tuple[Any, ...], tuple[float, str]] = {}
        self._pure: dict[tuple[Any, ...], Decision] = {}

    def _timer(
        self, name: str, kind: str, start_h: float, paid_h: float, call: Callable[[dt.datetime, dt.datetime], Decision]
    ) -> tuple[float, str]:
        base = self._base
        key = (name, kind, int((paid_h + base) // 24.0), int((start_h + base) // 24.0))  # (payment day, start day)
        hit = self._timers.get(key)
        if hit is None:
            since = self._midnight + _TD(days=key[3])
            paid = self._midnight + _TD(days=key[2])
            decision = call(since, paid)
            span = math.inf if decision.deadline is None else (decision.deadline - since).total_seconds() / 3600.0
            hit = (span, decision.rules[0] if decision.rules else "")
            self._timers[key] = hit
        return start_h + hit[0], hit[1]

    def merchant_response(self, kind: str, requested_h: float, paid_h: float) -> tuple[float, str]:
        """(deadline hour, rule id) of `rules.merchant_response`."""
        return self._timer(
            "response",
            kind,
            requested_h,
            paid_h,
            lambda since, paid: rules.merchant_response(self.policy, kind=kind, requested_at=since, paid_at=paid),
        )

    def buyer_return(self, agreed_h: float, paid_h: float) -> tuple[float, str]:
        """(deadline hour, rule id) of `rules.buyer_return_deadline`."""
        return self._timer(
            "buyer_return",
            "",
            agreed_h,
            paid_h,
            lambda since, paid: rules.buyer_return_deadline(self.policy, agreed_at=since, paid_at=paid),
        )

    def merchant_receipt(self, shipped_h: float, paid_h: float) -> tuple[float, str]:
        """(deadline hour, rule id) of `rules.merchant_receipt_deadline`, from the buyer's shipment (inf: no timer)."""
        return self._timer(
            "receipt",
            "",
            shipped_h,
            paid_h,
            lambda since, paid: rules.merchant_receipt_deadline(self.policy, shipped_back_at=since, paid_at=paid),
        )

    def refund_due(self, arrived_h: float, paid_h: float) -> tuple[float, str]:
        """(deadline hour, rule id) of `rules.refund_deadline` (from the return's arrival)."""
        return self._timer(
            "refund",
            "",
            arrived_h,
            paid_h,
            lambda since, paid: rules.refund_deadline(self.policy, received_return_at=since, paid_at=paid),
        )

    def pure(self, fn: Callable[..., Decision], **kwargs: Any) -> Decision:
        """`fn(policy, **kwargs)` memoised on its (hashable) arguments (a call site that names
        them in another order gets entries of its own, with the same answers)."""
        key = (fn, *kwargs.items())
        hit = self._pure.get(key)
        if hit is None:
            hit = fn(self.policy, **kwargs)
            self._pure[key] = hit
        return hit
