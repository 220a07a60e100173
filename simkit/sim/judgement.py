"""Whether a buyer's claim holds, as the merchant and as the arbiter read it.

A claim (quality, description mismatch, damage, …) is *founded* with the probability
``buyers.evidence``. The merchant and the platform's arbiter each read it on their own
and misread it with their own probability (``merchants.misjudge``, ``arbiters.misjudge``),
from their own random streams. So a merchant who follows the rules still refuses some
founded claims, and the arbiter overturns most of those refusals: penalty points accrue
where the platform finds the merchant at fault.
"""

from __future__ import annotations

import numpy as np

from simkit.sim.plan import U_ARBITER_READS, U_EVIDENCE, U_MERCHANT_READS, U_SEVERITY
from simkit.sim.state import Case, Simulation

SEVERITIES = ("severe", "serious", "minor")


def founded(model: Simulation, case: Case) -> bool:
    """Whether the buyer's claim really holds."""
    return bool(case.u[U_EVIDENCE] < model.spec.buyers.evidence)


def merchant_finds_for_buyer(model: Simulation, case: Case) -> bool:
    """The merchant's reading of the claim."""
    return founded(model, case) != bool(case.u[U_MERCHANT_READS] < model.spec.merchants.misjudge)


def arbiter_finds_for_buyer(model: Simulation, case: Case) -> bool:
    """The arbiter's reading of the claim."""
    return founded(model, case) != bool(case.u[U_ARBITER_READS] < model.spec.arbiters.misjudge)


def severity(model: Simulation, case: Case) -> str:
    """How severe an upheld description mismatch is (weights ``arbiters.severity``)."""
    weights = model.spec.arbiters.severity
    names = [name for name in SEVERITIES if weights.get(name, 0.0) > 0]  # type: ignore[call-overload]
    cdf = np.cumsum([weights[name] for name in names])  # type: ignore[index]
    pick = int(np.searchsorted(cdf / cdf[-1], case.u[U_SEVERITY], side="right"))
    return names[min(pick, len(names) - 1)]
