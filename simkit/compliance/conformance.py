"""Conformance of one order's events to the policy: every deadline, amount, limit and transition.

Each check asks `simkit.rules` what should have happened (through `RuleCalls`) and compares
it with what the log shows, within a tolerance for the platforms' own processing delays:

* timers: the merchant's answer or the automatic approval (``auto_approval``), the buyer's
  return or its closing (``return_deadline``), the merchant's receipt or the automatic refund
  (``receipt``, timed from the buyer's shipment of the return), the legal refund after the
  return arrived (``refund_deadline``, and its amount), the shipping promise, automatic
  confirmation not before its time;
* platform intervention only when the rules open it; on the video channel no refusal
  without an offer first (``bare_refusal``);
* compensation amounts and forms (late shipment, out of stock, counterfeit, penalty points);
* limits per order: extensions, reopenings, rule complaints, after-sale attempts; requests
  within the after-sale window (or a reopening or extension);
* status transitions that exist on the platform (`simkit.compliance.transitions`).

The checks inside a case on intervention, refusals and money live in `disputes`, the per-order
limits and windows in `limits`; both are run from `OrderChecks.run`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from simkit import rules
from simkit.compliance import disputes, limits, snapshots
from simkit.compliance.calls import HOUR_US, RuleCalls, iso
from simkit.compliance.coverage import Coverage
from simkit.compliance.findings import Finding, Severity, Step, make_finding
from simkit.compliance.transitions import TAOBAO_CS_STATUS, bad_transitions, machine_for, order_machine
from simkit.logs.orderlog import ENDING, CaseLog, Ev, OrderLog
from simkit.policy.model import Policy
from simkit.rules import in_time

ANSWERS = frozenset(
    {
        "agree",
        "auto_agree",
        "approve",
        "refuse",
        "offer_compensation",
        "request_intervention",
        "cancel",
        "close",
        "buyer_wins",
        "merchant_wins",
        "refund",
        "request",
    }
)
"""Steps that end the wait for the merchant's answer to a request."""

APPROVALS = frozenset({"agree", "auto_agree", "approve", "buyer_wins"})
RETURN_KINDS = frozenset({"return_refund", "exchange", "repair"})


@dataclass
class Context:
    """What the checks share across orders: the policy, rule calls, and where results go.

    Attributes:
        policy: The policy in force.
        calls: Memoised rule calls.
        tolerance: Microseconds a timer may be off (the platforms' processing delays).
        as_of: The log's end (microseconds): timers due before it must have fired.
        coverage: Clause coverage.
        findings: Findings so far.
        timelines: Case id → the case's steps, for the first `max_dossiers` cases with findings.
        max_dossiers: How many case timelines to keep.
        per_run: Run id → violations found in it.
        shape: The log's shape (``simkit``, ``taobao``, ``wechat``): snapshot shapes show no
            return arrival, their receipt timer runs from the receipt status (`snapshots`).
        source: The log (named in duplicate-row reports).
    """

    policy: Policy
    calls: RuleCalls
    tolerance: int
    as_of: int | None
    coverage: Coverage = field(default_factory=Coverage)
    findings: list[Finding] = field(default_factory=list)
    timelines: dict[str, list[Step]] = field(default_factory=dict)
    max_dossiers: int = 50
    per_run: Counter[str] = field(default_factory=Counter)
    shape: str = "simkit"
    source: str = ""

    @property
    def status_model(self) -> str:
        """``taobao`` or ``wechat``."""
        return self.policy.spec.policy.status_model


def step(ev: Ev) -> Step:
    """The evidence form of an event."""
    return Step(ev.line, iso(ev.time), ev.activity, ev.actor, ev.status, ev.amount, ev.rule, ev.case_id)


def _span(micros: int) -> str:
    hours = abs(micros) / HOUR_US
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} h"


class OrderChecks:
    """All checks of one order."""

    def __init__(self, ctx: Context, order: OrderLog) -> None:
        self.ctx, self.order, self.f = ctx, order, order.facts
        self.calls = ctx.calls
        self.tol = ctx.tolerance

    # --- results -------------------------------------------------------------------------

    def ok(self, clause: str, check: str) -> None:
        self.ctx.coverage.check(clause, check, "pass")

    def skip(self, clause: str, check: str, why: str) -> None:
        self.ctx.coverage.check(clause, check, "skipped", why)

    def found(
        self,
        clause: str,
        check: str,
        expected: str,
        actual: str,
        events: Iterable[Ev],
        case: CaseLog | None = None,
        severity: Severity = "violation",
    ) -> None:
        ctx = self.ctx
        evidence = [step(ev) for ev in events]
        events_of = case.events if case is not None else self.order.lifecycle
        case_id = case.case_id if case is not None else (events_of[0].case_id if events_of else "")
        ctx.coverage.check(clause, check, severity)
        ctx.findings.append(
            make_finding(
                ctx.policy,
                "conformance",
                clause,
                check,
                expected,
                actual,
                severity=severity,
                where=case_id,
                case_id=case_id,
                order_id=self.order.order_id,
                run_id=self.order.run_id,
                evidence=evidence,
            )
        )
        if severity == "violation":
            ctx.per_run[self.order.run_id] += 1
        if case_id not in ctx.timelines and len(ctx.timelines) < ctx.max_dossiers:
            ctx.timelines[case_id] = [step(ev) for ev in events_of[:200]]

    def overdue(self, deadline: int) -> bool:
        """Whether the log runs on beyond the deadline (so the timer must have fired)."""
        return self.ctx.as_of is not None and not in_time(self.ctx.as_of, deadline + self.tol)

    # --- the order ------------------------------------------------------------------------

    def run(self) -> None:
        """Run every check of the order."""
        order, ctx = self.order, self.ctx
        for ev in order.lifecycle:
            if ev.rule:
                ctx.coverage.fired[(ev.rule, ev.activity)] += 1
            if ev.activity == "ship":
                self.shipping(ev)
            elif ev.activity == "auto_confirm":
                self.auto_confirm(ev)
        self.transitions(order.lifecycle, None)
        for case in order.cases:
            ctx.coverage.fire((ev.rule, ev.activity) for ev in case.events)
            self.transitions(case.events, case)
            self.response(case)
            self.return_leg(case)
            if ctx.shape in snapshots.RECEIPT_STATUS:
                snapshots.receipt(self, case)
            else:
                self.receipt(case)
            disputes.intervention(self, case)
            disputes.bare_refusal(self, case)
            disputes.compensation(self, case)
        self.limits()

    def shipping(self, ev: Ev) -> None:
        f = self.f
        clause = "tmall.ship_promise" if self.ctx.policy.spec.tmall is not None else "channels.ship_promise"
        if self.ctx.policy.spec.tmall is None and self.ctx.policy.spec.channels is None:
            return
        if f.paid is None or f.channel is None:
            self.skip(clause, "ship_promise", "needs the payment time and the channel")
            return
        deadline, rule = self.calls.ship(f.paid, f.channel, f.presale_ship_by)
        if deadline is None:
            return
        if not in_time(ev.time, deadline + self.tol):
            self.found(
                rule,
                "ship_promise",
                f"shipped by {iso(deadline)} ({f.channel})",
                f"shipped at {iso(ev.time)}, {_span(ev.time - deadline)} late",
                [ev],
            )
        else:
            self.ok(rule, "ship_promise")

    def auto_confirm(self, ev: Ev) -> None:
        f = self.f
        if f.shipped is None:
            self.skip("tmall.auto_confirm", "auto_confirm", "needs the shipping time")
            return
        deadline, rule = self.calls.auto_confirm(f.shipped, f.paid)
        if deadline is None:
            return
        if ev.time < deadline - self.tol:
            self.found(
                rule,
                "auto_confirm",
                f"receipt confirmed automatically no earlier than {iso(deadline)}",
                f"confirmed automatically at {iso(ev.time)}, {_span(deadline - ev.time)} early",
                [ev],
            )
        else:
            self.ok(rule, "auto_confirm")

    def transitions(self, events: list[Ev], case: CaseLog | None) -> None:
        model = self.ctx.status_model
        found = order_machine(model) if case is None else machine_for(model, case.kind)
        if found is None or not events:
            return
        clause, machine = found
        bad = list(bad_transitions(machine, ((i, ev.status) for i, ev in enumerate(events))))
        for before, after, old, new in bad:
            allowed = ", ".join(sorted(machine.get(old, ()))) or "none (final)"
            proof = [events[after]] if before < 0 else [events[before], events[after]]
            self.found(
                clause,
                "transition",
                f"from {old or 'the start'} only: {allowed}",
                f"{old or 'start'} → {new}",
                proof,
                case,
            )
        if not bad:
            self.ok(clause, "transition")
        if case is not None and model == "taobao":
            self.cs_status(case)

    def cs_status(self, case: CaseLog) -> None:
        seen = [(i, ev.cs) for i, ev in enumerate(case.events) if ev.cs is not None]
        for (i, old), (j, new) in itertools.pairwise(seen):
            if new not in TAOBAO_CS_STATUS or new < old:
                self.found(
                    "status.taobao.cs_status",
                    "transition",
                    "cs_status in 0–6, never going back once set",
                    f"cs_status {old} → {new}",
                    [case.events[i], case.events[j]],
                    case,
                )
                return
        if seen:
            self.ok("status.taobao.cs_status", "transition")

    # --- after-sale timers -----------------------------------------------------------------

    def closed_after(self, case: CaseLog, index: int) -> bool:
        return any(ev.activity in ENDING for ev in case.events[index + 1 :])

    def response(self, case: CaseLog) -> None:
        paid = self.f.paid
        for i, req in enumerate(case.events):
            if req.activity != "request":
                continue
            deadline, rule = self.calls.merchant_response(case.kind or "refund_only", req.time, paid)
            if deadline is None:
                continue
            nxt = case.first(*ANSWERS, after=i)
            expected = f"an answer by {iso(deadline)}, else automatic approval then ({_span(deadline - req.time)})"
            if nxt is None:
                if self.overdue(deadline) and not self.closed_after(case, i):
                    self.found(
                        rule,
                        "auto_approval",
                        expected,
                        f"no answer and no approval by {iso(self.ctx.as_of)}",
                        [req],
                        case,
                    )
                else:
                    self.ok(rule, "auto_approval")
                continue
            _, ans = nxt
            if ans.activity == "auto_agree":
                if abs(ans.time - deadline) > self.tol:
                    when = "early" if ans.time < deadline else "late"
                    self.found(
                        rule,
                        "auto_approval",
                        f"automatic approval at {iso(deadline)}",
                        f"automatic approval at {iso(ans.time)}, {_span(ans.time - deadline)} {when}",
                        [req, ans],
                        case,
                    )
                else:
                    self.ok(rule, "auto_approval")
            elif not in_time(ans.time, deadline + self.tol):
                self.found(
                    rule,
                    "auto_approval",
                    expected,
                    f"{ans.activity} at {iso(ans.time)}, {_span(ans.time - deadline)} after the timer",
                    [req, ans],
                    case,
                )
            else:
                self.ok(rule, "auto_approval")

    def return_leg(self, case: CaseLog) -> None:
        if case.kind not in RETURN_KINDS:
            return
        for i, ev in enumerate(case.events):
            if ev.activity not in APPROVALS:
                continue
            nxt = case.first("ship_return", "close_return", "close", "cancel", "refund", "merchant_wins", after=i)
            if nxt is not None and nxt[1].activity not in ("ship_return", "close_return"):
                continue
            deadline, rule = self.calls.buyer_return(ev.time, self.f.paid)
            if deadline is None:
                continue
            expected = f"the return shipped by {iso(deadline)}, else closed then"
            if nxt is None:
                if self.overdue(deadline) and not self.closed_after(case, i):
                    self.found(
                        rule,
                        "return_deadline",
                        expected,
                        f"neither shipped nor closed by {iso(self.ctx.as_of)}",
                        [ev],
                        case,
                    )
                else:
                    self.ok(rule, "return_deadline")
                continue
            _, leg = nxt
            late = not in_time(leg.time, deadline + self.tol)
            early = leg.activity == "close_return" and leg.time < deadline - self.tol
            if late or early:
                what = "shipped" if leg.activity == "ship_return" else "closed"
                self.found(
                    rule,
                    "return_deadline",
                    expected,
                    f"return {what} at {iso(leg.time)}, {_span(leg.time - deadline)} {'late' if late else 'early'}",
                    [ev, leg],
                    case,
                )
            else:
                self.ok(rule, "return_deadline")

    def receipt(self, case: CaseLog) -> None:
        """The platform's receipt timer (from the buyer's shipment) and the legal refund (from the arrival)."""
        paid = self.f.paid
        for i, ev in enumerate(case.events):
            if ev.activity != "ship_return":
                continue
            deadline, rule = self.calls.merchant_receipt(ev.time, paid)
            if deadline is not None:
                nxt = case.first("confirm_return", "auto_refund", "auto_confirm_return", after=i)
                self._receipt(case, i, ev, nxt, deadline, rule)
        delivered = [(i, ev) for i, ev in enumerate(case.events) if ev.activity == "return_delivered"]
        settled = case.first("auto_refund", "auto_confirm_return") is not None
        if not delivered and case.first("ship_return") is not None and not settled:
            self.skip("national.refund_deadline", "refund_deadline", "the log records no return receipt")
        for i, ev in delivered:
            if case.kind == "return_refund":
                self._legal_refund(case, i, ev)

    def _receipt(self, case: CaseLog, i: int, ev: Ev, nxt: tuple[int, Ev] | None, deadline: int, rule: str) -> None:
        shipped = f"shipped back at {iso(ev.time)}"
        expected = f"the return confirmed by {iso(deadline)} ({shipped}), else refunded automatically then"
        if nxt is None:
            if self.overdue(deadline) and not self.closed_after(case, i):
                self.found(rule, "receipt", expected, f"not confirmed by {iso(self.ctx.as_of)}", [ev], case)
            else:
                self.ok(rule, "receipt")
            return
        _, done = nxt
        automatic = done.activity != "confirm_return"
        bad = abs(done.time - deadline) > self.tol if automatic else not in_time(done.time, deadline + self.tol)
        if bad:
            self.found(
                rule,
                "receipt",
                expected,
                f"{done.activity} at {iso(done.time)}, {_span(done.time - deadline)} "
                f"{'early' if done.time < deadline else 'after the timer'}",
                [ev, done],
                case,
            )
        else:
            self.ok(rule, "receipt")

    def _legal_refund(self, case: CaseLog, i: int, ev: Ev) -> None:
        f = self.f
        deadline, rule = self.calls.refund_deadline(ev.time, f.paid)
        if deadline is None:
            return
        found = case.first("refund", after=i)
        expected = f"a refund by {iso(deadline)} ({_span(deadline - ev.time)} after the return arrived)"
        if found is None:
            if self.overdue(deadline) and not self.closed_after(case, i):
                self.found(rule, "refund_deadline", expected, f"no refund by {iso(self.ctx.as_of)}", [ev], case)
            else:
                self.ok(rule, "refund_deadline")
            return
        _, refund = found
        if not in_time(refund.time, deadline + self.tol):
            decision = rules.refund_deadline(
                self.ctx.policy,
                received_return_at=self.calls.at(ev.time),  # type: ignore[arg-type]
                paid_at=self.calls.at(f.paid),
                at=self.calls.at(refund.time),
            )
            extra = f" ({decision.reason_en})" if decision.outcome == "violation" else ""
            self.found(
                rule,
                "refund_deadline",
                expected,
                f"refunded at {iso(refund.time)}, {_span(refund.time - ev.time)} after the return arrived{extra}",
                [ev, refund],
                case,
            )
        else:
            self.ok(rule, "refund_deadline")
        if f.price is not None and refund.amount is not None:
            if abs(refund.amount - f.price) > 0.005:
                self.found(
                    rule,
                    "refund_amount",
                    f"the price paid back, {f.price:.2f} CNY",
                    f"{refund.amount:.2f} CNY refunded",
                    [refund],
                    case,
                )
            else:
                self.ok(rule, "refund_amount")

    # --- per order: limits and windows ------------------------------------------------------------

    def limits(self) -> None:
        """Attempts, extensions, reopenings, complaints and windows, in time order over the order's cases."""
        limits.order_limits(self)
