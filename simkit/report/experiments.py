"""Reports of experiments: a paired comparison and a sweep, with the same section types as check and audit."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from simkit.metrics import CATALOGUE
from simkit.report.model import Figure, Report, Section

COMPARE_COLUMNS = [
    {"key": "variant", "label": "variant"},
    {"key": "label", "label": "metric"},
    {"key": "unit", "label": "unit"},
    {"key": "base", "label": "baseline"},
    {"key": "value", "label": "variant value"},
    {"key": "diff", "label": "difference"},
    {"key": "ci", "label": "95% CI (paired)"},
    {"key": "change", "label": "change"},
    {"key": "verdict", "label": "verdict"},
    {"key": "for", "label": "for whom"},
    {"key": "pairing_gain", "label": "CI narrower than independent seeds"},
]


def embed(title: str, fig: Any, caption: str = "") -> Figure:
    """A matplotlib figure as a report `Figure` (PNG, base64); the figure is closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return Figure(title, base64.b64encode(buffer.getvalue()).decode("ascii"), caption)


def compare_report(result: Any, metrics: list[str], audience: str = "platform") -> Report:
    """The report of `simkit.compare`: every difference with its CI and verdict, and the forest plot.

    Args:
        result: The `Comparison`.
        metrics: The metrics shown.
        audience: Whose "better" colours the forest plot (``buyer``, ``merchant``, ``platform``).
    """
    summary = result.summary()
    shown = summary[summary["metric"].isin(metrics)]
    rows = []
    detected: list[tuple[str, str]] = []
    for row in shown.to_dict("records"):
        verdict = row["verdict"] if row["verdict"] in ("higher", "lower") else "no detectable difference"
        who = "; ".join(
            part
            for part in (
                f"better for {row['better_for']}" if row["better_for"] else "",
                f"worse for {row['worse_for']}" if row["worse_for"] else "",
            )
            if part
        )
        rows.append(
            {
                "variant": row["variant"],
                "label": row["label"],
                "unit": row["unit"],
                "base": row["base"],
                "value": row["value"],
                "diff": row["diff"],
                "ci": f"[{_num(row['ci_low'])}, {_num(row['ci_high'])}]",
                "change": "–" if math.isnan(row["relative"]) else f"{row['relative'] * 100:+.1f}%",
                "verdict": verdict,
                "for": who,
                "pairing_gain": "–" if math.isnan(row["pairing_gain"]) else f"{row['pairing_gain']:.1f}×",
            }
        )
        if verdict != "no detectable difference":
            detected.append((row["variant"], f"{row['label']} {verdict} ({rows[-1]['change']})"))
    items = []
    for spec in result.variants:
        found = [line for variant, line in detected if variant == spec.name]
        detail = "; ".join(found) if found else "no detectable difference at this precision"
        items.append(
            {"label": spec.name, "verdict": "INFO", "detail": f"{', '.join(spec.variants + spec.overrides)}: {detail}"}
        )
    return Report(
        f"simkit compare — {result.scenario}",
        "compare",
        None,
        subtitle=f"{result.reps} paired replications · seed {result.seed}",
        facts=[("scenario", result.scenario), ("replications", str(result.reps))],
        sections=[
            Section("summary", "What changed", items=items),
            Section(
                "table",
                "Differences against the baseline",
                intro="Paired on common random numbers: replication r of every arm runs on the same seed.",
                columns=COMPARE_COLUMNS,
                rows=rows,
            ),
            *floor_sections(result.floor),
            Section(
                "figures",
                "Figures",
                figures=[
                    embed(
                        "Change against the baseline",
                        result.forest(metrics, audience),
                        f"95% CI, paired; green: better for the {audience}, red: worse, "
                        "blue: a change with no direction for them, grey: no detectable difference",
                    )
                ],
            ),
        ],
        data={"summary": _records(summary)},
    )


def sweep_report(result: Any, metrics: list[str], audience: str = "platform") -> Report:
    """The report of `simkit.sweep`: per-point means with CIs, robustness, sensitivity, and the figures."""
    summary = result.summary(metrics)
    params = [c for c in summary.columns if c.startswith("param:")]
    columns = [{"key": c, "label": c.removeprefix("param:")} for c in params] + [
        {"key": "label", "label": "metric"},
        {"key": "mean", "label": "mean"},
        {"key": "ci", "label": "95% CI"},
        {"key": "n", "label": "replications"},
    ]
    rows = [
        {
            **{c: row[c] for c in params},
            "label": CATALOGUE[row["metric"]].label,
            "mean": row["mean"],
            "ci": f"[{_num(row['ci_low'])}, {_num(row['ci_high'])}]",
            "n": row["n"],
        }
        for row in summary.to_dict("records")
    ]
    sections = [Section("table", "Points", columns=columns, rows=rows)]
    sections += floor_sections({f"point {point}": findings for point, findings in result.floor.items()})
    for metric in metrics:
        if result.design.levers and audience in CATALOGUE[metric].better:
            frame = result.robustness(metric, audience)
            sections.append(_frame_section(frame, f"Robustness of {CATALOGUE[metric].label} (for the {audience})"))
        if result.design.method == "sobol":
            sections.append(_frame_section(result.sensitivity(metric), f"Sobol indices of {CATALOGUE[metric].label}"))
    figures = [embed(f"{CATALOGUE[m].label_en} against the first lever", result.response(m)) for m in metrics]
    if result.design.method == "sobol":
        figures += [embed(f"What {CATALOGUE[m].label_en} depends on", result.sensitivity_bars(m)) for m in metrics]
    sections.append(Section("figures", "Figures", figures=figures))
    return Report(
        "simkit sweep",
        "sweep",
        None,
        subtitle=f"{len(result.points)} points × {result.reps} replications · seed {result.seed}",
        facts=[("design", result.design.method), ("levers", ", ".join(result.design.levers) or "-")],
        sections=sections,
        data={"design": result.design.to_dict(), "summary": _records(summary)},
    )


def floor_sections(floor: Mapping[Any, Sequence[Any]]) -> list[Section]:
    """ "The legal floor": every distinct floor finding of the arms or points, with those it holds for."""
    holds: dict[Any, list[str]] = {}
    for arm, findings in floor.items():
        for finding in findings:
            holds.setdefault(finding, []).append(str(arm))
    if not holds:
        return []
    return [
        Section(
            "findings",
            "The legal floor",
            intro="Where the policy in force gives, or may give, buyers less than the national floor "
            "(docs/compliance.md). A what-if below the law runs, labelled; --strict refuses it.",
            findings=[{**finding.to_dict(), "arms": arms} for finding, arms in holds.items()],
        )
    ]


def _frame_section(frame: Any, title: str) -> Section:
    columns = [{"key": str(c), "label": str(c).removeprefix("param:")} for c in frame.columns]
    return Section("table", title, columns=columns, rows=_records(frame))


def _records(frame: Any) -> list[dict[str, Any]]:
    return [
        {str(k): (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _num(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
