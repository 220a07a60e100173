"""Rule terms kept per policy and decision date (`simkit.rules._common.terms`).

The window rules keep what depends only on the policy and the date whose values are in
force (spans, texts, versions) and add each request's own times. These tests ask the same
questions on both sides of an effective date, in an order that would expose a term kept
for the wrong date or the wrong policy. Expected ends are worked out from the rule texts:
the no-reason window runs from the day after receipt (law:7day §10), the video channel's
period is the later of the quality period and the no-reason window.
"""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

from simkit import rules
from simkit.policy.loader import load_policy
from simkit.policy.model import Policy
from simkit.rules._common import _TERMS

ROOT = Path(__file__).resolve().parents[2]


def _policy_with(tmp_path: Path, base: str, path: str, values: str) -> Policy:
    """Policy `base` (tmall or video_channel) with a variant that sets `path` to `values` (YAML lines)."""
    name = path.replace(".", "_")
    file = tmp_path / f"{name}.yaml"
    file.write_text(
        f"variant:\n  id: {name}\n  name: {{zh: 测试, en: test}}\n  source: assumption test\n"
        f"  applies_to: {base}\nset:\n  {path}:\n{values}",
        encoding="utf-8",
    )
    return load_policy(ROOT / f"policies/{base}.yaml", [file])


DATED_WINDOW = '    "2015-01-01": 7 days\n    "2027-01-01": 15 days\n'


def test_no_reason_window_follows_the_value_in_force_on_each_payment_date(tmp_path: Path) -> None:
    policy = _policy_with(tmp_path, "tmall", "national.no_reason_return.window", DATED_WINDOW)

    def ask(paid: str, received: str) -> rules.Decision:
        return rules.no_reason_return(
            policy,
            category="apparel",
            received_at=dt.datetime.fromisoformat(received),
            at=dt.datetime.fromisoformat(received) + dt.timedelta(days=1),
            paid_at=dt.datetime.fromisoformat(paid),
        )

    before = ask("2026-12-29T09:00", "2026-12-30T10:00")
    after = ask("2027-01-02T09:00", "2027-01-03T10:00")
    again = ask("2026-12-29T09:00", "2026-12-30T10:00")
    later_same_day = ask("2026-12-29T23:00", "2026-12-30T18:00")

    assert before.deadline == dt.datetime(2027, 1, 7)  # 2026-12-31 00:00 + 7 days
    assert before.versions == (("national.no_reason_return.window", "2015-01-01"),)
    assert before.reason_en == "No-reason return allowed. No-reason window: 7 days from the day after receipt."
    assert after.deadline == dt.datetime(2027, 1, 19)  # 2027-01-04 00:00 + 15 days
    assert after.versions == (("national.no_reason_return.window", "2027-01-01"),)
    assert after.reason_zh == "可无理由退货。15日无理由退货期限(自签收次日起算)。"
    assert again == before
    assert later_same_day.deadline == dt.datetime(2027, 1, 7)


def test_two_policies_never_share_terms(tmall: object, tmp_path: Path) -> None:
    fifteen = _policy_with(tmp_path, "tmall", "national.no_reason_return.window", '    "2015-01-01": 15 days\n')
    received, paid = dt.datetime(2026, 3, 5, 12), dt.datetime(2026, 3, 2, 10)
    ends = []
    for policy in (tmall, fifteen, tmall, fifteen):
        decision = rules.no_reason_return(
            policy,  # type: ignore[arg-type]
            category="apparel",
            received_at=received,
            at=received,
            paid_at=paid,
        )
        ends.append(decision.deadline)
    assert ends == [dt.datetime(2026, 3, 13), dt.datetime(2026, 3, 21)] * 2  # 2026-03-06 + 7 / + 15 days


def test_channel_period_follows_a_dated_quality_period(tmp_path: Path) -> None:
    policy = _policy_with(
        tmp_path,
        "video_channel",
        "channels.over_period_scenarios.quality_period",
        '    "2015-01-01": 15 days\n    "2027-01-01": 30 days\n',
    )

    def period(paid: str, received: str) -> rules.Decision:
        return rules.applicable_period(
            policy,
            category="apparel",
            received_at=dt.datetime.fromisoformat(received),
            paid_at=dt.datetime.fromisoformat(paid),
        )

    before = period("2026-12-29T09:00", "2026-12-30T10:00")
    after = period("2027-01-02T09:00", "2027-01-03T10:00")
    assert before.deadline == dt.datetime(2027, 1, 14, 10)  # receipt + 15 days, later than 2027-01-07 00:00
    assert after.deadline == dt.datetime(2027, 2, 2, 10)  # receipt + 30 days, later than 2027-01-11 00:00
    assert dict(before.versions)["channels.over_period_scenarios.quality_period"] == "2015-01-01"
    assert dict(after.versions)["channels.over_period_scenarios.quality_period"] == "2027-01-01"
    assert before.reason_en == "Platform standard: quality period 15 days after receipt."
    assert after.reason_en == "Platform standard: quality period 30 days after receipt."
    assert period("2026-12-29T09:00", "2026-12-30T10:00") == before


def test_terms_go_with_their_policy() -> None:
    policy = load_policy(ROOT / "policies/tmall.yaml")
    rules.no_reason_deadline(policy, received_at=dt.datetime(2026, 3, 5, 12))
    key = id(policy)
    assert key in _TERMS
    del policy
    gc.collect()
    assert key not in _TERMS


def test_tmall_after_sale_period_follows_a_dated_window_per_category(tmp_path: Path) -> None:
    policy = _policy_with(
        tmp_path, "tmall", "tmall.after_sale_window.window", '    "2015-01-01": 15 days\n    "2027-01-01": 30 days\n'
    )

    def window(category: str, paid: str, completed: str) -> rules.Decision:
        done = dt.datetime.fromisoformat(completed)
        return rules.after_sale_window(
            policy, category=category, completed_at=done, at=done, paid_at=dt.datetime.fromisoformat(paid)
        )

    assert window("apparel", "2026-12-29T09:00", "2027-01-05T12:00").deadline == dt.datetime(2027, 1, 20, 12)
    assert window("apparel", "2027-01-02T09:00", "2027-01-05T12:00").deadline == dt.datetime(2027, 2, 4, 12)
    # furniture has its own 90-day rights period on Tmall (policies/tmall.yaml), whatever the date
    assert window("furniture", "2027-01-02T09:00", "2027-01-05T12:00").deadline == dt.datetime(2027, 4, 5, 12)
    assert window("apparel", "2026-12-29T09:00", "2027-01-05T12:00").reason_en == (
        "Within the after-sale period. The after-sale period is 15 days after transaction success."
    )
