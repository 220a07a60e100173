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
    assert lines[:10] == [
        f"case      {EXAMPLES}/tmall_quality_refund.yaml",
        "policy    tmall",
        "decision  ALLOWED (await_merchant)",
        "deadline  2026-03-13T09:30:00+08:00  (answer_by)",
        "amount    -",
        "payer     merchant  (return shipping)",
        "advance   -  (先行赔付: advances the money)",
        "proof     -  (burden of proof)",
        "points    0",
        "timeline  -",
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
    assert [f["clause"] for f in data.pop("floor")] == ["national.refund_deadline", "national.fraud"]
    assert data == {
        "case": f"{EXAMPLES}/tmall_late_shipment.yaml",
        "policy": "tmall",
        "allowed": True,
        "outcome": "compensate",
        "deadline": None,
        "deadline_kind": None,
        "amount": 500.0,
        "amount_form": "points",
        "payer": None,
        "advance_payer": None,
        "burden_of_proof": None,
        "points": 0,
        "rules": ["tmall.late_ship_comp", "tmall.ship_promise"],
        "reason": {
            "en": "Compensation of 500.00 CNY (points): 30% of the price, at most 500 CNY.",
            "zh": "赔付500.00元(天猫积分):价款的30%,最高500元。",
        },
        "versions": {},
        "timeline": [],
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
        "2026-03-13T09:30:00+08:00",
        "2026-03-12T09:30:00+08:00",
        "2026-03-12T09:30:00+08:00",
    )
    assert (base["policy"], reform["policy"]) == ("tmall", "tmall+tmall_response_48h")


def test_variant_changes_an_extension_refusal_into_an_extension(capsys: pytest.CaptureFixture[str]) -> None:
    case = f"{EXAMPLES}/channels_extension_limit.yaml"
    assert json.loads(run_explain(capsys, case, as_json=True))["outcome"] == "limit_reached"
    five = json.loads(run_explain(capsys, case, variants=("policies/variants/channels_extend_5.yaml",), as_json=True))
    assert (five["allowed"], five["outcome"], five["deadline"]) == (True, "extended", "2026-04-15T10:00:00+08:00")


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
    code, out, err = simkit(
        "explain", "--case", f"{EXAMPLES}/channels_counterfeit.yaml", "--json", "--no-floor-warnings"
    )
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
        "'unkept_promise', 'campaign_breach', 'fraud' or 'refuse_to_ship'"
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
    "return_refund_without_reason.yaml": (
        f"{BAD}/return_refund_without_reason.yaml:4: request.reason: a return_refund request needs a reason"
    ),
    "wrong_platform_variant.yaml": (
        f"{BAD}/wrong_platform_variant.yaml:4: variants.0: ../../../policies/variants/channels_extend_5.yaml: "
        "variant is for policy 'video_channel', not 'tmall'"
    ),
    # times before the payment, or after the request (issue 8)
    "settled_before_payment.yaml": (
        f"{BAD}/settled_before_payment.yaml:7: order.settled_at: settled_at is before the payment (order.paid_at)"
    ),
    "closed_before_payment.yaml": (
        f"{BAD}/closed_before_payment.yaml:7: order.closed_at: closed_at is before the payment (order.paid_at)"
    ),
    "reopened_before_payment.yaml": (
        f"{BAD}/reopened_before_payment.yaml:6: history.reopened_at: reopened_at is before the payment (order.paid_at)"
    ),
    "refused_before_payment.yaml": (
        f"{BAD}/refused_before_payment.yaml:6: history.refused_at: refused_at is before the payment (order.paid_at)"
    ),
    "refund_requested_after_request.yaml": (
        f"{BAD}/refund_requested_after_request.yaml:7: request.refund_requested_at: "
        "refund_requested_at is after the request (request.at)"
    ),
    "reopened_at_without_reopening.yaml": (
        f"{BAD}/reopened_at_without_reopening.yaml:5: history.reopened_at: reopened_at is given but "
        "history.reopened is 0"
    ),
    # the price
    "price_infinite.yaml": f"{BAD}/price_infinite.yaml:5: order.price: Input should be a finite number",
    "price_boolean.yaml": f"{BAD}/price_boolean.yaml:5: order.price: expected a number of CNY, got true",
    # promises and warranties carry their unit
    "promise_without_unit.yaml": (
        f"{BAD}/promise_without_unit.yaml:9: order.promise.after_sale_period: expected a duration with its unit, "
        "such as '72 hours' or '7 days', got 30"
    ),
    "warranty_in_words.yaml": (
        f"{BAD}/warranty_in_words.yaml:8: order.warranty: expected a duration with its unit, such as '72 hours' "
        "or '7 days', got 'two years'"
    ),
    # extensions with their times
    "extension_after_request.yaml": (
        f"{BAD}/extension_after_request.yaml:7: history.extended_at.1: the extension is after the request (request.at)"
    ),
    "extensions_mismatch.yaml": (
        f"{BAD}/extensions_mismatch.yaml:5: history.extensions: 2 extensions counted, but history.extended_at "
        "gives 1 time"
    ),
    # refused delivery
    "refused_and_received.yaml": (
        f"{BAD}/refused_and_received.yaml:9: order.received_at: the buyer refused the delivery "
        "(delivery_refused_at): not received"
    ),
    "refused_before_shipment.yaml": (
        f"{BAD}/refused_before_shipment.yaml:8: order.delivery_refused_at: delivery_refused_at is before the "
        "shipment (order.shipped_at)"
    ),
    # the return flow
    "return_shipped_before_agreed.yaml": (
        f"{BAD}/return_shipped_before_agreed.yaml:9: request.return_shipped_at: return_shipped_at is before agreed_at"
    ),
    "return_on_refund_only.yaml": (
        f"{BAD}/return_on_refund_only.yaml:8: request.agreed_at: a refund_only request has no return: "
        "agreed_at needs a return kind"
    ),
    "return_arrived_without_shipment.yaml": (
        f"{BAD}/return_arrived_without_shipment.yaml:9: request.return_received_at: "
        "return_received_at needs request.return_shipped_at"
    ),
    "as_of_before_arrival.yaml": (
        f"{BAD}/as_of_before_arrival.yaml:11: request.as_of: as_of is before return_received_at"
    ),
    # before payment
    "unpaid_refund.yaml": (
        f"{BAD}/unpaid_refund.yaml:3: order.paid_at: a refund_only request needs order.paid_at (only a rule "
        "complaint on an order waiting for payment may leave it out, with order.placed_at)"
    ),
    "complaint_unpaid_without_placed.yaml": (
        f"{BAD}/complaint_unpaid_without_placed.yaml:3: order.paid_at: a rule_complaint request needs "
        "order.paid_at (only a rule complaint on an order waiting for payment may leave it out, with "
        "order.placed_at)"
    ),
    "paid_before_placed.yaml": f"{BAD}/paid_before_placed.yaml:7: order.paid_at: paid_at is before placed_at",
    # the refund's own state
    "refund_state_on_return.yaml": (
        f"{BAD}/refund_state_on_return.yaml:8: request.refund_state: only an intervention looks at "
        "refund_state, not a return_refund request"
    ),
    "unknown_refund_state.yaml": (
        f"{BAD}/unknown_refund_state.yaml:8: request.refund_state: Input should be 'in_progress', 'closed' "
        "or 'withdrawn'"
    ),
    "paid_before_dated_value.yaml": (
        f"{BAD}/paid_before_dated_value.yaml:7: order.paid_at: no version in force on 2014-06-01 (first is 2015-01-01)"
    ),
    # the buyer's confirmed exclusion is a flag
    "confirmed_exclusion_not_a_flag.yaml": (
        f"{BAD}/confirmed_exclusion_not_a_flag.yaml:8: order.confirmed_exclusion: Input should be a valid "
        "boolean, unable to interpret input"
    ),
    # fraud is a reason of its own
    "fraud_misspelt.yaml": (
        f"{BAD}/fraud_misspelt.yaml:6: request.reason: Input should be 'no_reason', "
        "'changed_mind', 'quality', 'not_as_described', 'damaged', 'wrong_item', 'missing_parts', "
        "'not_received', 'late_shipment', 'out_of_stock', 'counterfeit', 'invoice', "
        "'unkept_promise', 'campaign_breach', 'fraud' or 'refuse_to_ship'"
    ),
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
    assert (data["allowed"], data["outcome"], data["deadline"]) == (True, "await_merchant", "2026-03-05T10:00:00+08:00")


# --- validate and explain agree on case files -------------------------------------------------


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_validate_rejects_every_case_explain_rejects_with_the_same_line(
    simkit: Callable[..., Result], name: str
) -> None:
    assert simkit("validate", f"{BAD}/{name}") == (2, "", BAD_CASES[name] + "\n")


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / EXAMPLES).glob("*.yaml")))
def test_validate_accepts_every_example_explain_decides(simkit: Callable[..., Result], example: str) -> None:
    assert simkit("validate", f"{EXAMPLES}/{example}") == (0, "ok: 1 file valid\n", "")
    code, out, err = simkit("explain", "--case", f"{EXAMPLES}/{example}", "--json", "--no-floor-warnings")
    assert (code, err, json.loads(out)["case"]) == (0, "", f"{EXAMPLES}/{example}")


def test_validate_reports_every_problem_of_a_case_at_once(simkit: Callable[..., Result], tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(
        f"policy: {ROOT}/policies/tmall.yaml\n"
        "order:\n"
        "  category: apparel\n"
        "  price: 99\n"
        '  paid_at: "2026-03-01T10:00:00"\n'
        '  settled_at: "2026-02-01T10:00:00"\n'
        '  closed_at: "2026-02-02T10:00:00"\n'
        'request: {kind: return_refund, at: "2026-03-05T10:00:00"}\n',
        encoding="utf-8",
    )
    code, out, err = simkit("validate", str(case))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{case}:8: request.reason: a return_refund request needs a reason",
        f"{case}:6: order.settled_at: settled_at is before the payment (order.paid_at)",
        f"{case}:7: order.closed_at: closed_at is before the payment (order.paid_at)",
    ]


# --- base against variant (--compare) -----------------------------------------------------------

COMPARE_CASE = f"{EXAMPLES}/channels_compare_counterfeit_4x.yaml"
COUNTERFEIT_4X = "policies/variants/channels_counterfeit_4x.yaml"


def test_compare_json_shows_both_decisions_and_what_differs(simkit: Callable[..., Result]) -> None:
    code, out, err = simkit(
        "explain", "--case", COMPARE_CASE, "--variant", COUNTERFEIT_4X, "--compare", "--json", "--no-floor-warnings"
    )
    # the law: at least 500 CNY for fraud (cpl §55); at 4x without a minimum that is missed under 500 / 4 = 125 CNY.
    # A variant's floor warning is a what-if: printed even with --no-floor-warnings.
    assert (code, err.splitlines()) == (
        0,
        [
            f"{COUNTERFEIT_4X}:9: national.fraud: warning: may fall below the legal floor (Fraud compensation / "
            "欺诈三倍赔偿): expected at least 500 CNY for a counterfeit (national.fraud.minimum); found "
            "channels.counterfeit.multiple 4x without a minimum pays less for prices under 125.00 CNY"
        ],
    )
    data = json.loads(out)
    # wx:guarantee 3x the price plus the appraisal fee (260 x 3 + 50) against the API enum's 4x (260 x 4 + 50)
    assert (data["base"]["policy"], data["base"]["amount"]) == ("video_channel", 830.0)
    assert (data["variant"]["policy"], data["variant"]["amount"]) == ("video_channel+channels_counterfeit_4x", 1090.0)
    assert data["changed"] is True
    assert data["differences"] == {
        "fields": ["amount"],
        "rules_added": [],
        "rules_removed": [],
        "values": [
            {
                "path": "channels.counterfeit.multiple",
                "old": "3x",
                "new": "4x",
                "favours": "buyer",
                "change": "changed",
            }
        ],
        "other_values": [],
    }


def test_compare_text_puts_the_decisions_side_by_side(simkit: Callable[..., Result]) -> None:
    code, out, err = simkit("explain", "--case", COMPARE_CASE, "--variant", COUNTERFEIT_4X, "--compare")
    receipt_line = next(
        number
        for number, text in enumerate((ROOT / "policies" / "video_channel.yaml").read_text().splitlines(), start=1)
        if text.strip().startswith("merchant_receipt:")
    )
    warning = f"policies/video_channel.yaml:{receipt_line}: national.refund_deadline: warning:"
    assert (code, err.startswith(warning)) == (0, True)
    lines = out.splitlines()
    assert lines[:3] == [
        f"case      {COMPARE_CASE}",
        "base      video_channel",
        "variant   video_channel+channels_counterfeit_4x",
    ]
    assert "amount    830.00 CNY (cash)                       1090.00 CNY (cash)   <- differs" in lines
    assert "verdict   the decisions differ" in lines
    assert "  channels.counterfeit.multiple: 3x → 4x (more favourable to the buyer)" in lines


def test_compare_names_rules_that_only_one_side_cites(simkit: Callable[..., Result]) -> None:
    code, out, _ = simkit(
        "explain",
        "--case",
        f"{EXAMPLES}/channels_extension_limit.yaml",
        "--variant",
        "policies/variants/channels_extend_5.yaml",
        "--compare",
        "--json",
    )
    data = json.loads(out)
    assert code == 0
    # three extensions used: a fourth is refused at 3 (seed:003), allowed at 5, +7 days from 04-01 10:00
    assert (data["base"]["outcome"], data["variant"]["outcome"]) == ("limit_reached", "extended")
    assert (data["variant"]["deadline"], data["variant"]["deadline_kind"]) == (
        "2026-04-15T10:00:00+08:00",
        "new_period_end",
    )
    assert data["differences"]["fields"] == ["allowed", "outcome", "deadline", "deadline_kind"]
    assert [v["path"] for v in data["differences"]["values"]] == ["channels.extend.max_times"]


def test_compare_of_a_variant_that_changes_nothing_here(simkit: Callable[..., Result]) -> None:
    code, out, _ = simkit(
        "explain",
        "--case",
        f"{EXAMPLES}/tmall_late_shipment.yaml",
        "--variant",
        "policies/variants/tmall_response_48h.yaml",
        "--compare",
        "--json",
    )
    data = json.loads(out)
    assert (code, data["changed"], data["differences"]["values"]) == (0, False, [])
    assert [v["path"] for v in data["differences"]["other_values"]] == ["tmall.refund_auto_agree.timeout"]


def test_compare_needs_a_variant(simkit: Callable[..., Result]) -> None:
    assert simkit("explain", "--case", COMPARE_CASE, "--compare") == (
        2,
        "",
        "<cli>: --compare: needs at least one --variant to compare with\n",
    )


def test_compare_of_a_bad_case_is_the_same_error(simkit: Callable[..., Result]) -> None:
    code, out, err = simkit(
        "explain",
        "--case",
        f"{BAD}/unknown_category.yaml",
        "--variant",
        "policies/variants/tmall_response_48h.yaml",
        "--compare",
    )
    assert (code, out, err) == (2, "", BAD_CASES["unknown_category.yaml"] + "\n")


def test_json_output_carries_deadline_kind_offset_and_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run_explain(capsys, f"{EXAMPLES}/tmall_return_flow.yaml", as_json=True))
    assert (data["outcome"], data["deadline"], data["deadline_kind"]) == (
        "refund_overdue",
        "2026-03-27T10:00:00+08:00",
        "violation_after",
    )
    assert data["timeline"] == [
        {"kind": "confirm_receipt_by", "at": "2026-03-19T16:00:00+08:00"},  # 10 days after the buyer shipped
        {"kind": "violation_after", "at": "2026-03-27T10:00:00+08:00"},
    ]
    out = run_explain(capsys, f"{EXAMPLES}/tmall_refused_delivery.yaml")
    assert "proof     merchant  (burden of proof)" in out.splitlines()
