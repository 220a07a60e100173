"""The one result type of every rule function."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Payer = Literal["buyer", "merchant", "platform"]
AmountForm = Literal["cash", "points"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What a rule decides for one request.

    Attributes:
        allowed: Whether the request (or action) is allowed.
        outcome: A short machine-readable verdict, e.g. ``"auto_agree"``, ``"refuse"``.
        deadline: The next time limit that applies, or None.
        amount: Money in CNY, or None.
        amount_form: ``"cash"`` or ``"points"`` when there is an amount.
        payer: Who pays the return shipping, or None.
        points: Penalty points for the merchant.
        rules: Rule ids the decision rests on, most specific first.
        reason_en: One short sentence in English.
        reason_zh: The same in Chinese.
        versions: ``(parameter path, effective date)`` for every dated value used.
    """

    allowed: bool
    outcome: str
    rules: tuple[str, ...]
    reason_en: str
    reason_zh: str
    deadline: dt.datetime | None = None
    amount: float | None = None
    amount_form: AmountForm | None = None
    payer: Payer | None = None
    points: int = 0
    versions: tuple[tuple[str, str], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as printed by ``simkit explain --json``."""
        return {
            "allowed": self.allowed,
            "outcome": self.outcome,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "amount": None if self.amount is None else round(self.amount, 2),
            "amount_form": self.amount_form,
            "payer": self.payer,
            "points": self.points,
            "rules": list(self.rules),
            "reason": {"en": self.reason_en, "zh": self.reason_zh},
            "versions": dict(self.versions),
        }
