"""Reports of compare and sweep: the table, the verdicts and the figures are in the HTML, Markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
TMALL = str(ROOT / "scenarios" / "tmall_baseline.yaml")
VARIANT = str(ROOT / "policies" / "variants" / "tmall_response_48h.yaml")


def test_compare_report(tmp_path, capsys):
    argv = [
        "compare",
        TMALL,
        "--variant",
        VARIANT,
        "--common",
        "orders.count=1500",
        "--reps",
        "4",
        "--executor",
        "serial",
        "--quiet",
        "--report",
        str(tmp_path),
        "--metric",
        "auto_approval_share",
        "--metric",
        "orders",
    ]
    assert main(argv) == 0
    assert f"report: {tmp_path / 'report.html'}" in capsys.readouterr().out
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert (data["kind"], data["verdict"]) == ("compare", "INFO")
    table = next(s for s in data["sections"] if s["title"] == "Differences against the baseline")
    assert [r["label"] for r in table["rows"]] == ["paid orders", "auto-approval share"]  # catalogue order
    assert table["rows"][0]["verdict"] == "no detectable difference"  # the same orders under both policies
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Differences against the baseline" in html and "data:image/png;base64," in html
    assert "| tmall_response_48h | paid orders |" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_sweep_report_with_robustness(tmp_path, capsys):
    argv = [
        "sweep",
        TMALL,
        "--grid",
        "merchants.slow_share=0,0.4",
        "--lever",
        "merchants.slow_share",
        "--set",
        "orders.count=1500",
        "--reps",
        "1",
        "--executor",
        "serial",
        "--quiet",
        "--report",
        str(tmp_path),
        "--metric",
        "auto_approval_share",
    ]
    assert main(argv) == 0
    capsys.readouterr()
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    titles = [s["title"] for s in data["sections"]]
    # the legal floor: Tmall's own two warnings hold at both points (docs/compliance.md)
    assert titles == ["Points", "The legal floor", "Robustness of auto-approval share (for the platform)", "Figures"]
    floor = data["sections"][1]["findings"]
    assert [(f["clause"], f["arms"]) for f in floor] == [
        ("national.refund_deadline", ["point 0", "point 1"]),
        ("national.fraud", ["point 0", "point 1"]),
    ]
    points = data["sections"][0]["rows"]
    assert [row["param:merchants.slow_share"] for row in points] == ["0", "0.4"]
    assert points[1]["mean"] > points[0]["mean"]  # more slow stores, more automatic approvals
