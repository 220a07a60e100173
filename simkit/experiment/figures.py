"""Figures of experiments (matplotlib `Figure` objects; nothing is shown or saved here).

A forest plot of differences, response curves of a metric against a lever with CI bands,
a trade-off scatter of two metrics, and a bar chart of sensitivity indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simkit.metrics import CATALOGUE


def _subplots(width: float, height: float) -> tuple[Figure, Any]:
    """A figure and its axes, without pyplot: no backend is chosen or changed (notebooks keep theirs)."""
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


FOREST_COLOURS = {"better": "tab:green", "worse": "tab:red", "changed": "tab:blue", "none": "tab:grey"}
"""Forest-plot colours: better or worse for the chosen party, a change with no direction for it, none detected."""


def forest_judgement(metric: str, verdict: str, audience: str) -> str:
    """``better``, ``worse``, ``changed`` (detected, but the catalogue gives `audience` no direction) or ``none``."""
    if verdict not in ("higher", "lower"):
        return "none"
    good = CATALOGUE[metric].better.get(audience)
    if good is None:
        return "changed"
    return "better" if good == verdict else "worse"


def forest(summary: pd.DataFrame, metrics: Sequence[str] | None = None, audience: str = "platform") -> Figure:
    """Relative differences (variant vs baseline) with their 95% CIs, one row per metric and variant.

    A detected change is green when it is better for `audience` (``buyer``, ``merchant`` or
    ``platform``, by the metric catalogue), red when worse, blue when the catalogue gives that
    party no direction for the metric; grey is no detectable difference.
    """
    data = summary if metrics is None else summary[summary["metric"].isin(metrics)]
    data = data[np.isfinite(data["relative"].to_numpy(dtype=float))]
    fig, ax = _subplots(8, max(2.5, 0.35 * len(data) + 1.4))
    labels = [f"{CATALOGUE[m].label_en} · {v}" for m, v in zip(data["metric"], data["variant"], strict=True)]
    base = data["base"].to_numpy(dtype=float)
    rel = data["relative"].to_numpy(dtype=float) * 100
    with np.errstate(divide="ignore", invalid="ignore"):
        low = data["ci_low"].to_numpy(dtype=float) / base * 100
        high = data["ci_high"].to_numpy(dtype=float) / base * 100
    y = np.arange(len(data))[::-1]
    judged = [forest_judgement(m, v, audience) for m, v in zip(data["metric"], data["verdict"], strict=True)]
    colours = [FOREST_COLOURS[j] for j in judged]
    ax.hlines(y, low, high, colors=colours)
    ax.scatter(rel, y, color=colours, zorder=3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlabel("change against the baseline (%), 95% CI (paired)")
    ax.set_title(f"What changes under each variant, for the {audience}")
    from matplotlib.lines import Line2D

    words = {
        "better": f"better for the {audience}",
        "worse": f"worse for the {audience}",
        "changed": f"changed (no direction for the {audience})",
        "none": "no detectable difference",
    }
    handles = [
        Line2D([], [], color=FOREST_COLOURS[key], marker="o", label=words[key]) for key in words if key in judged
    ]
    if handles:
        ax.legend(handles=handles, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    fig.tight_layout()
    return fig


def response(summary: pd.DataFrame, metric: str, lever: str) -> Figure:
    """A metric against a lever's values: mean and 95% CI band (one line per other-parameter setting)."""
    data = summary[summary["metric"] == metric].copy()
    fig, ax = _subplots(7, 4)
    others = [c for c in data.columns if c.startswith("param:") and c != f"param:{lever}"]
    groups = data.groupby(others, sort=True) if others else [((), data)]
    for key, group in groups:
        g = group.copy()
        g["_x"] = pd.to_numeric(g[f"param:{lever}"].astype(str).str.extract(r"(-?[0-9.]+)")[0], errors="coerce")
        g = g.sort_values("_x")
        keys = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{c[6:]}={v}" for c, v in zip(others, keys, strict=False)) or None
        line = ax.plot(g["_x"], g["mean"], marker="o", label=label)[0]
        ax.fill_between(g["_x"], g["ci_low"], g["ci_high"], alpha=0.2, color=line.get_color())
    entry = CATALOGUE[metric]
    ax.set_xlabel(lever)
    ax.set_ylabel(f"{entry.label_en} ({entry.unit})")
    ax.set_title(f"{entry.label_en} against {lever}")
    if others:
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def tradeoff(summary: pd.DataFrame, x: str, y: str, colour: str = "variant") -> Figure:
    """One metric against another (means), coloured by `colour` (a column of the summary)."""
    xs = summary[summary["metric"] == x].reset_index(drop=True)
    ys = summary[summary["metric"] == y].reset_index(drop=True)
    fig, ax = _subplots(6, 4.5)
    groups = xs[colour].astype(str) if colour in xs else pd.Series(["all"] * len(xs))
    for name in dict.fromkeys(groups):
        sel = (groups == name).to_numpy()
        ax.scatter(xs.loc[sel, "mean"], ys.loc[sel, "mean"], label=name)
    ax.set_xlabel(f"{CATALOGUE[x].label_en} ({CATALOGUE[x].unit})")
    ax.set_ylabel(f"{CATALOGUE[y].label_en} ({CATALOGUE[y].unit})")
    ax.set_title("Trade-off")
    ax.legend(fontsize="small", title=colour)
    fig.tight_layout()
    return fig


def sensitivity_bars(indices: pd.DataFrame, metric: str) -> Figure:
    """First-order and total Sobol indices of each parameter, with their confidence half-widths."""
    fig, ax = _subplots(7, max(2.5, 0.5 * len(indices) + 1))
    y = np.arange(len(indices))[::-1]
    ax.barh(y + 0.2, indices["ST"], height=0.4, xerr=indices["ST_conf"], label="total (ST)")
    ax.barh(y - 0.2, indices["S1"], height=0.4, xerr=indices["S1_conf"], label="first order (S1)")
    ax.set_yticks(y, indices["parameter"])
    ax.set_xlabel("Sobol index")
    ax.set_title(f"What {CATALOGUE[metric].label_en} depends on")
    ax.legend()
    fig.tight_layout()
    return fig


def save(figures: dict[str, Any], directory: Any) -> list[Any]:
    """Save figures as PNG files in `directory`, each atomically; returns the paths.

    Raises:
        UsageError: When a file cannot be written.
    """
    import io
    from pathlib import Path

    from simkit.experiment.store import write_atomic

    folder = Path(directory)
    paths = []
    for name, fig in figures.items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        path = folder / f"{name}.png"
        write_atomic(path, buffer.getvalue(), binary=True)
        paths.append(path)
    return paths
