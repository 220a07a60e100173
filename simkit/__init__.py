"""simkit: policy-as-code simulator and compliance test kit for e-commerce after-sales rules.

The public API is re-exported here; everything else is private to its module.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from simkit.calibration.api import Calibration, calibrate
    from simkit.compliance import (
        AuditResult,
        CheckResult,
        Finding,
        audit_events,
        audit_log,
        check_floor,
        check_playbook,
        check_scenario,
    )
    from simkit.errors import CaseError, LogError, PolicyError, Problem, ScenarioError, SimkitError, UsageError
    from simkit.experiment.compare import Comparison, VariantSpec, compare
    from simkit.experiment.replicate import RunResult, run
    from simkit.experiment.sweep import SweepResult, sweep
    from simkit.optimize import OptimizeResult
    from simkit.optimize.api import optimize
    from simkit.policy.diff import ParameterChange, diff_policies
    from simkit.policy.loader import load_policy
    from simkit.policy.model import Policy
    from simkit.policy.overrides import with_overrides
    from simkit.policy.variants import Variant, load_variant
    from simkit.report import Report, write_report
    from simkit.rules.case import Case, load_case
    from simkit.rules.compare import DecisionComparison, compare_decision
    from simkit.rules.decision import Decision
    from simkit.rules.explain import decide, explain_case
    from simkit.scenario import Scenario, load_scenario


_HOMES = {
    "Calibration": "simkit.calibration.api",
    "calibrate": "simkit.calibration.api",
    "AuditResult": "simkit.compliance",
    "CheckResult": "simkit.compliance",
    "Finding": "simkit.compliance",
    "audit_events": "simkit.compliance",
    "audit_log": "simkit.compliance",
    "check_floor": "simkit.compliance",
    "check_playbook": "simkit.compliance",
    "check_scenario": "simkit.compliance",
    "CaseError": "simkit.errors",
    "LogError": "simkit.errors",
    "PolicyError": "simkit.errors",
    "Problem": "simkit.errors",
    "ScenarioError": "simkit.errors",
    "SimkitError": "simkit.errors",
    "UsageError": "simkit.errors",
    "Comparison": "simkit.experiment",
    "RunResult": "simkit.experiment",
    "SweepResult": "simkit.experiment",
    "VariantSpec": "simkit.experiment",
    "compare": "simkit.experiment",
    "run": "simkit.experiment",
    "sweep": "simkit.experiment",
    "OptimizeResult": "simkit.optimize",
    "optimize": "simkit.optimize",
    "ParameterChange": "simkit.policy.diff",
    "diff_policies": "simkit.policy.diff",
    "load_policy": "simkit.policy.loader",
    "Policy": "simkit.policy.model",
    "with_overrides": "simkit.policy.overrides",
    "Variant": "simkit.policy.variants",
    "load_variant": "simkit.policy.variants",
    "Report": "simkit.report",
    "write_report": "simkit.report",
    "Case": "simkit.rules.case",
    "load_case": "simkit.rules.case",
    "DecisionComparison": "simkit.rules.compare",
    "compare_decision": "simkit.rules.compare",
    "Decision": "simkit.rules.decision",
    "decide": "simkit.rules.explain",
    "explain_case": "simkit.rules.explain",
    "Scenario": "simkit.scenario",
    "load_scenario": "simkit.scenario",
}
"""The module each public name lives in. Names are imported on first use, so that
``import simkit`` (and every command line) stays quick and loads only what it needs."""


_SUBPACKAGES = frozenset(
    (
        "calibration",
        "cli",
        "compliance",
        "errors",
        "events",
        "experiment",
        "logs",
        "metrics",
        "policy",
        "report",
        "rules",
        "scenario",
        "sim",
        "testing",
        "yamlio",
    )
)
"""Modules reachable as ``simkit.<name>`` after a bare ``import simkit``."""


def __getattr__(name: str) -> object:
    if name in _SUBPACKAGES:
        return _importlib.import_module(f"simkit.{name}")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'simkit' has no attribute {name!r}")
    value = getattr(_importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__version__ = "0.1.0"

__all__ = [
    "AuditResult",
    "Calibration",
    "Case",
    "CaseError",
    "CheckResult",
    "Comparison",
    "Decision",
    "DecisionComparison",
    "Finding",
    "LogError",
    "OptimizeResult",
    "ParameterChange",
    "Policy",
    "PolicyError",
    "Problem",
    "Report",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimkitError",
    "SweepResult",
    "UsageError",
    "Variant",
    "VariantSpec",
    "__version__",
    "audit_events",
    "audit_log",
    "calibrate",
    "check_floor",
    "check_playbook",
    "check_scenario",
    "compare",
    "compare_decision",
    "decide",
    "diff_policies",
    "explain_case",
    "load_case",
    "load_policy",
    "load_scenario",
    "load_variant",
    "optimize",
    "run",
    "sweep",
    "with_overrides",
    "write_report",
]
