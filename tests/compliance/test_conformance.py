"""Conformance of event logs, check family by check family, on logs written inline.

Every expected deadline and amount is worked out here from the policy files' numbers (RULES.md):
Tmall answers within 72 h, buyer ships a return within 7 days, merchant confirms it within 10
days, refund within 7 days of receipt (law), automatic confirmation 10 days after shipment,
late-shipment compensation 30 % capped at 500 CNY in points, counterfeit 10x, description
mismatch 12 / 6 / 3 points; the channel reviews within 48 h, extends at most 3 times after
settlement, allows 5 after-sales per item and never refuses without an offer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simkit.compliance.audit import AuditResult, audit_events
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = [
    "case:concept:name",
    "order_id",
    "time:timestamp",
    "actor",
    "concept:name",
    "status",
    "cs_status",
    "kind",
    "reason",
    "amount",
    "rule",
]


def frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Rows of (case, time, actor, activity, status, cs_status, kind, reason, amount[, rule]).

    The order id is the number in the case id.
    """
    out = []
    for row in rows:
        case, time, actor, activity, status, cs, kind, reason, amount, *rule = row
        order = int(case[1:].split("-")[0])
        out.append([case, order, time, actor, activity, status, cs, kind, reason, amount, rule[0] if rule else ""])
    data = pd.DataFrame(out, columns=COLUMNS)
    data["time:timestamp"] = pd.to_datetime(data["time:timestamp"]).dt.tz_localize("Asia/Shanghai")
    return data


@pytest.fixture
def audit():
    """``audit(rows, policy=..., facts=..., as_of=...)`` → AuditResult."""

    def run(
        rows: list[tuple[Any, ...]],
        policy: str = "tmall.yaml",
        facts: dict[str, Any] | None = None,
        as_of: str | None = None,
        variants: tuple[str, ...] = (),
    ) -> AuditResult:
        loaded = load_policy(ROOT / "policies" / policy, [ROOT / "policies" / "variants" / v for v in variants])
        table = frame(rows)
        known = pd.DataFrame([{"order_id": order, **values} for order, values in (facts or {}).items()])
        end = dt.datetime.fromisoformat(as_of) if as_of else None
        return audit_events(table, loaded, facts=known if len(known) else None, as_of=end)

    return run


def brief(result: AuditResult) -> list[tuple[str, str, str, str]]:
    """(case, clause, check, severity) of every finding."""
    return [(f.case_id, f.clause, f.check, f.severity) for f in result.findings]


PAID = ("O1", "2026-03-02 10:00", "buyer", "pay", "WAIT_SELLER_SEND_GOODS", 0, "", "", 100.0)
SHIP = ("O1", "2026-03-03 10:00", "merchant", "ship", "WAIT_BUYER_CONFIRM_GOODS", 0, "", "", 0.0)
DELIVER = ("O1", "2026-03-05 10:00", "logistics", "deliver", "WAIT_BUYER_CONFIRM_GOODS", 0, "", "", 0.0)
FACTS = {1: {"category": "apparel", "price": 100.0, "channel": "normal", "free_shipping": True}}
CH_PAID = ("O1", "2026-03-02 10:00", "buyer", "pay", "20", 0, "", "", 100.0)
CH_SHIP = ("O1", "2026-03-03 10:00", "merchant", "ship", "30", 0, "", "", 0.0)
CH_DELIVER = ("O1", "2026-03-05 10:00", "logistics", "deliver", "30", 0, "", "", 0.0)


def _return(case, t0, kind="return_refund", reason="changed_mind"):
    """A request at t0 agreed 1 h later, shipped back the next day, delivered two days later."""
    return [
        (case, f"2026-03-{t0:02d} 10:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, kind, reason, 100.0),
        (case, f"2026-03-{t0:02d} 11:00", "merchant", "agree", "WAIT_BUYER_RETURN_GOODS", 0, kind, reason, 0.0),
        (
            case,
            f"2026-03-{t0 + 1:02d} 10:00",
            "buyer",
            "ship_return",
            "WAIT_SELLER_CONFIRM_GOODS",
            0,
            kind,
            reason,
            12.0,
        ),
        (
            case,
            f"2026-03-{t0 + 3:02d} 10:00",
            "logistics",
            "return_delivered",
            "WAIT_SELLER_CONFIRM_GOODS",
            0,
            kind,
            reason,
            0.0,
        ),
    ]


def test_receipt_timer_fired_early(audit):
    """The receipt timer runs from the buyer's shipment of the return (03-07 10:00): "USER_WAIT_RETURN →
    MERCHANT_WAIT_RECEIPT →(agree | timeout) PLATFORM_REFUNDING" (RULES.md) -- 10 days later, 03-17 10:00."""
    rows = [PAID, SHIP, DELIVER, *_return("O1-1", 6)]
    rows += [
        ("O1-1", "2026-03-14 10:00", "platform", "auto_refund", "SUCCESS", 0, "return_refund", "changed_mind", 0.0),
        ("O1-1", "2026-03-14 10:00", "platform", "refund", "SUCCESS", 0, "return_refund", "changed_mind", 100.0),
    ]
    result = audit(rows, facts=FACTS)
    assert brief(result) == [("O1-1", "tmall.return_deadlines", "receipt", "violation")]
    finding = result.findings[0]
    assert finding.expected == (
        "the return confirmed by 2026-03-17T10:00:00+08:00 (shipped back at 2026-03-07T10:00:00+08:00), "
        "else refunded automatically then"
    )
    assert finding.actual == "auto_refund at 2026-03-14T10:00:00+08:00, 3.0 days early"


def test_merchant_confirms_after_the_receipt_timer_and_refunds_beyond_the_legal_deadline(audit):
    rows = [PAID, SHIP, DELIVER, *_return("O1-1", 6)]
    rows += [
        ("O1-1", "2026-03-20 10:00", "merchant", "confirm_return", "SUCCESS", 0, "return_refund", "changed_mind", 0.0),
        ("O1-1", "2026-03-20 10:00", "platform", "refund", "SUCCESS", 0, "return_refund", "changed_mind", 100.0),
    ]
    result = audit(rows, facts=FACTS)
    assert brief(result) == [
        ("O1-1", "tmall.return_deadlines", "receipt", "violation"),
        ("O1-1", "national.refund_deadline", "refund_deadline", "violation"),
    ]
    # the timer ran out 10 days after the buyer shipped the return (03-07 10:00 -> 03-17 10:00)
    assert result.findings[0].actual == "confirm_return at 2026-03-20T10:00:00+08:00, 3.0 days after the timer"
    assert result.findings[1].actual == "refunded at 2026-03-20T10:00:00+08:00, 11.0 days after the return arrived"


def test_refund_more_than_15_days_late_cites_the_legal_violation(audit):
    rows = [PAID, SHIP, DELIVER, *_return("O1-1", 6)]
    rows += [("O1-1", "2026-03-26 10:00", "platform", "refund", "SUCCESS", 0, "return_refund", "changed_mind", 100.0)]
    result = audit(rows, facts=FACTS)
    legal = next(f for f in result.findings if f.check == "refund_deadline")
    assert legal.actual == (
        "refunded at 2026-03-26T10:00:00+08:00, 17.0 days after the return arrived "
        "(The refund is more than 15 days late: a violation.)"
    )


def test_a_return_waiting_past_the_legal_deadline_at_the_end_of_the_log(audit):
    rows = [PAID, SHIP, DELIVER, *_return("O1-1", 6)]
    # arrived 03-09 10:00: the law's refund by 03-16 10:00; the receipt timer (from the shipment) 03-17 10:00
    result = audit(rows, facts=FACTS, as_of="2026-03-16T12:00:00")
    assert brief(result) == [("O1-1", "national.refund_deadline", "refund_deadline", "violation")]
    assert result.findings[0].actual == "no refund by 2026-03-16T12:00:00+08:00"
    later = audit(rows, facts=FACTS, as_of="2026-03-18T10:00:00")
    assert brief(later) == [
        ("O1-1", "tmall.return_deadlines", "receipt", "violation"),
        ("O1-1", "national.refund_deadline", "refund_deadline", "violation"),
    ]
    earlier = audit(rows, facts=FACTS, as_of="2026-03-16T09:00:00")
    assert brief(earlier) == []


def test_no_answer_and_no_automatic_approval(audit):
    rows = [
        PAID,
        SHIP,
        DELIVER,
        ("O1-1", "2026-03-06 10:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, "refund_only", "damaged", 100.0),
    ]
    result = audit(rows, facts=FACTS, as_of="2026-03-10T10:00:00")
    assert brief(result) == [("O1-1", "tmall.refund_auto_agree", "auto_approval", "violation")]
    assert result.findings[0].expected == (
        "an answer by 2026-03-09T10:00:00+08:00, else automatic approval then (3.0 days)"
    )
    assert result.findings[0].actual == "no answer and no approval by 2026-03-10T10:00:00+08:00"


def test_automatic_approval_within_the_tolerance_only(audit):
    def rows(at):
        return [
            PAID,
            SHIP,
            DELIVER,
            ("O1-1", "2026-03-06 10:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, "refund_only", "damaged", 100.0),
            ("O1-1", at, "platform", "auto_agree", "SUCCESS", 0, "refund_only", "damaged", 0.0),
            ("O1-1", at, "platform", "refund", "SUCCESS", 0, "refund_only", "damaged", 100.0),
        ]

    assert brief(audit(rows("2026-03-09 10:03"), facts=FACTS)) == []
    late = audit(rows("2026-03-09 10:10"), facts=FACTS)
    assert brief(late) == [("O1-1", "tmall.refund_auto_agree", "auto_approval", "violation")]
    assert late.findings[0].actual == "automatic approval at 2026-03-09T10:10:00+08:00, 0.2 h late"


def test_a_dated_timer_applies_to_orders_paid_after_its_date(audit):
    request = ("O1-1", "2027-03-06 10:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, "refund_only", "damaged", 100.0)
    answer = ("O1-1", "2027-03-08 14:00", "merchant", "refuse", "SELLER_REFUSE_BUYER", 0, "refund_only", "damaged", 0.0)
    paid = ("O1", "2027-03-02 10:00", "buyer", "pay", "WAIT_SELLER_SEND_GOODS", 0, "", "", 100.0)
    result = audit([paid, request, answer], variants=("tmall_response_dated.yaml",))
    assert brief(result) == [("O1-1", "tmall.refund_auto_agree", "auto_approval", "violation")]
    assert result.findings[0].actual == "refuse at 2027-03-08T14:00:00+08:00, 4.0 h after the timer"
    assert brief(audit([paid, request, answer])) == []


def test_a_return_closed_before_the_buyer_deadline(audit):
    rows = [
        PAID,
        SHIP,
        DELIVER,
        ("O1-1", "2026-03-06 10:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, "return_refund", "quality", 100.0),
        (
            "O1-1",
            "2026-03-06 11:00",
            "merchant",
            "agree",
            "WAIT_BUYER_RETURN_GOODS",
            0,
            "return_refund",
            "quality",
            0.0,
        ),
        ("O1-1", "2026-03-09 11:00", "platform", "close_return", "CLOSED", 0, "return_refund", "quality", 0.0),
    ]
    result = audit(rows, facts=FACTS)
    assert brief(result) == [("O1-1", "tmall.return_deadlines", "return_deadline", "violation")]
    assert result.findings[0].actual == "return closed at 2026-03-09T11:00:00+08:00, 4.0 days early"


def test_compensation_paid_when_not_due_and_refused_when_due(audit):
    shipped_on_time = [
        PAID,
        SHIP,
        (
            "O1-2",
            "2026-03-06 10:00",
            "buyer",
            "claim_compensation",
            "",
            0,
            "late_shipment_compensation",
            "late_shipment",
            100.0,
        ),
        (
            "O1-2",
            "2026-03-06 10:00",
            "platform",
            "pay_compensation",
            "",
            0,
            "late_shipment_compensation",
            "late_shipment",
            30.0,
        ),
    ]
    result = audit(shipped_on_time, facts=FACTS)
    assert brief(result) == [("O1-2", "tmall.late_ship_comp", "compensation", "violation")]
    assert result.findings[0].expected == "no compensation: The order shipped within the promise."
    not_shipped = [
        PAID,
        (
            "O1-2",
            "2026-03-06 10:00",
            "buyer",
            "claim_compensation",
            "",
            0,
            "late_shipment_compensation",
            "late_shipment",
            100.0,
        ),
        (
            "O1-2",
            "2026-03-06 10:00",
            "platform",
            "reject_claim",
            "",
            0,
            "late_shipment_compensation",
            "late_shipment",
            0.0,
        ),
    ]
    result = audit(not_shipped, facts=FACTS)
    assert brief(result) == [("O1-2", "tmall.late_ship_comp", "compensation", "violation")]
    assert (result.findings[0].expected, result.findings[0].actual) == (
        "compensation of 30.00 CNY (points)",
        "claim rejected",
    )


def test_counterfeit_and_penalty_amounts(audit):
    rows = [
        PAID,
        SHIP,
        DELIVER,
        ("O1-1", "2026-03-06 10:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, "refund_only", "counterfeit", 100.0),
        ("O1-1", "2026-03-06 12:00", "merchant", "agree", "SUCCESS", 0, "refund_only", "counterfeit", 0.0),
        ("O1-1", "2026-03-06 12:00", "platform", "refund", "SUCCESS", 0, "refund_only", "counterfeit", 100.0),
        ("O1-1", "2026-03-06 12:00", "platform", "pay_compensation", "", 0, "refund_only", "counterfeit", 500.0),
        ("O1-3", "2026-03-08 10:00", "buyer", "file_complaint", "", 2, "rule_complaint", "not_as_described", 0.0),
        ("O1-3", "2026-03-09 10:00", "arbiter", "uphold_complaint", "", 6, "rule_complaint", "not_as_described", 5.0),
    ]
    result = audit(rows, facts=FACTS)
    assert [(f.case_id, f.clause, f.check, f.expected, f.actual) for f in result.findings] == [
        ("O1-1", "tmall.counterfeit", "compensation", "1000.00 CNY (cash)", "500.00 CNY paid"),
        ("O1-3", "tmall.penalty_points", "points", "12 / 6 / 3 points for not_as_described", "5 points"),
    ]


def test_compensation_paid_in_the_wrong_form(audit):
    rows = [
        PAID,
        ("O1-1", "2026-03-03 10:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, "refund_only", "out_of_stock", 100.0),
        ("O1-1", "2026-03-03 12:00", "merchant", "agree", "SUCCESS", 0, "refund_only", "out_of_stock", 0.0),
        ("O1-1", "2026-03-03 12:00", "platform", "refund", "SUCCESS", 0, "refund_only", "out_of_stock", 100.0),
        ("O1-1", "2026-03-03 12:00", "platform", "pay_compensation", "", 0, "refund_only", "out_of_stock", 30.0),
    ]
    events = frame(rows)
    events["amount_form"] = "cash"
    result = audit_events(events, load_policy(ROOT / "policies" / "tmall.yaml"))
    assert [(f.clause, f.check, f.expected, f.actual) for f in result.findings] == [
        ("tmall.late_ship_comp", "compensation_form", "paid as points", "paid as cash")
    ]


def test_intervention_cs_status_and_trade_transitions(audit):
    rows = [
        PAID,
        SHIP,
        DELIVER,
        ("O1", "2026-03-07 10:00", "buyer", "confirm_receipt", "TRADE_FINISHED", 0, "", "", 0.0),
        ("O1", "2026-03-08 10:00", "logistics", "deliver", "WAIT_BUYER_CONFIRM_GOODS", 0, "", "", 0.0),
        ("O1-1", "2026-03-06 10:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, "return_refund", "quality", 100.0),
        ("O1-1", "2026-03-06 12:00", "merchant", "refuse", "SELLER_REFUSE_BUYER", 0, "return_refund", "quality", 0.0),
        (
            "O1-1",
            "2026-03-09 10:00",
            "buyer",
            "request_intervention",
            "SELLER_REFUSE_BUYER",
            2,
            "return_refund",
            "quality",
            0.0,
        ),
        ("O1-1", "2026-03-09 12:00", "arbiter", "intervene", "SELLER_REFUSE_BUYER", 3, "return_refund", "quality", 0.0),
        ("O1-1", "2026-03-09 14:00", "arbiter", "merchant_wins", "CLOSED", 2, "return_refund", "quality", 0.0),
    ]
    result = audit(rows, facts=FACTS)
    assert [(f.case_id, f.clause, f.actual) for f in result.findings] == [
        ("O1", "status.taobao.trade", "TRADE_FINISHED → WAIT_BUYER_CONFIRM_GOODS"),
        ("O1-1", "status.taobao.cs_status", "cs_status 3 → 2"),
    ]
    assert result.findings[0].expected == "from TRADE_FINISHED only: none (final)"


def test_channel_refusals_need_an_offer_first(audit):
    def rows(offer):
        case = [
            ("O1-1", "2026-03-06 10:00", "buyer", "request", "MERCHANT_PROCESSING", 0, "refund_only", "quality", 100.0)
        ]
        if offer:
            case += [
                (
                    "O1-1",
                    "2026-03-06 11:00",
                    "merchant",
                    "offer_compensation",
                    "USER_WAIT_CONFIRM_UPDATE",
                    0,
                    "refund_only",
                    "quality",
                    10.0,
                ),
                (
                    "O1-1",
                    "2026-03-06 12:00",
                    "buyer",
                    "decline_offer",
                    "MERCHANT_PROCESSING",
                    0,
                    "refund_only",
                    "quality",
                    0.0,
                ),
            ]
        case += [
            (
                "O1-1",
                "2026-03-06 13:00",
                "merchant",
                "refuse",
                "MERCHANT_REJECT_REFUND",
                0,
                "refund_only",
                "quality",
                0.0,
            ),
            ("O1-1", "2026-03-06 14:00", "buyer", "cancel", "USER_CANCELD", 0, "refund_only", "quality", 0.0),
        ]
        return [CH_PAID, CH_SHIP, CH_DELIVER, *case]

    bare = audit(rows(False), policy="video_channel.yaml", facts=FACTS)
    assert brief(bare) == [("O1-1", "channels.principle", "bare_refusal", "violation")]
    assert bare.findings[0].actual == "refuse at 2026-03-06T13:00:00+08:00 with no offer before it"
    assert brief(audit(rows(True), policy="video_channel.yaml", facts=FACTS)) == []


def test_channel_escalation_needs_a_rejection(audit):
    rows = [
        CH_PAID,
        CH_SHIP,
        CH_DELIVER,
        ("O1-1", "2026-03-06 10:00", "buyer", "request", "MERCHANT_PROCESSING", 0, "refund_only", "quality", 100.0),
        (
            "O1-1",
            "2026-03-06 20:00",
            "buyer",
            "request_intervention",
            "MERCHANT_PROCESSING",
            0,
            "refund_only",
            "quality",
            0.0,
        ),
    ]
    result = audit(rows, policy="video_channel.yaml", facts=FACTS)
    assert brief(result) == [("O1-1", "channels.escalate", "intervention", "violation")]
    assert (
        result.findings[0].expected
        == "intervention only as the rules allow: Escalation needs a merchant rejection first."
    )


def test_channel_extensions_limit_and_settlement(audit):
    late = [
        CH_PAID,
        CH_SHIP,
        CH_DELIVER,
        ("O1", "2026-03-15 10:00", "platform", "auto_confirm", "100", 0, "", "", 0.0),
        ("O1", "2026-03-15 10:00", "platform", "settle", "100", 0, "", "", 100.0),
    ]
    before_settlement = (
        "O1-1",
        "2026-03-10 10:00",
        "merchant",
        "extend_after_sale",
        "",
        0,
        "return_refund",
        "quality",
        0.0,
    )
    extensions = [
        ("O1-1", f"2026-04-{day:02d} 10:00", "merchant", "extend_after_sale", "", 0, "return_refund", "quality", 0.0)
        for day in (1, 8, 15, 22)
    ]
    result = audit([*late, before_settlement, *extensions], policy="video_channel.yaml", facts=FACTS)
    assert [(f.clause, f.check, f.expected, f.actual) for f in result.findings] == [
        (
            "channels.extend",
            "extension",
            "Extension is possible only after settlement.",
            "extension number 1 at 2026-03-10T10:00:00+08:00",
        ),
        (
            "channels.extend",
            "extension",
            "At most 3 extensions per order.",
            "extension number 4 at 2026-04-22T10:00:00+08:00",
        ),
    ]


def test_channel_attempts_per_item(audit):
    rows = [CH_PAID, CH_SHIP, CH_DELIVER]
    for n in range(1, 7):
        rows += [
            (
                f"O1-{n}",
                f"2026-03-06 {9 + n:02d}:00",
                "buyer",
                "request",
                "MERCHANT_PROCESSING",
                0,
                "refund_only",
                "quality",
                100.0,
            ),
            (
                f"O1-{n}",
                f"2026-03-06 {9 + n:02d}:30",
                "buyer",
                "cancel",
                "USER_CANCELD",
                0,
                "refund_only",
                "quality",
                0.0,
            ),
        ]
    result = audit(rows, policy="video_channel.yaml", facts=FACTS)
    assert [(f.case_id, f.clause, f.check, f.actual) for f in result.findings] == [
        ("O1-6", "channels.attempts", "attempts", "after-sale request number 6 on the item")
    ]


def test_a_request_after_the_window_is_a_warning_unless_the_entry_was_reopened(audit):
    done = ("O1", "2026-03-06 10:00", "buyer", "confirm_receipt", "TRADE_FINISHED", 0, "", "", 0.0)
    late = ("O1-1", "2026-03-25 10:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, "refund_only", "quality", 100.0)
    cancel = ("O1-1", "2026-03-25 11:00", "buyer", "cancel", "CLOSED", 0, "refund_only", "quality", 0.0)
    result = audit([PAID, SHIP, DELIVER, done, late, cancel], facts=FACTS)
    assert brief(result) == [("O1-1", "tmall.after_sale_window", "window", "warning")]
    assert result.findings[0].expected == (
        "a request within the after-sale period (it ended 2026-03-21T10:00:00+08:00), or after a reopening or extension"
    )
    assert result.passed, "warnings do not fail"
    reopened = [
        ("O1-1", "2026-03-24 10:00", "buyer", "contact_merchant", "", 0, "refund_only", "quality", 0.0),
        ("O1-1", "2026-03-24 11:00", "merchant", "reopen_entry", "", 0, "refund_only", "quality", 0.0),
    ]
    assert brief(audit([PAID, SHIP, DELIVER, done, *reopened, late, cancel], facts=FACTS)) == []


def test_checks_that_need_missing_facts_are_reported_as_not_checkable(audit):
    done = ("O1", "2026-03-06 10:00", "buyer", "confirm_receipt", "TRADE_FINISHED", 0, "", "", 0.0)
    late = ("O1-1", "2026-03-25 10:00", "buyer", "request", "WAIT_SELLER_AGREE", 0, "refund_only", "quality", 100.0)
    cancel = ("O1-1", "2026-03-25 11:00", "buyer", "cancel", "CLOSED", 0, "refund_only", "quality", 0.0)
    result = audit([PAID, SHIP, DELIVER, done, late, cancel])
    assert brief(result) == []
    assert dict(result.coverage.skipped) == {
        ("tmall.ship_promise", "ship_promise", "needs the payment time and the channel"): 1,
        ("tmall.after_sale_window", "window", "needs the category"): 1,
    }
