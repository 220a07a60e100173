"""Static playbook checks: a merchant's playbook and promises against the platform.

Expected values come from the policy files (RULES.md): the channel's review timer 48 h and
never a bare refusal (seed:003), Tmall's 72 h refund timer and 15-day window (seed:004), at
most 3 extensions of 7 days (seed:003), one reopening per order (seed:001), the legal 7-day
no-reason window and 7-day refund deadline.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from simkit.compliance.playbook import check_merchant, check_playbook, load_merchant
from simkit.errors import SimkitError
from simkit.policy.loader import load_policy
from simkit.scenario.playbooks import BUILTIN
from simkit.scenario.schema import PlaybookSpec

ROOT = Path(__file__).resolve().parents[2]
MERCHANTS = ROOT / "tests" / "fixtures" / "compliance" / "merchants"
AT = dt.datetime(2026, 3, 1)


def _brief(findings):
    return [(f.severity, f.clause, f.check) for f in findings]


def test_a_rule_following_channel_shop_has_no_finding():
    assert check_merchant(load_merchant(MERCHANTS / "good_channels.yaml"), at=AT) == []


def test_every_broken_promise_of_a_channel_shop():
    merchant = load_merchant(MERCHANTS / "bad_channels.yaml")
    found = check_merchant(merchant, at=AT)
    where = f"{MERCHANTS / 'bad_channels.yaml'}"
    assert [(f.clause, f.check, f.expected, f.actual, f.where) for f in found] == [
        (
            "channels.principle",
            "bare_refusal",
            "communicate first: offer a small compensation, then other remedies; never a bare refusal",
            "the playbook refuses outright: quality, not_as_described",
            f"{where}:5",
        ),
        (
            "channels.review_deadlines",
            "response_promise",
            "answer within 2 days: the platform approves a refund_only request automatically then",
            "promises.response_within 4 days",
            f"{where}:9",
        ),
        (
            "national.no_reason_return",
            "no_reason_promise",
            "a no-reason window of at least 7 days (the law; a shorter term is void)",
            "promises.no_reason_window 5 days",
            f"{where}:10",
        ),
        (
            "channels.merchant_policy_floor",
            "period_promise",
            "an after-sale period of at least 15 days (the platform standard; a shorter term is void)",
            "promises.after_sale_period 10 days",
            f"{where}:11",
        ),
        (
            "national.refund_deadline",
            "refund_promise",
            "refund within 7 days of receiving the return",
            "promises.refund_within 10 days",
            f"{where}:12",
        ),
        (
            "channels.principle",
            "over_period_refusal",
            "an over-period request is answered with a small compensation, then other remedies, never refused",
            "promises.over_period: refuse",
            f"{where}:13",
        ),
        (
            "channels.extend",
            "extension_plan",
            "At most 3 extensions per order.",
            "promises.extensions 5 per order",
            f"{where}:14",
        ),
        (
            "channels.extend",
            "reopen_plan",
            "no reopening of the after-sale entry on this platform (the video channel extends instead)",
            "promises.reopens 1 per order",
            f"{where}:15",
        ),
    ]
    assert {f.severity for f in found} == {"violation"}
    assert (found[0].name_zh, found[0].name_en) == ("沟通优先不得直接拒绝", "Communicate first, never refuse outright")


def test_every_broken_promise_of_a_tmall_shop():
    found = check_merchant(load_merchant(MERCHANTS / "bad_tmall.yaml"), at=AT)
    assert _brief(found) == [
        ("violation", "national.no_reason_return", "refuse_no_reason"),
        ("violation", "tmall.refund_reasons", "refuse_direct_agree"),
        ("violation", "national.refund_deadline", "confirm_returns_late"),
        ("warning", "tmall.reopen_entry", "extend_unavailable"),
        ("violation", "tmall.refund_auto_agree", "response_promise"),
        ("violation", "tmall.after_sale_window", "period_promise"),
        ("violation", "tmall.reopen_entry", "extension_plan"),
        ("violation", "tmall.reopen_entry", "reopen_plan"),
    ]
    by_check = {f.check: f for f in found}
    assert by_check["refuse_direct_agree"].actual == "the playbook refuses wrong_item, missing_parts, damaged"
    assert by_check["confirm_returns_late"].actual == (
        "confirm_returns: late waits for the receipt timer (tmall.return_deadlines), "
        "refunding up to 10 days after receipt"
    )
    assert by_check["response_promise"].expected == (
        "answer within 3 days: the platform approves a refund_only request automatically then"
    )
    assert (by_check["reopen_plan"].expected, by_check["reopen_plan"].actual) == (
        "at most 1 reopening per order",
        "promises.reopens 2 per order",
    )


@pytest.mark.parametrize(
    ("platform", "book", "expected"),
    [
        ("tmall.yaml", "agree_all", []),
        ("tmall.yaml", "by_the_rules", []),
        ("tmall.yaml", "compensation_first", []),
        ("video_channel.yaml", "by_the_rules", []),
        ("video_channel.yaml", "compensation_first", []),
        ("video_channel.yaml", "stall", [("violation", "national.refund_deadline", "confirm_returns_late")]),
        (
            "video_channel.yaml",
            "refuse_all",
            [
                ("violation", "channels.principle", "bare_refusal"),
                ("violation", "national.no_reason_return", "refuse_no_reason"),
            ],
        ),
    ],
)
def test_built_in_playbooks(platform, book, expected):
    policy = load_policy(ROOT / "policies" / platform)
    assert _brief(check_playbook(policy, BUILTIN[book])) == expected


def test_a_channel_extension_on_tmall_and_a_reopening_on_the_channel_are_warnings():
    tmall = load_policy(ROOT / "policies" / "tmall.yaml")
    channel = load_policy(ROOT / "policies" / "video_channel.yaml")
    assert _brief(check_playbook(tmall, PlaybookSpec(extend=True))) == [
        ("warning", "tmall.reopen_entry", "extend_unavailable")
    ]
    assert _brief(check_playbook(channel, PlaybookSpec(reopen=True))) == [
        ("warning", "channels.extend", "reopen_unavailable")
    ]


def test_the_channel_extension_limit_follows_the_policy_variant():
    once = ROOT / "policies" / "variants" / "channels_extend_5.yaml"
    merchant = load_merchant(MERCHANTS / "good_channels.yaml")
    relaxed = load_policy(ROOT / "policies" / "video_channel.yaml", [once])
    from simkit.compliance.playbook import Promises, check_promises

    assert check_promises(relaxed, Promises(extensions=5), at=AT) == []
    assert _brief(check_promises(merchant.policy, Promises(extensions=4), at=AT)) == [
        ("violation", "channels.extend", "extension_plan")
    ]


def test_bad_merchant_files_name_file_line_and_path(tmp_path):
    with pytest.raises(SimkitError) as info:
        load_merchant(MERCHANTS / "bad_input.yaml")
    assert str(info.value) == (
        f"{MERCHANTS / 'bad_input.yaml'}:5: playbook: unknown playbook 'refuse_everything'; "
        "known: agree_all, by_the_rules, compensation_first, refuse_all, stall"
    )
    bad = tmp_path / "unit.yaml"
    bad.write_text(
        "merchant:\n  id: unit\n  name: {zh: 单位, en: Unit}\n"
        f"  policy: {ROOT / 'policies' / 'tmall.yaml'}\npromises:\n  response_within: 96\n",
        encoding="utf-8",
    )
    with pytest.raises(SimkitError) as info:
        load_merchant(bad)
    assert str(info.value) == (
        f"{bad}:6: promises.response_within: expected a duration with its unit, such as '72 hours' or '7 days', got 96"
    )
