"""Property-based tests (hypothesis) for the decision engine's invariants."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simkit.errors import CaseError
from simkit.policy.model import Policy
from simkit.policy.schema import REASONS
from simkit.policy.tree import located
from simkit.rules import (
    after_sale_window,
    extend_after_sale,
    intervention,
    late_shipment_compensation,
    merchant_response,
    no_reason_return,
    over_period_request,
    period_end,
    rule_complaint,
)
from simkit.rules.case import REQUEST_KINDS, Case
from simkit.rules.decision import DEADLINE_KINDS
from simkit.rules.explain import decide, explain_case

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

EPOCH = dt.datetime(2026, 1, 1)
HOUR = dt.timedelta(hours=1)
moments = st.integers(0, 2 * 365 * 24 * 3600).map(lambda s: EPOCH + dt.timedelta(seconds=s))
offsets = st.integers(0, 400 * 24 * 3600).map(lambda s: dt.timedelta(seconds=s))
fractions = st.floats(0, 1)
prices = st.floats(0, 1e9, allow_nan=False, allow_infinity=False)
CATEGORIES = ("apparel", "electronics", "fresh", "furniture", "custom_made", "digital", "periodicals", "cosmetics")


def earlier(start: dt.datetime, at: dt.datetime, fraction: float) -> dt.datetime:
    """A moment in [start, at]."""
    return start + (at - start) * fraction


# --- compensation ---------------------------------------------------------------------------


@PROPS
@given(
    price=prices,
    paid=moments,
    after=offsets,
    reason=st.sampled_from(["late_shipment", "out_of_stock"]),
    channel_kind=st.sampled_from(["normal", "juhuasuan", "presale"]),
    shipped=st.none() | offsets,
)
def test_compensation_never_negative_nor_above_cap(
    tmall: Policy,
    price: float,
    paid: dt.datetime,
    after: dt.timedelta,
    reason: str,
    channel_kind: str,
    shipped: dt.timedelta | None,
) -> None:
    d = late_shipment_compensation(
        tmall,
        price=price,
        paid_at=paid,
        at=paid + after,
        reason=reason,
        channel=channel_kind,
        shipped_at=None if shipped is None else paid + shipped,
    )
    if d.amount is not None:
        assert 0 <= d.amount <= 500
        assert d.amount == round(min(0.3 * price, 500), 2)
        assert d.amount_form == "points"
    if d.allowed:
        assert d.amount is not None


@PROPS
@given(price=prices, paid=moments, after=offsets)
def test_compensation_never_on_the_channel(
    channel: Policy, price: float, paid: dt.datetime, after: dt.timedelta
) -> None:
    d = late_shipment_compensation(channel, price=price, paid_at=paid, at=paid + after)
    assert (d.allowed, d.amount) == (False, None)


@PROPS
@given(
    price=st.floats(0, 1e7, allow_nan=False),
    received=moments,
    after=offsets,
    used=st.booleans(),
    reason=st.sampled_from(["no_reason", "quality"]),
    category=st.sampled_from(CATEGORIES),
)
def test_over_period_is_never_a_bare_refusal(
    channel: Policy, price: float, received: dt.datetime, after: dt.timedelta, used: bool, reason: str, category: str
) -> None:
    d = over_period_request(
        channel,
        category=category,
        received_at=received,
        at=received + after,
        goods_used=used,
        reason=reason,
        price=price,
    )
    assert d.allowed
    assert d.outcome in ("within_period", "offer_alternative", "reopen_required")
    if d.outcome == "offer_alternative":
        assert d.amount is not None and 0 <= d.amount <= price + 0.005


# --- windows: allowed at t → allowed at every earlier moment inside the window ----------------


@PROPS
@given(
    received=moments,
    after=offsets,
    fraction=fractions,
    category=st.sampled_from(CATEGORIES),
    used=st.booleans(),
    confirmed=st.booleans(),
    which=st.sampled_from(["tmall", "channel", "national"]),
)
def test_no_reason_window_is_monotone(
    platforms: dict[str, Policy],
    received: dt.datetime,
    after: dt.timedelta,
    fraction: float,
    category: str,
    used: bool,
    confirmed: bool,
    which: str,
) -> None:
    policy = platforms["video_channel" if which == "channel" else which]
    at = received + after
    kwargs: dict[str, Any] = {
        "category": category,
        "received_at": received,
        "goods_used": used,
        "confirmed_at_purchase": confirmed,
    }
    if no_reason_return(policy, at=at, **kwargs).allowed:
        assert no_reason_return(policy, at=earlier(received, at, fraction), **kwargs).allowed


@PROPS
@given(
    base=moments,
    after=offsets,
    fraction=fractions,
    category=st.sampled_from(CATEGORIES),
    extensions=st.integers(0, 3),
    which=st.sampled_from(["tmall", "channel", "national"]),
)
def test_after_sale_window_is_monotone(
    platforms: dict[str, Policy],
    base: dt.datetime,
    after: dt.timedelta,
    fraction: float,
    category: str,
    extensions: int,
    which: str,
) -> None:
    policy = platforms["video_channel" if which == "channel" else which]
    at = base + after
    kwargs: dict[str, Any] = {"category": category, "completed_at": base, "received_at": base, "extensions": extensions}
    d = after_sale_window(policy, at=at, **kwargs)
    if d.allowed:
        assert after_sale_window(policy, at=earlier(base, at, fraction), **kwargs).allowed
        assert d.deadline is not None and at < d.deadline


@PROPS
@given(
    closed=moments,
    after=offsets,
    fraction=fractions,
    reason=st.sampled_from(["unkept_promise", "not_as_described", "invoice", "campaign_breach"]),
)
def test_complaint_window_is_monotone(
    tmall: Policy, closed: dt.datetime, after: dt.timedelta, fraction: float, reason: str
) -> None:
    at = closed + after
    if rule_complaint(tmall, closed_at=closed, at=at, reason=reason).allowed:
        assert rule_complaint(tmall, closed_at=closed, at=earlier(closed, at, fraction), reason=reason).allowed


@PROPS
@given(requested=moments, refused_after=offsets, after=offsets, fraction=fractions)
def test_escalation_window_is_monotone(
    channel: Policy, requested: dt.datetime, refused_after: dt.timedelta, after: dt.timedelta, fraction: float
) -> None:
    refused = requested + refused_after
    at = refused + after
    kwargs: dict[str, Any] = {"refund_requested_at": requested, "merchant_refused": True, "refused_at": refused}
    if intervention(channel, at=at, **kwargs).allowed:
        assert intervention(channel, at=earlier(refused, at, fraction), **kwargs).allowed


@PROPS
@given(
    reopen_after=st.integers(16 * 24, 89 * 24),
    after=offsets,
    fraction=fractions,
    category=st.sampled_from(["apparel", "electronics", "cosmetics"]),
)
def test_reopened_buyer_window_is_monotone(
    tmall: Policy, reopen_after: int, after: dt.timedelta, fraction: float, category: str
) -> None:
    paid = dt.datetime(2026, 1, 2, 10)
    reopened_at = paid + reopen_after * HOUR
    order = {"category": category, "price": 100, "paid_at": paid, "completed_at": paid + 24 * HOUR}

    def ask(at: dt.datetime) -> bool:
        case = Case.model_validate(
            {
                "order": order,
                "history": {"reopened": 1, "reopened_at": reopened_at},
                "request": {"kind": "refund_only", "reason": "quality", "at": at},
            }
        )
        return decide(tmall, case).allowed

    at = reopened_at + after
    if ask(at):
        assert ask(earlier(reopened_at, at, fraction))


# --- extensions -----------------------------------------------------------------------------


@PROPS
@given(
    paid=moments,
    settle_after=st.integers(0, 30 * 24),
    start_after=st.integers(0, 330 * 24),
    step=st.integers(0, 10 * 24),
    policy_name=st.sampled_from(["base", "channels_extend_5.yaml", "channels_extend_once.yaml"]),
)
def test_extensions_never_exceed_the_limit(
    variant: Any, paid: dt.datetime, settle_after: int, start_after: int, step: int, policy_name: str
) -> None:
    policy = variant("video_channel.yaml") if policy_name == "base" else variant("video_channel.yaml", policy_name)
    ex = policy.spec.channels.extend
    limit = int(ex.max_times.at(None))
    # act after settlement when it is required, with no settlement otherwise; stay within the one-year horizon
    settled_at = paid + settle_after * HOUR if ex.requires_settlement else None
    at = (settled_at or paid) + start_after * HOUR
    end = period_end(policy, category="apparel", received_at=paid, paid_at=paid)
    count = 0
    while True:
        d = extend_after_sale(policy, paid_at=paid, settled_at=settled_at, at=at, period_end=end, extensions=count)
        if not d.allowed:
            break
        assert d.deadline is not None and d.deadline == max(end, at) + 7 * 24 * HOUR
        end = d.deadline
        count += 1
        at = min(at + step * HOUR, paid + 365 * 24 * HOUR)
        assert count <= limit
    assert (count, d.outcome) == (limit, "limit_reached")


# --- merchant response --------------------------------------------------------------------------

RESPONSE_POLICIES = [
    ("tmall.yaml", ()),
    ("tmall.yaml", ("tmall_response_48h.yaml",)),
    ("video_channel.yaml", ()),
    ("video_channel.yaml", ("channels_review_24h.yaml",)),
    ("tmall.yaml", ("tmall_response_dated.yaml",)),
]


def expected_timeout(policy_key: tuple[str, tuple[str, ...]], paid: dt.datetime) -> dt.timedelta:
    hours = {
        ("tmall.yaml", ()): 72,
        ("tmall.yaml", ("tmall_response_48h.yaml",)): 48,
        ("video_channel.yaml", ()): 48,
        ("video_channel.yaml", ("channels_review_24h.yaml",)): 24,
    }
    if policy_key in hours:
        return hours[policy_key] * HOUR
    return (48 if paid >= dt.datetime(2027, 1, 1) else 72) * HOUR


@PROPS
@given(paid=moments, after=offsets, kind=st.sampled_from(REQUEST_KINDS), key=st.sampled_from(RESPONSE_POLICIES))
def test_merchant_response_deadline_is_request_plus_timeout(
    variant: Any, paid: dt.datetime, after: dt.timedelta, kind: str, key: tuple[str, tuple[str, ...]]
) -> None:
    policy = variant(key[0], *key[1])
    requested = paid + after
    d = merchant_response(policy, kind=kind, requested_at=requested, paid_at=paid)
    assert d.deadline == requested + expected_timeout(key, paid)


# --- every decision: cites existing rules when allowed, JSON-ready -------------------------------


@st.composite
def cases(draw: st.DrawFn) -> Case:
    paid = draw(moments)
    gaps = [draw(st.none() | st.integers(0, 40 * 24)) for _ in range(4)]
    order: dict[str, Any] = {
        "category": draw(st.sampled_from(CATEGORIES)),
        "price": draw(st.floats(0, 1e6)),
        "free_shipping": draw(st.booleans()),
        "channel": draw(st.sampled_from(["normal", "juhuasuan", "presale"])),
        "paid_at": paid,
        "confirmed_exclusion": draw(st.booleans()),
    }
    last = paid
    for name, gap in zip(("shipped_at", "received_at", "completed_at", "settled_at"), gaps, strict=True):
        if gap is not None:
            last = last + gap * HOUR
            order[name] = last
    if draw(st.booleans()):
        order["closed_at"] = last + draw(st.integers(0, 48)) * HOUR
    if draw(st.booleans()):
        order["store_exit_at"] = paid + draw(offsets)
        order["follow_up"] = draw(st.sampled_from(["merchant", "third_party", "platform_deposit"]))
    if draw(st.booleans()):
        order["presale_ship_by"] = paid + draw(st.integers(0, 30 * 24)) * HOUR
    kind = draw(st.sampled_from(REQUEST_KINDS))
    if kind == "rule_complaint" and "closed_at" not in order and "completed_at" not in order:
        order["closed_at"] = last
    at = paid + draw(offsets)
    request: dict[str, Any] = {
        "kind": kind,
        "reason": draw(st.sampled_from(REASONS)),
        "at": at,
        "by": draw(st.sampled_from(["buyer", "merchant", "sub_account"])),
        "permitted": draw(st.booleans()),
        "goods_used": draw(st.booleans()),
        "quality_proven": draw(st.booleans()),
        "severity": draw(st.none() | st.sampled_from(["severe", "serious", "minor"])),
        "appraisal_fee": draw(st.floats(0, 1000)),
        "refund_requested_at": paid + (at - paid) * draw(fractions),
    }
    history: dict[str, Any] = {
        "after_sales": draw(st.integers(0, 6)),
        "reopened": draw(st.integers(0, 1)),
        "extensions": draw(st.integers(0, 5)),
        "complaints": draw(st.integers(0, 1)),
        "complaint_withdrawn": draw(st.booleans()),
        "merchant_refused": draw(st.booleans()),
        "failed_repairs": draw(st.integers(0, 3)),
    }
    if history["reopened"]:
        history["reopened_at"] = paid + draw(offsets)
    if history["merchant_refused"] and draw(st.booleans()):
        history["refused_at"] = request["refund_requested_at"]
    return Case.model_validate({"order": order, "request": request, "history": history})


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases(), which=st.sampled_from(["tmall", "video_channel", "national"]))
def test_decisions_cite_existing_rules_and_serialise(platforms: dict[str, Policy], case: Case, which: str) -> None:
    policy = platforms[which]
    d = decide(policy, case)
    for rule_id in d.rules:
        policy.rule(rule_id)  # raises KeyError for an unknown id
    if d.allowed:
        assert d.rules, d
    data = d.to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert set(data) == {
        "allowed",
        "outcome",
        "deadline",
        "deadline_kind",
        "amount",
        "amount_form",
        "payer",
        "advance_payer",
        "burden_of_proof",
        "points",
        "rules",
        "reason",
        "versions",
        "timeline",
    }
    if data["amount"] is not None:
        assert data["amount"] >= 0 and data["amount_form"] in ("cash", "points")
    assert data["payer"] in (None, "buyer", "merchant", "platform")
    assert data["advance_payer"] in (None, "platform")
    assert (data["deadline"] is None) == (data["deadline_kind"] is None)
    if data["deadline"] is not None:
        assert data["deadline"].endswith("+08:00") and data["deadline_kind"] in DEADLINE_KINDS
    for step in data["timeline"]:
        assert step["at"].endswith("+08:00") and step["kind"] in DEADLINE_KINDS


# --- the facts added for issue 7: any mix is decided or refused with a CaseError, never a crash ------


@st.composite
def rich_cases(draw: st.DrawFn) -> dict[str, Any]:
    """Case data with promises, warranties, extension times, refused deliveries, return flows,
    refund states and orders awaiting payment — consistent or not."""
    start = draw(moments)
    at = start + draw(offsets)

    def moment() -> dt.datetime | None:
        return draw(st.none() | st.builds(lambda f: start + (at - start) * f + dt.timedelta(hours=-24), fractions))

    order: dict[str, Any] = {
        "category": draw(st.sampled_from(CATEGORIES)),
        "price": draw(st.floats(0, 1e6)),
        "free_shipping": draw(st.booleans()),
        "placed_at": start,
        "confirmed_exclusion": draw(st.booleans()),
    }
    if draw(st.booleans()):
        order["paid_at"] = start + dt.timedelta(minutes=draw(st.integers(0, 600)))
    for name in ("shipped_at", "received_at", "delivery_refused_at", "completed_at", "settled_at", "closed_at"):
        value = moment()
        if value is not None:
            order[name] = value
    if draw(st.booleans()):
        order["warranty"] = f"{draw(st.integers(0, 1000))} days"
    if draw(st.booleans()):
        order["promise"] = {
            "after_sale_period": f"{draw(st.integers(0, 90))} days",
            "no_reason_window": f"{draw(st.integers(0, 30))} days",
            "pays_return_shipping": draw(st.booleans()),
        }
    if draw(st.booleans()):
        order["store_exit_at"] = start + draw(offsets)
        order["follow_up"] = draw(st.sampled_from(["merchant", "third_party", "platform_deposit"]))
    request: dict[str, Any] = {
        "kind": draw(st.sampled_from(REQUEST_KINDS)),
        "reason": draw(st.sampled_from(REASONS)),
        "at": at,
        "by": draw(st.sampled_from(["buyer", "merchant", "sub_account"])),
        "permitted": draw(st.booleans()),
        "goods_used": draw(st.booleans()),
        "refund_state": draw(st.sampled_from(["in_progress", "closed", "withdrawn"])),
    }
    for name in ("refund_requested_at", "agreed_at", "return_shipped_at", "return_received_at", "refunded_at"):
        value = moment()
        if value is not None:
            request[name] = value + (at - start)  # often after the request, as a return flow is
    if draw(st.booleans()):
        request["as_of"] = at + draw(offsets)
    history: dict[str, Any] = {
        "after_sales": draw(st.integers(0, 6)),
        "extended_at": sorted(m for m in (moment() for _ in range(draw(st.integers(0, 3)))) if m is not None),
    }
    if draw(st.booleans()):
        history["reopened"] = 1
        history["reopened_at"] = moment() or at
    return {"order": order, "history": history, "request": request}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rich_cases(), which=st.sampled_from(["tmall", "video_channel", "national"]))
def test_explain_decides_or_names_the_problem(platforms: dict[str, Policy], data: dict[str, Any], which: str) -> None:
    policy = platforms[which]
    case = Case.model_validate(data)
    try:
        d = explain_case(policy, case, located(data, {}, "case.yaml"))
    except CaseError as exc:
        assert exc.problems and all(p.file == "case.yaml" and p.path for p in exc.problems)
        return
    for rule_id in d.rules:
        policy.rule(rule_id)
    assert (d.deadline is None) == (d.deadline_kind is None)
    json.dumps(d.to_dict(), ensure_ascii=False)
