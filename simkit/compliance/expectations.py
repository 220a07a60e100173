"""A scenario's ``expect:`` block: bounds on catalogue metrics and on violations, judged on the 95% CI.

::

    expect:
      dispute_rate: {max: 0.002}
      auto_approval_share: {min: 0.001, max: 0.05}
      violations: {max: 0}                       # conformance violations in the simulated logs
      violations.tmall.ship_promise: {max: 250}  # of one clause

A bound holds only if the whole 95% confidence interval over the replications satisfies it:
``max`` needs the CI's upper end at or below it, ``min`` its lower end at or above it. With
one replication the interval has no width. A failure reads
``scenarios/double11_surge.yaml::dispute_rate: 0.0031 ± 0.0004 > max 0.002``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simkit.compliance.findings import CLAUSES
from simkit.errors import Problem, ScenarioError, shorten
from simkit.metrics import CATALOGUE
from simkit.policy.base import suggest
from simkit.scenario.loader import Scenario

VIOLATIONS = "violations"


@dataclass(frozen=True, slots=True)
class Bound:
    """One expected bound.

    Attributes:
        metric: A catalogue metric, ``violations`` or ``violations.<clause>``.
        low: The ``min`` bound, or None.
        high: The ``max`` bound, or None.
        where: ``FILE:LINE`` where it is written.
    """

    metric: str
    low: float | None
    high: float | None
    where: str = ""

    @property
    def clause(self) -> str | None:
        """The clause of a ``violations.<clause>`` bound."""
        prefix = VIOLATIONS + "."
        return self.metric[len(prefix) :] if self.metric.startswith(prefix) else None


@dataclass(frozen=True, slots=True)
class Judged:
    """A bound judged on the replications.

    Attributes:
        bound: The bound.
        mean: Mean over the replications.
        ci_low: Lower end of the 95% CI.
        ci_high: Upper end.
        n: Replications.
        passed: Whether the whole CI satisfies the bound.
        text: ``FILE::metric: mean ± half (relation) bound``.
    """

    bound: Bound
    mean: float
    ci_low: float
    ci_high: float
    n: int
    passed: bool
    text: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "metric": self.bound.metric,
            "min": self.bound.low,
            "max": self.bound.high,
            "mean": _clean(self.mean),
            "ci_low": _clean(self.ci_low),
            "ci_high": _clean(self.ci_high),
            "n": self.n,
            "passed": self.passed,
            "text": self.text,
            "where": self.bound.where,
        }


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else value


def parse_expect(scenario: Scenario) -> list[Bound]:
    """The bounds of a scenario's ``expect:`` block, checked; `simkit validate` and `simkit check` both use it.

    Raises:
        ScenarioError: One problem per bad bound (``FILE:LINE: expect.METRIC: message``): an unknown
            metric (with a suggestion), a ``violations.<clause>`` that is no clause of the policy in
            force, a bound that is not ``{min: x, max: y}`` with finite numbers, a bound outside
            the metric's domain (a rate or share in [0, 1], a count >= 0), or ``min`` above ``max``.
    """
    block = scenario.spec.expect
    problems: list[Problem] = []
    bounds = []
    known = [*CATALOGUE, VIOLATIONS]
    clauses = sorted({*scenario.policy.rule_ids(), *CLAUSES})
    for metric, raw in block.items():
        path = f"expect.{metric}"
        file, line = scenario.where(path)
        name = str(metric)
        clause = name.removeprefix(VIOLATIONS + ".") if name.startswith(VIOLATIONS + ".") else None
        if name not in CATALOGUE and name != VIOLATIONS and clause is None:
            problems.append(Problem(file, line, path, f"unknown metric {name!r}{suggest(name, known)}"))
            continue
        if clause is not None and clause not in clauses:
            problems.append(
                Problem(
                    file,
                    line,
                    path,
                    f"{clause!r} is not a clause of policy {scenario.policy.id!r}{suggest(clause, clauses)}; "
                    "`simkit explain` and docs/rules.md list the rule ids",
                )
            )
            continue
        if not isinstance(raw, Mapping) or not raw or set(raw) - {"min", "max"}:
            problems.append(Problem(file, line, path, "a bound is {min: NUMBER, max: NUMBER} (either or both)"))
            continue
        values: dict[str, float | None] = {}
        high_limit, domain = _domain(name)
        for key in ("min", "max"):
            value = raw.get(key)
            values[key] = None
            if value is None:
                continue
            where = scenario.where(f"{path}.{key}")[1] or line
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(Problem(file, where, f"{path}.{key}", f"must be a number, got {shorten(value)}"))
            elif not math.isfinite(value):
                problems.append(Problem(file, where, f"{path}.{key}", f"must be a finite number, got {value!r}"))
            elif not 0 <= value <= high_limit:
                problems.append(Problem(file, where, f"{path}.{key}", f"{value:g} {domain}"))
            else:
                values[key] = float(value)
        low, high = values["min"], values["max"]
        if low is not None and high is not None and low > high:
            problems.append(Problem(file, line, path, f"min {low:g} is above max {high:g}"))
        bounds.append(Bound(name, low, high, f"{file}:{line}" if line else file))
    if problems:
        raise ScenarioError(problems)
    return bounds


def _domain(metric: str) -> tuple[float, str]:
    """The highest value a metric can take (the lowest is 0), and what to say of a bound outside."""
    entry = CATALOGUE.get(metric)
    if entry is not None and entry.bounded:
        return 1.0, f"is outside [0, 1]: {metric} is a {entry.kind} ({entry.unit})"
    unit = "violations" if entry is None else entry.unit
    return math.inf, f"is below 0: {metric} is never negative ({unit})"


def judge(bounds: Sequence[Bound], values: Mapping[str, Sequence[float]], file: str) -> list[Judged]:
    """Judge each bound on the per-replication values of its metric.

    Args:
        bounds: The bounds.
        values: Metric → one value per replication (``violations`` and ``violations.<clause>``
            included).
        file: The scenario file, as named in failure texts.
    """
    from simkit.experiment.stats import mean_ci

    out = []
    for bound in bounds:
        mean, low, high, n = mean_ci(list(values.get(bound.metric, [])))
        if n == 0:
            out.append(Judged(bound, mean, low, high, 0, False, f"{file}::{bound.metric}: no value"))
            continue
        shown = _pair(mean, (high - low) / 2)
        if bound.high is not None and high > bound.high:
            out.append(
                Judged(bound, mean, low, high, n, False, f"{file}::{bound.metric}: {shown} > max {bound.high:g}")
            )
        elif bound.low is not None and low < bound.low:
            out.append(Judged(bound, mean, low, high, n, False, f"{file}::{bound.metric}: {shown} < min {bound.low:g}"))
        else:
            within = " and ".join(
                part
                for part in (
                    f">= min {bound.low:g}" if bound.low is not None else "",
                    f"<= max {bound.high:g}" if bound.high is not None else "",
                )
                if part
            )
            out.append(Judged(bound, mean, low, high, n, True, f"{file}::{bound.metric}: {shown} {within}"))
    return out


def _pair(mean: float, half: float) -> str:
    """``mean ± half`` with the half-width to one significant digit and the mean to match."""
    if not half or math.isnan(half):
        return f"{mean:.4g}"
    decimals = min(8, max(0, -math.floor(math.log10(half))))
    return f"{mean:.{decimals}f} ± {round(half, decimals):.{decimals}f}"
