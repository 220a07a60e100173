"""The example logs in scenarios/examples/: exactly their known violations, no more, no fewer.

The expected findings are written out from the logs' design (scenarios/examples/README.md),
not taken from the audit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.compliance.audit import audit_log
from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "scenarios" / "examples"


def _found(result):
    return sorted((f.case_id, f.clause, f.check, f.severity) for f in result.findings)


def test_tmall_shop_log_violations_exactly():
    result = audit_log(EXAMPLES / "tmall_shop_log.csv", load_policy(ROOT / "policies" / "tmall.yaml"))
    assert _found(result) == sorted(
        [
            ("O2-1", "tmall.refund_auto_agree", "auto_approval", "violation"),
            ("O3-1", "national.refund_deadline", "refund_deadline", "violation"),
            # the buyer shipped the return 03-07 12:00; the merchant confirmed 03-18 12:00, past Tmall's
            # receipt timer (10 days from the shipment: WAIT_SELLER_CONFIRM_GOODS begins when the buyer ships)
            ("O3-1", "tmall.return_deadlines", "receipt", "violation"),
            ("O4-1", "national.refund_deadline", "refund_amount", "violation"),
            ("O5", "tmall.ship_promise", "ship_promise", "violation"),
            ("O5-2", "tmall.late_ship_comp", "compensation", "violation"),
            ("O6-1", "tmall.intervention_wait", "intervention", "violation"),
            ("O7-1", "status.taobao.refund", "transition", "violation"),
            ("O8-4", "tmall.rule_complaint", "complaint", "violation"),
            ("O9-2", "tmall.reopen_entry", "reopen", "violation"),
            ("O10-1", "tmall.return_deadlines", "return_deadline", "violation"),
            ("O11", "tmall.auto_confirm", "auto_confirm", "violation"),
        ]
    )
    assert (result.orders, result.cases) == (14, 14)
    assert result.rows == 117  # every data row read, the three malformed ones included
    file = str(EXAMPLES / "tmall_shop_log.csv")
    assert [str(p) for p in result.problems] == [
        f"{file}:116: time:timestamp: not a valid time: '2026-03-33T22:00:00+08:00'",
        f"{file}:117: row: malformed row: expected 15 fields, found 2",
        f"{file}:118: concept:name: unknown activity 'teleport'",
    ]
    assert not result.passed


def test_tmall_shop_log_violation_details():
    result = audit_log(EXAMPLES / "tmall_shop_log.csv", load_policy(ROOT / "policies" / "tmall.yaml"))
    by_case = {f.case_id: f for f in result.findings if f.case_id != "O4-1"}
    late = by_case["O2-1"]
    assert (late.name_zh, late.name_en) == ("退款超时自动达成", "Refund approved when the merchant does not act")
    assert late.expected == "an answer by 2026-03-09T12:00:00+08:00, else automatic approval then (3.0 days)"
    assert late.actual == "refuse at 2026-03-09T20:00:00+08:00, 8.0 h after the timer"
    assert [(s.line, s.activity) for s in late.evidence] == [(13, "request"), (14, "refuse")]
    comp = by_case["O5-2"]
    assert (comp.expected, comp.actual) == ("500.00 CNY (points)", "300.00 CNY paid")
    legal = next(f for f in result.findings if (f.case_id, f.check) == ("O3-1", "refund_deadline"))
    assert legal.actual == "refunded at 2026-03-18T12:00:00+08:00, 9.0 days after the return arrived"
    receipt = next(f for f in result.findings if (f.case_id, f.check) == ("O3-1", "receipt"))
    assert receipt.expected == (
        "the return confirmed by 2026-03-17T12:00:00+08:00 (shipped back at 2026-03-07T12:00:00+08:00), "
        "else refunded automatically then"
    )
    assert receipt.actual == "confirm_return at 2026-03-18T12:00:00+08:00, 24.0 h after the timer"
    assert by_case["O7-1"].actual == "WAIT_SELLER_AGREE → WAIT_SELLER_CONFIRM_GOODS"
    assert [s.line for s in by_case["O7-1"].evidence] == [53, 54]
    assert by_case["O10-1"].actual == "return shipped at 2026-03-15T19:00:00+08:00, 2.0 days late"
    assert by_case["O11"].expected == "receipt confirmed automatically no earlier than 2026-03-13T19:00:00+08:00"
    amount = next(f for f in result.findings if f.check == "refund_amount")
    assert (amount.expected, amount.actual) == ("the price paid back, 150.00 CNY", "120.00 CNY refunded")


def test_taobao_export_through_its_preset():
    result = audit_log(EXAMPLES / "taobao_refunds.csv", load_policy(ROOT / "policies" / "tmall.yaml"), fmt="taobao")
    assert _found(result) == [
        ("R1002", "tmall.refund_auto_agree", "auto_approval", "violation"),
        ("R1003", "tmall.intervention_wait", "intervention", "violation"),
        ("R1004", "status.taobao.refund", "transition", "violation"),
    ]
    late = result.findings[0]
    assert late.actual == "approve at 2026-03-08T17:00:00+08:00, 8.0 h after the timer"
    assert late.order_id == "T2"
    assert [str(p) for p in result.problems] == [
        f"{EXAMPLES / 'taobao_refunds.csv'}:20: modified: not a valid time: 'not-a-date'"
    ]
    assert (result.orders, result.cases) == (5, 5)


def test_wechat_export_through_its_preset():
    result = audit_log(
        EXAMPLES / "wechat_aftersales.jsonl", load_policy(ROOT / "policies" / "video_channel.yaml"), fmt="wechat"
    )
    assert _found(result) == [
        ("A1", "channels.principle", "bare_refusal", "violation"),
        ("A3", "channels.review_deadlines", "auto_approval", "violation"),
        ("A9", "channels.attempts", "attempts", "violation"),
    ]
    early = next(f for f in result.findings if f.case_id == "A3")
    assert early.actual == "automatic approval at 2026-03-07T10:00:00+08:00, 24.0 h early"
    assert early.expected == "automatic approval at 2026-03-08T10:00:00+08:00"
    assert [str(p) for p in result.problems] == [
        f"{EXAMPLES / 'wechat_aftersales.jsonl'}:13: row: malformed row: not JSON (Expecting ',' delimiter)"
    ]


@pytest.mark.parametrize(
    ("name", "policy", "fmt", "clean"),
    [
        ("tmall_shop_log.csv", "tmall.yaml", "simkit", {"O1-1", "O12-1", "O13"}),
        ("taobao_refunds.csv", "tmall.yaml", "taobao", {"R1001", "R1005"}),
        ("wechat_aftersales.jsonl", "video_channel.yaml", "wechat", {"A2", "A10"}),
    ],
)
def test_clean_cases_pass_their_checks(name, policy, fmt, clean):
    result = audit_log(EXAMPLES / name, load_policy(ROOT / "policies" / policy), fmt=fmt)
    assert clean.isdisjoint(f.case_id for f in result.findings)
    assert result.coverage.checked, "the checks ran"
