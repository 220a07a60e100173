"""The compliance test kit: national floor and playbook checks, log conformance, expectations, coverage.

* `check_floor` — a policy (or variant) against the national floor;
* `check_playbook` / `check_merchant` — a merchant's playbook and promises against the platform;
* `audit_log` / `audit_events` — conformance of an event log, case by case, streamed;
* `check_scenario` — all of these for a scenario's simulated runs, with its ``expect:`` bounds;
* `Coverage` — which clauses fired with which outcomes, which never fired.

Every rule is decided by `simkit.rules`; these modules only compare its answers with what a
policy, a playbook or a log says.
"""

from simkit.compliance.audit import AuditResult, audit_events, audit_log
from simkit.compliance.check import CheckResult, check_file, check_scenario
from simkit.compliance.coverage import Coverage
from simkit.compliance.findings import Finding, Step
from simkit.compliance.floor import check_floor
from simkit.compliance.playbook import check_merchant, check_playbook, load_merchant

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
