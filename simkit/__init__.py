"""simkit: policy-as-code simulator and compliance test kit for e-commerce after-sales rules.

The public API is re-exported here; everything else is private to its module.
"""

from simkit.errors import CaseError, LogError, PolicyError, Problem, ScenarioError, SimkitError, UsageError
from simkit.policy.loader import load_policy
from simkit.policy.model import Policy
from simkit.policy.variants import Variant, load_variant
from simkit.rules.case import Case, load_case
from simkit.rules.decision import Decision
from simkit.rules.explain import decide, explain_case

__version__ = "0.1.0"

__all__ = [
    "Case",
    "CaseError",
    "Decision",
    "LogError",
    "Policy",
    "PolicyError",
    "Problem",
    "ScenarioError",
    "SimkitError",
    "UsageError",
    "Variant",
    "__version__",
    "decide",
    "explain_case",
    "load_case",
    "load_policy",
    "load_variant",
]
