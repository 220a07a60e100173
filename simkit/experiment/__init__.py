"""Experiments: replications with confidence intervals (compare and sweep build on these)."""

from simkit.experiment.replicate import RunResult, run
from simkit.experiment.stats import mean_ci

__all__ = ["RunResult", "mean_ci", "run"]
