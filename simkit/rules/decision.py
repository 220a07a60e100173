"""The one result type of every rule function."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, NamedTuple, get_args

Payer = Literal["buyer", "merchant", "platform"]
Party = Literal["buyer", "merchant"]
AmountForm = Literal["cash", "points"]
DeadlineKind = Literal[
    "answer_by",
    "window_end",
    "file_by",
    "opens_at",
    "new_period_end",
    "ship_by",
    "ship_return_by",
    "confirm_receipt_by",
    "refund_by",
    "violation_after",
    "auto_confirm_at",
    "settles_at",
    "duty_end",
]
DEADLINE_KINDS: tuple[str, ...] = get_args(DeadlineKind)
"""What a deadline is:

- ``answer_by``: the merchant must answer by then, else the request is approved automatically;
- ``window_end``: the end of a period or window (after-sale, no-reason, remedy), passed or not;
- ``file_by``: the last moment to file (after a reopening, a complaint, an escalation);
- ``opens_at``: the earliest moment the request may be made (intervention, late-shipment claim);
- ``new_period_end``: the after-sale period's end after an extension;
- ``ship_by``: the merchant must ship by then;
- ``ship_return_by``: the buyer must ship the return by then, else the return closes;
- ``confirm_receipt_by``: the merchant must confirm the returned goods by then, else the platform refunds;
- ``refund_by``: the merchant must refund by then (the law: 7 days after receiving the return);
- ``violation_after``: unhandled beyond this moment is a violation (the law: 15 days);
- ``auto_confirm_at``: receipt is confirmed automatically at this moment;
- ``settles_at``: the payment settles to the merchant at this moment;
- ``duty_end``: the merchant's after-sale duty after a store exit ends.
"""

CHINA = dt.timezone(dt.timedelta(hours=8), "+08:00")
"""China local time (Asia/Shanghai has had no daylight saving time since 1991)."""


def china_time(moment: dt.datetime) -> dt.datetime:
    """`moment` as a China local time with its offset; a naive time is taken to be China local time."""
    return moment.replace(tzinfo=CHINA) if moment.tzinfo is None else moment.astimezone(CHINA)


def iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 with the +08:00 offset (None stays None)."""
    return None if moment is None else china_time(moment).isoformat()


class _Fields(NamedTuple):
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
    versions: tuple[tuple[str, str], ...] = ()
    deadline_kind: DeadlineKind | None = None
    advance_payer: Payer | None = None
    burden_of_proof: Party | None = None
    timeline: tuple[tuple[DeadlineKind, dt.datetime], ...] = ()


_KINDS = frozenset(DEADLINE_KINDS)
_new = tuple.__new__


class Decision(_Fields):
    """What a rule decides for one request (immutable; ``_replace`` gives a changed copy).

    A named tuple rather than a frozen dataclass: the simulation builds a few hundred
    thousand of them per million orders, and a tuple is built three times faster.

    Attributes:
        allowed: Whether the request (or action) is allowed.
        outcome: A short machine-readable verdict, e.g. ``"auto_agree"``, ``"refuse"``.
        rules: Rule ids the decision rests on, most specific first.
        reason_en: One short sentence in English.
        reason_zh: The same in Chinese.
        deadline: The next time limit that applies, or None.
        amount: Money in CNY, or None.
        amount_form: ``"cash"`` or ``"points"`` when there is an amount.
        payer: Who pays the return shipping, or None.
        points: Penalty points for the merchant.
        versions: ``(parameter path, effective date)`` for every dated value used.
        deadline_kind: What `deadline` is (one of `DEADLINE_KINDS`); set exactly when there is a deadline.
        advance_payer: Who advances the money to the buyer before liability is settled
            (Tmall's 先行赔付: ``"platform"``), or None.
        burden_of_proof: Who must prove their side (e.g. a refused delivery), or None.
        timeline: Further time limits that apply besides `deadline`, as ``(kind, moment)``.

    Raises:
        ValueError: When `deadline` and `deadline_kind` do not go together, or the kind is unknown.
    """

    __slots__ = ()

    def __new__(
        cls,
        allowed: bool,
        outcome: str,
        rules: tuple[str, ...],
        reason_en: str,
        reason_zh: str,
        deadline: dt.datetime | None = None,
        amount: float | None = None,
        amount_form: AmountForm | None = None,
        payer: Payer | None = None,
        points: int = 0,
        versions: tuple[tuple[str, str], ...] = (),
        deadline_kind: DeadlineKind | None = None,
        advance_payer: Payer | None = None,
        burden_of_proof: Party | None = None,
        timeline: tuple[tuple[DeadlineKind, dt.datetime], ...] = (),
    ) -> Decision:
        if (deadline is None) != (deadline_kind is None):
            raise ValueError(
                f"a decision's deadline and deadline_kind go together "
                f"(deadline={deadline!r}, deadline_kind={deadline_kind!r}, outcome={outcome!r})"
            )
        if deadline_kind is not None and deadline_kind not in _KINDS:
            raise ValueError(f"unknown deadline_kind {deadline_kind!r}")
        return tuple.__new__(
            cls,
            (
                allowed,
                outcome,
                rules,
                reason_en,
                reason_zh,
                deadline,
                amount,
                amount_form,
                payer,
                points,
                versions,
                deadline_kind,
                advance_payer,
                burden_of_proof,
                timeline,
            ),
        )

    @classmethod
    def of_deadline(
        cls,
        allowed: bool,
        outcome: str,
        rules: tuple[str, ...],
        reason_en: str,
        reason_zh: str,
        deadline: dt.datetime,
        deadline_kind: DeadlineKind,
        versions: tuple[tuple[str, str], ...],
    ) -> Decision:
        """The decision ``Decision(allowed, outcome, rules, reason_en, reason_zh, deadline=deadline,
        deadline_kind=deadline_kind, versions=versions)``, built without the keyword binding
        (a third of the cost: the window rules answer the simulation's every request).

        Raises:
            ValueError: When there is no deadline or its kind is unknown.
        """
        if deadline is None or deadline_kind not in _KINDS:
            return cls(
                allowed, outcome, rules, reason_en, reason_zh, deadline=deadline, deadline_kind=deadline_kind
            )  # raises the constructor's own error
        fields = (allowed, outcome, rules, reason_en, reason_zh, deadline, None, None, None, 0, versions, deadline_kind)
        return _new(cls, (*fields, None, None, ()))

    def _replace(self, **changes: Any) -> Decision:
        """A copy with `changes` (checked like a new decision)."""
        return Decision(**{**self._asdict(), **changes})

    def _repr_html_(self) -> str:
        """The decision as an HTML table (notebooks), its fields in `to_dict` order."""
        from simkit._html import fields

        data = self.to_dict()
        reason = data.pop("reason")
        data["versions"] = [f"{path} since {since}" for path, since in data["versions"].items()]
        data["timeline"] = [f"{item['kind']} {item['at']}" for item in data["timeline"]]
        return fields([*data.items(), ("reason_en", reason["en"]), ("reason_zh", reason["zh"])], "Decision")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as printed by ``simkit explain --json``; times carry their +08:00 offset."""
        return {
            "allowed": self.allowed,
            "outcome": self.outcome,
            "deadline": iso(self.deadline),
            "deadline_kind": self.deadline_kind,
            "amount": None if self.amount is None else round(self.amount, 2),
            "amount_form": self.amount_form,
            "payer": self.payer,
            "advance_payer": self.advance_payer,
            "burden_of_proof": self.burden_of_proof,
            "points": self.points,
            "rules": list(self.rules),
            "reason": {"en": self.reason_en, "zh": self.reason_zh},
            "versions": dict(self.versions),
            "timeline": [{"kind": kind, "at": iso(moment)} for kind, moment in self.timeline],
        }
