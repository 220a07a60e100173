"""The scenario schema: populations, playbooks and run settings as typed, frozen models.

Durations are written with their unit (``"4 hours"``, ``"2 days"``) and held in hours;
money is CNY (a number or ``"150 CNY"``); probabilities are plain numbers in [0, 1].
A distribution is either a plain value (fixed) or a mapping such as
``{dist: exponential, mean: 4 hours}``. Every number is finite and bounded (durations and money
as in `simkit.policy.values.LIMITS`, counts and weights by their fields); times are China local
time between 1970 and 2199.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, cast, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from simkit.policy import base
from simkit.policy.base import Names
from simkit.policy.values import Kind, check_range, china_time, parse_quantity


class Strict(base.Strict):
    """A strict scenario model: unknown keys refused, and no number may be infinite or NaN."""

    model_config = ConfigDict(allow_inf_nan=False)


Reason = Literal[
    "changed_mind",
    "quality",
    "damaged",
    "wrong_item",
    "missing_parts",
    "not_as_described",
    "not_received",
    "late_shipment",
    "out_of_stock",
    "counterfeit",
]
REASONS: tuple[str, ...] = get_args(Reason)
"""Problems a buyer may have with an order (what a playbook answers per reason)."""

IssueKind = Literal[Reason, "unshipped_refund"]
ISSUE_KINDS: tuple[str, ...] = get_args(IssueKind)
"""The scenario's issue kinds: every reason, plus ``unshipped_refund`` (未发货仅退款: the buyer
changes their mind before the parcel leaves and asks for a refund only; logged with reason
``changed_mind``). Its ``after`` counts from payment, the others' from delivery."""

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Severity = Literal["severe", "serious", "minor"]

Action = Literal["agree", "by_the_rules", "refuse", "offer", "stall"]
RequestKind = Literal["refund_only", "return_refund", "exchange", "repair"]
Channel = Literal["normal", "juhuasuan", "presale"]


def _one(key: str) -> Any:
    """A one-entry share mapping (a default)."""
    return {key: 1.0}


def _hours(raw: Any) -> float:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw == 0:
        return 0.0
    return parse_quantity(raw, Kind.DURATION)


def _cny(raw: Any) -> float:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return check_range(float(raw), Kind.MONEY, raw)
    return parse_quantity(raw, Kind.MONEY)


def _percent(raw: Any) -> float:
    return parse_quantity(raw, Kind.PERCENT)


Hours = Annotated[float, BeforeValidator(_hours)]
CNY = Annotated[float, BeforeValidator(_cny)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
PercentValue = Annotated[float, BeforeValidator(_percent)]
Weight = Annotated[float, Field(ge=0, le=1_000_000)]
"""A relative weight (category, channel and request mixes, the daily cycle)."""
Moment = Annotated[dt.datetime, AfterValidator(china_time)]


def _dist_before(kind: Kind) -> Any:
    def parse(raw: Any) -> Any:
        if isinstance(raw, (dict, BaseModel)):
            return raw
        return {"dist": "fixed", "value": raw}

    return BeforeValidator(parse)


class _DistBase(Strict):
    dist: Literal["fixed", "exponential", "lognormal", "uniform", "gamma"] = "fixed"

    def _check(self, need: tuple[str, ...]) -> None:
        missing = [name for name in need if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.dist!r} distribution needs {', '.join(missing)}")

    @model_validator(mode="after")
    def _params(self) -> Any:
        need = {
            "fixed": ("value",),
            "exponential": ("mean",),
            "lognormal": ("median", "sigma"),
            "uniform": ("low", "high"),
            "gamma": ("mean", "shape"),
        }[self.dist]
        self._check(need)
        low, high = getattr(self, "low", None), getattr(self, "high", None)
        if self.dist == "uniform" and low is not None and high is not None and high < low:
            raise ValueError("'high' must be >= 'low'")
        return self


class DurationDist(_DistBase):
    """A distribution of durations (hours)."""

    value: Hours | None = None
    mean: Hours | None = None
    median: Hours | None = None
    sigma: Annotated[float, Field(ge=0, le=10)] | None = None
    low: Hours | None = None
    high: Hours | None = None
    shape: Annotated[float, Field(gt=0, le=10_000)] | None = None


class PriceDist(_DistBase):
    """A distribution of prices (CNY)."""

    value: CNY | None = None
    mean: CNY | None = None
    median: CNY | None = None
    sigma: Annotated[float, Field(ge=0, le=10)] | None = None
    low: CNY | None = None
    high: CNY | None = None
    shape: Annotated[float, Field(gt=0, le=10_000)] | None = None


Duration = Annotated[DurationDist, _dist_before(Kind.DURATION)]
Price = Annotated[PriceDist, _dist_before(Kind.MONEY)]


class Header(Strict):
    """The ``scenario:`` header."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Names
    description: str = ""
    source: str = "assumption"
    policy: str
    variants: list[str] = Field(default_factory=list)
    start: Moment
    horizon: Hours = Field(gt=0)
    seed: int = Field(0, ge=0, lt=2**64)
    replications: int = Field(1, ge=1, le=10_000)


class Surge(Strict):
    """A period with a multiplied arrival rate (a 双11-style day)."""

    start: Moment
    duration: Hours = Field(gt=0)
    multiplier: float = Field(gt=0, le=1000)
    note: str | None = None


class CategoryMix(Strict):
    """One category's share of orders and its price distribution."""

    share: float = Field(gt=0, le=1_000_000)
    price: Price


class Orders(Strict):
    """Order volume, arrival pattern and mix."""

    count: int = Field(
        0, ge=0, le=10_000_000, description="expected paid orders over the order window (a normal day's cycle)"
    )
    times: list[Hours] | None = Field(None, description="exact payment times instead of Poisson arrivals (tests)")
    window: Hours | None = Field(None, gt=0, description="orders arrive in [0, window); default the horizon")
    daily_cycle: list[Weight] = Field(default_factory=lambda: [1.0] * 24)
    surges: list[Surge] = Field(default_factory=list)
    categories: dict[str, CategoryMix] = Field(min_length=1)
    free_shipping: Share = 0.8
    channels: dict[Channel, Weight] = Field(default_factory=lambda: _one("normal"))
    presale_ship_after: Hours = Field(default=cast(float, "10 days"))

    @field_validator("daily_cycle")
    @classmethod
    def _day(cls, value: list[float]) -> list[float]:
        if len(value) != 24 or sum(value) <= 0:
            raise ValueError("daily_cycle needs 24 non-negative hourly weights, not all zero")
        return value

    @field_validator("channels")
    @classmethod
    def _mix(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or sum(value.values()) <= 0:
            raise ValueError("the channel mix needs at least one positive share")
        return value


class Issue(Strict):
    """The probability and timing of one problem in one category.

    ``after`` counts from delivery (from payment for ``unshipped_refund``).
    """

    p: Share
    after: Duration = Field(default_factory=lambda: DurationDist(dist="fixed", value="0.0 hours"))
    used: Share = 0.0


class Buyers(Strict):
    """Buyer behaviour."""

    confirm_early: Share = 0.6
    confirm_delay: Duration = Field(default_factory=lambda: DurationDist(dist="exponential", mean="48.0 hours"))
    quality_request: dict[RequestKind, Weight] = Field(default_factory=lambda: _one("return_refund"))
    evidence: Share = 0.7
    accept_offer_base: Share = 0.1
    accept_offer_per_percent: Share = 0.03
    escalate_after_refusal: Share = 0.5
    escalate_after_stall: Share = 0.0
    patience: Duration = Field(default_factory=lambda: DurationDist(dist="fixed", value="96.0 hours"))
    escalate_delay: Duration = Field(default_factory=lambda: DurationDist(dist="exponential", mean="24.0 hours"))
    complaint: Share = 0.1
    return_on_time: Share = 0.95
    return_delay: Duration = Field(default_factory=lambda: DurationDist(dist="exponential", mean="36.0 hours"))
    claim_late_shipment: Share = 0.3
    claim_delay: Duration = Field(default_factory=lambda: DurationDist(dist="exponential", mean="24.0 hours"))
    refile_after_reopen: Share = 0.8
    file_after_extension: Duration = Field(
        default_factory=lambda: DurationDist(dist="exponential", mean="120.0 hours"),
        description="how long a buyer takes to file after the merchant extended the after-sale period",
    )


class PlaybookSpec(Strict):
    """A merchant strategy: an action per reason, plus extension and reopening habits."""

    base: str | None = None
    default: Action = "by_the_rules"
    reasons: dict[Reason, Action] = Field(default_factory=dict)
    compensation: PercentValue | None = Field(None, description="offer size as a share of the price (default 10%)")
    confirm_returns: Literal["on_time", "late"] = "on_time"
    extend: bool = False
    reopen: bool = False


def _playbook_form(value: Any) -> str:
    """A playbook is written as a mapping (checked as a `PlaybookSpec`) or as a name."""
    return "PlaybookSpec" if isinstance(value, (dict, PlaybookSpec)) else "Name"


class Shift(Strict):
    """A daily working period, hours of the day ``[start, end)``."""

    start: Annotated[float, Field(ge=0, le=24)]
    end: Annotated[float, Field(ge=0, le=24)]
    days: list[Weekday] | None = Field(None, min_length=1, description="weekdays the shift works (default: every day)")

    @model_validator(mode="after")
    def _order(self) -> Shift:
        if self.end <= self.start:
            raise ValueError("'end' must be after 'start' (hours of the day)")
        return self


class StoreExit(Strict):
    """Some stores close on a date; after-sale duty follows the mode."""

    at: Moment
    share: Share = 1.0
    mode: Literal["merchant", "third_party", "platform_deposit"] = "merchant"
    provider_staff: int = Field(2, ge=1, le=10_000)


class Staff(Strict):
    """Service staff per merchant."""

    per_merchant: int = Field(2, ge=1, le=1000)
    scale_with_size: bool = False


class Merchants(Strict):
    """Merchant population, staffing and strategy."""

    count: int = Field(ge=1, le=100_000)
    size_shape: float = Field(1.2, gt=0, le=100, description="Pareto shape of merchant sizes (lower: more skewed)")
    staff: Staff = Field(default_factory=Staff)
    shifts: list[Shift] | None = None
    response_time: Duration = Field(default_factory=lambda: DurationDist(dist="exponential", mean="4.0 hours"))
    slow_share: Share = Field(0.0, description="share of merchants who let requests lie")
    slow_response_time: Duration = Field(
        default_factory=lambda: DurationDist(dist="lognormal", median="36.0 hours", sigma=0.8),
        description="response time of a merchant who lets requests lie",
    )
    misjudge: Share = Field(0.0, description="chance the merchant misreads whether a buyer's claim holds")
    handling_time: Duration = Field(default_factory=lambda: DurationDist(dist="exponential", mean="0.25 hours"))
    ship_time: Duration = Field(default_factory=lambda: DurationDist(dist="exponential", mean="20.0 hours"))
    late_extra: Duration = Field(default_factory=lambda: DurationDist(dist="exponential", mean="36.0 hours"))
    oos_notice: Duration = Field(default_factory=lambda: DurationDist(dist="exponential", mean="24.0 hours"))
    playbook: Annotated[
        Annotated[str, Tag("Name")] | Annotated[PlaybookSpec, Tag("PlaybookSpec")],
        Discriminator(_playbook_form),
    ] = "by_the_rules"
    exit: StoreExit | None = None


class Arbiters(Strict):
    """The platform's intervention staff."""

    staff: int = Field(5, ge=1, le=100_000)
    decision_time: Duration = Field(default_factory=lambda: DurationDist(dist="exponential", mean="24.0 hours"))
    shifts: list[Shift] | None = None
    misjudge: Share = Field(0.0, description="chance the arbiter misreads whether a buyer's claim holds")
    severity: dict[Severity, Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: _one("minor"),
        description="weights of the severity of an upheld description mismatch (tmall.penalty_points)",
    )

    @field_validator("severity")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or sum(value.values()) <= 0:
            raise ValueError("the severity mix needs at least one positive weight")
        return value


class Logistics(Strict):
    """Transit both ways, loss and damage, return postage."""

    transit: Duration = Field(default_factory=lambda: DurationDist(dist="gamma", mean="48.0 hours", shape=4.0))
    return_transit: Duration = Field(default_factory=lambda: DurationDist(dist="gamma", mean="48.0 hours", shape=4.0))
    loss: Share = 0.002
    damage: Share = 0.005
    return_fee: CNY = 12.0


class ScenarioSpec(Strict):
    """A whole validated scenario file."""

    scenario: Header
    orders: Orders
    issues: dict[str, dict[IssueKind, Issue]] = Field(default_factory=dict)
    buyers: Buyers = Field(default_factory=Buyers)
    merchants: Merchants
    playbooks: dict[str, PlaybookSpec] = Field(default_factory=dict)
    arbiters: Arbiters = Field(default_factory=Arbiters)
    logistics: Logistics = Field(default_factory=Logistics)
    expect: dict[str, Any] = Field(default_factory=dict)


SECTIONS = tuple(ScenarioSpec.model_fields)
"""Top-level keys of a scenario file (everything else in a dotted path is the policy)."""
