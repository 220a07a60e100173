"""Reports from results: `check_report` (simkit check), `audit_report` (simkit audit), `run_report`
(a ``simkit run --out`` directory). Each returns a `Report` of the generic sections, which
compare and sweep can extend with their own (``table`` and ``figures`` sections).
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from simkit.compliance.audit import AuditResult
from simkit.compliance.check import CheckResult, results_dict
from simkit.compliance.coverage import Coverage
from simkit.compliance.findings import Finding, clause_names
from simkit.metrics import CATALOGUE
from simkit.policy.model import Policy
from simkit.report import figures
from simkit.report.model import Report, Section


def metric_rows(summary: pd.DataFrame, judged: Iterable[Any] = ()) -> list[dict[str, Any]]:
    """Rows of a ``metrics`` section: each catalogue metric with its CI, and the bounds on it."""
    bounds = {j.bound.metric: j for j in judged}
    rows = []
    for record in summary.to_dict(orient="records"):
        row = {str(k): v for k, v in record.items()}
        entry = CATALOGUE.get(str(row["metric"]))
        rows.append(_metric_row(row, entry.label if entry else "", entry.unit if entry else "", bounds))
    for name, j in bounds.items():
        if name not in CATALOGUE:
            values = {"metric": name, "mean": j.mean, "ci_low": j.ci_low, "ci_high": j.ci_high, "n": j.n}
            rows.append(_metric_row(values, "conformance violations", "count", bounds))
    return rows


def _metric_row(row: dict[str, Any], label: str, unit: str, bounds: dict[str, Any]) -> dict[str, Any]:
    j = bounds.get(str(row["metric"]))
    bound = ""
    if j is not None:
        bound = " and ".join(
            text
            for text in (
                f"min {j.bound.low:g}" if j.bound.low is not None else "",
                f"max {j.bound.high:g}" if j.bound.high is not None else "",
            )
            if text
        )
    return {
        "metric": str(row["metric"]),
        "label": label,
        "unit": unit,
        "mean": row.get("mean"),
        "ci_low": row.get("ci_low"),
        "ci_high": row.get("ci_high"),
        "n": int(row.get("n") or 0),
        "bound": bound,
        "passed": None if j is None else j.passed,
    }


WITHIN_BOUND = "violations within the expected bound"
"""The verdict of a clause whose violations an ``expect:`` bound allows (the check passes)."""


def compliance_rows(
    policy: Policy | None, findings: Sequence[Finding], coverage: Coverage | None, judged: Iterable[Any] = ()
) -> list[dict[str, Any]]:
    """Rows of a ``compliance`` section: per clause, checks passed, violations, warnings and evidence.

    Args:
        policy: The policy in force (for the clause names).
        findings: The findings.
        coverage: The checks made, by clause and outcome.
        judged: The judged ``expect:`` bounds: a clause whose violations a passed ``violations`` or
            ``violations.<clause>`` bound allows reads "violations within the expected bound", not "fail".
    """
    allowed = {j.bound.clause or "*" for j in judged if j.bound.metric.startswith("violations") and j.passed}
    refused = {j.bound.clause or "*" for j in judged if j.bound.metric.startswith("violations") and not j.passed}
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    first: dict[str, Finding] = {}
    for f in findings:
        if f.family != "conformance":
            counts[f.clause][f.severity] += 1
            first.setdefault(f.clause, f)
    for f in findings:
        if f.family == "conformance":
            first.setdefault(f.clause, f)
    if coverage is not None:
        for (clause, _check, outcome), n in coverage.checked.items():
            counts[clause][outcome] += n
    rows = []
    for clause in sorted(counts, key=lambda c: (-counts[c]["violation"], -counts[c]["warning"], c)):
        c = counts[clause]
        zh, en = clause_names(policy, clause)
        verdict = "fail" if c["violation"] else "warning" if c["warning"] else "pass" if c["pass"] else "skipped"
        state = verdict
        bounded = (clause in allowed or "*" in allowed) and clause not in refused and "*" not in refused
        if c["violation"] and bounded:
            verdict, state = WITHIN_BOUND, "bounded"
        example = first.get(clause)
        evidence = f"{example.where}: expected {example.expected}; found {example.actual}" if example else ""
        rows.append(
            {
                "clause": clause,
                "zh": zh,
                "en": en,
                "passed": c["pass"],
                "violations": c["violation"],
                "warnings": c["warning"],
                "skipped": c["skipped"],
                "verdict": verdict,
                "state": state,
                "evidence": evidence,
            }
        )
    return rows


def dossiers(policy: Policy | None, audit: AuditResult, limit: int = 50) -> list[dict[str, Any]]:
    """One dossier per case with findings (first `limit`): its findings and its timeline, the clause at each step."""
    by_case: dict[str, list[Finding]] = collections.defaultdict(list)
    for f in audit.findings:
        by_case[f.case_id].append(f)
    out = []
    ordered = sorted(
        by_case.items(), key=lambda item: (item[1][0].run_id, _natural(item[1][0].order_id), _natural(item[0]))
    )
    for case_id, found in ordered:
        steps = audit.timelines.get(case_id)
        if steps is None:
            continue
        flags: dict[int, Finding] = {}
        for f in found:
            for ev in f.evidence:
                flags.setdefault(ev.line, f)
        timeline = []
        for s in steps:
            rule_zh, rule_en = clause_names(policy, s.rule) if s.rule else ("", "")
            flag = flags.get(s.line)
            timeline.append(
                {
                    **s.to_dict(),
                    "rule_zh": rule_zh,
                    "rule_en": rule_en,
                    "flag": flag.clause if flag else "",
                    "flag_zh": flag.name_zh if flag else "",
                    "flag_en": flag.name_en if flag else "",
                }
            )
        out.append(
            {
                "case_id": case_id,
                "order_id": found[0].order_id,
                "run_id": found[0].run_id,
                "findings": [f.to_dict() for f in found],
                "timeline": timeline,
            }
        )
        if len(out) >= limit:
            break
    return out


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """A key that orders ``O9`` before ``O10``: digit runs compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", str(text)) if part)


def coverage_section(policy: Policy | None, coverage: Coverage, title: str = "Clause coverage") -> Section:
    """A ``coverage`` section."""
    data = coverage.to_dict(policy)
    return Section(
        "coverage",
        title,
        intro="Which clauses the log cites, with the outcome of each step, which checks ran on each clause, "
        "and which clauses never fired (the untested rules).",
        rows=data["clauses"],
        never_fired=data["never_fired"],
    )


def _audit_sections(policy: Policy, audit: AuditResult, label: str, judged: Iterable[Any] = ()) -> list[Section]:
    rows = compliance_rows(policy, audit.findings, audit.coverage, judged)
    figs = [
        figures.bar_chart(
            f"Violations by clause — {label}",
            audit.by_clause(),
            caption="Conformance violations found in the event log, per clause.",
            xlabel="violations",
        ),
        figures.outcome_chart(
            f"Checks by clause — {label}",
            rows,
            caption="Checks passed, violations, warnings and checks that could not be made, per clause.",
        ),
    ]
    sections = [
        Section("compliance", f"Compliance by clause — {label}", rows=rows),
        Section("figures", f"Figures — {label}", figures=figs),
        Section(
            "dossiers",
            f"Violation dossiers — {label}",
            intro=f"{len(audit.violations)} violation(s) and {len(audit.warnings)} warning(s); "
            f"the first {min(len(audit.timelines), 50)} cases with findings, step by step.",
            dossiers=dossiers(policy, audit),
        ),
        coverage_section(policy, audit.coverage, f"Clause coverage — {label}"),
    ]
    if audit.problems:
        sections.insert(
            0, Section("problems", f"Malformed rows — {label}", lines=[str(p) for p in audit.problems[:500]])
        )
    return sections


def check_report(results: Sequence[CheckResult], policies: dict[str, Policy] | None = None) -> Report:
    """The report of ``simkit check``: a verdict per file, then each file's metrics and compliance."""
    policies = policies or {}
    passed = all(r.passed for r in results)
    items = [
        {
            "label": f"{r.file} ({r.kind} {r.subject}, policy {r.policy})",
            "verdict": "PASS" if r.passed else "FAIL",
            "detail": f"{len(r.failures())} failure(s); {r.reps} replication(s)"
            if r.kind == "scenario"
            else f"{len(r.failures())} failure(s)",
        }
        for r in results
    ]
    failures = [line for r in results for line in r.failures()]
    report = Report(
        "simkit check",
        "check",
        passed,
        subtitle=f"{len(results)} file(s): national floor, playbook, expectations and conformance of simulated logs",
        facts=[("files", str(len(results))), ("failed", str(sum(not r.passed for r in results)))],
        sections=[Section("summary", "Summary", items=items, lines=failures)],
        data=results_dict(results),
    )
    for r in results:
        policy = policies.get(r.file)
        label = r.subject
        if r.kind == "scenario":
            report.sections.append(
                Section(
                    "metrics",
                    f"Metrics — {label}",
                    intro=f"Mean and 95% CI over {r.reps} replication(s), seed {r.seed}; "
                    "a bound holds only if the whole CI does.",
                    rows=metric_rows(r.summary, r.expectations),
                )
            )
            if r.expectations:
                judged = [j.to_dict() for j in r.expectations]
                report.sections.append(
                    Section(
                        "figures",
                        f"Expectations — {label}",
                        figures=[
                            figures.bounds_chart(
                                f"Expected bounds — {label}",
                                judged,
                                caption="Mean and 95% CI against each bound (dashed: min, solid: max).",
                            )
                        ],
                    )
                )
        static = [*r.floor, *r.playbook]
        report.sections.append(
            Section(
                "findings",
                f"National floor and playbook — {label}",
                intro="The policy against the national floor, and the merchants' playbook against the platform.",
                findings=[f.to_dict() for f in static],
            )
        )
        if r.audit is not None:
            report.sections += _audit_sections(policy or r.audit.policy, r.audit, label, r.expectations)
        elif static:
            report.sections.append(
                Section("compliance", f"Compliance by clause — {label}", rows=compliance_rows(policy, static, None))
            )
    return report


def audit_report(audit: AuditResult) -> Report:
    """The report of ``simkit audit``."""
    facts = [
        ("log", audit.source),
        ("format", audit.fmt),
        ("policy", audit.policy.id),
        ("rows", f"{audit.rows:,}"),
        ("orders", f"{audit.orders:,}"),
        ("after-sale cases", f"{audit.cases:,}"),
        ("violations", f"{len(audit.violations):,}"),
        ("warnings", f"{len(audit.warnings):,}"),
        ("malformed rows", f"{len(audit.problems):,}"),
        ("log ends", audit.as_of),
    ]
    summary = Section(
        "summary",
        "Summary",
        items=[
            {
                "label": audit.source,
                "verdict": "PASS" if audit.passed else "FAIL",
                "detail": f"{len(audit.violations)} violation(s), {len(audit.warnings)} warning(s), "
                f"{len(audit.problems)} malformed row(s)",
            }
        ],
        lines=[f.line() for f in audit.violations[:200]] + [str(p) for p in audit.problems[:50]],
    )
    report = Report(
        "simkit audit",
        "audit",
        audit.passed,
        subtitle=f"{audit.source} against {audit.policy.id}",
        facts=facts,
        sections=[summary, *_audit_sections(audit.policy, audit, audit.policy.id)],
        data=audit.to_dict(),
    )
    times = _finding_days(audit.findings)
    if times:
        report.sections.insert(
            2,
            Section(
                "figures",
                "Violations over time",
                figures=[
                    figures.histogram("Violations by day of the proving event", times, xlabel="days since the first")
                ],
            ),
        )
    return report


def _finding_days(found: Sequence[Finding]) -> list[float]:
    stamps = [pd.Timestamp(f.evidence[-1].time) for f in found if f.severity == "violation" and f.evidence]
    if not stamps:
        return []
    first = min(stamps)
    return [(s - first).total_seconds() / 86400 for s in stamps]


def run_report(run: dict[str, Any], metrics: pd.DataFrame) -> Report:
    """The report of a ``simkit run --out`` directory: metrics with CIs and their spread over replications."""
    from simkit.experiment.stats import mean_ci

    rows = []
    for name in CATALOGUE:
        values = metrics.loc[metrics["metric"] == name, "value"].astype(float).tolist()
        mean, low, high, n = mean_ci(values)
        rows.append({"metric": name, "mean": mean, "ci_low": low, "ci_high": high, "n": n})
    summary = pd.DataFrame(rows)
    scenario = run.get("scenario", {})
    policy = run.get("policy", {})
    shown = (
        "refund_rate",
        "dispute_rate",
        "intervention_rate",
        "auto_approval_share",
        "remedy_share",
        "late_shipment_rate",
    )
    indexed = summary.set_index("metric")["mean"]
    means = {name: float(indexed[name]) for name in shown if name in CATALOGUE}
    return Report(
        f"simkit run — {scenario.get('id', '')}",
        "run",
        None,
        subtitle=f"policy {policy.get('id', '')} · seed {run.get('seed')} · {run.get('replications')} replication(s)",
        facts=[("scenario", str(scenario.get("file", ""))), ("policy sha256", str(policy.get("sha256", ""))[:16])],
        sections=[
            Section("metrics", "Metrics", intro="Mean and 95% CI over the replications.", rows=metric_rows(summary)),
            Section(
                "figures",
                "Figures",
                figures=[
                    figures.bar_chart("Rates and shares (mean over replications)", means, xlabel="per order / share")
                ],
            ),
        ],
        data={"run": run},
    )
