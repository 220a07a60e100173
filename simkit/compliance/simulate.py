"""Replications of a scenario whose event logs are audited run by run, with the orders' facts.

The simulation's log records steps, not the order facts a rule needs (category, price,
shipping terms, channel); the audit of a simulated run takes them from the model's order
book. Each run's log is audited as soon as the run ends and then dropped, so memory holds
one run's log at a time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simkit.compliance.audit import AuditResult, audit_events
from simkit.events import MemoryRecorder, NullRecorder
from simkit.experiment.replicate import RunResult, metric_rows
from simkit.scenario.loader import Scenario
from simkit.sim.facts import local_naive, order_facts
from simkit.sim.model import Model


@dataclass
class AuditedRuns:
    """Replications with their metrics and, when audited, the audit of their logs.

    Attributes:
        result: Metrics in long form and their summary (`RunResult`; no events kept).
        audit: The audits of every run, merged (None when not audited).
        violations: Per replication: violations in all, and per clause.
    """

    result: RunResult
    audit: AuditResult | None
    violations: list[Counter[str]] = field(default_factory=list)

    def values(self) -> dict[str, list[float]]:
        """Metric → one value per replication, with ``violations`` and ``violations.<clause>``."""
        metrics = self.result.metrics
        out: dict[str, list[float]] = {
            str(name): group.sort_values("replication")["value"].astype(float).tolist()
            for name, group in metrics.groupby("metric", sort=False)
        }
        if self.audit is not None:
            out["violations"] = [float(sum(c.values())) for c in self.violations]
            clauses = {clause for c in self.violations for clause in c}
            for clause in clauses:
                out[f"violations.{clause}"] = [float(c.get(clause, 0)) for c in self.violations]
        return out


def run_audited(
    scenario: Scenario,
    *,
    seed: int | None = None,
    reps: int | None = None,
    audit: bool = True,
    max_dossiers: int = 50,
    on_replication: Callable[[int, int], None] | None = None,
) -> AuditedRuns:
    """Run a scenario's replications; with `audit`, check each run's log against its policy.

    Args:
        scenario: The loaded scenario.
        seed: Base seed (default: the scenario's); replication r's run id is
            ``<scenario>-s<seed>-r<r>`` as in `simkit.run`.
        reps: Replications (default: the scenario's).
        audit: Whether to record and audit the event logs.
        max_dossiers: Case timelines kept over all runs.
        on_replication: Called with ``(done, total)`` after each replication.
    """
    seed = scenario.spec.scenario.seed if seed is None else seed
    reps = scenario.spec.scenario.replications if reps is None else reps
    rows: list[dict[str, Any]] = []
    audits: list[AuditResult] = []
    counts: list[Counter[str]] = []
    horizon = local_naive(scenario.start) + dt.timedelta(hours=scenario.spec.scenario.horizon)
    for r in range(reps):
        run_id = f"{scenario.id}-s{seed}-r{r}"
        recorder = MemoryRecorder() if audit else NullRecorder()
        model = Model(scenario, seed, r, recorder, run_id)
        counters = model.run()
        rows.extend(metric_rows(scenario, run_id, r, seed, counters))
        if isinstance(recorder, MemoryRecorder):
            left = max(0, max_dossiers - sum(len(a.timelines) for a in audits))
            checked = audit_events(
                recorder.table(),
                scenario.policy,
                facts=order_facts(model),
                as_of=horizon,
                source=run_id,
                max_dossiers=left,
            )
            audits.append(checked)
            counts.append(Counter(f.clause for f in checked.violations))
        del model, recorder
        if on_replication is not None:
            on_replication(r + 1, reps)
    result = RunResult(scenario, seed, reps, pd.DataFrame(rows), pd.DataFrame())
    return AuditedRuns(result, merge_audits(audits, scenario.id) if audit else None, counts)


def merge_audits(audits: list[AuditResult], source: str) -> AuditResult | None:
    """One audit result for several runs' audits."""
    if not audits:
        return None
    merged = AuditResult(source, audits[0].policy, audits[0].fmt)
    for a in audits:
        merged.rows += a.rows
        merged.orders += a.orders
        merged.cases += a.cases
        merged.problems += a.problems
        merged.findings += a.findings
        merged.coverage.merge(a.coverage)
        merged.timelines.update(a.timelines)
        merged.per_run.update(a.per_run)
        merged.seconds += a.seconds
        merged.as_of = max(merged.as_of, a.as_of)
    return merged
