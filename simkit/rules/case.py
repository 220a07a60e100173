"""The case file read by ``simkit explain``: an order, its history and one request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationError

from simkit.errors import CaseError, SimkitError
from simkit.policy.base import Strict, suggest
from simkit.policy.model import Policy
from simkit.policy.schema import Reason
from simkit.policy.tree import Located, located, validation_problems
from simkit.policy.values import china_time
from simkit.yamlio import load_yaml

CHINA = dt.timezone(dt.timedelta(hours=8))


def _local(moment: dt.datetime) -> dt.datetime:
    """Times are China local time; an explicit offset is converted to it and dropped."""
    return china_time(moment)


Time = Annotated[dt.datetime, AfterValidator(_local)]

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


class CaseOrder(Strict):
    """The order the request is about; times are ISO 8601."""

    category: str
    price: float = Field(ge=0, description="CNY")
    free_shipping: bool = False
    channel: Literal["normal", "juhuasuan", "presale"] = "normal"
    paid_at: Time
    presale_ship_by: Time | None = None
    shipped_at: Time | None = None
    received_at: Time | None = None
    completed_at: Time | None = None
    settled_at: Time | None = None
    closed_at: Time | None = None
    confirmed_exclusion: bool = False
    store_exit_at: Time | None = None
    follow_up: Literal["merchant", "third_party", "platform_deposit"] = "merchant"


class CaseHistory(Strict):
    """What happened on the order before the request."""

    after_sales: int = Field(0, ge=0)
    reopened: int = Field(0, ge=0)
    reopened_at: Time | None = None
    extensions: int = Field(0, ge=0)
    complaints: int = Field(0, ge=0)
    complaint_withdrawn: bool = False
    merchant_refused: bool = False
    refused_at: Time | None = None
    failed_repairs: int = Field(0, ge=0)


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
    appraisal_fee: float = Field(0.0, ge=0)


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
