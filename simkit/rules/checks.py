"""Consistency checks on a case file: the facts each request needs, and times in their order.

`simkit explain` and `simkit validate` both run these (through `explain_case`), so that a case
file `validate` accepts is one `explain` can decide. Every problem names the file, the line
and the dotted path.
"""

from __future__ import annotations

import datetime as dt
import itertools

from simkit.errors import CaseError, Problem
from simkit.policy.model import Policy
from simkit.policy.tree import Located
from simkit.rules._common import times
from simkit.rules.case import Case, check_case_against

AFTER_SALE_KINDS = frozenset({"refund_only", "return_refund", "exchange", "repair"})
RETURN_KINDS = frozenset({"return_refund", "exchange", "repair"})
RETURN_FACTS = ("agreed_at", "return_shipped_at", "return_received_at", "refunded_at")


def check_case(policy: Policy, case: Case, tree: Located) -> None:
    """Check a case against the policy and itself.

    Raises:
        CaseError: With every problem found (the category first: nothing else is checked
            when it is unknown).
    """
    check_case_against(policy, case, tree)
    problems = [
        *_needed(case, tree),
        *_order_times(case, tree),
        *_history_times(case, tree),
        *_request_times(case, tree),
    ]
    if problems:
        raise CaseError(problems)


def _needed(case: Case, tree: Located) -> list[Problem]:
    """The facts the request kind needs."""
    request, order = case.request, case.order
    kind = request.kind
    problems = []
    if (kind in AFTER_SALE_KINDS or kind == "rule_complaint") and request.reason is None:
        problems.append(tree.problem("request.reason", f"a {kind} request needs a reason"))
    if kind == "intervention" and request.refund_requested_at is None:
        problems.append(tree.problem("request.refund_requested_at", "an intervention needs refund_requested_at"))
    if kind != "intervention" and request.refund_state != "in_progress":
        problems.append(
            tree.problem("request.refund_state", f"only an intervention looks at refund_state, not a {kind} request")
        )
    if order.paid_at is None:
        unpaid_complaint = kind == "rule_complaint" and order.placed_at is not None
        if not unpaid_complaint:
            problems.append(
                tree.problem(
                    "order.paid_at",
                    f"a {kind} request needs order.paid_at (only a rule complaint on an order waiting "
                    "for payment may leave it out, with order.placed_at)",
                )
            )
        for name in ("shipped_at", "delivery_refused_at", "received_at", "completed_at", "settled_at"):
            if getattr(order, name) is not None:
                problems.append(tree.problem(f"order.{name}", f"an order without paid_at cannot have {name}"))
    elif kind == "rule_complaint" and order.closed_at is None and order.completed_at is None:
        problems.append(tree.problem("order", "a rule complaint needs order.closed_at or order.completed_at"))
    if order.delivery_refused_at is not None and order.received_at is not None:
        problems.append(
            tree.problem("order.received_at", "the buyer refused the delivery (delivery_refused_at): not received")
        )
    if kind not in RETURN_KINDS:
        for name in RETURN_FACTS:
            if getattr(request, name) is not None:
                problems.append(
                    tree.problem(f"request.{name}", f"a {kind} request has no return: {name} needs a return kind")
                )
    else:
        chain = [("agreed_at", request.agreed_at), ("return_shipped_at", request.return_shipped_at)]
        chain.append(("return_received_at", request.return_received_at))
        for (before, first), (name, moment) in itertools.pairwise(chain):
            if moment is not None and first is None:
                problems.append(tree.problem(f"request.{name}", f"{name} needs request.{before}"))
        if request.refunded_at is not None and request.agreed_at is None:
            problems.append(tree.problem("request.refunded_at", "refunded_at needs request.agreed_at"))
    history = case.history
    if history.extended_at and history.extensions and history.extensions != len(history.extended_at):
        problems.append(
            tree.problem(
                "history.extensions",
                f"{history.extensions} extensions counted, but history.extended_at gives "
                f"{times(len(history.extended_at))}",
            )
        )
    if history.reopened_at is not None and not history.reopened:
        problems.append(tree.problem("history.reopened_at", "reopened_at is given but history.reopened is 0"))
    if history.refused_at is not None and not history.merchant_refused:
        problems.append(tree.problem("history.refused_at", "refused_at is given but history.merchant_refused is false"))
    return problems


def _before(
    tree: Located, path: str, moment: dt.datetime | None, limit: dt.datetime | None, what: str
) -> list[Problem]:
    """A problem when `moment` is before `limit` (both known)."""
    if moment is None or limit is None or moment >= limit:
        return []
    return [tree.problem(path, f"{path.rpartition('.')[2]} is before {what}")]


def _order_times(case: Case, tree: Located) -> list[Problem]:
    """The order's own times: placed → paid → shipped → received → completed; others after payment."""
    order = case.order
    problems = []
    ordered = [
        ("placed_at", order.placed_at),
        ("paid_at", order.paid_at),
        ("shipped_at", order.shipped_at),
        ("received_at", order.received_at),
        ("completed_at", order.completed_at),
    ]
    last: tuple[str, dt.datetime] | None = None
    for name, moment in ordered:
        if moment is None:
            continue
        if last is not None and moment < last[1]:
            problems.append(tree.problem(f"order.{name}", f"{name} is before {last[0]}"))
        last = (name, moment)
    start = order.paid_at or order.placed_at
    what = "the payment (order.paid_at)" if order.paid_at else "the order (order.placed_at)"
    for name in ("settled_at", "closed_at", "presale_ship_by", "delivery_refused_at"):
        problems += _before(tree, f"order.{name}", getattr(order, name), start, what)
    problems += _before(
        tree,
        "order.delivery_refused_at",
        order.delivery_refused_at,
        order.shipped_at,
        "the shipment (order.shipped_at)",
    )
    return problems


def _history_times(case: Case, tree: Located) -> list[Problem]:
    """History times: after the payment, and before the request."""
    history, order, at = case.history, case.order, case.request.at
    start = order.paid_at
    problems = []
    for name in ("reopened_at", "refused_at"):
        moment = getattr(history, name)
        problems += _before(tree, f"history.{name}", moment, start, "the payment (order.paid_at)")
        if moment is not None and moment > at:
            problems.append(tree.problem(f"history.{name}", f"{name} is after the request (request.at)"))
    for index, moment in enumerate(history.extended_at):
        path = f"history.extended_at.{index}"
        if start is not None and moment < start:
            problems.append(tree.problem(path, "the extension is before the payment (order.paid_at)"))
        elif moment > at:
            problems.append(tree.problem(path, "the extension is after the request (request.at)"))
        elif index and moment < history.extended_at[index - 1]:
            problems.append(tree.problem(path, "extension times must be in order"))
    return problems


def _request_times(case: Case, tree: Located) -> list[Problem]:
    """Request times: after the payment; the refund request before an intervention; the return in order."""
    request, order = case.request, case.order
    problems = []
    if order.paid_at is not None and request.at < order.paid_at:
        problems.append(tree.problem("request.at", "the request is before the payment (order.paid_at)"))
    elif order.paid_at is None and order.placed_at is not None and request.at < order.placed_at:
        problems.append(tree.problem("request.at", "the request is before the order (order.placed_at)"))
    asked = request.refund_requested_at
    if asked is not None:
        if asked > request.at:
            problems.append(
                tree.problem("request.refund_requested_at", "refund_requested_at is after the request (request.at)")
            )
        problems += _before(tree, "request.refund_requested_at", asked, order.paid_at, "the payment (order.paid_at)")
    chain = [
        ("at", request.at),
        ("agreed_at", request.agreed_at),
        ("return_shipped_at", request.return_shipped_at),
        ("return_received_at", request.return_received_at),
    ]
    last = None
    for name, moment in chain:
        if moment is None:
            continue
        if last is not None and moment < last[1]:
            problems.append(tree.problem(f"request.{name}", f"{name} is before {last[0]}"))
        last = (name, moment)
    problems += _before(tree, "request.refunded_at", request.refunded_at, request.agreed_at, "agreed_at")
    if request.as_of is not None:
        known = [(n, m) for n, m in (*chain, ("refunded_at", request.refunded_at)) if m is not None]
        name, latest = max(known, key=lambda item: item[1])
        if request.as_of < latest:
            problems.append(tree.problem("request.as_of", f"as_of is before {name}"))
    return problems
