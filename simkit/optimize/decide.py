"""Decisions under noise: paired dominance with 95 % intervals, constraints with 95 % confidence, the front.

Candidates ran on the same seeds, so two candidates are compared replication by replication
(`simkit.experiment.stats.paired_difference`). Candidate A dominates B when A is significantly
better on at least one objective (the paired interval excludes zero in A's favour) and not
significantly worse on any; a difference inside the noise is never called better. The objectives
on which A is significantly better are the *reasons* of the dominance.

With uncertainties (``--uncertain``), each candidate's objective is its worst case over the
uncertainty samples (the sample where its mean is worst) or its regret (how far it falls behind
the best candidate of the phase at each sample; the worst sample's regret); the replications of
that sample are the ones compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simkit.experiment.stats import Difference, mean_ci, paired_difference
from simkit.optimize.evaluate import Evaluations
from simkit.optimize.objectives import Constraint, Objective

ROBUST = ("worst", "regret")
"""How an objective is taken over the uncertainty samples."""


@dataclass(frozen=True, slots=True)
class Dominance:
    """A dominates B, with the objectives that make it so.

    Attributes:
        winner: The dominating candidate's key.
        loser: The dominated one's.
        reasons: The objectives (metric names) on which the winner is significantly better.
    """

    winner: str
    loser: str
    reasons: tuple[str, ...]


class Judge:
    """Oriented per-replication series of each candidate's objectives, and decisions on them.

    Args:
        evaluations: One phase's evaluations.
        objectives: What is optimised.
        constraints: What must hold.
        robust: ``worst`` or ``regret`` (used when there are several uncertainty samples).
        keys: The candidates compared (regret is measured against the best of these).
    """

    def __init__(
        self,
        evaluations: Evaluations,
        objectives: Sequence[Objective],
        constraints: Sequence[Constraint],
        robust: str,
        keys: Sequence[str],
    ) -> None:
        self.evaluations = evaluations
        self.objectives = list(objectives)
        self.constraints = list(constraints)
        self.robust = robust
        self.keys = list(dict.fromkeys(keys))
        self._best: dict[str, np.ndarray] = {}
        if robust == "regret" and evaluations.samples > 1:
            for objective in self.objectives:
                means = np.array([objective.sign * self._means(k, objective.metric) for k in self.keys])
                self._best[objective.metric] = np.nanmin(means, axis=0)

    def _means(self, key: str, metric: str) -> np.ndarray:
        values = self.evaluations.of(key, metric)
        with np.errstate(all="ignore"):
            return np.asarray(np.nanmean(values, axis=1))

    def series(self, key: str, objective: Objective) -> np.ndarray:
        """The oriented (lower is better) per-replication values that decide `objective` for `key`."""
        values = objective.sign * self.evaluations.of(key, objective.metric)
        if values.shape[0] == 1:
            return np.asarray(values[0])
        if self.robust == "regret":
            values = values - self._best[objective.metric][:, None]
        with np.errstate(all="ignore"):
            means = np.nanmean(values, axis=1)
        return np.asarray(values[int(np.nanargmax(means))])

    def point(self, key: str) -> np.ndarray:
        """The candidate's oriented objective means (lower is better on every axis)."""
        return np.array([float(np.nanmean(self.series(key, o))) for o in self.objectives])

    def difference(self, base: str, other: str, objective: Objective) -> Difference:
        """`other` minus `base` on `objective`, paired over replications, in the metric's own direction."""
        diff = paired_difference(self.series(base, objective), self.series(other, objective))
        if objective.sign > 0:
            return diff
        return Difference(-diff.mean, -diff.high, -diff.low, diff.n, -diff.base, diff.relative)

    def dominance(self, a: str, b: str) -> Dominance | None:
        """Whether `a` dominates `b` (significantly better somewhere, significantly worse nowhere)."""
        reasons = []
        for objective in self.objectives:
            diff = paired_difference(self.series(a, objective), self.series(b, objective))  # b - a, oriented
            if diff.high < 0:
                return None
            if diff.low > 0:
                reasons.append(objective.metric)
        return Dominance(a, b, tuple(reasons)) if reasons else None

    def feasible(self, key: str) -> bool:
        """Whether every constraint holds with 95 % confidence, at every uncertainty sample."""
        return all(self.slack(key, c) <= 0 for c in self.constraints)

    def slack(self, key: str, constraint: Constraint) -> float:
        """How far the 95 % interval's far end is past the bound at the worst sample (<= 0: holds)."""
        worst = -np.inf
        for row in self.evaluations.of(key, constraint.metric):
            _, low, high, _ = mean_ci(row, constraint.metric)
            end = high if constraint.op == "<=" else low
            worst = max(worst, constraint.excess(end) if np.isfinite(end) else np.inf)
        return float(worst)

    def front(self, keys: Sequence[str]) -> tuple[list[str], list[Dominance]]:
        """The feasible candidates no feasible candidate dominates, and every dominance found among them."""
        feasible = [k for k in dict.fromkeys(keys) if self.feasible(k)]
        found = []
        dominated = set()
        for a in feasible:
            for b in feasible:
                if a != b:
                    d = self.dominance(a, b)
                    if d is not None:
                        found.append(d)
                        dominated.add(b)
        return [k for k in feasible if k not in dominated], found


def pareto_means(points: np.ndarray) -> np.ndarray:
    """Which rows of `points` (lower is better on every column) no other row dominates, on the means alone."""
    keep = np.ones(len(points), dtype=bool)
    for i, p in enumerate(points):
        if np.isnan(p).any():
            keep[i] = False
            continue
        others = np.delete(points, i, axis=0)
        others = others[~np.isnan(others).any(axis=1)]
        if len(others) and np.any(np.all(others <= p, axis=1) & np.any(others < p, axis=1)):
            keep[i] = False
    return keep
