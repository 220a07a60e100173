"""Random streams: one numpy Generator per stochastic source, spawned from the seed.

Every source draws from its own stream, so that a change in one part of the model (or
in the policy) does not shift the numbers another part sees: variants run on common
random numbers. There is no module-level random state.

The numbers of an after-sale case come from *order rows*: for each source, one row of
uniforms per order id, drawn for every order in id order from a stream of their own
(`order_rows`). A case reads the row of its order, so whether other cases exist (a
variant that adds late-shipment claims, say) never changes its numbers. Uniforms become
durations through each distribution's quantile function (`quantile`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from simkit.scenario.schema import DurationDist, PriceDist

SOURCES = ("arrivals", "issues", "buyer", "merchant", "arbiter", "logistics")
_ROWS_KEY = 1
"""Spawn-key tag of the order-row streams (apart from the bulk streams, tag 0)."""
_CASE_KEY = 2
"""Spawn-key tag of a case's own generator (numbers only some cases need, drawn when needed)."""
_CHUNK = 65_536
"""Orders per block when drawing order rows (bounds memory; the numbers do not depend on it)."""


@dataclass(frozen=True, slots=True)
class Streams:
    """The generators of one replication, one per source."""

    arrivals: np.random.Generator
    issues: np.random.Generator
    buyer: np.random.Generator
    merchant: np.random.Generator
    arbiter: np.random.Generator
    logistics: np.random.Generator
    seed: int = 0
    replication: int = 0

    @classmethod
    def from_seed(cls, seed: int, replication: int = 0) -> Streams:
        """Streams for replication `replication` of `seed` (the same under every variant)."""
        root = np.random.SeedSequence(seed, spawn_key=(replication,))
        children = root.spawn(len(SOURCES))
        arrivals, issues, buyer, merchant, arbiter, logistics = (
            np.random.Generator(np.random.PCG64(child)) for child in children
        )
        return cls(arrivals, issues, buyer, merchant, arbiter, logistics, seed, replication)

    def order_rows(
        self, source: str, columns: int, select: np.ndarray, *, first: int = 0, table: int = 0
    ) -> np.ndarray:
        """Rows `select` of an endless table of uniforms in [0, 1), `columns` per order, for `source`.

        Row ``i`` depends only on the seed, the replication, the source and ``i`` (given the
        column count), never on which rows are selected: the stream is advanced straight to
        row `first`, so a window of orders costs its own rows only.

        Args:
            source: One of `SOURCES`.
            columns: Uniforms per order.
            select: Sorted, unique order ids (all >= `first`) whose rows are wanted.
            first: An order id at or below ``select[0]`` (where drawing starts).
            table: Another table of the same source (e.g. 1 for per-merchant rows).
        """
        out = np.empty((select.size, columns))
        if select.size == 0:
            return out
        index = SOURCES.index(source)
        sequence = np.random.SeedSequence(self.seed, spawn_key=(self.replication, _ROWS_KEY, index, table))
        generator = np.random.PCG64(sequence)
        generator.advance(first * columns)  # one 64-bit draw per uniform: the same rows as drawing them all
        rng = np.random.Generator(generator)
        last = int(select[-1]) + 1
        cut = np.searchsorted(select, np.arange(first, last + _CHUNK, _CHUNK))
        for block, start in enumerate(range(first, last, _CHUNK)):
            rows = rng.random((min(_CHUNK, last - start), columns))
            lo, hi = cut[block], cut[block + 1]
            if hi > lo:
                out[lo:hi] = rows[select[lo:hi] - start]
        return out

    def case_generator(self, source: str, order: int, case_no: int) -> np.random.Generator:
        """A generator of one case's own, for numbers only rare paths need (e.g. each come-back
        after an extension); it depends only on the seed, replication, source and case."""
        index = SOURCES.index(source)
        sequence = np.random.SeedSequence(self.seed, spawn_key=(self.replication, _CASE_KEY, index, order, case_no))
        return np.random.Generator(np.random.PCG64(sequence))


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


def quantile(dist: DurationDist | PriceDist, u: np.ndarray) -> np.ndarray:
    """The `u`-quantiles of `dist` (inverse CDF): uniforms in [0, 1) turned into draws."""
    kind = dist.dist
    if kind == "fixed":
        return np.full(u.shape, float(dist.value or 0.0))
    if kind == "exponential":
        return np.asarray(-float(dist.mean or 0.0) * np.log1p(-u))
    if kind == "lognormal":
        return np.asarray(float(dist.median or 0.0) * np.exp(float(dist.sigma or 0.0) * special.ndtri(u)))
    if kind == "uniform":
        low = float(dist.low or 0.0)
        return np.asarray(low + u * (float(dist.high or 0.0) - low))
    shape = float(dist.shape or 1.0)
    return np.asarray(special.gammaincinv(shape, u) * (float(dist.mean or 0.0) / shape))
