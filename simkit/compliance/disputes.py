"""Checks on what happens inside a case: platform intervention, refusals, money.

* intervention only when the rules open it (Tmall: 72 h after the request, while it is in
  progress; video channel: after a rejection, within the escalation window);
* on the video channel, no refusal without an offer first (``bare_refusal``);
* compensation due paid in full and in its form, none paid when not due, no claim rejected when
  due (late shipment, out of stock, counterfeit); penalty points at one of the policy's levels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simkit import rules
from simkit.compliance.calls import iso, to_micros
from simkit.logs.orderlog import ENDING, CaseLog, Ev

if TYPE_CHECKING:
    from simkit.compliance.conformance import OrderChecks

_SEVERITIES = (None, "severe", "serious", "minor")


def intervention(self: OrderChecks, case: CaseLog) -> None:
    calls = self.calls
    first = case.first("request")
    for i, ev in enumerate(case.events):
        if ev.activity != "request_intervention":
            continue
        if first is None:
            self.skip("tmall.intervention_wait", "intervention", "needs the request")
            continue
        refusals = [e for e in case.events[:i] if e.activity == "refuse"]
        d = rules.intervention(
            self.ctx.policy,
            refund_requested_at=calls.at(first[1].time),  # type: ignore[arg-type]
            at=calls.at(ev.time),  # type: ignore[arg-type]
            paid_at=calls.at(self.f.paid),
            in_progress=not any(e.activity in ENDING for e in case.events[:i]),
            merchant_refused=bool(refusals),
            refused_at=calls.at(refusals[-1].time) if refusals else None,
        )
        if not d.rules:
            continue
        near = d.outcome == "too_early" and d.deadline is not None and ev.time >= to_micros(d.deadline) - self.tol
        if d.allowed or near:
            self.ok(d.rules[0], "intervention")
        else:
            opens = f" (it opens at {iso(to_micros(d.deadline))})" if d.deadline is not None else ""
            self.found(
                d.rules[0],
                "intervention",
                f"intervention only as the rules allow: {d.reason_en}{opens}",
                f"intervention requested at {iso(ev.time)}",
                [first[1], *refusals[-1:], ev],
                case,
            )


def bare_refusal(self: OrderChecks, case: CaseLog) -> None:
    channels = self.ctx.policy.spec.channels
    if channels is None or not channels.principle.never_refuse_over_period:
        return
    for i, ev in enumerate(case.events):
        if ev.activity not in ("refuse", "decline_over_period") or ev.actor not in ("merchant", ""):
            continue
        offer = case.first("offer_compensation")
        if offer is not None and offer[0] < i:
            self.ok("channels.principle", "bare_refusal")
        else:
            self.found(
                "channels.principle",
                "bare_refusal",
                "a small compensation or another remedy offered before any refusal",
                f"{ev.activity} at {iso(ev.time)} with no offer before it",
                [ev],
                case,
            )


def compensation(self: OrderChecks, case: CaseLog) -> None:
    for ev in case.events:
        if ev.activity in ("pay_compensation", "reject_claim"):
            _compensation(self, case, ev)
        elif ev.activity in ("penalty_points", "uphold_complaint") and ev.amount is not None:
            _points(self, case, ev)


def _compensation(self: OrderChecks, case: CaseLog, ev: Ev) -> None:
    f, calls, policy = self.f, self.calls, self.ctx.policy
    reason = "late_shipment" if case.kind == "late_shipment_compensation" else case.reason
    if reason not in ("late_shipment", "out_of_stock", "counterfeit"):
        return
    if reason == "counterfeit" and ev.activity == "reject_claim":
        return
    if f.price is None or f.paid is None or (reason == "late_shipment" and f.channel is None):
        self.skip("tmall.late_ship_comp", "compensation", "needs the price, the payment time and the channel")
        return
    if reason == "counterfeit":
        d = rules.counterfeit_compensation(policy, price=f.price, paid_at=calls.at(f.paid))
    else:
        shipped = f.shipped if f.shipped is not None and f.shipped <= ev.time else None
        d = rules.late_shipment_compensation(
            policy,
            price=f.price,
            paid_at=calls.at(f.paid),  # type: ignore[arg-type]
            at=calls.at(ev.time),  # type: ignore[arg-type]
            reason=reason,
            shipped_at=calls.at(shipped),
            channel=f.channel or "normal",
            presale_ship_by=calls.at(f.presale_ship_by),
        )
    if not d.rules:
        return
    clause = d.rules[0]
    if ev.activity == "reject_claim":
        if d.allowed:
            self.found(
                clause,
                "compensation",
                f"compensation of {d.amount:.2f} CNY ({d.amount_form})",
                "claim rejected",
                [ev],
                case,
            )
        else:
            self.ok(clause, "compensation")
        return
    if not d.allowed:
        self.found(
            clause, "compensation", f"no compensation: {d.reason_en}", f"{ev.amount or 0:.2f} CNY paid", [ev], case
        )
    elif ev.amount is None or d.amount is None or abs(ev.amount - d.amount) > 0.005:
        paid = "no amount" if ev.amount is None else f"{ev.amount:.2f} CNY"
        self.found(clause, "compensation", f"{d.amount:.2f} CNY ({d.amount_form})", f"{paid} paid", [ev], case)
    elif case.amount_form and case.amount_form != d.amount_form:
        self.found(clause, "compensation_form", f"paid as {d.amount_form}", f"paid as {case.amount_form}", [ev], case)
    else:
        self.ok(clause, "compensation")


def _points(self: OrderChecks, case: CaseLog, ev: Ev) -> None:
    violation = case.reason if case.reason in ("unkept_promise", "invoice", "campaign_breach") else "not_as_described"
    levels = set()
    for severity in _SEVERITIES:
        d = rules.penalty_points(
            self.ctx.policy, violation=violation, severity=severity, paid_at=self.calls.at(self.f.paid)
        )
        if d.allowed:
            levels.add(d.points)
    if not levels:
        return
    if round(ev.amount or 0) in levels and float(ev.amount or 0).is_integer():
        self.ok("tmall.penalty_points", "points")
    else:
        allowed = " / ".join(str(p) for p in sorted(levels, reverse=True))
        self.found(
            "tmall.penalty_points",
            "points",
            f"{allowed} points for {violation}",
            f"{ev.amount:g} points",
            [ev],
            case,
        )
