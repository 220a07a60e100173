"""The fit report of a shop twin: parameters, each fitted distribution against its data, the validation.

`calibration_report(calibration, out_dir)` writes HTML, Markdown and JSON through the report
writer (`simkit.report.render.write_report`), with the section kinds every report uses:

* the verdict of the validation, and what the log could not identify;
* the parameters table (estimate, 95 % CI, n, method, identified);
* for each fitted distribution, the data's empirical distribution (Kaplan–Meier, so that
  right-censored observations count as "at least this long") against the fitted CDF, the
  censored observations marked (`ecdf_figure`);
* the KPI validation table (observed against the twin's 95 % interval);
* the log distances against their noise floor.

It reads a `simkit.Calibration` (``scenario``, ``parameters``, ``fits``, ``validation``,
``train``, ``holdout_period``); a fitted distribution is read through ``name``, ``family``,
``sample.exact`` / ``sample.right`` (hours) and ``cdf(x)``, so any object with a ``cdf``
(a frozen scipy distribution too) can be drawn with `ecdf_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure
from scipy import stats

from simkit.report.experiments import embed
from simkit.report.model import Figure, Report, Section
from simkit.report.render import write_report


class HasCdf(Protocol):
    """A fitted distribution: a frozen scipy distribution, or anything with a vectorised ``cdf``."""

    def cdf(self, x: Any) -> Any:
        """The distribution function at `x`."""


def ecdf_figure(
    title: str,
    values: Sequence[float] | np.ndarray,
    censored: Sequence[bool] | np.ndarray,
    fit: HasCdf,
    *,
    unit: str = "h",
) -> MplFigure:
    """The data's empirical CDF (Kaplan–Meier under right-censoring) against a fitted CDF.

    Args:
        title: The figure's title (the parameter's dotted path).
        values: Observed durations; a censored one is a lower bound (the case was still waiting).
        censored: Whether each value is right-censored.
        fit: The fitted distribution (``fit.cdf(x)``), e.g. ``scipy.stats.lognorm(s, scale=m)``.
        unit: The values' unit, for the axis.

    Raises:
        ValueError: When `values` and `censored` differ in length or no value is uncensored.
    """
    x = np.asarray(values, dtype=np.float64)
    right = np.asarray(censored, dtype=bool)
    if x.shape != right.shape:
        raise ValueError(f"{len(x)} values but {len(right)} censoring flags")
    if not (~right).any():
        raise ValueError("every value is censored: there is no empirical distribution to draw")
    km = stats.ecdf(stats.CensoredData(uncensored=x[~right], right=x[right])).cdf
    fig = MplFigure(figsize=(7, 3.2))
    ax = fig.subplots()
    ax.step(km.quantiles, km.probabilities, where="post", color="#1565c0", label="data (Kaplan–Meier)")
    grid = np.linspace(0.0, float(np.quantile(x, 0.995)) * 1.05, 400)
    ax.plot(grid, np.asarray(fit.cdf(grid), dtype=np.float64), color="#c62828", label="fit")
    if right.any():
        at = np.interp(x[right], km.quantiles, km.probabilities, left=0.0)
        ax.plot(x[right], at, "|", color="#ef6c00", markersize=8, label=f"censored ({int(right.sum())})")
    ax.set_xlabel(unit)
    ax.set_ylabel("share done by then")
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def fit_figure(fit: Any) -> Figure:
    """One of `Calibration.fits` as a report figure."""
    sample = fit.sample
    exact, right = np.asarray(sample.exact, dtype=np.float64), np.asarray(sample.right, dtype=np.float64)
    values = np.concatenate([exact, right])
    flags = np.concatenate([np.zeros(exact.size, dtype=bool), np.ones(right.size, dtype=bool)])
    fig = ecdf_figure(fit.name, values, flags, fit)
    caption = f"{fit.family} fit to {values.size} observations, {right.size} right-censored"
    intervals = len(getattr(sample, "low", ()))
    if intervals:
        caption += f" ({intervals} interval-censored not drawn)"
    return embed(fit.name, fig, caption + ".")


PARAMETER_COLUMNS = [
    {"key": "parameter", "label": "parameter"},
    {"key": "estimate", "label": "estimate"},
    {"key": "ci", "label": "95% CI"},
    {"key": "n", "label": "n"},
    {"key": "method", "label": "method"},
    {"key": "identified", "label": "identified"},
    {"key": "note", "label": "note"},
]
KPI_COLUMNS = [
    {"key": "label", "label": "KPI"},
    {"key": "observed", "label": "held-out log"},
    {"key": "twin_mean", "label": "twin mean"},
    {"key": "interval", "label": "twin 95% interval"},
    {"key": "inside", "label": "inside"},
    {"key": "flagged", "label": "flagged"},
]
DISTANCE_COLUMNS = [
    {"key": "label", "label": "measure"},
    {"key": "distance", "label": "twin vs held-out"},
    {"key": "noise_floor", "label": "noise floor"},
    {"key": "multiple", "label": "multiple"},
    {"key": "twin_limit", "label": "twin's own spread (95% bound)"},
    {"key": "ok", "label": "ok"},
]


def build_calibration_report(calibration: Any) -> Report:
    """The fit report of a `Calibration` (see the module docstring)."""
    params: pd.DataFrame = calibration.parameters
    validation = calibration.validation
    name = getattr(getattr(calibration, "scenario", None), "id", "twin")
    unidentified = [
        f"{row['parameter']}: {row.get('note') or 'not identified from this log'}"
        for row in params.to_dict("records")
        if not row["identified"]
    ]
    items = [
        {
            "label": "validation",
            "verdict": "INFO" if validation is None else "PASS" if validation.fits else "FAIL",
            "detail": "not run" if validation is None else validation.verdict,
        },
        {
            "label": "parameters",
            "verdict": "INFO",
            "detail": f"{len(params) - len(unidentified)} fitted from the log, {len(unidentified)} kept from the base",
        },
    ]
    sections = [
        # the summary's lines are its failures: what did not fit (the sample sizes stand with the distances)
        Section(
            "summary",
            "Verdict",
            items=items,
            lines=[] if validation is None or validation.fits else [validation.verdict],
        ),
        Section(
            "table",
            "Parameters",
            "Each fitted value with its 95 % CI, the observations it rests on and the method.",
            columns=PARAMETER_COLUMNS,
            rows=[_parameter_row(row) for row in params.to_dict("records")],
        ),
        Section(
            "figures",
            "Fitted distributions",
            "The data (Kaplan–Meier, censored observations marked) against each fitted distribution.",
            figures=[fit_figure(fit) for fit in getattr(calibration, "fits", [])],
        ),
    ]
    if validation is not None:
        sections += validation_sections(validation)
    sections.append(
        Section(
            "summary",
            "Not identified",
            "What this log cannot show: kept from the base scenario (parameters) or not compared (KPIs).",
            lines=unidentified
            + [f"KPI {metric}: {why}" for metric, why in getattr(validation, "unobserved", {}).items()],
        )
    )
    facts = [("twin", name)]
    for label, attr in (("trained on", "train"), ("held out", "holdout_period")):
        span = getattr(calibration, attr, None)
        if span:
            facts.append((label, f"{span[0]:%Y-%m-%d %H:%M} – {span[1]:%Y-%m-%d %H:%M}"))
    data = calibration.to_dict() if hasattr(calibration, "to_dict") else {}
    return Report(
        f"simkit calibrate — {name}",
        "calibrate",
        None if validation is None else bool(validation.fits),
        subtitle="a shop twin fitted from its after-sales log, validated on held-out data",
        facts=facts,
        sections=sections,
        data=data,
    )


def validation_sections(validation: Any) -> list[Section]:
    """The KPI table and the distances table of a `Validation`."""
    kpis = [
        {
            "label": row["label"],
            "observed": row["observed"],
            "twin_mean": row["twin_mean"],
            "interval": f"[{_num(row['twin_low'])}, {_num(row['twin_high'])}]",
            "inside": "yes" if row["inside"] else "no",
            "flagged": "FLAGGED" if row["flagged"] else "",
        }
        for row in validation.kpis.to_dict("records")
    ]
    distances = [
        {
            "label": row["label"],
            "distance": row["distance"],
            "noise_floor": row["noise_floor"],
            "multiple": f"{row['multiple']:.2f}×",
            "twin_limit": row.get("twin_limit"),
            "ok": "yes" if row["ok"] else "FLAGGED",
        }
        for row in validation.distances.to_dict("records")
    ]
    return [
        Section(
            "table",
            "KPI validation",
            f"Each KPI of the held-out log against the 95 % interval of one of the twin's {validation.reps} "
            "replications; flagged: outside the family-wise interval (Bonferroni over the KPIs).",
            columns=KPI_COLUMNS,
            rows=kpis,
        ),
        Section(
            "table",
            "Log distances against their noise floor",
            "The twin's distance to the held-out log; the noise floor: the distance between two halves of the "
            "held-out log; the twin's own spread: how far one replication lies from the others (flagged: above "
            "1.5× the floor and above that spread). " + validation.sample,
            columns=DISTANCE_COLUMNS,
            rows=distances,
        ),
    ]


def calibration_report(calibration: Any, out_dir: str | Path) -> dict[str, Path]:
    """Write the fit report (``report.html``, ``report.md``, ``report.json``) into `out_dir`, atomically."""
    return write_report(build_calibration_report(calibration), out_dir)


def _parameter_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    low, high = row.get("ci_low"), row.get("ci_high")
    ci = "–" if low is None or high is None or _nan(low) or _nan(high) else f"[{_num(low)}, {_num(high)}]"
    return {
        "parameter": row["parameter"],
        "estimate": row["estimate"],
        "ci": ci,
        "n": row.get("n"),
        "method": row.get("method", ""),
        "identified": "yes" if row["identified"] else "no: not identified from this log",
        "note": row.get("note", ""),
    }


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _num(value: Any) -> str:
    return "–" if value is None or _nan(value) else f"{float(value):.4g}"
