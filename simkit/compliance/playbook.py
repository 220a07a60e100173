"""Static playbook checks: a merchant's strategy and promises against the platform policy.

A playbook (`simkit.scenario.schema.PlaybookSpec`, as scenarios write it) says how the
merchant answers each reason; a merchant file adds the promises the merchant makes to buyers
(see docs/compliance.md)::

    merchant:
      id: fresh_shop
      name: {zh: 某生鲜店售后政策, en: A fresh-produce shop's after-sales policy}
      policy: ../../policies/video_channel.yaml
    playbook: by_the_rules
    promises:
      response_within: 24 hours      # every after-sale request answered within this
      no_reason_window: 7 days       # our no-reason return period
      after_sale_period: 15 days     # our after-sale period
      refund_within: 3 days          # refund after the return arrives
      over_period: offer_first       # offer_first | refuse
      extensions: 3                  # planned extensions per order (video channel)
      reopens: 1                     # planned reopenings of the after-sale entry (Tmall)

Each finding cites the platform or national rule the playbook or promise breaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from simkit import rules
from simkit.compliance.findings import Finding, make_finding
from simkit.errors import SimkitError, referenced
from simkit.policy.base import Count, Duration, Names, Strict, suggest
from simkit.policy.loader import load_policy
from simkit.policy.model import Policy
from simkit.policy.tree import Located, located, validation_problems
from simkit.policy.values import Kind, format_quantity
from simkit.scenario import playbooks
from simkit.scenario.schema import PlaybookSpec
from simkit.yamlio import load_yaml

_NO_REASON = ("changed_mind",)
_RETURN_KIND = "return_refund"


class Promises(Strict):
    """What the merchant promises buyers (all optional)."""

    response_within: Duration | None = None
    no_reason_window: Duration | None = None
    after_sale_period: Duration | None = None
    refund_within: Duration | None = None
    over_period: Literal["offer_first", "refuse"] | None = None
    extensions: Count | None = None
    reopens: Count | None = None


class MerchantHeader(Strict):
    """The ``merchant:`` header."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Names
    policy: str
    variants: list[str] = Field(default_factory=list)


class MerchantFile(Strict):
    """A whole merchant file."""

    merchant: MerchantHeader
    playbook: str | PlaybookSpec = "by_the_rules"
    promises: Promises = Field(default_factory=Promises)


@dataclass(frozen=True)
class Merchant:
    """A loaded merchant file: its policy, resolved playbook and promises."""

    id: str
    name: Names
    file: str
    policy: Policy
    playbook: PlaybookSpec
    promises: Promises
    _tree: Located = field(repr=False, compare=False, default_factory=lambda: Located({}))

    def where(self, path: str) -> str:
        """``FILE:LINE`` of a path in the merchant file."""
        file, line = self._tree.where(path)
        return f"{file}:{line}" if line else file


def load_merchant(path: str | Path) -> Merchant:
    """Read and validate a merchant file and the policy it names.

    Raises:
        SimkitError: On any problem, each naming the file, line and dotted path.
    """
    path = Path(path)
    data, lines = load_yaml(path)
    tree = located(data, lines, str(path))
    try:
        parsed = MerchantFile.model_validate(data)
    except ValidationError as exc:
        raise SimkitError(validation_problems(exc, tree)) from None
    policy_file = path.parent / parsed.merchant.policy
    if not policy_file.exists():
        raise SimkitError(tree.problem("merchant.policy", f"policy file {parsed.merchant.policy!r} not found"))
    refs = {str(policy_file): (str(path), tree.where("merchant.policy")[1], "merchant.policy")}
    variants = []
    for index, name in enumerate(parsed.merchant.variants):
        candidate = path.parent / name
        if not candidate.exists():
            raise SimkitError(tree.problem(f"merchant.variants.{index}", f"variant file {name!r} not found"))
        refs[str(candidate)] = (str(path), tree.where(f"merchant.variants.{index}")[1], f"merchant.variants.{index}")
        variants.append(candidate)
    # a problem in the policy or a variant also names the merchant file's line that refers to it
    policy = referenced(refs, load_policy, policy_file, variants)
    book = _resolve(parsed.playbook, tree)
    return Merchant(parsed.merchant.id, parsed.merchant.name, str(path), policy, book, parsed.promises, tree)


def _resolve(chosen: str | PlaybookSpec, tree: Located) -> PlaybookSpec:
    if isinstance(chosen, PlaybookSpec):
        if chosen.base is None:
            return chosen
        base = _builtin(chosen.base, tree, "playbook.base")
        return playbooks.merge(base, chosen, set(chosen.model_fields_set))
    return _builtin(chosen, tree, "playbook")


def _builtin(name: str, tree: Located, where: str) -> PlaybookSpec:
    if name in playbooks.BUILTIN:
        return playbooks.BUILTIN[name]
    choices = sorted(playbooks.BUILTIN)
    raise SimkitError(
        tree.problem(where, f"unknown playbook {name!r}{suggest(name, choices)}; known: {', '.join(choices)}")
    )


def check_merchant(merchant: Merchant, at: dt.datetime | None = None) -> list[Finding]:
    """Static checks of a merchant file: its playbook and its promises."""
    return [
        *check_playbook(merchant.policy, merchant.playbook, where=merchant.where("playbook")),
        *check_promises(merchant.policy, merchant.promises, at=at, where=merchant.where),
    ]


def _actions(book: PlaybookSpec, reasons: tuple[str, ...]) -> dict[str, str]:
    """The action the playbook takes for each reason."""
    return {reason: book.reasons.get(reason, book.default) for reason in reasons}  # type: ignore[call-overload]


def check_playbook(policy: Policy, book: PlaybookSpec, *, where: str = "") -> list[Finding]:
    """What in a playbook breaks the platform's rules or the law.

    Args:
        policy: The platform policy the merchant trades under.
        book: The resolved playbook.
        where: ``FILE:LINE`` of the playbook, for the findings.
    """
    from simkit.scenario.schema import REASONS

    out: list[Finding] = []
    actions = _actions(book, REASONS)
    refused = [reason for reason, action in actions.items() if action == "refuse"]
    spec = policy.spec
    if spec.channels is not None and refused and spec.channels.principle.never_refuse_over_period:
        out.append(
            make_finding(
                policy,
                "playbook",
                "channels.principle",
                "bare_refusal",
                "communicate first: offer a small compensation, then other remedies; never a bare refusal",
                f"the playbook refuses outright: {', '.join(refused)}",
                where=where,
            )
        )
    no_reason_refused = [reason for reason in _NO_REASON if actions.get(reason) == "refuse"]
    if no_reason_refused:
        out.append(
            make_finding(
                policy,
                "playbook",
                "national.no_reason_return",
                "refuse_no_reason",
                "agree to no-reason returns within the legal window (goods intact, category eligible)",
                f"the playbook refuses every {', '.join(no_reason_refused)} request",
                where=where,
            )
        )
    if spec.tmall is not None:
        direct = [
            r for r in spec.tmall.refund_reasons.direct_agree if actions.get(r) == "refuse" and r not in _NO_REASON
        ]
        if direct:
            out.append(
                make_finding(
                    policy,
                    "playbook",
                    "tmall.refund_reasons",
                    "refuse_direct_agree",
                    f"agree directly to {', '.join(direct)} (tmall.refund_reasons.direct_agree)",
                    f"the playbook refuses {', '.join(direct)}",
                    where=where,
                )
            )
    if book.confirm_returns == "late":
        out += _late_receipt(policy, where)
    if book.extend and spec.channels is None:
        out.append(
            make_finding(
                policy,
                "playbook",
                "tmall.reopen_entry" if spec.tmall is not None else "national.favourable",
                "extend_unavailable",
                "no after-sale extension on this platform; the merchant reopens the after-sale entry instead",
                "extend: true",
                severity="warning",
                where=where,
            )
        )
    if book.reopen and spec.tmall is None:
        out.append(
            make_finding(
                policy,
                "playbook",
                "channels.extend" if spec.channels is not None else "national.favourable",
                "reopen_unavailable",
                "no reopening of the entry on this platform; the video channel reopens by extension",
                "reopen: true",
                severity="warning",
                where=where,
            )
        )
    return out


def _reference(at: dt.datetime | None) -> dt.datetime:
    """The moment dated policy values are read at (default: today, midnight)."""
    if at is not None:
        return at
    return dt.datetime.combine(dt.date.today(), dt.time())


def _late_receipt(policy: Policy, where: str) -> list[Finding]:
    """Waiting for the receipt timer refunds later than the law when the timer is longer than the deadline.

    The timer runs from the buyer's shipment of the return, the law's deadline from its arrival:
    a return that arrives at once (the worst case) is refunded the timer's full length after receipt.
    """
    moment = _reference(None)
    receipt = rules.merchant_receipt_deadline(policy, shipped_back_at=moment, paid_at=moment)
    legal = rules.refund_deadline(policy, received_return_at=moment, paid_at=moment)
    if receipt.deadline is None or legal.deadline is None or receipt.deadline <= legal.deadline:
        return []
    return [
        make_finding(
            policy,
            "playbook",
            legal.rules[0],
            "confirm_returns_late",
            f"refund within {_span(legal.deadline - moment)} of receiving the return",
            f"confirm_returns: late waits for the receipt timer ({receipt.rules[0]}), "
            f"refunding up to {_span(receipt.deadline - moment)} after receipt",
            where=where,
        )
    ]


def _span(delta: dt.timedelta) -> str:
    return _hours(delta.total_seconds() / 3600.0)


def check_promises(
    policy: Policy, promises: Promises, *, at: dt.datetime | None = None, where: Any = lambda path: ""
) -> list[Finding]:
    """Promises that the platform overrides or that fall below its standard.

    Args:
        policy: The platform policy.
        promises: The merchant's promises.
        at: The moment dated policy values are read at (default: today).
        where: Maps a dotted path of the merchant file to ``FILE:LINE``.
    """
    moment = _reference(at)
    return list(_promise_findings(policy, promises, moment, where))


def _promise_findings(policy: Policy, p: Promises, moment: dt.datetime, where: Any) -> Iterator[Finding]:
    spec = policy.spec
    if p.response_within is not None:
        promised = p.response_within.at(moment)
        for kind in ("refund_only", _RETURN_KIND):
            timer = rules.merchant_response(policy, kind=kind, requested_at=moment, paid_at=moment)
            if timer.deadline is None:
                continue
            limit = (timer.deadline - moment).total_seconds() / 3600.0
            if promised > limit:
                yield make_finding(
                    policy,
                    "playbook",
                    timer.rules[0],
                    "response_promise",
                    f"answer within {_hours(limit)}: the platform approves a {kind} request automatically then",
                    f"promises.response_within {_hours(promised)}",
                    where=where("promises.response_within"),
                )
                break
    if p.no_reason_window is not None:
        law = spec.national.no_reason_return.window.at(moment)
        if p.no_reason_window.at(moment) < law:
            yield make_finding(
                policy,
                "playbook",
                "national.no_reason_return",
                "no_reason_promise",
                f"a no-reason window of at least {_hours(law)} (the law; a shorter term is void)",
                f"promises.no_reason_window {_hours(p.no_reason_window.at(moment))}",
                where=where("promises.no_reason_window"),
            )
    if p.after_sale_period is not None:
        yield from _period_promise(policy, p.after_sale_period.at(moment), moment, where)
    if p.refund_within is not None:
        legal = rules.refund_deadline(policy, received_return_at=moment, paid_at=moment)
        limit = ((legal.deadline or moment) - moment).total_seconds() / 3600.0
        if p.refund_within.at(moment) > limit:
            yield make_finding(
                policy,
                "playbook",
                legal.rules[0],
                "refund_promise",
                f"refund within {_hours(limit)} of receiving the return",
                f"promises.refund_within {_hours(p.refund_within.at(moment))}",
                where=where("promises.refund_within"),
            )
    if p.over_period == "refuse" and spec.channels is not None and spec.channels.principle.never_refuse_over_period:
        yield make_finding(
            policy,
            "playbook",
            "channels.principle",
            "over_period_refusal",
            "an over-period request is answered with a small compensation, then other remedies, never refused",
            "promises.over_period: refuse",
            where=where("promises.over_period"),
        )
    if p.extensions is not None:
        yield from _extension_plan(policy, int(p.extensions.at(moment)), moment, where)
    if p.reopens is not None:
        yield from _reopen_plan(policy, int(p.reopens.at(moment)), moment, where)


def _period_promise(policy: Policy, promised: float, moment: dt.datetime, where: Any) -> Iterator[Finding]:
    spec = policy.spec
    if spec.tmall is not None:
        standard, clause = spec.tmall.after_sale_window.window.at(moment), "tmall.after_sale_window"
    elif spec.channels is not None:
        standard = spec.channels.over_period_scenarios.quality_period.at(moment)
        clause = "channels.merchant_policy_floor"
    else:
        standard, clause = spec.national.no_reason_return.window.at(moment), "national.favourable"
    if promised < standard:
        yield make_finding(
            policy,
            "playbook",
            clause,
            "period_promise",
            f"an after-sale period of at least {_hours(standard)} (the platform standard; a shorter term is void)",
            f"promises.after_sale_period {_hours(promised)}",
            where=where("promises.after_sale_period"),
        )


def _extension_plan(policy: Policy, planned: int, moment: dt.datetime, where: Any) -> Iterator[Finding]:
    if planned <= 0:
        return
    decision = rules.extend_after_sale(
        policy, paid_at=moment, settled_at=moment, at=moment, period_end=moment, extensions=planned - 1
    )
    if decision.outcome in ("limit_reached", "use_reopen"):
        yield make_finding(
            policy,
            "playbook",
            decision.rules[0] if decision.rules else "national.favourable",
            "extension_plan",
            decision.reason_en,
            f"promises.extensions {planned} per order",
            where=where("promises.extensions"),
        )


def _reopen_plan(policy: Policy, planned: int, moment: dt.datetime, where: Any) -> Iterator[Finding]:
    if planned <= 0:
        return
    tmall = policy.spec.tmall
    if tmall is None:
        clause = "channels.extend" if policy.spec.channels is not None else "national.favourable"
        yield make_finding(
            policy,
            "playbook",
            clause,
            "reopen_plan",
            "no reopening of the after-sale entry on this platform (the video channel extends instead)",
            f"promises.reopens {planned} per order",
            where=where("promises.reopens"),
        )
        return
    limit = int(tmall.reopen_entry.per_order.at(moment))
    if planned > limit:
        yield make_finding(
            policy,
            "playbook",
            "tmall.reopen_entry",
            "reopen_plan",
            f"at most {limit} reopening per order",
            f"promises.reopens {planned} per order",
            where=where("promises.reopens"),
        )


def _hours(hours: float) -> str:
    return format_quantity(hours, Kind.DURATION)
