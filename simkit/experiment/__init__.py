"""Experiments: replications with confidence intervals, paired comparisons, sweeps, executors."""

from simkit.experiment.compare import Comparison, VariantSpec, compare
from simkit.experiment.executors import DaskExecutor, Executor, LocalExecutor, SerialExecutor, make_executor
from simkit.experiment.replicate import RunResult, run
from simkit.experiment.stats import mean_ci
from simkit.experiment.sweep import SweepResult, sweep

__all__ = [
    "Comparison",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "RunResult",
    "SerialExecutor",
    "SweepResult",
    "VariantSpec",
    "compare",
    "make_executor",
    "mean_ci",
    "run",
    "sweep",
]
