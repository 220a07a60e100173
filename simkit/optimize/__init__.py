"""Policy search: floor-bounded levers, paired decisions, a re-evaluated Pareto front.

``simkit.optimize`` is this package and the function at once: the package is callable and is its
own ``optimize``, so ``simkit.optimize(...)`` runs `simkit.optimize.api.optimize` whatever was
imported first. Code that wants the plain function imports it from `simkit.optimize.api`.
"""

import inspect as _inspect
import sys as _sys
import types as _types
from typing import Any as _Any

from simkit.optimize import api as _api
from simkit.optimize.result import OptimizeResult

__all__ = ["OptimizeResult", "optimize"]


class _CallablePackage(_types.ModuleType):
    """This package, callable as `simkit.optimize.api.optimize`."""

    def __call__(self, *args: _Any, **kwargs: _Any) -> OptimizeResult:
        return _api.optimize(*args, **kwargs)


_CallablePackage.__call__.__doc__ = _api.optimize.__doc__
optimize = _sys.modules[__name__]
optimize.__class__ = _CallablePackage
optimize.__signature__ = _inspect.signature(_api.optimize)  # type: ignore[attr-defined]
