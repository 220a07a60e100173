"""The policy schema: every rule of RULES.md as a typed, frozen model.

A policy file has a ``policy`` header, ``categories`` and one section per rule
namespace (``national``, ``tmall``, ``channels``). A rule's id is its dotted path
(``tmall.refund_auto_agree``); its parameters are the keys below it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from simkit.policy.base import Count, Duration, Factor, Money, Names, Percent, Strict, param

SOURCE_PATTERN = re.compile(
    r"^(seed:00[0-4]|law:(7day|cpl|cpl-impl|ecom|3bao)|taobao:(dispute|api)"
    r"|wx:(aftersale|complaint|guarantee|api)|assumption)(\s.*)?$"
)

Party = Literal["buyer", "merchant", "platform"]
NoReasonExclusion = Literal["made_to_order", "perishable", "digital_unsealed", "periodicals"]
NoReasonConfirm = Literal["unsafe_once_unsealed", "value_loss_once_activated", "disclosed_flawed"]
Reason = Literal[
    "no_reason",
    "changed_mind",
    "quality",
    "not_as_described",
    "damaged",
    "wrong_item",
    "missing_parts",
    "not_received",
    "late_shipment",
    "out_of_stock",
    "counterfeit",
    "invoice",
    "unkept_promise",
    "campaign_breach",
    "fraud",
    "refuse_to_ship",
]
REASONS: tuple[str, ...] = Reason.__args__  # type: ignore[attr-defined]


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Alternative(Strict):
    """A documented alternative value for a rule, shipped as a ready-made variant."""

    value: str
    source: str
    variant: str = Field(description="variant file, relative to the policies folder")

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return _check_source(value)


def _check_source(value: str) -> str:
    if not SOURCE_PATTERN.match(value):
        raise ValueError(
            f"unknown source {value!r}: use a key from RULES.md (seed:000…seed:004, law:7day, "
            "law:cpl, law:cpl-impl, law:ecom, law:3bao, taobao:dispute, taobao:api, wx:aftersale, "
            "wx:complaint, wx:guarantee, wx:api) or 'assumption', optionally followed by a section"
        )
    return value


class Rule(Strict):
    """What every rule carries: names, sources, notes, documented alternatives."""

    name: Names
    source: Annotated[list[str], BeforeValidator(_as_list)] = Field(min_length=1)
    note: str | None = None
    alternatives: list[Alternative] = Field(default_factory=list)
    see_also: list[str] = Field(default_factory=list)

    @field_validator("source")
    @classmethod
    def _known_sources(cls, value: list[str]) -> list[str]:
        return [_check_source(item) for item in value]


# --- categories ---------------------------------------------------------------------------


class Category(Strict):
    """A product category and its exceptions."""

    name: Names
    no_reason: Literal["eligible", "excluded", "confirm"] = "eligible"
    exclusion: Literal[NoReasonExclusion, NoReasonConfirm] | None = None
    fresh: bool = False
    three_guarantees: bool = False
    warranty: Duration = param("higher", "warranty period from sale (三包 / manufacturer)", "0 days")
    rights_period: Duration | None = param(
        "higher", "after-sale rights period when longer than the platform window (e.g. 90 days)", None
    )
    long_reopen_window: bool = False


# --- national floor -----------------------------------------------------------------------


class NoReasonReturn(Rule):
    window: Duration = param("higher", "days to return without reason")
    counted_from: Literal["day_after_receipt", "receipt"]


class NoReasonExclusions(Rule):
    kinds: list[NoReasonExclusion]


class NoReasonConfirmRule(Rule):
    kinds: list[NoReasonConfirm]


class GoodsIntact(Rule):
    used_goods_accepted: bool


class RefundDeadline(Rule):
    refund_within: Duration = param("lower", "merchant refunds within this after receiving the return")
    violation_after: Duration = param("lower", "unhandled refund beyond this is a violation")


class NoReasonShippingNational(Rule):
    payer: Party


class QualityReturn(Rule):
    return_within: Duration = param("higher", "return for a defect within this after receipt")
    later_remedies: list[Literal["repair", "exchange"]]
    transport_payer: Party


class Fraud(Rule):
    multiple: Factor = param("higher")
    minimum: Money = param("higher")


class ThreeGuarantees(Rule):
    return_within: Duration = param("higher", "return, exchange or repair within this after sale")
    exchange_within: Duration = param("higher", "exchange or repair within this after sale")
    warranty_default: Duration = param("higher")
    failed_repairs_for_exchange: Count = param("lower")


class Favourable(Rule):
    pass


class National(Strict):
    no_reason_return: NoReasonReturn
    no_reason_exclusions: NoReasonExclusions
    no_reason_confirm: NoReasonConfirmRule
    goods_intact: GoodsIntact
    refund_deadline: RefundDeadline
    no_reason_shipping: NoReasonShippingNational
    quality_return: QualityReturn
    fraud: Fraud
    three_guarantees: ThreeGuarantees
    favourable: Favourable


# --- Tmall / Taobao -----------------------------------------------------------------------


class ShipPromise(Rule):
    normal: Duration = param("lower", "ship within this after payment")
    juhuasuan: Duration = param("lower", "聚划算 orders")
    presale_default: Duration = param("lower", "presale when the listing gives no date")


class LateShipComp(Rule):
    rate: Percent = param("higher")
    cap: Money = param("higher")
    form: Literal["cash", "points"]
    claim_after: Duration = param("lower", "earliest claim after payment")
    reasons: list[Literal["late_shipment", "out_of_stock"]]


class RefundAutoAgree(Rule):
    timeout: Duration = param("lower", "merchant must act within this or the refund is approved")


class InterventionWait(Rule):
    wait: Duration = param("lower", "buyer may ask the platform to intervene after this")


class AfterSaleWindow(Rule):
    window: Duration = param("higher", "after-sale request allowed this long after success")


class RuleComplaint(Rule):
    window: Duration = param("higher", "after the transaction closes")
    awaiting_payment_window: Duration = param("higher", "after the order is placed, while it waits for payment")
    per_order: Count = param("higher")
    refile_after_withdrawal: bool
    reasons: list[Reason]


class PenaltyPoints(Rule):
    refuse_to_ship: Count = param("higher")
    unkept_promise: Count = param("higher")
    campaign_breach: Count = param("higher")
    invoice: Count = param("higher")
    mismatch_severe: Count = param("higher")
    mismatch_serious: Count = param("higher")
    mismatch_minor: Count = param("higher")


class NoReasonShippingTmall(Rule):
    free_shipped: Literal["split", "buyer", "merchant"]
    not_free_shipped: Party
    exchange: Party


class FaultShipping(Rule):
    at_fault_pays: bool


class RefusedDelivery(Rule):
    without_reason: Party
    with_reason: Party


class RefundReasons(Rule):
    direct_agree: list[Reason]
    contact_to_change: list[Reason]
    evidence_required: list[Reason]


class ReopenEntry(Rule):
    per_order: Count = param("higher")
    buyer_filings: Count = param("higher", "after-sales the buyer may file after a reopening")
    buyer_window: Duration = param("higher")
    long_buyer_window: Duration = param("higher")
    max_order_age: Duration = param("higher")
    excluded_rights_period: Duration = param("higher", "categories with this rights period cannot reopen")
    sub_account_needs_permission: bool


class RefundKinds(Rule):
    pass


class Counterfeit(Rule):
    multiple: Factor = param("higher")
    appraisal_fee: Money | None = param("higher", "", None)


class AdvancePay(Rule):
    reasons: list[Reason]


class Metrics(Rule):
    pass


class StoreExit(Rule):
    follow_up_modes: list[Literal["merchant", "third_party", "platform_deposit"]]


class Settlement(Rule):
    after_confirm: Duration = param("lower", "funds settle to the merchant this long after receipt")


class AutoConfirm(Rule):
    after_shipment: Duration = param("higher", "receipt is confirmed automatically this long after shipment")


class ReturnDeadlines(Rule):
    buyer_ship_within: Duration = param("higher", "buyer ships the return within this after the merchant agrees")
    merchant_confirm_within: Duration = param("lower", "merchant confirms the returned goods within this")


class Tmall(Strict):
    ship_promise: ShipPromise
    late_ship_comp: LateShipComp
    refund_auto_agree: RefundAutoAgree
    intervention_wait: InterventionWait
    after_sale_window: AfterSaleWindow
    rule_complaint: RuleComplaint
    penalty_points: PenaltyPoints
    no_reason_shipping: NoReasonShippingTmall
    fault_shipping: FaultShipping
    refused_delivery: RefusedDelivery
    refund_reasons: RefundReasons
    refund_kinds: RefundKinds
    reopen_entry: ReopenEntry
    counterfeit: Counterfeit
    advance_pay: AdvancePay
    metrics: Metrics
    store_exit: StoreExit
    auto_confirm: AutoConfirm
    settlement: Settlement
    return_deadlines: ReturnDeadlines


# --- video channel ------------------------------------------------------------------------


class Principle(Rule):
    never_refuse_over_period: bool
    small_compensation: Percent = param("higher", "default size of the first small-compensation offer")


class PeriodOrder(Rule):
    order: list[Literal["three_guarantees", "category_rule", "merchant_promise"]]
    most_favourable_wins: bool


class Fresh(Rule):
    no_reason: bool
    quality_exception: bool


class Extend(Rule):
    max_times: Count = param("higher")
    length: Duration = param("higher")
    horizon: Duration = param("higher", "extensions only within this after payment")
    requires_settlement: bool
    sub_account_needs_permission: bool


class OverPeriod(Rule):
    quality_proven_requires_reopen: bool
    quality_period: Duration = param("higher", "after-sale period for quality reasons after receipt")


class MerchantPolicyFloor(Rule):
    pass


class Attempts(Rule):
    max_per_item: Count = param("higher")


class Escalate(Rule):
    within: Duration = param("higher", "buyer may escalate this long after a rejection")


class ReviewDeadlines(Rule):
    refund_review: Duration = param("lower")
    return_review: Duration = param("lower")
    merchant_receipt: Duration = param("lower")
    buyer_return_upload: Duration = param("higher")


class Damage(Rule):
    levels: list[Percent]


class ChannelShipPromise(Rule):
    normal: Duration = param("lower", "ship within this after payment")
    presale_default: Duration = param("lower", "presale when the listing gives no date")


class Channels(Strict):
    ship_promise: ChannelShipPromise
    principle: Principle
    period_order: PeriodOrder
    fresh: Fresh
    extend: Extend
    over_period_scenarios: OverPeriod
    merchant_policy_floor: MerchantPolicyFloor
    attempts: Attempts
    escalate: Escalate
    review_deadlines: ReviewDeadlines
    counterfeit: Counterfeit
    damage: Damage
    auto_confirm: AutoConfirm
    settlement: Settlement


# --- the whole file -----------------------------------------------------------------------


STATUS_MODELS = {"national": "none", "tmall": "taobao", "video_channel": "wechat"}
"""The platform's own status names used when a policy does not say (``policy.status_model``)."""


class Header(Strict):
    """The ``policy:`` header. Optional: `extends` (none), `status_model` (the platform's own)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Names
    platform: Literal["national", "tmall", "video_channel"]
    extends: str | None = None
    version_date: Literal["paid_at", "requested_at"]
    status_model: Literal["none", "taobao", "wechat"] = Field(
        "none", description="default: taobao for tmall, wechat for video_channel, none for national"
    )

    @model_validator(mode="before")
    @classmethod
    def _platform_status_model(cls, data: Any) -> Any:
        if isinstance(data, dict) and "status_model" not in data and data.get("platform") in STATUS_MODELS:
            return {**data, "status_model": STATUS_MODELS[data["platform"]]}
        return data


class PolicySpec(Strict):
    """A whole validated policy (after `extends` and variants are applied)."""

    policy: Header
    categories: dict[str, Category]
    national: National
    tmall: Tmall | None = None
    channels: Channels | None = None


NAMESPACES = ("national", "tmall", "channels")
