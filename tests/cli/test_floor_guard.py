"""The legal floor guards every command that loads a policy (issue 16).

Every command (`explain`, `run`, `compare`, `sweep`, `check`, `audit`, and `policy diff` for what
the change adds) checks the policy in force,
variants and --set values applied, against the national floor and names the value's FILE:LINE
and the clause; `--strict` refuses a policy below the law with exit code 2. The legal values
are those of docs/RULES.md:

* national.no_reason_return — "7-day no-reason return" (law:7day);
* national.refund_deadline — "within 7 days; >15 days unhandled is a violation" (law:7day §13, §31);
* national.fraud — "3x price, minimum 500 CNY" (law:cpl §55);
* national.three_guarantees — 三包 covers electronics (law:3bao);
* national.quality_return — "return within 7 days" (law:cpl §24).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "scenarios/tmall_baseline.yaml"
CASE = "policies/examples/tmall_late_shipment.yaml"
LOG = "scenarios/examples/tmall_shop_log.csv"
PLANTED_LOG = "scenarios/examples/planted_shop/simkit/events.csv"
TINY = ["--set", "orders.count=60", "--set", "merchants.count=2"]


def _tmall_line(key: str, after: str = "") -> int:
    """The line of `key` in policies/tmall.yaml (the first after the line holding `after`)."""
    lines = (ROOT / "policies" / "tmall.yaml").read_text(encoding="utf-8").splitlines()
    start = next(i for i, text in enumerate(lines) if after in text) if after else 0
    return next(i for i in range(start, len(lines)) if lines[i].strip().startswith(key + ":")) + 1


RECEIPT_LINE = _tmall_line("merchant_confirm_within")
FRAUD_LINE = _tmall_line("multiple", after="  counterfeit:")

# Tmall's own two warnings (policies/tmall.yaml): a 10-day receipt timer against the 7-day refund
# deadline, and 假一赔十 without the 500 CNY minimum, which pays less under 500 / 10 = 50 CNY.
TMALL_WARNINGS = [
    f"policies/tmall.yaml:{RECEIPT_LINE}: national.refund_deadline: warning: may fall below the legal floor "
    "(Refund after receiving the return / 退货退款时限): expected tmall.return_deadlines.merchant_confirm_within "
    "at most 7 days "
    "(national.refund_deadline.refund_within): a merchant who waits for the receipt timer refunds later than the "
    "law's deadline; found 10 days",
    f"policies/tmall.yaml:{FRAUD_LINE}: national.fraud: warning: may fall below the legal floor (Fraud compensation / "
    "欺诈三倍赔偿): expected at least 500 CNY for a counterfeit (national.fraud.minimum); found "
    "tmall.counterfeit.multiple 10x without a minimum pays less for prices under 50.00 CNY",
]

BELOW = {
    "window_5_days": (
        "tmall.after_sale_window.window: 5 days",
        "national.no_reason_return",
        "(7-day no-reason return / 七日无理由退货): expected tmall.after_sale_window.window at least 7 days "
        "(national.no_reason_return.window): the buyer files a no-reason return through the after-sale window; "
        "found 5 days",
    ),
    "receipt_timer_16_days": (
        "tmall.return_deadlines.merchant_confirm_within: 16 days",
        "national.refund_deadline",
        "(Refund after receiving the return / 退货退款时限): expected tmall.return_deadlines.merchant_confirm_within "
        "at most 15 days (national.refund_deadline.violation_after): the refund follows the receipt timer when the "
        "merchant does not confirm the return; found 16 days",
    ),
    "counterfeit_2x": (
        "tmall.counterfeit.multiple: 2x",
        "national.fraud",
        "(Fraud compensation / 欺诈三倍赔偿): expected tmall.counterfeit.multiple at least 3x "
        "(national.fraud.multiple): selling counterfeits as genuine is fraud under the consumer law; found 2x",
    ),
    "no_three_guarantees": (
        "categories.electronics.three_guarantees: false",
        "national.three_guarantees",
        "(Repair, exchange and return for covered durables / 三包): expected categories.electronics.three_guarantees: "
        "true (三包 covers Electronics); found false",
    ),
    "quality_return_5_days": (
        "national.quality_return.return_within: 5 days",
        "national.quality_return",
        "(Return for a quality defect / 质量问题退货): expected national.quality_return.return_within at least 7 days "
        "(the law); found 5 days",
    ),
}


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _variant(tmp_path: Path, setting: str) -> Path:
    path = tmp_path / "below.yaml"
    path.write_text(
        "variant:\n"
        "  id: below\n"
        "  name: {zh: 低于法定标准, en: Below the law}\n"
        "  source: assumption a what-if below the law\n"
        "  applies_to: tmall\n"
        "set:\n"
        f"  {setting}\n",
        encoding="utf-8",
    )
    return path


def _argv(command: str, variant: Path, tmp_path: Path) -> list[str]:
    if command == "explain":
        return ["explain", "--case", CASE, "--variant", str(variant)]
    if command == "run":
        return ["run", SCENARIO, *TINY, "--reps", "1", "--quiet", "--variant", str(variant)]
    if command == "compare":
        common = ["--common", "orders.count=60", "--common", "merchants.count=2"]
        return [
            "compare",
            SCENARIO,
            *common,
            "--reps",
            "2",
            "--executor",
            "serial",
            "--quiet",
            "--variant",
            str(variant),
        ]
    if command == "sweep":
        grid = ["--grid", "buyers.evidence=0.5,0.7"]
        return [
            "sweep",
            SCENARIO,
            *TINY,
            *grid,
            "--reps",
            "1",
            "--executor",
            "serial",
            "--quiet",
            "--variant",
            str(variant),
        ]
    if command == "check":
        scenario = tmp_path / "below_scenario.yaml"
        text = (ROOT / SCENARIO).read_text(encoding="utf-8")
        text = text.replace("policy: ../policies/tmall.yaml", f"policy: {ROOT / 'policies' / 'tmall.yaml'}")
        text = text.replace("  replications: 3\n", f"  replications: 1\n  variants: [{variant}]\n")
        scenario.write_text(text.replace("  count: 20000 ", "  count: 60 "), encoding="utf-8")
        return ["check", str(scenario)]
    if command == "policy diff":
        return ["policy", "diff", "policies/tmall.yaml", "--variant", str(variant)]
    if command == "calibrate":
        twin = str(tmp_path / "twin.yaml")
        return ["calibrate", "--policy", "policies/tmall.yaml", "--variant", str(variant), PLANTED_LOG, "--out", twin,
                "--no-validate", "--quiet"]  # fmt: skip
    return ["audit", "--policy", "policies/tmall.yaml", "--variant", str(variant), LOG]


COMMANDS = ["explain", "run", "compare", "sweep", "check", "audit", "policy diff", "calibrate"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("clause", sorted(BELOW))
def test_a_variant_below_each_floor_clause_is_named_by_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, clause: str
) -> None:
    setting, rule, text = BELOW[clause]
    variant = _variant(tmp_path, setting)
    code = main(_argv(command, variant, tmp_path))
    out, err = capsys.readouterr()
    line = f"{variant}:7: {rule}: warning: below the legal floor {text}"
    if command == "check":  # check lists the floor findings under its verdict; a violation fails it
        assert (code, f"  {variant}:7: violation of {rule} {text}" in out.splitlines()) == (1, True)
        return
    assert code in (0, 1)  # the audit fails on the example log's own violations
    assert line in err.splitlines()


@pytest.mark.parametrize("command", COMMANDS)
def test_strict_refuses_a_variant_below_the_law_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    setting, rule, text = BELOW["window_5_days"]
    variant = _variant(tmp_path, setting)
    code = main([*_argv(command, variant, tmp_path), "--strict"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{variant}:7: {rule}: below the legal floor {text.replace('):', '), refused by --strict:', 1)}"
    ]


@pytest.mark.parametrize("command", ["explain", "run", "audit"])
def test_strict_lets_the_shipped_policy_run_with_its_two_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    argv = {
        "explain": ["explain", "--case", CASE],
        "run": ["run", SCENARIO, *TINY, "--reps", "1", "--quiet"],
        "audit": ["audit", "--policy", "policies/tmall.yaml", LOG],
    }[command]
    code = main([*argv, "--strict"])
    err = capsys.readouterr().err.splitlines()
    assert code in (0, 1)
    assert err[-2:] == TMALL_WARNINGS


def test_no_floor_warnings_hides_the_platforms_own_but_never_a_what_if(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "--case", CASE, "--no-floor-warnings"]) == 0
    assert capsys.readouterr().err == ""
    variant = _variant(tmp_path, "tmall.return_deadlines.merchant_confirm_within: 12 days")
    assert main(["explain", "--case", CASE, "--no-floor-warnings", "--variant", str(variant)]) == 0
    # 12 days is within the 15-day violation limit but past the 7-day deadline: a warning, and a what-if
    assert capsys.readouterr().err.splitlines() == [
        f"{variant}:7: national.refund_deadline: warning: may fall below the legal floor (Refund after receiving the "
        "return / 退货退款时限): expected tmall.return_deadlines.merchant_confirm_within at most 7 days "
        "(national.refund_deadline.refund_within): a merchant who waits for the receipt timer refunds later than the "
        "law's deadline; found 12 days",
    ]


def test_a_set_value_below_the_law_is_named_by_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "run",
        SCENARIO,
        *TINY,
        "--reps",
        "1",
        "--quiet",
        "--json",
        "--set",
        "tmall.after_sale_window.window=5 days",
    ]
    assert main(argv) == 0
    captured = capsys.readouterr()
    _, rule, text = BELOW["window_5_days"]
    assert captured.err.splitlines() == [f"<cli>: {rule}: warning: below the legal floor {text}", *TMALL_WARNINGS]
    floor = json.loads(captured.out)["floor"]
    assert [(f["clause"], f["severity"], f["where"]) for f in floor] == [
        ("national.no_reason_return", "violation", "<cli>"),
        ("national.refund_deadline", "warning", f"policies/tmall.yaml:{RECEIPT_LINE}"),
        ("national.fraud", "warning", f"policies/tmall.yaml:{FRAUD_LINE}"),
    ]
    assert floor[0]["text"] == f"<cli>: {rule}: warning: below the legal floor {text}"


def test_json_of_explain_compare_and_sweep_carries_the_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    variant = _variant(tmp_path, "tmall.after_sale_window.window: 5 days")
    assert main([*_argv("explain", variant, tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["clause"] for f in data["floor"]] == [
        "national.no_reason_return",
        "national.refund_deadline",
        "national.fraud",
    ]
    assert main([*_argv("compare", variant, tmp_path), "--json"]) == 0
    floor = json.loads(capsys.readouterr().out)["floor"]
    assert {arm: [f["clause"] for f in findings] for arm, findings in floor.items()} == {
        "base": ["national.refund_deadline", "national.fraud"],
        "below": ["national.no_reason_return", "national.refund_deadline", "national.fraud"],
    }
    assert main([*_argv("sweep", variant, tmp_path), "--json"]) == 0
    floor = json.loads(capsys.readouterr().out)["floor"]
    assert sorted(floor) == ["0", "1"]
    assert floor["0"][0]["where"] == f"{variant}:7"


def test_a_sweep_names_the_points_a_finding_holds_at(capsys: pytest.CaptureFixture[str]) -> None:
    grid = ["--grid", "tmall.after_sale_window.window=5 days,7 days,15 days"]
    argv = ["sweep", SCENARIO, *TINY, *grid, "--reps", "1", "--executor", "serial", "--quiet", "--no-floor-warnings"]
    assert main(argv) == 0
    _, rule, text = BELOW["window_5_days"]
    assert capsys.readouterr().err.splitlines() == [
        f"<cli>: {rule}: warning: below the legal floor {text} (at 1 of 3 points: 0)"
    ]
    argv[argv.index(grid[1])] = "tmall.after_sale_window.window=3 days,5 days,15 days"
    assert main(argv) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"<cli>: {rule}: warning: below the legal floor {text.replace('5 days', '3 days')} "
        "(at 2 of 3 points: 0, 1; found 3 days, 5 days)"
    ]


def test_the_result_objects_carry_the_floor(tmp_path: Path) -> None:
    import simkit

    variant = _variant(tmp_path, "tmall.after_sale_window.window: 5 days")
    run = simkit.run(SCENARIO, reps=1, overrides=["orders.count=60", "merchants.count=2"], recorder="none")
    assert [f.clause for f in run.floor] == ["national.refund_deadline", "national.fraud"]
    comparison = simkit.compare(
        SCENARIO, [str(variant)], common=["orders.count=60", "merchants.count=2"], reps=2, executor="serial"
    )
    assert [f.where for f in comparison.floor["below"]] == [
        f"{variant}:7",
        f"policies/tmall.yaml:{RECEIPT_LINE}",
        f"policies/tmall.yaml:{FRAUD_LINE}",
    ]
    sweep = simkit.sweep(
        SCENARIO,
        grid=["tmall.after_sale_window.window=5 days,7 days"],
        overrides=["orders.count=60", "merchants.count=2"],
        reps=1,
        executor="serial",
    )
    assert [[f.actual for f in sweep.floor[p] if f.clause == "national.no_reason_return"] for p in (0, 1)] == [
        ["5 days"],
        [],
    ]
    with pytest.raises(simkit.PolicyError) as refused:
        simkit.compare(SCENARIO, [str(variant)], common=["orders.count=60"], reps=2, executor="serial", strict=True)
    assert str(refused.value).startswith(f"{variant}:7: national.no_reason_return: below the legal floor")


def test_policy_diff_names_only_what_the_change_adds_to_the_floor(capsys: pytest.CaptureFixture[str]) -> None:
    # the 48 h shipping promise is more favourable to the buyer: the diff adds nothing below the law
    assert main(["policy", "diff", "policies/tmall.yaml", "--variant", "policies/variants/tmall_ship_48h.yaml"]) == 0
    assert capsys.readouterr().err == ""


def test_the_audit_report_carries_the_floor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    variant = _variant(tmp_path, "tmall.after_sale_window.window: 5 days")
    argv = [*_argv("audit", variant, tmp_path), "--report", str(tmp_path / "report"), "--no-floor-warnings"]
    assert main(argv) == 1  # the example log's own violations
    capsys.readouterr()
    data = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    floor = [s for s in data["sections"] if s["title"] == "The legal floor"]
    assert [(f["clause"], f["where"], f["arms"]) for f in floor[0]["findings"]] == [
        ("national.no_reason_return", f"{variant}:7", ["tmall+below"]),
        ("national.refund_deadline", f"policies/tmall.yaml:{RECEIPT_LINE}", ["tmall+below"]),
        ("national.fraud", f"policies/tmall.yaml:{FRAUD_LINE}", ["tmall+below"]),
    ]
