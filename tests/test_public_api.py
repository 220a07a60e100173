"""The public API is exactly what `simkit.__all__` lists, and every name resolves."""

import simkit

EXPECTED = {
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
}


def test_all_is_the_documented_api() -> None:
    assert set(simkit.__all__) == EXPECTED
    assert len(simkit.__all__) == len(set(simkit.__all__))


def test_every_public_name_resolves() -> None:
    for name in simkit.__all__:
        assert getattr(simkit, name) is not None, name


def test_no_private_names_leak() -> None:
    # pytest rewrites the asserts of the package that ships its plugin (simkit.testing), adding "@py_builtins"
    public = {name for name in vars(simkit) if not name.startswith(("_", "@"))}
    submodules = {
        "errors",
        "policy",
        "rules",
        "yamlio",
        "cli",
        "events",
        "metrics",
        "scenario",
        "sim",
        "experiment",
        "compliance",
        "report",
        "testing",
    }
    assert public - submodules - set(simkit.__all__) == set()
