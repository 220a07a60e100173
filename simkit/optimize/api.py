"""`simkit.optimize`: a Pareto front of lever settings, searched on paired simulations, never below the legal floor.

The steps, in order:

1. the levers are parsed and cut to what the national floor allows (`simkit.optimize.levers`);
2. the current policy and every candidate Optuna proposes run on the same seeds (common random
   numbers; `simkit.optimize.evaluate`), each candidate once (a repeated proposal costs nothing),
   until the budget of simulations is spent; a candidate the floor guard refuses is never simulated;
3. the front is decided on paired differences with 95 % intervals (`simkit.optimize.decide`);
4. its members and the current policy are run again on fresh seeds with more replications, and
   members that no longer hold (dominated, or a constraint no longer met) are dropped and counted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from simkit.errors import Problem, SimkitError, UsageError, shorten
from simkit.experiment.engine import Progress
from simkit.experiment.executors import Executor, make_executor
from simkit.experiment.store import INPUTS, Store, file_digests
from simkit.experiment.tasks import batch_size
from simkit.optimize.decide import ROBUST, Judge, pareto_means
from simkit.optimize.evaluate import Candidate, Evaluator
from simkit.optimize.hypervolume import Box, hypervolume
from simkit.optimize.levers import Lever, bound_by_floor, check_distinct, floor_violations, parse_lever
from simkit.optimize.objectives import Constraint, Objective, parse_constraint, parse_objective
from simkit.optimize.objectives import check_distinct as check_objectives
from simkit.optimize.result import OptimizeResult, build_front
from simkit.optimize.search import Search

MAX_BUDGET = 1_000_000
"""The most simulations a search may be given."""
MAX_REPS = 10_000
"""Replications per candidate (as for every experiment; two at least, for a paired interval)."""
MAX_SAMPLES = 1_000
"""Uncertainty samples."""
DEFAULT_SAMPLES = 4
"""Uncertainty samples when ``--uncertain-samples`` is not given."""
STALL_BATCHES = 20
"""Stop when this many batches in a row propose nothing new (a small space is exhausted)."""
RECHECK_SEED_OFFSET = 1_000_003
"""The re-check runs on seed + this: fresh seeds, the same for every member and the current policy."""
SEEDS = 2**64
"""Seeds are 64-bit: the re-check's seed wraps around (a base seed near the top stays a valid seed)."""


def optimize(
    scenario: str | Path,
    levers: Sequence[str],
    objectives: Sequence[str | Objective],
    *,
    constraints: Sequence[str | Constraint] = (),
    budget: int = 300,
    reps: int | None = None,
    recheck_reps: int | None = None,
    sampler: str = "nsga2",
    population: int | None = None,
    seed: int | None = None,
    uncertain: Sequence[str] = (),
    uncertain_samples: int | None = None,
    robust: str | None = None,
    overrides: Sequence[str] = (),
    variants: Sequence[str | Path] = (),
    executor: str | Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> OptimizeResult:
    """Search lever settings for a Pareto front within the legal floor.

    Args:
        scenario: The scenario file.
        levers: ``path=lo:hi`` or ``path=a,b,c`` (paths `simkit params` lists).
        objectives: ``METRIC[:min|max]`` (catalogue metrics; the catalogue's direction by default).
        constraints: ``METRIC<=VALUE`` / ``METRIC>=VALUE``: must hold with 95 % confidence.
        budget: Simulations (candidate × replication × uncertainty sample) the search may spend,
            the current policy's included; the re-check comes on top (`OptimizeResult.simulations`).
        reps: Replications per candidate (default: the scenario's).
        recheck_reps: Replications of the re-check on fresh seeds (default: twice `reps`).
        sampler: ``nsga2``, ``nsga3``, ``tpe``, ``random`` or ``qmc`` (Optuna's samplers).
        population: Candidates proposed per batch (default: 10, or the workers' count if larger).
        seed: The seed of the simulations and of the sampler (default: the scenario's).
        uncertain: ``path=lo:hi`` behaviour assumptions; every candidate runs at the same
            Latin hypercube sample of them.
        uncertain_samples: How many uncertainty samples (default 4; only with `uncertain`).
        robust: Over the samples, ``worst`` (each objective's worst case, the default) or ``regret``
            (only with `uncertain`).
        overrides: ``--set`` overrides for every candidate.
        variants: Policy variant files for every candidate.
        executor: ``local``, ``serial``, ``dask`` or an `Executor`.
        workers: Worker processes.
        address: An existing Dask scheduler.
        out: A directory for resumable results (an experiment store).
        resume: Complete an interrupted search in `out` (the same front as an uninterrupted run).
        progress: Called with (simulations done, simulations in the current call).

    Raises:
        UsageError: Unknown metric or path, inverted range, budget 0, a constraint of the wrong
            kind, a lever whose every value is below the legal floor (the clause named).
    """
    from simkit.scenario import load_scenario

    file = str(Path(scenario))
    variant_files = [str(v) for v in variants]
    base = load_scenario(file, list(overrides), variant_files)
    seed = base.spec.scenario.seed if seed is None else seed
    reps = base.spec.scenario.replications if reps is None else reps
    recheck_reps = 2 * reps if recheck_reps is None else recheck_reps
    for flag, given in (("--uncertain-samples", uncertain_samples), ("--robust", robust)):
        if given is not None and not uncertain:
            raise _usage(flag, "needs --uncertain path=lo:hi: without uncertainties there is nothing to sample")
    uncertain_samples = DEFAULT_SAMPLES if uncertain_samples is None else uncertain_samples
    robust = "worst" if robust is None else robust
    _check_counts(budget, reps, recheck_reps, uncertain_samples, robust)
    goals = [o if isinstance(o, Objective) else parse_objective(o) for o in objectives]
    bounds = [c if isinstance(c, Constraint) else parse_constraint(c) for c in constraints]
    if not goals:
        raise _usage("--objective", "a search needs at least one --objective METRIC[:min|max]")
    check_objectives(goals)
    parameters = base.parameters()
    parsed = [parse_lever(parameters, text) for text in levers]
    if not parsed:
        raise _usage("--lever", "a search needs at least one --lever path=lo:hi or path=a,b,c")
    check_distinct(parsed)
    violations = floor_violations(file, list(overrides), variant_files)
    bounded = [bound_by_floor(lever, violations) for lever in parsed]
    samples = _samples(parameters, uncertain, uncertain_samples, seed, bounded)
    _check_values(file, list(overrides), variant_files, bounded, samples)
    if budget < reps * len(samples):
        raise _usage(
            "--budget", f"{budget} simulations cannot run one candidate ({reps} reps × {len(samples)} samples)"
        )
    definition = {
        "kind": "optimize",
        "scenario": file,
        "scenario_text": Path(file).read_text(encoding="utf-8"),
        "levers": [lever.to_dict() for lever in bounded],
        "objectives": [o.label for o in goals],
        "constraints": [c.text for c in bounds],
        "uncertain": list(uncertain),
        "uncertain_samples": uncertain_samples if uncertain else 0,
        "robust": robust,
        "overrides": list(overrides),
        "variants": variant_files,
        INPUTS: file_digests([*base.policy.files, *base.policy.variants]),
        "budget": budget,
        "reps": reps,
        "recheck_reps": recheck_reps,
        "sampler": sampler,
        "population": population,
        "seed": seed,
    }
    store = Store(out, definition, resume) if out is not None else None
    orders = base.spec.orders.count or len(base.spec.orders.times or [])
    notes: list[str] = []
    runner = make_executor(executor, workers, address) if isinstance(executor, str) else executor
    size = population or max(10, runner.workers)
    try:
        evaluator = Evaluator(
            file, overrides, variant_files, samples, runner, store, batch_size(orders, reps), progress
        )
        state = _search(evaluator, bounded, goals, bounds, violations, sampler, seed, size, budget, reps, robust)
        result = _recheck(evaluator, state, bounded, goals, bounds, robust, seed, reps, recheck_reps)
    finally:
        if isinstance(executor, str):
            runner.close()
    result.notes.extend(notes + state["notes"])
    result.definition = definition
    if store is not None:
        store.finish(result.table, result.front)
    return result


def _search(
    evaluator: Evaluator,
    levers: list[Lever],
    goals: list[Objective],
    bounds: list[Constraint],
    violations: Any,
    sampler: str,
    seed: int,
    population: int,
    budget: int,
    reps: int,
    robust: str,
) -> dict[str, Any]:
    """Ask, guard, evaluate, tell until the budget is spent; returns the search's state."""
    current = Candidate(tuple((lever.path, lever.current) for lever in levers))
    search = Search(levers, len(goals), sampler, seed, population)
    cost = reps * len(evaluator.samples)
    order = [current.key]
    candidates = {current.key: current}
    t0 = time.perf_counter()
    evaluator.evaluate([current], "search", seed, reps)
    simulate = time.perf_counter() - t0
    own, trials, refused, stall = 0.0, 0, 0, 0
    history: list[tuple[int, int]] = [(evaluator.simulations, 1)]
    notes: list[str] = []
    refused_keys: set[str] = set()
    while evaluator.simulations + cost <= budget:
        t0 = time.perf_counter()
        room = (budget - evaluator.simulations) // cost
        asked: list[tuple[Any, Candidate]] = []
        fresh: dict[str, Candidate] = {}
        for _ in range(population):
            trial, candidate = search.ask()
            trials += 1
            if candidate.key in refused_keys or violations(candidate.values):
                refused_keys.add(candidate.key)
                search.fail(trial)
                continue
            known = candidate.key in candidates
            if not known and candidate.key not in fresh:
                if len(fresh) >= room:
                    search.fail(trial)
                    continue
                fresh[candidate.key] = candidate
            asked.append((trial, candidate))
        own += time.perf_counter() - t0
        t0 = time.perf_counter()
        found = evaluator.evaluate(list(fresh.values()), "search", seed, reps)
        simulate += time.perf_counter() - t0
        t0 = time.perf_counter()
        for key, candidate in fresh.items():
            candidates[key] = candidate
            order.append(key)
        judge = Judge(found, goals, bounds, robust, order)
        for trial, candidate in asked:
            search.tell(trial, judge.point(candidate.key).tolist(), [judge.slack(candidate.key, c) for c in bounds])
        history.append((evaluator.simulations, len(order)))
        stall = 0 if fresh else stall + 1
        own += time.perf_counter() - t0
        if stall >= STALL_BATCHES:
            notes.append(f"the search stopped after {STALL_BATCHES} batches proposed nothing new (the space is small)")
            break
    refused = len(refused_keys)
    return {
        "current": current,
        "candidates": candidates,
        "order": order,
        "history": history,
        "refused": refused,
        "timing": {"simulate_s": simulate, "optimiser_s": own, "trials": trials},
        "notes": notes,
        "search_simulations": evaluator.simulations,
    }


def _recheck(
    evaluator: Evaluator,
    state: dict[str, Any],
    levers: list[Lever],
    goals: list[Objective],
    bounds: list[Constraint],
    robust: str,
    seed: int,
    reps: int,
    recheck_reps: int,
) -> OptimizeResult:
    """Decide the front on the search's evaluations, re-run it on fresh seeds, drop what no longer holds."""
    order: list[str] = state["order"]
    candidates: dict[str, Candidate] = state["candidates"]
    current: Candidate = state["current"]
    found = evaluator.phases["search"]
    judge = Judge(found, goals, bounds, robust, order)
    members, dominance = judge.front(order)
    points = np.array([judge.point(k) for k in order])
    feasible = [judge.feasible(k) for k in order]
    rechecked = evaluator.evaluate(
        [candidates[k] for k in members] + [current], "recheck", (seed + RECHECK_SEED_OFFSET) % SEEDS, recheck_reps
    )
    again = Judge(rechecked, goals, bounds, robust, [*members, current.key])
    kept, _ = again.front(members)
    dropped = [k for k in members if k not in kept]
    front = build_front(kept, candidates, current, levers, goals, again)
    final = np.array([again.point(k) for k in kept]) if kept else np.zeros((0, len(goals)))
    # the box holds the re-checked front too: its fresh-seed means may lie beyond the search's
    box = Box.around(np.vstack([points[np.array(feasible)] if any(feasible) else points, final]))
    hv_history = []
    for sims, count in state["history"]:
        keys = [k for k, ok in zip(order[:count], feasible[:count], strict=True) if ok]
        pts = np.array([judge.point(k) for k in keys]) if keys else np.zeros((0, len(goals)))
        hv_history.append((sims, hypervolume(pts[pareto_means(pts)] if len(pts) else pts, box)))
    return OptimizeResult(
        front=front,
        table=evaluator.table(),
        levers=levers,
        objectives=goals,
        constraints=bounds,
        candidates=_candidates(order, candidates, judge, members, goals),
        current=current.as_dict(),
        current_values={o.metric: float(again.point(current.key)[i] * o.sign) for i, o in enumerate(goals)},
        dominance=dominance,
        dropped=dropped,
        refused=state["refused"],
        simulations={
            "search": state["search_simulations"],
            "recheck": evaluator.simulations - state["search_simulations"],
        },
        hypervolume=hypervolume(final, box),
        hv_history=hv_history,
        box=box,
        timing=state["timing"],
        seed=seed,
        reps=reps,
        recheck_reps=recheck_reps,
    )


def _candidates(
    order: list[str], candidates: dict[str, Candidate], judge: Judge, members: list[str], goals: list[Objective]
) -> Any:
    import pandas as pd

    rows = []
    for number, key in enumerate(order):
        point = judge.point(key)
        row: dict[str, Any] = {"candidate": key, "evaluated": number}
        row.update({f"param:{p}": v for p, v in candidates[key].values})
        row.update({o.metric: float(point[i] * o.sign) for i, o in enumerate(goals)})
        row.update(feasible=judge.feasible(key), front=key in members, current=number == 0)
        rows.append(row)
    return pd.DataFrame(rows)


def _samples(
    parameters: dict[str, Any], uncertain: Sequence[str], n: int, seed: int, levers: list[Lever]
) -> list[dict[str, str]]:
    """The uncertainty samples (a Latin hypercube over the ``--uncertain`` ranges), or one empty sample."""
    if not uncertain:
        return [{}]
    from simkit.experiment.design import build_design

    try:
        design = build_design(parameters, ranges=list(uncertain), lhs=n, seed=seed)
    except UsageError as exc:
        raise UsageError(
            [Problem(p.file, p.line, p.path, p.message.replace("--range", "--uncertain")) for p in exc.problems]
        ) from None
    both = {r.path for r in design.ranges} & {lever.path for lever in levers}
    if both:
        raise _usage(sorted(both)[0], "a parameter cannot be both a --lever and --uncertain")
    return design.points()


def _check_values(
    scenario: str, overrides: list[str], variants: list[str], levers: list[Lever], samples: list[dict[str, str]]
) -> None:
    """Load the scenario at each end of every lever (each choice) and at each uncertainty sample.

    A value the scenario refuses (a staff count below 1, a share above 1) is refused here, before
    anything runs, rather than by the simulation that first draws it.

    Raises:
        SimkitError: The scenario's problem, with the option and the value that caused it.
    """
    from simkit.scenario import load_scenario

    settings: list[tuple[str, dict[str, str]]] = []
    for lever in levers:
        ends = lever.choices if lever.range is None else (lever.range.value(0.0), lever.range.value(1.0))
        settings += [("--lever", {lever.path: value}) for value in dict.fromkeys(ends)]
    settings += [("--uncertain", sample) for sample in samples if sample]
    for flag, setting in settings:
        try:
            load_scenario(scenario, [*overrides, *(f"{p}={v}" for p, v in setting.items())], variants)
        except SimkitError as exc:
            raise SimkitError(
                [
                    replace(p, message=f"{flag} value {shorten(setting[p.path])}: {p.message}")
                    if p.path in setting
                    else p
                    for p in exc.problems
                ]
            ) from None


def _check_counts(budget: int, reps: int, recheck_reps: int, samples: int, robust: str) -> None:
    for flag, value, low, high in (
        ("--budget", budget, 1, MAX_BUDGET),
        ("--reps", reps, 2, MAX_REPS),
        ("--recheck-reps", recheck_reps, 2, MAX_REPS),
        ("--uncertain-samples", samples, 1, MAX_SAMPLES),
    ):
        if not low <= value <= high:
            raise _usage(flag, f"must be between {low} and {high}, got {shorten(value, 100)}")
    if robust not in ROBUST:
        raise _usage("--robust", f"expected one of {', '.join(ROBUST)}, got {robust!r}")


def _usage(flag: str, message: str) -> UsageError:
    return UsageError(Problem("<cli>", 0, flag, message))
