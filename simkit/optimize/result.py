"""The outcome of a search: the re-checked front as users need it, every evaluation, and the search's history."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simkit.optimize.decide import Dominance, Judge
from simkit.optimize.evaluate import Candidate
from simkit.optimize.hypervolume import Box
from simkit.optimize.levers import Lever
from simkit.optimize.objectives import Constraint, Objective


@dataclass
class OptimizeResult:
    """The outcome of `simkit.optimize`.

    Attributes:
        front: One row per member that held on the re-check: ``candidate``, ``param:<path>`` for each
            lever, for each objective its mean, ``_low``/``_high`` (95 % CI) and the paired difference
            against the current policy (``_vs_current``, ``_vs_current_low``, ``_vs_current_high``),
            all from the re-check's fresh seeds; ``clauses``: the policy rules the levers set and the
            floor bounds the member sits at.
        table: Every simulation in long form: ``run_id, phase, candidate, sample, param:<path>…,
            replication, seed, metric, value`` (phase ``search`` or ``recheck``).
        levers: The levers, with the floor bounds applied.
        objectives: The objectives.
        constraints: The constraints.
        candidates: One row per candidate the search evaluated (the current policy first): its
            values, objective means, whether it is feasible and on the search's front.
        current: The current policy's lever values.
        current_values: The current policy's objective means on the re-check.
        dominance: Every dominance the search's front was decided by (winner, loser, reasons).
        dropped: The search's front members the re-check dropped.
        refused: Candidates the floor guard refused (never simulated).
        simulations: ``{"search": n, "recheck": m}``.
        hypervolume: Of the re-checked front, in the scaled box (`simkit.optimize.hypervolume`).
        hv_history: ``(simulations, hypervolume)`` after each batch of the search.
        box: The scaling box of the hypervolumes.
        timing: Seconds simulating and in the optimiser (ours and Optuna's), and trials asked.
        seed: The seed.
        reps: Replications per candidate.
        recheck_reps: Replications of the re-check.
        notes: What was changed from what was asked.
        definition: What was asked (the experiment definition).
    """

    front: pd.DataFrame
    table: pd.DataFrame
    levers: list[Lever]
    objectives: list[Objective]
    constraints: list[Constraint]
    candidates: pd.DataFrame
    current: dict[str, str]
    current_values: dict[str, float]
    dominance: list[Dominance]
    dropped: list[str]
    refused: int
    simulations: dict[str, int]
    hypervolume: float
    hv_history: list[tuple[int, float]]
    box: Box
    timing: dict[str, float]
    seed: int
    reps: int
    recheck_reps: int
    notes: list[str] = field(default_factory=list)
    definition: dict[str, Any] = field(default_factory=dict)

    @property
    def bounds(self) -> list[dict[str, str]]:
        """The floor bounds applied, one per lever the floor cut (path, side, asked, applied, clause, source)."""
        return [{"path": lever.path, **lever.bound.to_dict()} for lever in self.levers if lever.bound is not None]

    def figures(self) -> dict[str, Any]:
        """Matplotlib figures: ``front`` (current policy marked), ``levers`` (parallel coordinates), ``hypervolume``."""
        from simkit.optimize.figures import front_figure, history_figure, levers_figure

        return {
            "front": front_figure(self),
            "levers": levers_figure(self),
            "hypervolume": history_figure(self),
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` and reports (NaN as None)."""
        return {
            "front": [_clean(row) for row in self.front.to_dict("records")],
            "current": self.current,
            "current_values": _clean(self.current_values),
            "levers": [lever.to_dict() for lever in self.levers],
            "objectives": [o.label for o in self.objectives],
            "constraints": [c.text for c in self.constraints],
            "floor_bounds": self.bounds,
            "dropped": len(self.dropped),
            "refused": self.refused,
            "simulations": self.simulations,
            "hypervolume": _clean(self.hypervolume),
            "hv_history": [{"simulations": s, "hypervolume": _clean(h)} for s, h in self.hv_history],
            "timing": self.timing,
            "seed": self.seed,
            "reps": self.reps,
            "recheck_reps": self.recheck_reps,
            "notes": self.notes,
        }

    def _repr_html_(self) -> str:
        """The front as an HTML table (notebooks)."""
        from simkit._html import frame

        columns = [c for c in self.front.columns if c.startswith("param:")]
        for o in self.objectives:
            columns += [o.metric, f"{o.metric}_vs_current"]
        caption = (
            f"Pareto front · {len(self.front)} members ({len(self.dropped)} dropped on re-check) · "
            f"{self.simulations['search']} + {self.simulations['recheck']} simulations · seed {self.seed}"
        )
        return frame(self.front, [*columns, "clauses"], caption)


def build_front(
    kept: Sequence[str],
    candidates: dict[str, Candidate],
    current: Candidate,
    levers: Sequence[Lever],
    objectives: Sequence[Objective],
    judge: Judge,
) -> pd.DataFrame:
    """The front's table from the re-check: values, objectives with CIs, differences against the current policy."""
    from simkit.experiment.stats import mean_ci

    rows = []
    for key in kept:
        row: dict[str, Any] = {"candidate": key}
        row.update({f"param:{path}": value for path, value in candidates[key].values})
        for objective in objectives:
            mean, low, high, _ = mean_ci(objective.sign * judge.series(key, objective), None)
            diff = judge.difference(current.key, key, objective)
            row.update(
                {
                    objective.metric: mean,
                    f"{objective.metric}_low": low,
                    f"{objective.metric}_high": high,
                    f"{objective.metric}_vs_current": diff.mean,
                    f"{objective.metric}_vs_current_low": diff.low,
                    f"{objective.metric}_vs_current_high": diff.high,
                }
            )
        row["clauses"] = clauses(candidates[key], current, levers)
        rows.append(row)
    columns = ["candidate", *(f"param:{lever.path}" for lever in levers)]
    for objective in objectives:
        m = objective.metric
        columns += [m, f"{m}_low", f"{m}_high", f"{m}_vs_current", f"{m}_vs_current_low", f"{m}_vs_current_high"]
    front = pd.DataFrame(rows, columns=[*columns, "clauses"])
    if not front.empty:
        front = front.sort_values(objectives[0].metric, ascending=objectives[0].sense == "min", kind="stable")
    return front.reset_index(drop=True)


def clauses(candidate: Candidate, current: Candidate, levers: Sequence[Lever]) -> str:
    """The policy rules a candidate's levers set away from the current policy, and the floor bounds it sits at."""
    parts = []
    now = current.as_dict()
    for lever in levers:
        value = candidate.as_dict()[lever.path]
        head = lever.path.split(".")
        if head[0] in ("tmall", "channels", "national") and len(head) > 2 and value != now.get(lever.path):
            parts.append(".".join(head[:2]))
        if lever.bound is not None and lever.bound.side != "choices" and value == lever.bound.applied:
            parts.append(f"{lever.bound.clause} (at the floor: {lever.bound.source})")
    return "; ".join(dict.fromkeys(parts))


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value
