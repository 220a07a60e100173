"""The case file read by ``simkit explain``: an order, its history and one request.

Times are China local time (+08:00): a time written without an offset is taken as China time,
one with another offset is converted. Durations carry their unit (``30 days``, ``72 hours``).
The consistency of a case (times in order, the facts each request kind needs) is checked by
`simkit.rules.checks`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError

from simkit.errors import CaseError, SimkitError
from simkit.policy.base import Strict, suggest
from simkit.policy.model import Policy
from simkit.policy.schema import Reason
from simkit.policy.tree import Located, located, validation_problems
from simkit.policy.values import Kind, parse_quantity
from simkit.policy.values import china_time as _in_range
from simkit.rules.decision import china_time
from simkit.yamlio import load_yaml


def _local(moment: dt.datetime) -> dt.datetime:
    """A China local time with its +08:00 offset (an explicit offset is converted), within the supported range."""
    return china_time(_in_range(moment))


Time = Annotated[dt.datetime, AfterValidator(_local)]


def _duration(raw: Any) -> Any:
    """A duration written with its unit (``30 days``) as a timedelta."""
    if isinstance(raw, dt.timedelta):
        return raw
    return dt.timedelta(hours=parse_quantity(raw, Kind.DURATION))


def _number(raw: Any) -> Any:
    """Refuse booleans where a number is expected (YAML reads ``true`` as 1.0 otherwise)."""
    if isinstance(raw, bool):
        raise ValueError(f"expected a number of CNY, got {str(raw).lower()}")
    return raw


Span = Annotated[dt.timedelta, BeforeValidator(_duration)]
Cny = Annotated[float, BeforeValidator(_number), Field(ge=0, allow_inf_nan=False, description="CNY")]

RequestKind = Literal[
    "refund_only",
    "return_refund",
    "exchange",
    "repair",
    "late_shipment_compensation",
    "intervention",
    "rule_complaint",
    "reopen_entry",
    "extend_after_sale",
]
REQUEST_KINDS: tuple[str, ...] = RequestKind.__args__  # type: ignore[attr-defined]
RefundState = Literal["in_progress", "closed", "withdrawn"]


class CasePromise(Strict):
    """What the merchant promised for this order, beyond the platform standard.

    A promise more favourable to the buyer binds; one below the platform standard is void.
    """

    after_sale_period: Span | None = Field(None, description="after-sale period promised, from receipt")
    no_reason_window: Span | None = Field(None, description="no-reason return window promised")
    pays_return_shipping: bool = Field(False, description="the merchant pays the no-reason return shipping")


class CaseOrder(Strict):
    """The order the request is about."""

    category: str
    price: Cny
    free_shipping: bool = False
    channel: Literal["normal", "juhuasuan", "presale"] = "normal"
    placed_at: Time | None = None
    paid_at: Time | None = None
    presale_ship_by: Time | None = None
    shipped_at: Time | None = None
    delivery_refused_at: Time | None = None
    received_at: Time | None = None
    completed_at: Time | None = None
    settled_at: Time | None = None
    closed_at: Time | None = None
    confirmed_exclusion: bool = False
    warranty: Span | None = None
    promise: CasePromise = CasePromise()
    store_exit_at: Time | None = None
    follow_up: Literal["merchant", "third_party", "platform_deposit"] = "merchant"


class CaseHistory(Strict):
    """What happened on the order before the request."""

    after_sales: int = Field(0, ge=0)
    reopened: int = Field(0, ge=0)
    reopened_at: Time | None = None
    extensions: int = Field(0, ge=0)
    extended_at: list[Time] = Field(default_factory=list)
    complaints: int = Field(0, ge=0)
    complaint_withdrawn: bool = False
    merchant_refused: bool = False
    refused_at: Time | None = None
    failed_repairs: int = Field(0, ge=0)

    @property
    def extension_count(self) -> int:
        """Extensions made so far: the times given, else the count."""
        return len(self.extended_at) or self.extensions


class CaseRequest(Strict):
    """The request to decide."""

    kind: RequestKind
    reason: Reason | None = None
    at: Time
    by: Literal["buyer", "merchant", "sub_account"] = "buyer"
    permitted: bool = True
    goods_used: bool = False
    evidence: bool = True
    quality_proven: bool = False
    severity: Literal["severe", "serious", "minor"] | None = None
    refund_requested_at: Time | None = None
    refund_state: RefundState = "in_progress"
    appraisal_fee: Cny = 0.0
    agreed_at: Time | None = None
    return_shipped_at: Time | None = None
    return_received_at: Time | None = None
    refunded_at: Time | None = None
    as_of: Time | None = None


class Case(Strict):
    """A whole case file."""

    order: CaseOrder
    history: CaseHistory = CaseHistory()
    request: CaseRequest
    policy: str | None = Field(None, description="policy file, relative to the case file")
    variants: list[str] = Field(default_factory=list)


def parse_case(data: object, tree: Located) -> Case:
    """Validate case data.

    Raises:
        CaseError: Naming file, line and path of each problem.
    """
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(validation_problems(exc, tree)) from None


def load_case(path: str | Path) -> tuple[Case, Located]:
    """Read and validate a case file.

    Returns:
        The case and its located tree (for later error messages).

    Raises:
        CaseError: On bad YAML or a bad field.
    """
    try:
        data, lines = load_yaml(path)
    except SimkitError as exc:
        raise CaseError(exc.problems) from None
    tree = located(data, lines, str(path))
    return parse_case(data, tree), tree


def policy_files(
    case: Case, tree: Located, case_file: str | Path, policy: str | Path | None = None
) -> tuple[Path, list[Path]]:
    """The policy file and variant files a case is decided under, before any extra variants.

    With `policy` given, that file alone (the case's own ``variants:`` are for its own policy);
    otherwise the case's ``policy:`` and ``variants:``, relative to the case file.

    Raises:
        CaseError: When neither `policy` nor the case names a policy.
    """
    if policy is not None:
        return Path(policy), []
    if case.policy is None:
        raise CaseError(tree.problem("policy", "no --policy given and the case file names no `policy:`"))
    base = Path(case_file).parent
    return _norm(base / case.policy), [_norm(base / v) for v in case.variants]


def _norm(path: Path) -> Path:
    """A path without ``..`` detours, as a user would write it (``policies/tmall.yaml``)."""
    return Path(os.path.normpath(path))


def check_case_against(policy: Policy, case: Case, tree: Located) -> None:
    """Check references from the case into the policy (the category).

    Raises:
        CaseError: When the category is unknown to the policy.
    """
    known = sorted(policy.spec.categories)
    if case.order.category not in policy.spec.categories:
        hint = suggest(case.order.category, known)
        raise CaseError(
            tree.problem("order.category", f"unknown category {case.order.category!r}{hint}; known: {', '.join(known)}")
        )


def paid(case: Case) -> dt.datetime:
    """The order's payment time (checked cases that need one have it).

    Raises:
        ValueError: When the order is not paid.
    """
    if case.order.paid_at is None:
        raise ValueError("the order is not paid (order.paid_at)")
    return case.order.paid_at


def latest(moments: Sequence[dt.datetime | None]) -> dt.datetime | None:
    """The latest of the moments given, ignoring None."""
    known = [m for m in moments if m is not None]
    return max(known) if known else None
