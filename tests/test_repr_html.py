"""In notebooks the result objects show themselves as HTML tables holding their actual values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import simkit
from simkit._html import MAX_ROWS, cell

ROOT = Path(__file__).resolve().parents[1]
TMALL = str(ROOT / "scenarios/tmall_baseline.yaml")
SMALL = ["orders.count=300", "merchants.count=10"]


def row(label: str, value: str) -> str:
    return f"<tr><td>{label}</td><td>{value}</td></tr>"


def test_a_decision() -> None:
    policy = simkit.load_policy(
        ROOT / "policies/tmall.yaml", variants=[ROOT / "policies/variants/tmall_response_48h.yaml"]
    )
    case, tree = simkit.load_case(ROOT / "policies/examples/tmall_quality_refund.yaml")
    html = simkit.explain_case(policy, case, tree)._repr_html_()
    # README: "decision.allowed, decision.deadline, decision.deadline_kind   # True, 2026-03-12 09:30+08:00, answer_by"
    assert html.startswith('<table class="simkit"><caption>Decision</caption>')
    assert row("allowed", "True") in html
    assert row("deadline", "2026-03-12T09:30:00+08:00") in html
    assert row("deadline_kind", "answer_by") in html
    assert row("payer", "merchant") in html  # quality defect: the merchant pays the transport
    assert row("amount", "—") in html
    assert "The merchant must answer within 48 h" in html  # the variant's 48-hour timer


def test_a_decision_escapes_its_text() -> None:
    decision = simkit.Decision(False, "refuse", ("x.y",), "<script>alert(1)</script> & more", "理由")
    html = decision._repr_html_()
    assert "<script>" not in html
    assert row("reason_en", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more") in html


def _cells(html: str) -> list[list[str]]:
    rows = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", html)]
    return [r for r in rows if r]  # not the header


def test_a_comparison() -> None:
    result = simkit.compare(
        TMALL, [str(ROOT / "policies/variants/tmall_response_48h.yaml")], common=SMALL, reps=2, executor="serial"
    )
    html = result._repr_html_()
    assert f"<caption>compare {TMALL} · 2 paired replications · seed 20260302</caption>" in html
    summary = result.summary()
    refund = summary[summary["metric"] == "refund_rate"].iloc[0]
    cells = next(c for c in _cells(html) if c[:2] == ["tmall_response_48h", "refund_rate"])
    assert cells[2:8] == [cell(refund[k]) for k in ("unit", "base", "value", "diff", "ci_low", "ci_high")]
    assert len(_cells(html)) == min(len(summary), MAX_ROWS) + (len(summary) > MAX_ROWS)


def test_a_sweep() -> None:
    result = simkit.sweep(TMALL, grid=["buyers.evidence=0.5,0.7"], overrides=SMALL, reps=2, executor="serial")
    html = result._repr_html_()
    assert "<caption>sweep (grid) · 2 points × 2 replications · seed 20260302</caption>" in html
    assert "<th>param:buyers.evidence</th>" in html
    summary = result.summary()
    first = summary[(summary["point"] == 1) & (summary["metric"] == "dispute_rate")].iloc[0]
    assert [
        "1",
        "0.7",
        "dispute_rate",
        cell(first["mean"]),
        cell(first["ci_low"]),
        cell(first["ci_high"]),
        "2",
    ] in _cells(html)


def test_an_audit_result() -> None:
    result = simkit.audit_log(
        ROOT / "scenarios/examples/tmall_shop_log.csv", simkit.load_policy(ROOT / "policies/tmall.yaml")
    )
    html = result._repr_html_()
    # the example log's known content (scenarios/examples/README.md; tests/report/test_report.py)
    assert row("verdict", "FAIL") in html
    assert row("violations", "12") in html  # 11 planted, and O3-1's receipt timer run from the buyer's shipment
    assert row("malformed rows", "3") in html
    assert row("national.refund_deadline", "2") in html  # two refunds later than 7 days after the return arrived
    assert "<td>O2-1</td><td>violation</td><td>tmall.refund_auto_agree</td>" in html


@pytest.mark.parametrize(("name", "verdict"), [("good_channels.yaml", "PASS"), ("bad_channels.yaml", "FAIL")])
def test_a_check_result(name: str, verdict: str) -> None:
    from simkit.compliance.check import check_file

    result: Any = check_file(ROOT / "tests/fixtures/compliance/merchants" / name)
    html = result._repr_html_()
    assert row("verdict", verdict) in html
    failures = [c[0] for c in _cells(html.split("<caption>failures</caption>")[1].split("</table>")[0])]
    assert failures == [cell(line) for line in result.failures()]
    assert (failures == []) == (verdict == "PASS")
