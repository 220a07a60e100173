"""Report presentation: forest-plot colours by the chosen party, bounded violations, dossier order, and a
checks-by-clause figure whose violations are visible and whose legend is clear of the bars."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from simkit.compliance.audit import audit_log
from simkit.compliance.check import check_scenario
from simkit.experiment.figures import forest
from simkit.policy.loader import load_policy
from simkit.report import audit_report, check_report, render_html
from simkit.report import figures as report_figures
from simkit.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
GREEN, RED, BLUE, GREY = (to_rgba(c) for c in ("tab:green", "tab:red", "tab:blue", "tab:grey"))


def _summary(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"variant": "v", "metric": m, "verdict": v, "base": 1.0, "relative": 0.1, "ci_low": 0.05, "ci_high": 0.15}
            for m, v in rows
        ]
    )


@pytest.mark.parametrize(
    ("audience", "colours"),
    [
        # docs/metrics.md: refund_rate "merchant: lower, platform: lower"; cost_total "merchant: lower"
        ("merchant", [GREEN, RED, GREY]),
        ("platform", [GREEN, BLUE, GREY]),
        ("buyer", [BLUE, BLUE, GREY]),
    ],
)
def test_the_forest_plot_colours_a_change_for_the_chosen_party(audience: str, colours: list[Any]) -> None:
    summary = _summary(
        [
            ("refund_rate", "lower"),  # fewer refunds
            ("cost_total", "higher"),  # the merchant pays more
            ("dispute_rate", "no detectable difference at this precision"),
        ]
    )
    fig = forest(summary, audience=audience)
    ax = fig.axes[0]
    points = ax.collections[1]  # hlines, then the scatter
    assert [tuple(c) for c in points.get_facecolors()] == colours
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert (
        f"better for the {audience}" in legend
        or f"worse for the {audience}" in legend
        or (f"changed (no direction for the {audience})" in legend)
    )
    assert "no detectable difference" in legend


@pytest.fixture(scope="module")
def checked() -> Any:
    return check_scenario(load_scenario(ROOT / "scenarios/tmall_baseline.yaml"))  # as shipped: it passes


def _compliance(report: Any) -> dict[str, dict[str, Any]]:
    section = next(s for s in report.sections if s.kind == "compliance")
    return {row["clause"]: row for row in section.rows}


def test_violations_a_bound_allows_read_within_the_bound_beside_a_pass(checked: Any) -> None:
    # scenarios/tmall_baseline.yaml: "violations.tmall.ship_promise: {max: 400}"
    report = check_report([checked])
    assert report.verdict == "PASS"
    row = _compliance(report)["tmall.ship_promise"]
    assert row["violations"] > 0
    assert (row["verdict"], row["state"]) == ("violations within the expected bound", "bounded")
    html = render_html(report)
    assert '<span class="badge bounded">violations within the expected bound</span>' in html
    assert ">fail</span>" not in html


def test_violations_beyond_their_bound_still_read_fail(checked: Any) -> None:
    broken = [
        dataclasses.replace(j, passed=False) if j.bound.clause == "tmall.ship_promise" else j
        for j in checked.expectations
    ]
    report = check_report([dataclasses.replace(checked, expectations=broken)])
    assert report.verdict == "FAIL"
    assert _compliance(report)["tmall.ship_promise"]["verdict"] == "fail"


def test_dossiers_are_sorted_by_order_number_as_numbers(tmp_path: Path) -> None:
    log = (ROOT / "scenarios/examples/tmall_shop_log.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = log[0], log[1:]
    late = [r for r in rows if r.startswith(("O10", "O11"))]  # put orders 10 and 11 first in the file
    shuffled = tmp_path / "log.csv"
    shuffled.write_text(header + "".join(late + [r for r in rows if r not in late]), encoding="utf-8")
    report = audit_report(audit_log(shuffled, load_policy(ROOT / "policies/tmall.yaml")))
    dossiers = next(s for s in report.sections if s.kind == "dossiers").dossiers
    # the cases with findings in the shipped log (tests/report/test_report.py), by order number
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


def test_checks_by_clause_shows_few_violations_beside_many_passes_and_keeps_the_legend_off_the_bars(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[Any] = []
    monkeypatch.setattr(report_figures, "_png", lambda fig: drawn.append(fig) or "")
    rows = [
        {"clause": "tmall.ship_promise", "passed": 12000, "violations": 3, "warnings": 0, "skipped": 0},
        {"clause": "tmall.refund_auto_agree", "passed": 9000, "violations": 0, "warnings": 2, "skipped": 5},
    ]
    report_figures.outcome_chart("Checks by clause", rows)
    fig = drawn[0]
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bars = [patch for patch in ax.patches if patch.get_width() > 0]
    violations = [b for b in bars if b.get_facecolor() == to_rgba("#c62828")]
    assert [b.get_width() for b in violations] == [3.0]
    assert violations[0].get_window_extent(renderer).width > 20  # pixels: visible on a log scale
    texts = sorted(t.get_text().strip() for t in ax.texts)
    assert texts == ["2", "3"]  # the violation and warning counts are written out
    legend = ax.get_legend().get_window_extent(renderer)
    assert all(not legend.overlaps(bar.get_window_extent(renderer)) for bar in bars)
    assert legend.x0 >= ax.get_window_extent(renderer).x1  # outside the axes
