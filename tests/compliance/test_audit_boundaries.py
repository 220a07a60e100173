"""The audit at each deadline and one second past it, with no tolerance (issue 16).

The audit asks `simkit.rules` for every deadline and compares with `simkit.rules.in_time`: an
act exactly at its deadline is in time, one second later it is a finding. The expected moments
are worked out from RULES.md and the seeds: Tmall answers within 72 h (seed:004), the buyer ships
a return within 7 days of the agreement, the merchant confirms within 10 days of the buyer's
shipment ("WAIT_BUYER_RETURN_GOODS → WAIT_SELLER_CONFIRM_GOODS"), the refund within 7 days of the
return's arrival (law:7day §13), a rule complaint "交易关闭的0-15天内" (seed:004), the video
channel's escalation within 7 days of the rejection (wx:aftersale).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from simkit.compliance.audit import audit_events
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["case:concept:name", "order_id", "time:timestamp", "actor", "concept:name", "status", "cs_status"]
COLUMNS += ["kind", "reason", "amount", "rule"]
FACTS = pd.DataFrame([{"order_id": 1, "category": "apparel", "price": 100.0, "channel": "normal"}])


def audit(rows: list[tuple[Any, ...]], policy: str = "tmall.yaml") -> list[tuple[str, str, str]]:
    """(case, clause, check) of every finding, audited with no tolerance."""
    data = pd.DataFrame([[r[0], 1, *r[1:], ""] for r in rows], columns=COLUMNS)
    data["time:timestamp"] = pd.to_datetime(data["time:timestamp"]).dt.tz_localize("Asia/Shanghai")
    loaded = load_policy(ROOT / "policies" / policy)
    result = audit_events(data, loaded, facts=FACTS, tolerance=dt.timedelta(0))
    return [(f.case_id, f.clause, f.check) for f in result.findings]


LIFE = [
    ("O1", "2026-03-02 10:00:00", "buyer", "pay", "WAIT_SELLER_SEND_GOODS", 0, "", "", 100.0),
    ("O1", "2026-03-03 10:00:00", "merchant", "ship", "WAIT_BUYER_CONFIRM_GOODS", 0, "", "", 0.0),
    ("O1", "2026-03-05 10:00:00", "logistics", "deliver", "WAIT_BUYER_CONFIRM_GOODS", 0, "", "", 0.0),
]


def step(time: str, actor: str, activity: str, status: str, amount: float = 0.0) -> tuple[Any, ...]:
    return ("O1-1", time, actor, activity, status, 0, "return_refund", "changed_mind", amount)


def a_return(
    agree: str = "2026-03-06 11:00:00",
    ship: str = "2026-03-07 10:00:00",
    confirm: str = "2026-03-10 10:00:00",
    refund: str = "2026-03-10 10:00:00",
) -> list[tuple[Any, ...]]:
    """Requested 03-06 10:00, delivered back 03-09 10:00; the other moments as given."""
    return [
        *LIFE,
        step("2026-03-06 10:00:00", "buyer", "request", "WAIT_SELLER_AGREE", 100.0),
        step(agree, "merchant", "agree", "WAIT_BUYER_RETURN_GOODS"),
        step(ship, "buyer", "ship_return", "WAIT_SELLER_CONFIRM_GOODS", 12.0),
        step("2026-03-09 10:00:00", "logistics", "return_delivered", "WAIT_SELLER_CONFIRM_GOODS"),
        step(confirm, "merchant", "confirm_return", "SUCCESS"),
        step(refund, "platform", "refund", "SUCCESS", 100.0),
    ]


def test_the_merchants_answer_72_hours_after_the_request() -> None:
    """seed:004: the refund countdown (~3 days, 72 h): requested 03-06 10:00, answered by 03-09 10:00."""

    def rows(at: str) -> list[tuple[Any, ...]]:
        case = ("O1-1", "refund_only", "out_of_stock")
        return [
            LIFE[0],
            (case[0], "2026-03-06 10:00:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, *case[1:], 100.0),
            (case[0], at, "merchant", "agree", "SUCCESS", 0, *case[1:], 0.0),
            (case[0], at, "platform", "refund", "SUCCESS", 0, *case[1:], 100.0),
        ]

    assert audit(rows("2026-03-09 10:00:00")) == []
    assert audit(rows("2026-03-09 10:00:01")) == [("O1-1", "tmall.refund_auto_agree", "auto_approval")]


def test_the_buyers_return_shipment_7_days_after_the_agreement() -> None:
    on_time = a_return(ship="2026-03-13 11:00:00", confirm="2026-03-16 10:00:00", refund="2026-03-16 10:00:00")
    assert audit(on_time) == []
    late = a_return(ship="2026-03-13 11:00:01", confirm="2026-03-16 10:00:00", refund="2026-03-16 10:00:00")
    assert audit(late) == [("O1-1", "tmall.return_deadlines", "return_deadline")]


def test_the_receipt_timer_10_days_after_the_buyer_shipped() -> None:
    """Shipped back 03-07 10:00: confirmed by 03-17 10:00 (arrived 03-09 10:00; refunded the same moment,
    which the law's 7 days from the arrival, to 03-16 10:00, find late either way)."""
    on_time = audit(a_return(confirm="2026-03-17 10:00:00", refund="2026-03-17 10:00:00"))
    assert on_time == [("O1-1", "national.refund_deadline", "refund_deadline")]
    late = audit(a_return(confirm="2026-03-17 10:00:01", refund="2026-03-17 10:00:01"))
    assert late == [
        ("O1-1", "tmall.return_deadlines", "receipt"),
        ("O1-1", "national.refund_deadline", "refund_deadline"),
    ]


def test_the_legal_refund_7_days_after_the_return_arrived() -> None:
    """law:7day §13: arrived 03-09 10:00, refunded by 03-16 10:00."""
    assert audit(a_return(confirm="2026-03-16 10:00:00", refund="2026-03-16 10:00:00")) == []
    late = audit(a_return(confirm="2026-03-16 10:00:00", refund="2026-03-16 10:00:01"))
    assert late == [("O1-1", "national.refund_deadline", "refund_deadline")]


def test_a_rule_complaint_exactly_15_days_after_the_close() -> None:
    """seed:004: "订单状态为"交易关闭"的0-15天内……买家可发起违背承诺的投诉".

    The refund closed the trade 03-06 11:00: a complaint on 03-21 11:00 is on day 15, in time.
    """

    def rows(at: str) -> list[tuple[Any, ...]]:
        refund = ("O1-1", "refund_only", "out_of_stock")
        complaint = ("O1-2", "rule_complaint", "unkept_promise")
        return [
            LIFE[0],
            (refund[0], "2026-03-06 10:00:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, *refund[1:], 100.0),
            (refund[0], "2026-03-06 11:00:00", "merchant", "agree", "SUCCESS", 0, *refund[1:], 0.0),
            (refund[0], "2026-03-06 11:00:00", "platform", "refund", "SUCCESS", 0, *refund[1:], 100.0),
            (complaint[0], at, "buyer", "file_complaint", "", 2, *complaint[1:], 0.0),
        ]

    assert audit(rows("2026-03-21 11:00:00")) == []
    assert audit(rows("2026-03-21 11:00:01")) == [("O1-2", "tmall.rule_complaint", "complaint")]


def test_the_channels_escalation_7_days_after_the_rejection() -> None:
    """wx:aftersale: the buyer escalates within 7 days after the merchant rejects (rejected 03-06 12:00)."""

    def rows(at: str) -> list[tuple[Any, ...]]:
        case = ("O1-1", "refund_only", "quality")
        return [
            ("O1", "2026-03-02 10:00:00", "buyer", "pay", "20", 0, "", "", 100.0),
            ("O1", "2026-03-03 10:00:00", "merchant", "ship", "30", 0, "", "", 0.0),
            ("O1", "2026-03-05 10:00:00", "logistics", "deliver", "30", 0, "", "", 0.0),
            (case[0], "2026-03-06 10:00:00", "buyer", "request", "MERCHANT_PROCESSING", 0, *case[1:], 100.0),
            (
                case[0],
                "2026-03-06 11:00:00",
                "merchant",
                "offer_compensation",
                "USER_WAIT_CONFIRM_UPDATE",
                0,
                *case[1:],
                10.0,
            ),
            (case[0], "2026-03-06 11:30:00", "buyer", "decline_offer", "MERCHANT_PROCESSING", 0, *case[1:], 0.0),
            (case[0], "2026-03-06 12:00:00", "merchant", "refuse", "MERCHANT_REJECT_REFUND", 0, *case[1:], 0.0),
            (case[0], at, "buyer", "request_intervention", "MERCHANT_REJECT_REFUND", 0, *case[1:], 0.0),
        ]

    assert audit(rows("2026-03-13 12:00:00"), "video_channel.yaml") == []
    late = audit(rows("2026-03-13 12:00:01"), "video_channel.yaml")
    assert late == [("O1-1", "channels.escalate", "intervention")]
