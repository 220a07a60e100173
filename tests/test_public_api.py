"""The public API is exactly what `simkit.__all__` lists, and every name resolves."""

import simkit

EXPECTED = {
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
        "calibration",
        "errors",
        "policy",
        "rules",
        "yamlio",
        "cli",
        "events",
        "event_buffer",
        "event_spill",
        "recorders",
        "metrics",
        "scenario",
        "sim",
        "experiment",
        "compliance",
        "logs",
        "report",
        "outputs",
        "testing",
    }
    assert public - submodules - set(simkit.__all__) == set()


def test_each_public_name_comes_from_its_home_module() -> None:
    import importlib

    homes = simkit._HOMES
    assert set(homes) | {"__version__"} == set(simkit.__all__)
    for name, home in homes.items():
        assert getattr(simkit, name) is getattr(importlib.import_module(home), name), name


def test_importing_the_simulation_leaves_the_heavy_libraries_unloaded() -> None:
    import subprocess
    import sys

    code = (
        "import sys, simkit, simkit.scenario, simkit.sim.model, simkit.events, simkit.cli.main\n"
        "print(sorted(m for m in ('pandas', 'scipy.stats', 'matplotlib', 'jinja2', 'dask', 'simkit.compliance',"
        " 'simkit.experiment', 'simkit.report') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="module 'simkit' has no attribute 'simulate'"):
        simkit.simulate  # noqa: B018


def test_subpackages_are_reachable_after_a_bare_import() -> None:
    import subprocess
    import sys

    code = "import simkit; print(simkit.report.audit_report.__module__, simkit.sim.model.Model.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["simkit.report.builders", "Model"]
