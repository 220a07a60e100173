"""Input validation and messages of compare, sweep and check (issue 17): each input class with its exact message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from scipy.stats import qmc

from simkit.cli.main import main
from simkit.experiment.design import Range, build_design
from simkit.experiment.engine import Arm, plan
from simkit.experiment.executors import workers_for
from simkit.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "scenarios/tmall_baseline.yaml"
VARIANT = "policies/variants/tmall_response_48h.yaml"
COMMON = ["--common", "orders.count=60", "--common", "merchants.count=2"]
TINY = ["--set", "orders.count=60", "--set", "merchants.count=2"]
MAX_SEED = 2**64 - 1  # `simkit run`'s bound: a 64-bit seed


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    return err


# --- counts: the bounds and messages of `simkit run` -------------------------------------------------

COMPARE = ["compare", SCENARIO, "--variant", VARIANT]
SWEEP = ["sweep", SCENARIO, "--range", "buyers.evidence=0.4:0.9"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([*COMPARE, "--reps", "0"], "<cli>: --reps: must be between 1 and 10000, got 0"),
        ([*COMPARE, "--reps", "10001"], "<cli>: --reps: must be between 1 and 10000, got 10001"),
        ([*COMPARE, "--max-reps", "0"], "<cli>: --max-reps: must be between 1 and 10000, got 0"),
        ([*COMPARE, "--max-reps", "-5"], "<cli>: --max-reps: must be between 1 and 10000, got -5"),
        ([*COMPARE, "--seed", str(2**200)], f"<cli>: --seed: must be between 0 and {MAX_SEED}, got {2**200}"),
        ([*COMPARE, "--seed", "-1"], f"<cli>: --seed: must be between 0 and {MAX_SEED}, got -1"),
        ([*COMPARE, "--workers", "0"], "<cli>: --workers: must be between 1 and 1024, got 0"),
        ([*COMPARE, "--workers", "100000"], "<cli>: --workers: must be between 1 and 1024, got 100000"),
        ([*SWEEP, "--lhs", "0"], "<cli>: --lhs: must be between 1 and 10000, got 0"),
        ([*SWEEP, "--lhs", str(10**9)], f"<cli>: --lhs: must be between 1 and 10000, got {10**9}"),
        ([*SWEEP, "--sobol", "-3"], "<cli>: --sobol: must be between 1 and 10000, got -3"),
        ([*SWEEP, "--lhs", "4", "--reps", "0"], "<cli>: --reps: must be between 1 and 10000, got 0"),
        ([*SWEEP, "--lhs", "4", "--seed", "-1"], f"<cli>: --seed: must be between 0 and {MAX_SEED}, got -1"),
        (["check", SCENARIO, "--seed", "-1"], f"<cli>: --seed: must be between 0 and {MAX_SEED}, got -1"),
        (["check", SCENARIO, "--seed", str(2**200)], f"<cli>: --seed: must be between 0 and {MAX_SEED}, got {2**200}"),
        (["check", SCENARIO, "--reps", "20000"], "<cli>: --reps: must be between 1 and 10000, got 20000"),
        (["run", SCENARIO, "--seed", "-1"], f"<cli>: --seed: must be between 0 and {MAX_SEED}, got -1"),
    ],
)
def test_counts_out_of_bounds_are_refused_as_run_refuses_them(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert _refused(capsys, argv) == message + "\n"


def test_a_design_with_too_many_points_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    grid = [f"--grid={path}=" + ",".join(str(v) for v in range(1, 101)) for path in ("merchants.count", "orders.count")]
    grid.append("--grid=merchants.staff.per_merchant=1,2,3,4,5,6,7,8,9,10,11")
    assert _refused(capsys, ["sweep", SCENARIO, *grid]) == (
        "<cli>: --grid: the design has 110,000 points; at most 10,000\n"
    )


# --- --address --------------------------------------------------------------------------------------

EXPECTED_ADDRESS = "expected tcp://HOST:PORT (or tls://, ws://, wss://)"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("notaurl", f"{EXPECTED_ADDRESS}, got 'notaurl'"),
        ("http://localhost:8786", f"{EXPECTED_ADDRESS}, got 'http://localhost:8786'"),
        ("tcp://[::1:8786", f"{EXPECTED_ADDRESS}, got 'tcp://[::1:8786': Invalid IPv6 URL"),
        ("tcp://localhost:99999", f"{EXPECTED_ADDRESS}, got 'tcp://localhost:99999': Port out of range 0-65535"),
        ("tcp://localhost", f"{EXPECTED_ADDRESS}, got 'tcp://localhost'"),
    ],
)
def test_a_malformed_address_is_one_line(capsys: pytest.CaptureFixture[str], address: str, message: str) -> None:
    assert _refused(capsys, [*COMPARE, "--address", address]) == f"<cli>: --address: {message}\n"
    assert _refused(capsys, [*SWEEP, "--lhs", "2", "--address", address]) == f"<cli>: --address: {message}\n"


# --- --workers: never more processes than tasks -------------------------------------------------------


def test_workers_are_capped_at_the_number_of_tasks() -> None:
    assert workers_for(8, 3) == (3, "--workers 8: started 3, one per task (3 tasks)")
    assert workers_for(2, 3) == (2, "")
    assert workers_for(None, 1) == (1, "")


def test_compare_says_when_it_starts_fewer_workers_than_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    compare_module = sys.modules["simkit.experiment.compare"]
    started: list[int | None] = []
    real = compare_module.make_executor

    def recording(name: str = "local", workers: int | None = None, address: str | None = None):  # type: ignore[no-untyped-def]
        started.append(workers)
        return real("serial", workers, address)

    monkeypatch.setattr(compare_module, "make_executor", recording)
    argv = [*COMPARE, *COMMON, "--reps", "2", "--workers", "8", "--quiet", "--no-floor-warnings", "--metric", "cases"]
    assert main(argv) == 0
    # base, the variant paired and the variant on independent seeds: 3 arms of 2 replications, one task each
    assert started == [3]
    assert capsys.readouterr().err == "simkit: --workers 8: started 3, one per task (3 tasks)\n"


# --- --range units and the precision of sampled values ------------------------------------------------


def test_a_range_with_hours_and_days_is_sampled_in_hours() -> None:
    params = load_scenario(SCENARIO).parameters()
    design = build_design(params, ranges=["tmall.refund_auto_agree.timeout=24 hours:4 days"], lhs=5, seed=3)
    # 4 days = 96 hours; the ends are written without decimals, so the samples keep 2
    assert design.ranges == (Range("tmall.refund_auto_agree.timeout", 24.0, 96.0, "hours", False, 2),)
    fractions = qmc.LatinHypercube(d=1, seed=3).random(5)[:, 0]
    expected = [f"{round(24 + f * 72, 2):g} hours" for f in fractions]
    assert [point["tmall.refund_auto_agree.timeout"] for point in design.points()] == expected
    assert all(re.fullmatch(r"\d{2}(\.\d{1,2})? hours", value) for value in expected)


def test_sampled_values_keep_two_decimals_more_than_written() -> None:
    params = load_scenario(SCENARIO).parameters()
    design = build_design(params, ranges=["buyers.evidence=0.4:0.9"], lhs=4, seed=1)
    values = [point["buyers.evidence"] for point in design.points()]
    fractions = qmc.LatinHypercube(d=1, seed=1).random(4)[:, 0]
    assert values == [f"{round(0.4 + f * 0.5, 3):g}" for f in fractions]


def test_a_range_whose_ends_measure_different_things_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", SCENARIO, "--range", "tmall.refund_auto_agree.timeout=24 hours:5 CNY", "--lhs", "4"]
    assert _refused(capsys, argv) == (
        "<cli>: tmall.refund_auto_agree.timeout: --range: the two ends have different units ('hours' and 'CNY'), "
        "got '24 hours:5 CNY'\n"
    )


# --- task keys --------------------------------------------------------------------------------------


def test_task_keys_are_unique_for_names_without_ascii_letters() -> None:
    arms = [
        Arm(name, (), (), 1, ()) for name in ("base", "变体甲~paired", "变体乙~paired", "tmall_response_48h~paired")
    ]
    keys = [task.key for task in plan(SCENARIO, arms, range(2), 2)]
    assert len(set(keys)) == 4
    # names that keep their sense keep their keys (earlier experiments resume)
    assert (keys[0], keys[3]) == ("base-s1-r0-1", "tmall_response_48h_paired-s1-r0-1")
    assert re.fullmatch(r"_paired-[0-9a-f]{8}-s1-r0-1", keys[1])


def test_two_variant_files_named_without_ascii_letters_all_run(tmp_path: Path) -> None:
    import pandas as pd

    import simkit

    text = (ROOT / VARIANT).read_text(encoding="utf-8")
    first, second = tmp_path / "变体甲.yaml", tmp_path / "变体乙.yaml"
    first.write_text(text, encoding="utf-8")
    second.write_text(text.replace("48 hours", "24 hours"), encoding="utf-8")
    result = simkit.compare(
        SCENARIO,
        [str(first), str(second)],
        common=["orders.count=60", "merchants.count=2"],
        reps=2,
        executor="serial",
        out=tmp_path / "out",
    )
    # base, and each variant paired and independent: 5 arms, one task of 2 replications each
    assert len(list((tmp_path / "out" / "tasks").glob("*.parquet"))) == 5
    stored = pd.read_parquet(tmp_path / "out" / "results.parquet")
    assert sorted(stored.groupby(["variant", "pairing"]).size().index.tolist()) == [
        ("base", "paired"),
        ("变体乙", "independent"),
        ("变体乙", "paired"),
        ("变体甲", "independent"),
        ("变体甲", "paired"),
    ]
    assert len(result.table) == len(stored)


# --- replications and the stopping rule ---------------------------------------------------------------


def test_compare_says_it_raises_one_replication_to_two(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*COMPARE, *COMMON, "--reps", "1", "--executor", "serial", "--json", "--no-floor-warnings"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    note = "--reps 1: raised to 2, the fewest a paired confidence interval needs"
    assert captured.err == f"simkit: {note}\n"
    data = json.loads(captured.out)
    assert (data["replications"], data["notes"]) == (2, [note])


def test_target_ci_stopped_by_max_reps_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    base = [*COMPARE, *COMMON, "--reps", "2", "--executor", "serial", "--quiet", "--no-floor-warnings"]
    target = ["--target-ci", "refund_rate=0.000001", "--max-reps", "3", "--metric", "refund_rate"]
    assert main([*base, *target, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["target_reached"], data["replications"], data["target_ci"]) == (False, 3, {"refund_rate": 1e-06})
    assert data["notes"][0].startswith("--target-ci not reached: stopped at --max-reps 3 with refund_rate ±")
    assert main([*base, *target]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(
        r"--target-ci not reached: stopped at --max-reps 3 with refund_rate ±[0-9.]+ \(target ±1e-06\)", last
    )


def test_run_target_ci_stopped_by_max_reps_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", SCENARIO, *TINY, "--quiet", "--no-floor-warnings", "--target-ci", "refund_rate=0.000001"]
    assert main([*argv, "--reps", "2", "--max-reps", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["replications"], data["target_reached"]) == (2, False)


# --- check lists its warnings -------------------------------------------------------------------------


def test_check_lists_its_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.cli.test_floor_guard import TMALL_WARNINGS

    text = (ROOT / SCENARIO).read_text(encoding="utf-8")
    text = text[: text.index("\n# Expected bounds")] + "\n" if "\n# Expected bounds" in text else text
    text = text.replace("policy: ../policies/tmall.yaml", f"policy: {ROOT / 'policies' / 'tmall.yaml'}")
    scenario = tmp_path / "small.yaml"
    scenario.write_text(text.replace("  count: 20000 ", "  count: 60 "), encoding="utf-8")
    assert main(["check", str(scenario), "--reps", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        rf"PASS {re.escape(str(scenario))} \(scenario tmall_baseline, policy tmall; 1 replication\(s\), "
        r"2 warning\(s\), [0-9.]+ s\)",
        lines[0],
    )
    tmall = str(ROOT / "policies" / "tmall.yaml")
    assert lines[1:] == [
        *(f"  {line.replace('policies/tmall.yaml', tmall)}" for line in TMALL_WARNINGS),
        "1 passed, 0 failed",
    ]


# --- help texts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["compare", "check", "run"])
def test_help_says_95_percent_once(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "%%" not in out
    assert "95% CI" in out


# --- messages that point the right way ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_a_missing_variant_file_is_blamed_on_the_command_line(capsys: pytest.CaptureFixture[str], command: str) -> None:
    extra = {"run": [], "compare": [], "sweep": ["--grid", "buyers.evidence=0.5"]}[command]
    assert _refused(capsys, [command, SCENARIO, *extra, "--variant", "nope.yaml"]) == (
        "<cli>: --variant: variant file 'nope.yaml' not found\n"
    )


def test_a_broken_variant_of_a_merchant_file_names_the_merchant_files_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.yaml").write_text(
        "variant:\n  id: broken\n  name: {zh: 坏, en: Broken}\n  source: assumption\n  applies_to: video_channel\n"
        "set:\n  channels.counterfeit.multiple: lots\n",
        encoding="utf-8",
    )
    merchant = tmp_path / "shop.yaml"
    merchant.write_text(
        f"merchant:\n  id: shop\n  name: {{zh: 店, en: Shop}}\n  policy: {ROOT / 'policies' / 'video_channel.yaml'}\n"
        "  variants:\n    - broken.yaml\nplaybook: by_the_rules\n",
        encoding="utf-8",
    )
    assert _refused(capsys, ["check", str(merchant)]) == (
        f"{tmp_path / 'broken.yaml'}:7: channels.counterfeit.multiple: expected a factor with its unit, such as "
        f"'3x', got 'lots' (referenced from {merchant}:6 merchant.variants.0)\n"
    )


# --- sweeps on a terminal -----------------------------------------------------------------------------


def test_a_sobol_sweep_prints_its_indices_before_its_points(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", SCENARIO, *TINY, "--sobol", "4", "--range", "buyers.evidence=0.4:0.9", "--reps", "1"]
    assert main([*argv, "--executor", "serial", "--quiet", "--no-floor-warnings", "--metric", "refund_rate"]) == 0
    out = capsys.readouterr().out
    # SALib (calc_second_order=False): N × (D + 2) = 4 × 3 = 12 points, few enough to list
    assert out.index("Sobol indices of refund rate") < out.index("┃ point ")
    assert out.splitlines()[0] == "sweep · 12 points × 1 replications · seed 20260302"


def test_a_sweep_of_many_points_is_summarised_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", SCENARIO, *TINY, "--lhs", "24", "--range", "buyers.evidence=0.4:0.9", "--reps", "1"]
    assert main([*argv, "--executor", "serial", "--quiet", "--no-floor-warnings", "--metric", "refund_rate"]) == 0
    out = capsys.readouterr().out
    assert "24 points, summarised (--json or --out keep every point)" in out
    assert len(out.splitlines()) < 15
    assert main([*argv, "--executor", "serial", "--quiet", "--no-floor-warnings", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["points"] == 24
    assert len({row["point"] for row in data["summary"]}) == 24


def test_the_run_table_fits_80_columns_without_cutting_labels(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["run", SCENARIO, *TINY, "--reps", "2", "--quiet", "--no-floor-warnings"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "…" not in "\n".join(lines)
    assert max(len(line) for line in lines) <= 80
    assert any("refund rate 退款率" in line for line in lines)


# --- validate checks what expect: says, with check's checker --------------------------------------

BAD_EXPECT = {
    "  dispute_rat: {max: 0.004}": "expect.dispute_rat: unknown metric 'dispute_rat' (did you mean 'dispute_rate'?)",
    '  refund_rate: {max: "0.1"}': "expect.refund_rate.max: must be a number, got '0.1'",
    "  dispute_rate: {max: .nan}": "expect.dispute_rate.max: must be a finite number, got nan",
    "  cost_total: {min: -.inf}": "expect.cost_total.min: must be a finite number, got -inf",
    "  auto_approval_share: {min: 0.5, max: 0.2}": "expect.auto_approval_share: min 0.5 is above max 0.2",
    # a rate is per paid order and a share a fraction: both lie in [0, 1] (docs/metrics.md)
    "  intervention_rate: {max: 1.5}": "expect.intervention_rate.max: 1.5 is outside [0, 1]: intervention_rate is a "
    "rate (/order)",
    "  remedy_share: {min: -0.1}": "expect.remedy_share.min: -0.1 is outside [0, 1]: remedy_share is a share (share)",
    "  cases: {min: -1}": "expect.cases.min: -1 is below 0: cases is never negative (cases)",
    "  violations: {max: -2}": "expect.violations.max: -2 is below 0: violations is never negative (violations)",
    "  violations.everything: {max: 0}": "expect.violations.everything: 'everything' is not a clause of policy "
    "'tmall'; `simkit explain` and docs/rules.md list the rule ids",
    "  violations.tmall.ship_promis: {max: 3}": "expect.violations.tmall.ship_promis: 'tmall.ship_promis' is not a "
    "clause of policy 'tmall' (did you mean 'tmall.ship_promise'?); `simkit explain` and docs/rules.md list the "
    "rule ids",
}


def test_validate_and_check_refuse_the_same_expect_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / SCENARIO).read_text(encoding="utf-8")
    text = text.replace("policy: ../policies/tmall.yaml", f"policy: {ROOT / 'policies' / 'tmall.yaml'}")
    head = text[: text.index("\nexpect:")]
    scenario = tmp_path / "bad_expect.yaml"
    scenario.write_text(head + "\nexpect:\n" + "\n".join(BAD_EXPECT) + "\n", encoding="utf-8")
    first = head.count("\n") + 3
    expected = [f"{scenario}:{first + i}: {message}" for i, message in enumerate(BAD_EXPECT.values())]
    assert _refused(capsys, ["validate", str(scenario)]).splitlines() == expected
    assert _refused(capsys, ["check", str(scenario)]).splitlines() == expected


def test_a_violations_bound_on_a_state_machine_clause_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / SCENARIO).read_text(encoding="utf-8")
    text = text.replace("policy: ../policies/tmall.yaml", f"policy: {ROOT / 'policies' / 'tmall.yaml'}")
    scenario = tmp_path / "ok.yaml"
    extra = "  violations.status.taobao.refund: {max: 0}\n  violations.national.refund_deadline: {max: 0}\n"
    scenario.write_text(text.rstrip("\n") + "\n" + extra, encoding="utf-8")
    assert main(["validate", str(scenario)]) == 0
    assert capsys.readouterr().out == "ok: 1 file valid\n"


def test_a_sobol_size_that_is_not_a_power_of_two_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # SALib: "The balance properties of Sobol' points require n to be a power of 2."
    assert _refused(capsys, [*SWEEP, "--sobol", "48"]) == (
        "<cli>: --sobol: N must be a power of 2 (the balance of Sobol' points needs it), got 48: use 32 or 64\n"
    )


def test_a_sweep_checks_every_point_before_it_writes_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "g"
    err = _refused(capsys, ["sweep", SCENARIO, "--grid", "orders.count=100,-5", "--out", str(out), "--quiet"])
    assert err.startswith("<cli>: orders.count: ")
    assert len(err.splitlines()) == 1
    assert not out.exists()
