"""Cached rule calls for the hot path. The numbers still come from `simkit.rules`.

Two kinds of caching, both exact:

* Pure rules whose answer depends only on their arguments (triage, who pays shipping,
  arbitration) are memoised on those arguments.
* Timers ("the merchant must answer within X of the request") have a deadline equal to
  the timer's start plus a span that depends only on dates (the payment date picks the
  dated value in force). They are called once per (payment day, start day, kind) with
  the start at midnight, and the span is reused; a test checks this against direct calls.

It also turns simulation hours into datetimes for the rule calls (`at`), remembering the
last few thousand: one case asks for its payment, receipt and request moments several times.
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
_MOMENTS = 4096
"""Datetimes `RuleCache.at` keeps before it starts afresh (memory stays bounded)."""


class RuleCache:
    """Memoised rule calls for one policy and one simulation clock."""

    def __init__(self, policy: Policy, start: dt.datetime) -> None:
        self.policy = policy
        self.start = start
        self._midnight = dt.datetime.combine(start.date(), dt.time(), tzinfo=start.tzinfo)
        self._base = (start - self._midnight).total_seconds() / 3600.0
        self._timers: dict[tuple[Any, ...], tuple[float, str]] = {}
        self._pure: dict[tuple[Any, ...], Decision] = {}
        self._moments: dict[float, dt.datetime] = {}

    def at(self, hours: float) -> dt.datetime:
        """The datetime of simulation hour `hours` (as `Simulation.at`, remembered)."""
        moment = self._moments.get(hours)
        if moment is None:
            if len(self._moments) >= _MOMENTS:
                self._moments.clear()
            moment = self._moments[hours] = self.start + _TD(0, hours * 3600.0)
        return moment

    def _timer(
        self, call: Callable[..., Decision], since_arg: str, kind: str, start_h: float, paid_h: float
    ) -> tuple[float, str]:
        """(deadline hour, rule id) of the timer rule `call`, which takes its start as `since_arg`
        (and the case's `kind`, when one is given: only the merchant's response timer depends on it)."""
        base = self._base
        key = (call, kind, int((paid_h + base) // 24.0), int((start_h + base) // 24.0))  # (payment day, start day)
        hit = self._timers.get(key)
        if hit is None:
            since = self._midnight + _TD(days=key[3])
            paid = self._midnight + _TD(days=key[2])
            extra = {"kind": kind} if kind else {}
            decision = call(self.policy, **{since_arg: since}, paid_at=paid, **extra)
            span = math.inf if decision.deadline is None else (decision.deadline - since).total_seconds() / 3600.0
            hit = (span, decision.rules[0] if decision.rules else "")
            self._timers[key] = hit
        return start_h + hit[0], hit[1]

    def merchant_response(self, kind: str, requested_h: float, paid_h: float) -> tuple[float, str]:
        """(deadline hour, rule id) of `rules.merchant_response`."""
        return self._timer(rules.merchant_response, "requested_at", kind, requested_h, paid_h)

    def buyer_return(self, agreed_h: float, paid_h: float) -> tuple[float, str]:
        """(deadline hour, rule id) of `rules.buyer_return_deadline`."""
        return self._timer(rules.buyer_return_deadline, "agreed_at", "", agreed_h, paid_h)

    def merchant_receipt(self, shipped_h: float, paid_h: float) -> tuple[float, str]:
        """(deadline hour, rule id) of `rules.merchant_receipt_deadline`, from the buyer's shipment (inf: no timer)."""
        return self._timer(rules.merchant_receipt_deadline, "shipped_back_at", "", shipped_h, paid_h)

    def refund_due(self, arrived_h: float, paid_h: float) -> tuple[float, str]:
        """(deadline hour, rule id) of `rules.refund_deadline` (from the return's arrival)."""
        return self._timer(rules.refund_deadline, "received_return_at", "", arrived_h, paid_h)

    def pure(self, fn: Callable[..., Decision], **kwargs: Any) -> Decision:
        """`fn(policy, **kwargs)` memoised on its (hashable) arguments (a call site that names
        them in another order gets entries of its own, with the same answers)."""
        key = (fn, *kwargs.items())
        hit = self._pure.get(key)
        if hit is None:
            hit = fn(self.policy, **kwargs)
            self._pure[key] = hit
        return hit
