"""The optimiser: Optuna's samplers propose lever settings; our code decides what they are worth.

Optuna asks for a batch of trials (a generation for NSGA-II), the candidates are evaluated
together (so every worker is busy), and the means are told back, oriented so that every
objective is minimised. A constraint is told as the far end of its 95 % interval past the bound
(``<= 0``: it holds), which Optuna's constrained samplers use to prefer feasible settings.
A setting the floor guard refuses is told as failed and never simulated.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from simkit.errors import Problem, UsageError
from simkit.optimize.evaluate import Candidate
from simkit.optimize.levers import Lever

SAMPLERS = ("nsga2", "nsga3", "tpe", "random", "qmc")
"""Samplers by name (Optuna's NSGAIISampler, NSGAIIISampler, TPESampler, RandomSampler, QMCSampler)."""


def make_sampler(name: str, seed: int, population: int) -> Any:
    """The Optuna sampler named `name`, seeded.

    Raises:
        UsageError: An unknown name.
    """
    import optuna

    seed = seed % 2**32
    with warnings.catch_warnings():  # NSGA-III and QMC are "experimental" in Optuna: the user chose them by name
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = _sampler(optuna, name, seed, population)
    if sampler is None:
        raise UsageError(Problem("<cli>", 0, "--sampler", f"unknown sampler {name!r}: use {', '.join(SAMPLERS)}"))
    return sampler


def _sampler(optuna: Any, name: str, seed: int, population: int) -> Any:
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
    if name == "nsga3":
        return optuna.samplers.NSGAIIISampler(population_size=population, seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=population)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "qmc":
        return optuna.samplers.QMCSampler(seed=seed, qmc_type="sobol", scramble=True)
    return None


class Search:
    """An Optuna study over the levers, driven by ask and tell.

    Args:
        levers: The (floor-bounded) levers.
        objectives: How many objectives (all minimised, oriented by the caller).
        sampler: A sampler name.
        seed: The seed.
        population: Trials per batch.
    """

    def __init__(self, levers: Sequence[Lever], objectives: int, sampler: str, seed: int, population: int) -> None:
        import optuna
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        self.levers = list(levers)
        self.study = optuna.create_study(
            directions=["minimize"] * objectives, sampler=make_sampler(sampler, seed, population)
        )
        self.distributions: dict[str, Any] = {}
        for lever in self.levers:
            if lever.range is None:
                self.distributions[lever.path] = CategoricalDistribution(list(lever.choices))
            elif lever.range.integer:
                self.distributions[lever.path] = IntDistribution(int(lever.range.lo), int(lever.range.hi))
            else:
                self.distributions[lever.path] = FloatDistribution(lever.range.lo, lever.range.hi)

    def ask(self) -> tuple[Any, Candidate]:
        """A new trial and the candidate it proposes (values as override text)."""
        trial = self.study.ask(self.distributions)
        values = tuple((lever.path, lever.value(trial.params[lever.path])) for lever in self.levers)
        return trial, Candidate(values)

    def tell(self, trial: Any, values: Sequence[float], slacks: Sequence[float]) -> None:
        """Report a trial's oriented objective means and its constraint slacks."""
        for number, slack in enumerate(slacks):
            trial.set_constraint(f"c{number}", float(slack))
        self.study.tell(trial, [float(v) for v in values])

    def fail(self, trial: Any) -> None:
        """Report a trial that was not simulated (the floor guard refused it)."""
        import optuna

        self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
