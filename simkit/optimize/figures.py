"""Figures of a search: the front with the current policy marked, the levers of the front, the hypervolume history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from simkit.metrics import CATALOGUE

if TYPE_CHECKING:
    from simkit.optimize.result import OptimizeResult


def _label(metric: str) -> str:
    entry = CATALOGUE[metric]
    return f"{entry.label_en} ({entry.unit})"


def front_figure(result: OptimizeResult) -> Any:
    """The first two objectives: every candidate searched, the re-checked front with 95 % CIs, the current policy."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    goals = result.objectives
    x = goals[0].metric
    y = goals[1].metric if len(goals) > 1 else None
    searched = result.candidates
    ax.scatter(searched[x], searched[y] if y else np.zeros(len(searched)), s=12, color="0.75", label="searched")
    front = result.front
    if not front.empty:
        fy = front[y] if y else np.zeros(len(front))
        xerr = [front[x] - front[f"{x}_low"], front[f"{x}_high"] - front[x]]
        yerr = [front[y] - front[f"{y}_low"], front[f"{y}_high"] - front[y]] if y else None
        ax.errorbar(front[x], fy, xerr=xerr, yerr=yerr, fmt="o", color="tab:blue", label="front (re-checked, 95% CI)")
    cy = result.current_values.get(y, 0.0) if y else 0.0
    ax.scatter([result.current_values[x]], [cy], marker="*", s=220, color="tab:red", zorder=5, label="current policy")
    ax.set_xlabel(f"{_label(x)} · {goals[0].sense}")
    if y:
        ax.set_ylabel(f"{_label(y)} · {goals[1].sense}")
    ax.set_title("Pareto front")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def levers_figure(result: OptimizeResult) -> Any:
    """Parallel coordinates of the levers: each front member a line, every axis from the lever's low to high end."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    levers = result.levers
    positions = np.arange(len(levers))
    for _, row in result.front.iterrows():
        ys = [_unit(lever, str(row[f"param:{lever.path}"])) for lever in levers]
        ax.plot(positions, ys, marker="o", color="tab:blue", alpha=0.6)
    current = [_unit(lever, result.current[lever.path]) for lever in levers]
    ax.plot(positions, current, marker="*", color="tab:red", linestyle="--", label="current policy")
    ax.set_xticks(positions, [lever.path.split(".")[-1] for lever in levers], rotation=15)
    ax.set_ylim(-0.05, 1.05)
    ax.set_yticks([0, 1], ["low end", "high end"])
    ax.set_title("Levers of the front members")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def _unit(lever: Any, text: str) -> float:
    """A value's place between the lever's ends (choices evenly spaced)."""
    if lever.range is None:
        n = len(lever.choices)
        return lever.number(text) / (n - 1) if n > 1 else 0.5
    lo, hi = lever.range.lo, lever.range.hi
    return (lever.number(text) - lo) / (hi - lo) if hi > lo else 0.5


def history_figure(result: OptimizeResult) -> Any:
    """The hypervolume of the search's front (on its means) after each batch, against simulations spent."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    sims = [s for s, _ in result.hv_history]
    hv = [h for _, h in result.hv_history]
    ax.step(sims, hv, where="post", color="tab:blue")
    ax.set_xlabel("simulations")
    ax.set_ylabel("hypervolume (scaled)")
    ax.set_title("Hypervolume over the search")
    fig.tight_layout()
    return fig
