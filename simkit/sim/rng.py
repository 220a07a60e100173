"""Random streams: one numpy Generator per stochastic source, spawned from the seed.

Every source draws from its own stream, so that a change in one part of the model (or
in the policy) does not shift the numbers another part sees: variants run on common
random numbers. There is no module-level random state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simkit.scenario.schema import DurationDist, PriceDist

SOURCES = ("arrivals", "issues", "buyer", "merchant", "arbiter", "logistics")


@dataclass(frozen=True, slots=True)
class Streams:
    """The generators of one replication, one per source."""

    arrivals: np.random.Generator
    issues: np.random.Generator
    buyer: np.random.Generator
    merchant: np.random.Generator
    arbiter: np.random.Generator
    logistics: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int, replication: int = 0) -> Streams:
        """Streams for replication `replication` of `seed` (the same under every variant)."""
        root = np.random.SeedSequence(seed, spawn_key=(replication,))
        children = root.spawn(len(SOURCES))
        return cls(*(np.random.Generator(np.random.PCG64(child)) for child in children))


def sample(dist: DurationDist | PriceDist, rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` independent draws from `dist` (vectorised; always consumes the same amount of the stream)."""
    kind = dist.dist
    if kind == "fixed":
        return np.full(n, float(dist.value or 0.0))
    if kind == "exponential":
        return rng.exponential(float(dist.mean or 0.0), n)
    if kind == "lognormal":
        return float(dist.median or 0.0) * np.exp(float(dist.sigma or 0.0) * rng.standard_normal(n))
    if kind == "uniform":
        return rng.uniform(float(dist.low or 0.0), float(dist.high or 0.0), n)
    shape = float(dist.shape or 1.0)
    return rng.gamma(shape, float(dist.mean or 0.0) / shape, n)
