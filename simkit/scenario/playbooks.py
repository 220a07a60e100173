"""Built-in merchant playbooks. A playbook is data: scenarios may define their own.

A scenario's ``playbooks:`` section may add playbooks or extend one with ``base:``;
``merchants.playbook`` names one of them (or a built-in) or is written inline.
"""

from __future__ import annotations

from simkit.scenario.schema import PlaybookSpec

BUILTIN: dict[str, PlaybookSpec] = {
    "agree_all": PlaybookSpec(default="agree"),
    "by_the_rules": PlaybookSpec(default="by_the_rules"),
    "compensation_first": PlaybookSpec(
        default="offer",
        reasons={"changed_mind": "by_the_rules", "not_received": "agree", "out_of_stock": "agree"},
    ),
    "stall": PlaybookSpec(default="stall", confirm_returns="late"),
    "refuse_all": PlaybookSpec(default="refuse"),
}
"""Playbooks every scenario may name: agree to everything; agree where the rules oblige and
refuse otherwise; offer a small compensation first, refunding when it is declined; answer
late so that every timer fires; refuse everything."""


def merge(base: PlaybookSpec, over: PlaybookSpec, fields: set[str]) -> PlaybookSpec:
    """`over` on top of `base`: fields written in `over` win, reasons merge key by key."""
    update = {name: getattr(over, name) for name in fields if name not in ("base", "reasons")}
    update["reasons"] = {**base.reasons, **over.reasons}
    update["base"] = None
    return base.model_copy(update=update)
