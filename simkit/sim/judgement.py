"""Whether a buyer's claim holds, as the merchant and as the arbiter read it.

A claim (quality, description mismatch, damage, …) is *founded* with the probability
``buyers.evidence``. The merchant and the platform's arbiter each read it on their own
and misread it with their own probability (``merchants.misjudge``, ``arbiters.misjudge``),
from their own random streams. So a merchant who follows the rules still refuses some
founded claims, and the arbiter overturns most of those refusals: penalty points accrue
where the platform finds the merchant at fault.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simkit.sim.plan import U_ARBITER_READS, U_EVIDENCE, U_MERCHANT_READS, U_SEVERITY

if TYPE_CHECKING:
    from simkit.sim.model import Case, Model

SEVERITIES = ("severe", "serious", "minor")


def founded(m: Model, c: Case) -> bool:
    """Whether the buyer's claim really holds."""
    return bool(c.u[U_EVIDENCE] < m.spec.buyers.evidence)


def merchant_finds_for_buyer(m: Model, c: Case) -> bool:
    """The merchant's reading of the claim."""
    return founded(m, c) != bool(c.u[U_MERCHANT_READS] < m.spec.merchants.misjudge)


def arbiter_finds_for_buyer(m: Model, c: Case) -> bool:
    """The arbiter's reading of the claim."""
    return founded(m, c) != bool(c.u[U_ARBITER_READS] < m.spec.arbiters.misjudge)


def severity(m: Model, c: Case) -> str:
    """How severe an upheld description mismatch is (weights ``arbiters.severity``)."""
    weights = m.spec.arbiters.severity
    names = [name for name in SEVERITIES if weights.get(name, 0.0) > 0]  # type: ignore[call-overload]
    cdf = np.cumsum([weights[name] for name in names])  # type: ignore[index]
    pick = int(np.searchsorted(cdf / cdf[-1], c.u[U_SEVERITY], side="right"))
    return names[min(pick, len(names) - 1)]
