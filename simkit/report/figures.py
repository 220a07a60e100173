"""Figures for reports: matplotlib (Agg, no display), PNG embedded as base64.

Labels are rule ids and English words: the default fonts draw no Chinese, and the tables
beside each figure carry both names.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from simkit.report.model import Figure

_COLOURS = {"pass": "#2e7d32", "violation": "#c62828", "warning": "#ef6c00", "skipped": "#9e9e9e", "bar": "#1565c0"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def bar_chart(title: str, counts: Mapping[str, float], *, caption: str = "", xlabel: str = "count") -> Figure:
    """A horizontal bar per key, largest first (at most 25 bars)."""
    plt = _pyplot()
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:25]
    height = 1.2 + 0.35 * max(1, len(items))
    fig, ax = plt.subplots(figsize=(8, height))
    if items:
        labels = [k for k, _ in items][::-1]
        values = [v for _, v in items][::-1]
        ax.barh(labels, values, color=_COLOURS["bar"])
        for y, value in enumerate(values):
            ax.text(value, y, f" {value:g}", va="center", fontsize=8)
    else:
        ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    return Figure(title, _png(fig), caption)


OUTCOMES = (
    ("passed", "pass", "checks passed"),
    ("violations", "violation", "violations"),
    ("warnings", "warning", "warnings"),
    ("skipped", "skipped", "not checkable"),
)
"""Each outcome: the row key, its colour and its legend label."""


def outcome_chart(title: str, rows: Sequence[Mapping[str, Any]], *, caption: str = "") -> Figure:
    """Per clause, one bar per outcome side by side (log scale), every violation and warning count written out.

    A handful of violations stays visible beside thousands of passed checks: the bars are not
    stacked, the scale is logarithmic and the counts are printed; the legend sits outside the axes.
    """
    plt = _pyplot()
    rows = [r for r in rows if sum(r.get(k, 0) for k, _, _ in OUTCOMES)][:30]
    fig, ax = plt.subplots(figsize=(9, 1.4 + 0.55 * max(1, len(rows))))
    if not rows:
        ax.text(0.5, 0.5, "no checks", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    else:
        height = 0.8 / len(OUTCOMES)
        positions = list(range(len(rows)))[::-1]
        largest = max(float(r.get(k, 0)) for r in rows for k, _, _ in OUTCOMES)
        for index, (key, colour, label) in enumerate(OUTCOMES):
            offsets = [y + 0.4 - height * (index + 0.5) for y in positions]
            values = [float(r.get(key, 0)) for r in rows]
            ax.barh(offsets, values, height=height, color=_COLOURS[colour], label=label)
            if key in ("violations", "warnings"):
                for y, value in zip(offsets, values, strict=True):
                    if value:
                        ax.text(value, y, f" {value:g}", va="center", fontsize=7, color=_COLOURS[colour])
        ax.set_yticks(positions, [str(r["clause"]) for r in rows], fontsize=8)
        ax.set_xscale("log")
        ax.set_xlim(0.8, max(10.0, largest * 3))
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_xlabel("checks (log scale)")
    ax.set_title(title, fontsize=10)
    return Figure(title, _png(fig), caption)


def bounds_chart(title: str, judged: Sequence[Mapping[str, Any]], *, caption: str = "") -> Figure:
    """One small panel per bound: the mean with its 95% CI, and the bound as a line."""
    plt = _pyplot()
    n = max(1, len(judged))
    fig, axes = plt.subplots(n, 1, figsize=(8, 1.15 * n + 0.6), squeeze=False)
    for ax, item in zip(axes[:, 0], judged or [{}], strict=False):
        if not item:
            ax.text(0.5, 0.5, "no bounds", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
            continue
        mean, low, high = (_num(item.get(k)) for k in ("mean", "ci_low", "ci_high"))
        colour = _COLOURS["pass" if item.get("passed") else "violation"]
        if not math.isnan(mean):
            ax.errorbar([mean], [0], xerr=[[mean - low], [high - mean]], fmt="o", color=colour, capsize=4)
        points = [v for v in (mean, low, high) if not math.isnan(v)]
        for key, style in (("min", "--"), ("max", "-")):
            bound = item.get(key)
            if bound is not None:
                ax.axvline(float(bound), color="#424242", linestyle=style, linewidth=1)
                points.append(float(bound))
        if points:
            span = (max(points) - min(points)) or abs(max(points)) or 1.0
            ax.set_xlim(min(points) - 0.15 * span, max(points) + 0.15 * span)
        ax.set_yticks([])
        ax.set_ylabel(str(item.get("metric", "")), rotation=0, ha="right", va="center", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(title, fontsize=10)
    return Figure(title, _png(fig), caption)


def histogram(title: str, values: Sequence[float], *, xlabel: str, caption: str = "", bins: int = 30) -> Figure:
    """A histogram of values."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 2.6))
    if values:
        ax.hist(values, bins=bins, color=_COLOURS["bar"])
    else:
        ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.set_title(title, fontsize=10)
    return Figure(title, _png(fig), caption)


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)
