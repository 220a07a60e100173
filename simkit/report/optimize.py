"""The report of `simkit optimize`: the re-checked front, the floor bounds applied, the search, and the figures."""

from __future__ import annotations

import math
from typing import Any

from simkit.metrics import CATALOGUE
from simkit.report.experiments import embed
from simkit.report.model import Report, Section


def optimize_report(result: Any) -> Report:
    """The report of an `OptimizeResult`."""
    params = [c for c in result.front.columns if c.startswith("param:")]
    columns = [{"key": c, "label": c.removeprefix("param:")} for c in params]
    for o in result.objectives:
        label = CATALOGUE[o.metric].label
        columns += [
            {"key": o.metric, "label": f"{label} ({o.sense})"},
            {"key": f"{o.metric}_ci", "label": "95% CI"},
            {"key": f"{o.metric}_vs", "label": "against the current policy (paired 95% CI)"},
        ]
    columns.append({"key": "clauses", "label": "clauses"})
    rows = []
    for row in result.front.to_dict("records"):
        out = {c: row[c] for c in params}
        for o in result.objectives:
            m = o.metric
            out[m] = _num(row[m])
            out[f"{m}_ci"] = f"[{_num(row[f'{m}_low'])}, {_num(row[f'{m}_high'])}]"
            out[f"{m}_vs"] = (
                f"{_num(row[f'{m}_vs_current'])} [{_num(row[f'{m}_vs_current_low'])}, "
                f"{_num(row[f'{m}_vs_current_high'])}]"
            )
        out["clauses"] = row["clauses"]
        rows.append(out)
    sims = result.simulations
    items = [
        {
            "label": "front",
            "verdict": "INFO",
            "detail": f"{len(result.front)} members held on the re-check on fresh seeds "
            f"({result.recheck_reps} replications); {len(result.dropped)} dropped",
        },
        {
            "label": "search",
            "verdict": "INFO",
            "detail": f"{sims['search']} simulations ({result.reps} paired replications per candidate), "
            f"{sims['recheck']} re-checking; {result.refused} candidates refused by the floor guard, never run",
        },
        {
            "label": "hypervolume",
            "verdict": "INFO",
            "detail": f"{result.hypervolume:.4f} (objectives scaled to [0, 1])",
        },
    ]
    bounds = [
        {"lever": b["path"], "end": b["side"], "asked": b["asked"], "applied": b["applied"], "clause": b["clause"]}
        | {"source": f"{b['source']} ({b['name']})"}
        for b in result.bounds
    ]
    sections = [
        Section("summary", "The search", items=items),
        Section(
            "table",
            "Pareto front",
            intro="Dominance and constraints are decided on paired differences (common random numbers) with 95% "
            "intervals; the members were re-run on fresh seeds and those that no longer held were dropped.",
            columns=columns,
            rows=rows,
        ),
    ]
    if bounds:
        sections.append(
            Section(
                "table",
                "The legal floor's bounds on the levers",
                intro="Each lever's range was cut to what the national floor allows before anything ran.",
                columns=[{"key": k, "label": k} for k in ("lever", "end", "asked", "applied", "clause", "source")],
                rows=bounds,
            )
        )
    figures = result.figures()
    captions = {
        "front": "Every candidate searched (grey), the re-checked front with 95% CIs, the current policy (star)",
        "levers": "Each front member's lever values between the lever's ends; the current policy dashed",
        "hypervolume": "Hypervolume of the search's front on its means, after each batch",
    }
    sections.append(
        Section("figures", "Figures", figures=[embed(name, fig, captions[name]) for name, fig in figures.items()])
    )
    return Report(
        "simkit optimize",
        "optimize",
        None,
        subtitle=f"{sims['search']} + {sims['recheck']} simulations · seed {result.seed}",
        facts=[
            ("objectives", ", ".join(o.label for o in result.objectives)),
            ("constraints", ", ".join(c.text for c in result.constraints) or "-"),
            ("levers", ", ".join(lever.path for lever in result.levers)),
        ],
        sections=sections,
        data=result.to_dict(),
    )


def _num(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
