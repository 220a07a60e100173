"""Hypervolume of a front: Optuna's exact indicator, on objectives scaled to [0, 1].

Every objective is oriented so that lower is better and scaled by a fixed box (the ideal and
nadir of the points the search evaluated and of its re-checked front), with the reference point
at 1.1 on every axis; so hypervolumes of one search (its history, its re-checked front) and of a
reference front scaled by the same box compare directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REFERENCE = 1.1
"""The reference point on every scaled axis (a little past the nadir, so extreme members count)."""


@dataclass(frozen=True, slots=True)
class Box:
    """The scaling box: the ideal (best) and nadir (worst) of each oriented objective."""

    ideal: tuple[float, ...]
    nadir: tuple[float, ...]

    @classmethod
    def around(cls, points: np.ndarray) -> Box:
        """The box of `points` (rows of oriented objective means; NaN rows ignored)."""
        finite = points[~np.isnan(points).any(axis=1)] if len(points) else points
        if not len(finite):
            return cls((), ())
        return cls(tuple(float(v) for v in finite.min(axis=0)), tuple(float(v) for v in finite.max(axis=0)))

    def scale(self, points: np.ndarray) -> np.ndarray:
        """`points` scaled to the box (the ideal at 0, the nadir at 1)."""
        ideal, nadir = np.asarray(self.ideal), np.asarray(self.nadir)
        span = np.where(nadir > ideal, nadir - ideal, 1.0)
        return np.asarray((points - ideal) / span)


def hypervolume(points: np.ndarray, box: Box) -> float:
    """The hypervolume dominated by `points` (oriented means) up to the reference point, in the scaled box."""
    from optuna._hypervolume import compute_hypervolume

    if not len(points) or not len(box.ideal):
        return 0.0
    scaled = box.scale(np.asarray(points, dtype=float))
    scaled = scaled[~np.isnan(scaled).any(axis=1)]
    scaled = scaled[(scaled < REFERENCE).all(axis=1)]
    if not len(scaled):
        return 0.0
    return float(compute_hypervolume(scaled, np.full(scaled.shape[1], REFERENCE)))
