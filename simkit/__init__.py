"""simkit: policy-as-code simulator and compliance test kit for e-commerce after-sales rules.

The public API is re-exported here; everything else is private to its module.
"""

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
from simkit.experiment import Comparison, RunResult, SweepResult, VariantSpec, compare, run, sweep
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

__version__ = "0.1.0"

__all__ = [
    "AuditResult",
    "Case",
    "CaseError",
    "CheckResult",
    "Comparison",
    "Decision",
    "DecisionComparison",
    "Finding",
    "LogError",
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
    "run",
    "sweep",
    "with_overrides",
    "write_report",
]
