"""`simkit check`'s engine: every check of a scenario (or a merchant file), with one verdict.

For a scenario: the national floor of its policy (variants and overrides applied), its
merchants' playbook against the platform, its replications with the conformance of every
simulated log, and its ``expect:`` bounds. Without a ``violations`` bound any conformance
violation fails; with bounds, a violation of a clause no bound covers still fails. For a
merchant file: the floor of its policy, its playbook and its promises.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simkit.compliance.audit import AuditResult
from simkit.compliance.expectations import Bound, Judged, judge, parse_expect
from simkit.compliance.findings import Finding
from simkit.compliance.floor import check_floor, strict_refusal
from simkit.compliance.playbook import check_merchant, check_playbook, load_merchant
from simkit.compliance.simulate import run_audited
from simkit.errors import Problem, SimkitError
from simkit.policy.model import Policy
from simkit.scenario.loader import Scenario, load_scenario
from simkit.yamlio import load_yaml


@dataclass
class CheckResult:
    """The checks of one scenario or merchant file.

    Attributes:
        file: The file checked.
        kind: ``scenario`` or ``merchant``.
        subject: The scenario or merchant id.
        policy: The policy id (variants included).
        floor: National floor findings.
        playbook: Playbook and promise findings.
        expectations: The ``expect:`` bounds, judged.
        audit: Conformance of the simulated logs (scenarios).
        summary: Metrics: metric, mean, ci_low, ci_high, n (scenarios).
        values: Metric → per-replication values (violations included).
        reps: Replications run.
        seed: The base seed.
        seconds: Time taken.
    """

    file: str
    kind: str
    subject: str
    policy: str
    floor: list[Finding] = field(default_factory=list)
    playbook: list[Finding] = field(default_factory=list)
    expectations: list[Judged] = field(default_factory=list)
    audit: AuditResult | None = None
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    values: dict[str, list[float]] = field(default_factory=dict)
    bounds: list[Bound] = field(default_factory=list)
    reps: int = 0
    seed: int = 0
    seconds: float = 0.0

    def unbounded_violations(self) -> list[Finding]:
        """Conformance violations no ``violations`` bound covers."""
        if self.audit is None:
            return []
        if any(b.metric == "violations" for b in self.bounds):
            return []
        covered = {b.clause for b in self.bounds if b.clause}
        return [f for f in self.audit.violations if f.clause not in covered]

    def failures(self) -> list[str]:
        """One line per failure; empty when the check passes."""
        lines = [f.line() for f in (*self.floor, *self.playbook) if f.severity == "violation"]
        lines += [j.text for j in self.expectations if not j.passed]
        unbounded = self.unbounded_violations()
        if unbounded:
            clauses = ", ".join(f"{c} × {n}" for c, n in _count(f.clause for f in unbounded))
            lines.append(f"{self.file}::violations: {len(unbounded)} conformance violation(s) with no bound: {clauses}")
        if self.audit is not None and self.audit.problems:
            lines += [str(p) for p in self.audit.problems[:10]]
        return lines

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return not self.failures()

    def _repr_html_(self) -> str:
        """The verdict, the failures and the judged bounds as HTML tables (notebooks)."""
        from simkit._html import fields, table

        verdict = "PASS" if self.passed else "FAIL"
        facts = fields(
            [
                ("verdict", verdict),
                ("file", self.file),
                (self.kind, self.subject),
                ("policy", self.policy),
                *([("replications", self.reps), ("seed", self.seed)] if self.kind == "scenario" else []),
                ("warnings", len(self.warnings())),
            ],
            f"check {self.file}: {verdict}",
        )
        failures = table(("failure",), ((line,) for line in self.failures()), "failures")
        bounds = table(
            ("bound", "min", "max", "mean", "95% CI low", "95% CI high", "verdict"),
            (
                (j.bound.metric, j.bound.low, j.bound.high, j.mean, j.ci_low, j.ci_high, "pass" if j.passed else "fail")
                for j in self.expectations
            ),
            "expected bounds",
        )
        return facts + failures + bounds

    def warnings(self) -> list[Finding]:
        """Findings reported without failing."""
        found = [*self.floor, *self.playbook, *(self.audit.findings if self.audit else [])]
        return [f for f in found if f.severity == "warning"]


def _count(items: Iterable[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def file_kind(path: Path) -> str | None:
    """``scenario``, ``merchant`` or None (any other YAML file) from the top-level keys."""
    try:
        data, _ = load_yaml(path)
    except SimkitError:
        return "scenario"  # let the loader report the problem
    if isinstance(data, dict):
        if "scenario" in data:
            return "scenario"
        if "merchant" in data:
            return "merchant"
    return None


def expand(paths: Sequence[str | Path]) -> list[Path]:
    """Scenario and merchant files named, and those directly inside directories.

    Raises:
        SimkitError: On a missing path or a directory with no scenario.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [p for p in sorted(path.glob("*.y*ml")) if p.suffix in (".yaml", ".yml") and file_kind(p)]
            if not found:
                problems.append(Problem(str(path), 0, "", "no scenario or merchant files in this directory"))
            files += found
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), 0, "", "no such file or directory"))
    if problems:
        raise SimkitError(problems)
    return files


def check_file(
    path: str | Path,
    *,
    reps: int | None = None,
    seed: int | None = None,
    on_replication: Callable[[int, int], None] | None = None,
    strict: bool = False,
) -> CheckResult:
    """Every check of one scenario or merchant file.

    Args:
        path: The file.
        reps: Replications (default: the scenario's).
        seed: The base seed (default: the scenario's).
        on_replication: Called with ``(done, total)`` after each replication.
        strict: Refuse a policy below the national floor (a floor violation) before running anything.

    Raises:
        SimkitError: On bad input (the file, its policy, its ``expect:`` block); under `strict`, a
            `PolicyError` per floor violation.
    """
    path = Path(path)
    if file_kind(path) == "merchant":
        return check_merchant_file(path, strict=strict)
    return check_scenario(load_scenario(path), reps=reps, seed=seed, on_replication=on_replication, strict=strict)


def check_merchant_file(path: str | Path, *, strict: bool = False) -> CheckResult:
    """The static checks of a merchant file: its policy's floor, its playbook and promises."""
    started = time.perf_counter()
    merchant = load_merchant(path)
    result = CheckResult(str(path), "merchant", merchant.id, merchant.policy.id)
    result.floor = _floor(merchant.policy, strict)
    result.playbook = check_merchant(merchant)
    result.seconds = time.perf_counter() - started
    return result


def check_scenario(
    scenario: Scenario,
    *,
    reps: int | None = None,
    seed: int | None = None,
    audit: bool = True,
    on_replication: Callable[[int, int], None] | None = None,
    strict: bool = False,
) -> CheckResult:
    """Floor, playbook, conformance of the simulated logs and expectations of one scenario.

    Under `strict`, a policy below the national floor is refused before anything runs.
    """
    started = time.perf_counter()
    bounds = parse_expect(scenario)
    result = CheckResult(scenario.file, "scenario", scenario.id, scenario.policy.id, bounds=bounds)
    result.floor = _floor(scenario.policy, strict)
    file, line = scenario.where("merchants.playbook")
    result.playbook = check_playbook(scenario.policy, scenario.playbook, where=f"{file}:{line}" if line else file)
    runs = run_audited(scenario, seed=seed, reps=reps, audit=audit, on_replication=on_replication)
    result.audit = runs.audit
    result.reps, result.seed = runs.result.reps, runs.result.seed
    result.summary = runs.result.summary
    result.values = runs.values()
    if audit:
        for clause in {b.clause for b in bounds if b.clause}:
            result.values.setdefault(f"violations.{clause}", [0.0] * result.reps)
    result.expectations = judge(bounds, result.values, scenario.file)
    result.seconds = time.perf_counter() - started
    return result


def _floor(policy: Policy, strict: bool) -> list[Finding]:
    findings = check_floor(policy)
    refusal = strict_refusal(findings) if strict else None
    if refusal is not None:
        raise refusal
    return findings


def results_dict(results: Sequence[CheckResult]) -> dict[str, Any]:
    """JSON-ready form of several checks (the ``report.json`` of ``simkit check``)."""
    return {"passed": all(r.passed for r in results), "checks": [_result_dict(r) for r in results]}


def _result_dict(r: CheckResult) -> dict[str, Any]:
    summary = [] if r.summary.empty else r.summary.to_dict(orient="records")
    return {
        "file": r.file,
        "kind": r.kind,
        "subject": r.subject,
        "policy": r.policy,
        "passed": r.passed,
        "failures": r.failures(),
        "reps": r.reps,
        "seed": r.seed,
        "seconds": round(r.seconds, 3),
        "floor": [f.to_dict() for f in r.floor],
        "playbook": [f.to_dict() for f in r.playbook],
        "expectations": [j.to_dict() for j in r.expectations],
        "metrics": [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()} for row in summary],
        "audit": r.audit.to_dict() if r.audit is not None else None,
    }
