"""The decision engine: pure functions, one module per rule family, each returning a `Decision`.

This is the only place a rule is decided; the simulation, ``simkit explain`` and the
audit all call these functions.
"""

from simkit.rules._common import in_time
from simkit.rules.compensation import counterfeit_compensation, fraud_compensation, late_shipment_compensation
from simkit.rules.complaints import penalty_points, rule_complaint
from simkit.rules.decision import Decision
from simkit.rules.extension import extend_after_sale
from simkit.rules.fulfilment import auto_confirm_deadline, settlement_time, ship_deadline
from simkit.rules.intervention import arbitrate, intervention
from simkit.rules.no_reason import no_reason_deadline, no_reason_return, no_reason_window
from simkit.rules.quality import quality_remedy
from simkit.rules.reopen import reopen_entry, reopened_window
from simkit.rules.returns import return_flow
from simkit.rules.shipping import refund_triage, return_shipping
from simkit.rules.store_exit import after_exit_duty
from simkit.rules.timers import buyer_return_deadline, merchant_receipt_deadline, merchant_response, refund_deadline
from simkit.rules.windows import (
    after_sale_attempt,
    after_sale_window,
    applicable_period,
    channel_alternative,
    over_period_request,
    period_end,
)

__all__ = [
    "Decision",
    "after_exit_duty",
    "after_sale_attempt",
    "after_sale_window",
    "applicable_period",
    "arbitrate",
    "auto_confirm_deadline",
    "buyer_return_deadline",
    "channel_alternative",
    "counterfeit_compensation",
    "extend_after_sale",
    "fraud_compensation",
    "in_time",
    "intervention",
    "late_shipment_compensation",
    "merchant_receipt_deadline",
    "merchant_response",
    "no_reason_deadline",
    "no_reason_return",
    "no_reason_window",
    "over_period_request",
    "penalty_points",
    "period_end",
    "quality_remedy",
    "refund_deadline",
    "refund_triage",
    "reopen_entry",
    "reopened_window",
    "return_flow",
    "return_shipping",
    "rule_complaint",
    "settlement_time",
    "ship_deadline",
]
