"""Decide a whole case (order + history + request) by composing the rule families."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from simkit.errors import CaseError, Problem, Reference, SimkitError
from simkit.policy.loader import load_policy
from simkit.policy.model import Policy
from simkit.policy.tree import Located
from simkit.rules._common import channels
from simkit.rules.after_sale import after_sale, late_shipment
from simkit.rules.case import Case, load_case, policy_files
from simkit.rules.checks import AFTER_SALE_KINDS, check_case
from simkit.rules.complaints import rule_complaint
from simkit.rules.decision import Decision
from simkit.rules.extension import extend_after_sale
from simkit.rules.intervention import intervention
from simkit.rules.reopen import reopen_entry
from simkit.rules.windows import period_end


def decide(policy: Policy, case: Case) -> Decision:
    """The decision for the case's request, citing every rule it rests on.

    The case is taken as it is; `explain_case` checks it first.
    """
    request, order, history = case.request, case.order, case.history
    kind = request.kind
    if kind == "rule_complaint":
        return _complaint(policy, case)
    if order.paid_at is None:
        return Decision(False, "not_paid", (), "The order is not paid yet.", "订单尚未付款。")
    if kind in AFTER_SALE_KINDS:
        return after_sale(policy, case)
    if kind == "late_shipment_compensation":
        return late_shipment(policy, case, request.reason or "late_shipment")
    if kind == "intervention":
        return intervention(
            policy,
            refund_requested_at=request.refund_requested_at or request.at,
            at=request.at,
            paid_at=order.paid_at,
            merchant_refused=history.merchant_refused,
            refused_at=history.refused_at,
            refund_state=request.refund_state,
        )
    if kind == "reopen_entry":
        return reopen_entry(
            policy,
            category=order.category,
            paid_at=order.paid_at,
            completed_at=order.completed_at,
            at=request.at,
            after_sales=history.after_sales,
            reopened=history.reopened,
            by=request.by,
            permitted=request.permitted,
        )
    assert kind == "extend_after_sale"
    received = order.received_at or order.completed_at
    end = (
        period_end(
            policy,
            category=order.category,
            received_at=received,
            paid_at=order.paid_at,
            extensions=history.extension_count,
            promised=order.promise.after_sale_period,
            extended_at=history.extended_at,
        )
        if channels(policy) is not None and received is not None
        else request.at
    )
    return extend_after_sale(
        policy,
        paid_at=order.paid_at,
        settled_at=order.settled_at,
        at=request.at,
        period_end=end,
        extensions=history.extension_count,
        by=request.by,
        permitted=request.permitted,
    )


def _complaint(policy: Policy, case: Case) -> Decision:
    """A rule complaint: after the trade closed, or while the order waits for payment."""
    order, request, history = case.order, case.request, case.history
    closed = order.closed_at or order.completed_at
    placed = order.placed_at if order.paid_at is None else None
    if closed is None and placed is None:
        return Decision(
            False, "not_closed", (), "A rule complaint needs a closed trade.", "交易关闭后方可发起规则类投诉。"
        )
    return rule_complaint(
        policy,
        closed_at=closed,
        at=request.at,
        reason=request.reason or "unkept_promise",
        complaints_filed=history.complaints,
        withdrawn=history.complaint_withdrawn,
        severity=request.severity,
        paid_at=order.paid_at,
        placed_at=placed,
    )


def explain_case(policy: Policy, case: Case, tree: Located) -> Decision:
    """Check the case against the policy, then decide it.

    Raises:
        CaseError: When a fact the request needs is missing or inconsistent, or a dated
            policy value has no version in force on the decision date.
    """
    check_case(policy, case, tree)
    try:
        return decide(policy, case)
    except LookupError as exc:
        raise CaseError(tree.problem("order.paid_at", str(exc))) from None


def explain_file(
    case_file: str | Path, policy: str | Path | None = None, variants: Sequence[str | Path] = ()
) -> tuple[Case, Policy, Decision]:
    """Load a case file and its policy, check the case and decide it.

    This is what ``simkit explain`` runs, and what ``simkit validate`` checks a case file with.

    Args:
        case_file: The case file.
        policy: A policy file instead of the case's ``policy:`` (the case's ``variants:`` are
            then not applied).
        variants: Further variant files, applied after the case's own.

    Raises:
        SimkitError: On a bad case, policy or variant file (one problem per line).
    """
    case, tree = load_case(case_file)
    base, own = policy_files(case, tree, case_file, policy)
    try:
        loaded = load_policy(base, [*own, *(Path(v) for v in variants)])
    except SimkitError as exc:
        refs = _references(case_file, tree, base, own) if policy is None else {}
        raise type(exc)(
            [_at_case(p, tree, base if policy is None else None, own).referenced_from(refs) for p in exc.problems]
        ) from None
    return case, loaded, explain_case(loaded, case, tree)


def _references(case_file: str | Path, tree: Located, base: Path, own: Sequence[Path]) -> dict[str, Reference]:
    """Where the case file refers to its policy and variants (so a problem in them names that line)."""
    named = [("policy", base), *((f"variants.{i}", v) for i, v in enumerate(own))]
    return {str(path): (str(case_file), tree.where(where)[1], where) for where, path in named}


def _at_case(problem: Problem, tree: Located, policy: Path | None, own: Sequence[Path]) -> Problem:
    """A problem the case file caused (a missing policy or variant, a variant for another platform),
    told at the case's own ``policy:`` or ``variants:`` line; other problems stay in their file."""
    where = os.path.normpath(problem.file)
    if policy is not None and where == os.path.normpath(policy) and problem.message == "file not found":
        return tree.problem("policy", f"policy file {tree.data.get('policy')!r} not found")
    for index, variant in enumerate(own):
        if where != os.path.normpath(variant):
            continue
        written = tree.data["variants"][index]
        if problem.message == "file not found":
            return tree.problem(f"variants.{index}", f"variant file {written!r} not found")
        if problem.path == "variant.applies_to":
            return tree.problem(f"variants.{index}", f"{written}: {problem.message}")
    return problem
