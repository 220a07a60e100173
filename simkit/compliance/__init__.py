"""The compliance test kit: national floor and playbook checks, log conformance, expectations, coverage.

* `check_floor` — a policy (or variant) against the national floor;
* `check_playbook` / `check_merchant` — a merchant's playbook and promises against the platform;
* `audit_log` / `audit_events` — conformance of an event log, case by case, streamed;
* `check_scenario` — all of these for a scenario's simulated runs, with its ``expect:`` bounds;
* `Coverage` — which clauses fired with which outcomes, which never fired.

Every rule is decided by `simkit.rules`; these modules only compare its answers with what a
policy, a playbook or a log says.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from simkit.compliance.audit import AuditResult, audit_events, audit_log
    from simkit.compliance.check import CheckResult, check_file, check_scenario
    from simkit.compliance.coverage import Coverage
    from simkit.compliance.findings import Finding, Step
    from simkit.compliance.floor import check_floor
    from simkit.compliance.playbook import check_merchant, check_playbook, load_merchant

_HOMES = {
    "AuditResult": "simkit.compliance.audit",
    "audit_events": "simkit.compliance.audit",
    "audit_log": "simkit.compliance.audit",
    "CheckResult": "simkit.compliance.check",
    "check_file": "simkit.compliance.check",
    "check_scenario": "simkit.compliance.check",
    "Coverage": "simkit.compliance.coverage",
    "Finding": "simkit.compliance.findings",
    "Step": "simkit.compliance.findings",
    "check_floor": "simkit.compliance.floor",
    "check_merchant": "simkit.compliance.playbook",
    "check_playbook": "simkit.compliance.playbook",
    "load_merchant": "simkit.compliance.playbook",
}
"""The module each name lives in, imported on first use: the floor check that every command
runs (`simkit.compliance.floor`) must not load the audit's pandas and pyarrow."""


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'simkit.compliance' has no attribute {name!r}")
    value = getattr(_importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "AuditResult",
    "CheckResult",
    "Coverage",
    "Finding",
    "Step",
    "audit_events",
    "audit_log",
    "check_file",
    "check_floor",
    "check_merchant",
    "check_playbook",
    "check_scenario",
    "load_merchant",
]
