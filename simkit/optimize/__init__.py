"""Policy search: floor-bounded levers, paired decisions, a re-evaluated Pareto front."""

from simkit.optimize.api import optimize
from simkit.optimize.result import OptimizeResult

__all__ = ["OptimizeResult", "optimize"]
