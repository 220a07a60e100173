"""Reports: content asserted in all three versions, user strings escaped, JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simkit.compliance.audit import audit_log
from simkit.errors import SimkitError
from simkit.policy.loader import load_policy
from simkit.report import Report, Section, audit_report, render_html, render_markdown, write_report
from simkit.report.figures import bar_chart

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios" / "examples" / "tmall_shop_log.csv"


@pytest.fixture(scope="module")
def report() -> Report:
    return audit_report(audit_log(EXAMPLE, load_policy(ROOT / "policies" / "tmall.yaml")))


def test_audit_report_content(report):
    assert (report.kind, report.verdict) == ("audit", "FAIL")
    assert ("violations", "12") in report.facts and ("malformed rows", "3") in report.facts
    kinds = [s.kind for s in report.sections]
    assert kinds == ["summary", "problems", "figures", "compliance", "figures", "dossiers", "coverage"]
    compliance = next(s for s in report.sections if s.kind == "compliance")
    rows = {row["clause"]: row for row in compliance.rows}
    assert (rows["national.refund_deadline"]["violations"], rows["national.refund_deadline"]["verdict"]) == (2, "fail")
    assert rows["national.refund_deadline"]["zh"] == "退货退款时限"
    # answered or approved in time: O1-1 (automatically at 72 h), O3-1, O4-1, O6-1, O7-1, O8-1, O9-1, O10-1, O12-1
    assert rows["tmall.refund_auto_agree"]["passed"] == 9
    dossiers = next(s for s in report.sections if s.kind == "dossiers").dossiers
    assert [d["case_id"] for d in dossiers] == [
        "O2-1",
        "O3-1",
        "O4-1",
        "O5",
        "O5-2",
        "O6-1",
        "O7-1",
        "O8-4",
        "O9-2",
        "O10-1",
        "O11",
    ]
    o2 = dossiers[0]
    assert [(s["activity"], s["rule"], s["flag"]) for s in o2["timeline"]] == [
        ("request", "tmall.after_sale_window", "tmall.refund_auto_agree"),
        ("refuse", "national.goods_intact", "tmall.refund_auto_agree"),
        ("cancel", "", ""),
    ]
    assert (o2["timeline"][0]["rule_zh"], o2["timeline"][0]["rule_en"]) == (
        "交易成功后申请售后",
        "After-sale request after transaction success",
    )
    assert o2["timeline"][1]["flag_zh"] == "退款超时自动达成"
    coverage = next(s for s in report.sections if s.kind == "coverage")
    assert "tmall.counterfeit" in coverage.never_fired and "tmall.refund_auto_agree" not in coverage.never_fired
    assert len(report.figures()) == 3


def test_html_markdown_and_json_versions(tmp_path, report):
    paths = write_report(report, tmp_path / "audit.html")
    assert sorted(p.name for p in paths.values()) == ["audit.html", "audit.json", "audit.md"]
    html = paths["html"].read_text(encoding="utf-8")
    assert '<span class="verdict FAIL">FAIL</span>' in html
    assert html.count('<img class="figure"') == 3 and html.count('src="data:image/png;base64,iVBOR') == 3
    assert "http://" not in html and "https://" not in html
    assert "退款超时自动达成" in html and "Refund approved when the merchant does not act" in html
    assert "refuse at 2026-03-09T20:00:00+08:00, 8.0 h after the timer" in html
    md = paths["md"].read_text(encoding="utf-8")
    assert md.startswith("# simkit audit — FAIL\n")
    assert "| `tmall.refund_auto_agree` | 退款超时自动达成 / Refund approved when the merchant does not act |" in md
    assert "### Case `O2-1` (order 2)" in md
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["verdict"] == "FAIL" and data["data"]["violations"] == 12  # scenarios/examples/README.md lists 12
    again = Report.from_dict(data)
    assert render_html(again) == html
    assert render_markdown(again) == md


def test_every_user_string_is_escaped():
    evil = "<script>alert('x')</script> & | pipe"
    report = Report(
        f"title {evil}",
        "check",
        False,
        subtitle=evil,
        facts=[("who", evil)],
        sections=[
            Section(
                "summary",
                f"Section {evil}",
                intro=evil,
                items=[{"label": evil, "verdict": "FAIL", "detail": evil}],
                lines=[evil],
            ),
            Section("problems", "Rows", lines=[evil]),
            Section("figures", "Figures", figures=[bar_chart(evil, {evil: 1})]),
        ],
    )
    html = render_html(report)
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; | pipe") >= 7
    md = render_markdown(report)
    assert "<script>" not in md
    assert "| &lt;script&gt;alert('x')&lt;/script&gt; &amp; \\| pipe | FAIL |" in md


def test_report_command_rerenders_saved_results(tmp_path, capsys):
    from simkit.cli.main import main

    assert (
        main(
            ["audit", "--policy", str(ROOT / "policies" / "tmall.yaml"), str(EXAMPLE), "--report", str(tmp_path / "a")]
        )
        == 1
    )
    capsys.readouterr()
    assert main(["report", str(tmp_path / "a"), "--out", str(tmp_path / "again.html")]) == 0
    assert capsys.readouterr().out == f"report: {tmp_path / 'again.html'} (also again.md, again.json)\n"
    assert (tmp_path / "again.html").read_text(encoding="utf-8") == (tmp_path / "a" / "report.html").read_text(
        encoding="utf-8"
    )


def test_report_from_a_run_directory(tmp_path, capsys):
    from simkit.cli.main import main

    out = tmp_path / "run"
    small = ["--set", "orders.count=400", "--set", "merchants.count=8"]
    assert (
        main(
            [
                "run",
                str(ROOT / "scenarios" / "tmall_baseline.yaml"),
                "--reps",
                "2",
                "--out",
                str(out),
                "--quiet",
                *small,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["report", str(out), "--out", str(tmp_path / "run.html")]) == 0
    html = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert "simkit run — tmall_baseline" in html and '<span class="verdict INFO">INFO</span>' in html
    assert "<code>dispute_rate</code>" in html and html.count('<img class="figure"') == 1


def test_report_command_bad_input(tmp_path, capsys):
    from simkit.cli.main import main

    assert main(["report", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err
        == f"{tmp_path}: <root>: no report.json, nor run.json and metrics.csv, nor experiment.json and "
        "results.parquet, in this directory\n"
    )
    (tmp_path / "report.json").write_text('{"title": "x"}', encoding="utf-8")
    assert main(["report", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'report.json'}: <root>: not a simkit report (missing 'sections')\n"
    with pytest.raises(SimkitError):
        from simkit.cli.report import load_results

        load_results(tmp_path / "missing")
