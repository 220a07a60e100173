"""`simkit explain`: text and JSON output, variants, and one-line errors for bad case files."""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from simkit.cli import explain
from simkit.errors import SimkitError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = "policies/examples"
BAD = "tests/fixtures/bad_cases"

Result = tuple[int, str, str]


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root so that messages carry short relative paths."""
    monkeypatch.chdir(ROOT)


def _importable(name: str) -> bool:
    try:
        importlib.import_module(f"simkit.cli.{name}")
    except ImportError:
        return False
    return True


@pytest.fixture
def simkit(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Call ``simkit.cli.main.main(argv)`` with the commands that exist so far; returns (code, stdout, stderr)."""
    from simkit.cli import main as cli_main

    present = tuple(name for name in cli_main.COMMANDS if _importable(name))
    assert "explain" in present
    monkeypatch.setattr(cli_main, "COMMANDS", present)

    def call(*argv: str) -> Result:
        code = cli_main.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def run_explain(
    capsys: pytest.CaptureFixture[str],
    case: str,
    *,
    policy: str | None = None,
    variants: tuple[str, ...] = (),
    as_json: bool = False,
) -> str:
    """Call the explain command's `run` directly; returns stdout."""
    code = explain.run(argparse.Namespace(case=case, policy=policy, variant=list(variants), json=as_json))
    assert code == 0
    return capsys.readouterr().out


# --- text output ----------------------------------------------------------------------------


def test_text_output_names_the_rules_in_chinese_and_english(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_explain(capsys, f"{EXAMPLES}/tmall_quality_refund.yaml")
    lines = out.splitlines()
    assert lines[:7] == [
        f"case      {EXAMPLES}/tmall_quality_refund.yaml",
        "policy    tmall",
        "decision  ALLOWED (await_merchant)",
        "deadline  2026-03-13T09:30:00",
        "amount    -",
        "payer     merchant  (return shipping)",
        "points    0",
    ]
    assert "商家须在72小时内处理,超时自动同意。" in out
    assert "退款超时自动达成 / Refund approved when the merchant does not act  [seed:004]" in out
    assert "交易成功后申请售后 / After-sale request after transaction success  [seed:004]" in out
    assert "谁过错谁承担 / The party at fault pays shipping  [seed:004; taobao:dispute §49]" in out
    rule_lines = [line.split()[0] for line in lines[lines.index("rules") + 1 :]]
    assert rule_lines == [
        "tmall.after_sale_window",
        "national.quality_return",
        "tmall.refund_reasons",
        "tmall.fault_shipping",
        "tmall.refund_auto_agree",
    ]


def test_text_output_shows_amount_and_refusal(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_explain(capsys, f"{EXAMPLES}/tmall_late_shipment.yaml")
    assert "amount    500.00 CNY (points)" in out
    assert "延迟发货及缺货赔付 / Late shipment and out-of-stock compensation" in out
    out = run_explain(capsys, f"{EXAMPLES}/tmall_reopen_sub_account.yaml")
    assert "decision  NOT ALLOWED (no_permission)" in out
    assert "无权限" in out


def test_text_output_cites_dated_versions(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_explain(
        capsys, f"{EXAMPLES}/tmall_quality_refund.yaml", variants=("policies/variants/tmall_response_dated.yaml",)
    )
    assert "policy    tmall+tmall_response_dated" in out
    assert "  version   tmall.refund_auto_agree.timeout in force since 2015-01-01" in out


# --- JSON output ----------------------------------------------------------------------------


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run_explain(capsys, f"{EXAMPLES}/tmall_late_shipment.yaml", as_json=True))
    assert data == {
        "case": f"{EXAMPLES}/tmall_late_shipment.yaml",
        "policy": "tmall",
        "allowed": True,
        "outcome": "compensate",
        "deadline": None,
        "amount": 500.0,
        "amount_form": "points",
        "payer": None,
        "points": 0,
        "rules": ["tmall.late_ship_comp", "tmall.ship_promise"],
        "reason": {"en": "Compensation of 500.00 CNY (points), capped.", "zh": "赔付500.00元(天猫积分),有上限。"},
        "versions": {},
    }


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / EXAMPLES).glob("*.yaml")))
def test_json_has_the_required_keys_for_every_example(capsys: pytest.CaptureFixture[str], example: str) -> None:
    data = json.loads(run_explain(capsys, f"{EXAMPLES}/{example}", as_json=True))
    assert {"allowed", "outcome", "deadline", "amount", "amount_form", "payer", "points", "rules", "reason"} <= set(
        data
    )
    assert isinstance(data["allowed"], bool) and data["rules"]
    assert set(data["reason"]) == {"en", "zh"}


# --- variants and --policy ------------------------------------------------------------------


def test_variant_changes_the_answer(capsys: pytest.CaptureFixture[str]) -> None:
    case = f"{EXAMPLES}/tmall_quality_refund.yaml"
    base = json.loads(run_explain(capsys, case, as_json=True))
    reform = json.loads(
        run_explain(capsys, case, variants=("policies/variants/tmall_response_48h.yaml",), as_json=True)
    )
    explicit = json.loads(
        run_explain(
            capsys,
            case,
            policy="policies/tmall.yaml",
            variants=("policies/variants/tmall_response_48h.yaml",),
            as_json=True,
        )
    )
    assert (base["deadline"], reform["deadline"], explicit["deadline"]) == (
        "2026-03-13T09:30:00",
        "2026-03-12T09:30:00",
        "2026-03-12T09:30:00",
    )
    assert (base["policy"], reform["policy"]) == ("tmall", "tmall+tmall_response_48h")


def test_variant_changes_an_extension_refusal_into_an_extension(capsys: pytest.CaptureFixture[str]) -> None:
    case = f"{EXAMPLES}/channels_extension_limit.yaml"
    assert json.loads(run_explain(capsys, case, as_json=True))["outcome"] == "limit_reached"
    five = json.loads(run_explain(capsys, case, variants=("policies/variants/channels_extend_5.yaml",), as_json=True))
    assert (five["allowed"], five["outcome"], five["deadline"]) == (True, "extended", "2026-04-15T10:00:00")


def test_policy_option_overrides_the_case_file(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(
        run_explain(
            capsys, f"{EXAMPLES}/tmall_intervention_early.yaml", policy="policies/video_channel.yaml", as_json=True
        )
    )
    assert (data["policy"], data["outcome"], data["rules"]) == ("video_channel", "not_refused", ["channels.escalate"])


def test_variant_for_another_platform_is_an_error(simkit: Callable[..., Result]) -> None:
    code, out, err = simkit(
        "explain",
        "--case",
        f"{EXAMPLES}/tmall_quality_refund.yaml",
        "--variant",
        "policies/variants/channels_extend_5.yaml",
    )
    assert (code, out) == (2, "")
    assert err == (
        "policies/variants/channels_extend_5.yaml:6: variant.applies_to: "
        "variant is for policy 'video_channel', not 'tmall'\n"
    )


# --- through simkit.cli.main ----------------------------------------------------------------


def test_main_explain_json(simkit: Callable[..., Result]) -> None:
    code, out, err = simkit("explain", "--case", f"{EXAMPLES}/channels_counterfeit.yaml", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["amount"], data["amount_form"], data["payer"]) == (980.0, "cash", "merchant")


def test_main_explain_text(simkit: Callable[..., Result]) -> None:
    code, out, err = simkit(
        "explain", "--policy", "policies/national.yaml", "--case", f"{EXAMPLES}/national_fresh_no_reason.yaml"
    )
    assert (code, err) == (0, "")
    assert "decision  NOT ALLOWED (excluded)" in out
    assert "不适用七日无理由退货的商品 / Goods excluded from no-reason return  [law:7day §6]" in out


def test_main_explain_needs_a_case(simkit: Callable[..., Result], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        simkit("explain", "--policy", "policies/tmall.yaml")
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == "simkit explain: error: the following arguments are required: --case\n"


def test_full_main_with_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    """The real entry point, once every command module exists."""
    from simkit.cli import main as cli_main

    try:
        cli_main.build_parser()
    except ImportError as exc:
        pytest.skip(f"not every command exists yet: {exc}")
    assert cli_main.main(["explain", "--case", f"{EXAMPLES}/tmall_late_shipment.yaml", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["amount"] == 500.0


# --- bad case files -------------------------------------------------------------------------

BAD_CASES = {
    "time_out_of_range.yaml": f"{BAD}/time_out_of_range.yaml:6: order.paid_at: must be between "
    "1970-01-01T00:00:00 and 2199-12-31T23:59:59 China time, got 0001-01-01T00:00:00+14:00",
    "policy_not_found.yaml": f"{BAD}/policy_not_found.yaml:2: policy: policy file '../../../policies/tmal.yaml' "
    "not found",
    "unknown_key.yaml": f"{BAD}/unknown_key.yaml:6: request.reasn: unknown key 'reasn' (did you mean 'reason'?)",
    "bad_datetime.yaml": (
        f"{BAD}/bad_datetime.yaml:6: order.paid_at: Input should be a valid datetime or date, "
        "month value is outside expected range of 1-12"
    ),
    "unknown_kind.yaml": (
        f"{BAD}/unknown_kind.yaml:5: request.kind: Input should be 'refund_only', 'return_refund', "
        "'exchange', 'repair', 'late_shipment_compensation', 'intervention', 'rule_complaint', "
        "'reopen_entry' or 'extend_after_sale'"
    ),
    "unknown_reason.yaml": (
        f"{BAD}/unknown_reason.yaml:6: request.reason: Input should be 'no_reason', "
        "'changed_mind', 'quality', 'not_as_described', 'damaged', 'wrong_item', 'missing_parts', "
        "'not_received', 'late_shipment', 'out_of_stock', 'counterfeit', 'invoice', "
        "'unkept_promise' or 'campaign_breach'"
    ),
    "unknown_category.yaml": (
        f"{BAD}/unknown_category.yaml:4: order.category: unknown category 'electronic' "
        "(did you mean 'electronics'?); known: apparel, cosmetics, custom_made, digital, "
        "electronics, fresh, furniture, periodicals"
    ),
    "missing_reason.yaml": f"{BAD}/missing_reason.yaml:4: request.reason: a refund_only request needs a reason",
    "intervention_without_request_time.yaml": (
        f"{BAD}/intervention_without_request_time.yaml:4: request.refund_requested_at: "
        "an intervention needs refund_requested_at"
    ),
    "request_before_payment.yaml": (
        f"{BAD}/request_before_payment.yaml:7: request.at: the request is before the payment (order.paid_at)"
    ),
    "received_before_shipped.yaml": (
        f"{BAD}/received_before_shipped.yaml:8: order.received_at: received_at is before shipped_at"
    ),
    "no_policy.yaml": f"{BAD}/no_policy.yaml:1: policy: no --policy given and the case file names no `policy:`",
}


def test_every_bad_case_is_tested() -> None:
    assert sorted(p.name for p in (ROOT / BAD).glob("*.yaml")) == sorted(BAD_CASES)


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_case_is_one_line_with_exit_code_2(simkit: Callable[..., Result], name: str) -> None:
    code, out, err = simkit("explain", "--case", f"{BAD}/{name}")
    assert (code, out, err) == (2, "", BAD_CASES[name] + "\n")


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_case_raises_a_simkit_error_from_run(name: str) -> None:
    with pytest.raises(SimkitError) as info:
        explain.run(argparse.Namespace(case=f"{BAD}/{name}", policy=None, variant=[], json=True))
    assert [str(p) for p in info.value.problems] == [BAD_CASES[name]]


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_case_names_file_line_and_path(name: str) -> None:
    with pytest.raises(SimkitError) as info:
        explain.run(argparse.Namespace(case=f"{BAD}/{name}", policy=None, variant=[], json=False))
    (problem,) = info.value.problems
    assert (problem.file, problem.line > 0, bool(problem.path)) == (f"{BAD}/{name}", True, True)


def test_no_policy_message_names_the_case_file(simkit: Callable[..., Result]) -> None:
    code, _, err = simkit("explain", "--case", f"{BAD}/no_policy.yaml")
    assert code == 2
    assert err.startswith(f"{BAD}/no_policy.yaml:")
    assert ": policy: no --policy given" in err


def test_missing_case_file(simkit: Callable[..., Result]) -> None:
    assert simkit("explain", "--policy", "policies/tmall.yaml", "--case", "nope.yaml") == (
        2,
        "",
        "nope.yaml: <root>: file not found\n",
    )


def test_policy_given_for_a_case_without_one(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run_explain(capsys, f"{BAD}/no_policy.yaml", policy="policies/tmall.yaml", as_json=True))
    assert (data["allowed"], data["outcome"], data["deadline"]) == (True, "await_merchant", "2026-03-05T10:00:00")
