"""`simkit calibrate`: the twin is a scenario the other commands accept; bad input is one line and exit 2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simkit.calibration.api import calibrate
from simkit.cli.main import main
from simkit.errors import SimkitError
from tests.calibration.conftest import PLANTED, simulate, write_log

POLICY = "policies/tmall.yaml"


def test_the_twin_runs_as_it_is(planted_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    twin = tmp_path / "out" / "twin.yaml"
    code = main(["calibrate", "--policy", POLICY, str(planted_log), "--out", str(twin), "--no-validate", "--quiet"])
    assert code == 0
    text = twin.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert Path(twin.parent, data["scenario"]["policy"]).resolve() == Path(POLICY).resolve()
    # every fitted value carries its CI, n and method; what the log cannot show is marked
    assert "merchants.response_time" not in text  # paths are keys, not text
    assert "response_time: {dist: lognormal" in text and "95% CI, n=" in text
    assert "misjudge: 0.2  # not identified from this log: kept from the base" in text
    capsys.readouterr()
    assert main(["validate", str(twin)]) == 0
    assert main(["run", str(twin), "--reps", "1", "--quiet", "--set", "orders.count=300"]) == 0
    variant = "policies/variants/tmall_response_48h.yaml"
    small = ["--reps", "2", "--quiet", "--set", "orders.count=300"]
    assert main(["compare", str(twin), "--variant", variant, *small]) == 0
    assert main(["sweep", str(twin), "--grid", "merchants.slow_share=0,0.2", *small]) == 0


def test_json_lists_parameters_with_ci_and_n(
    planted_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    code = main(["calibrate", "--policy", POLICY, str(planted_log), "--out", str(tmp_path / "t.yaml"),
                 "--no-validate", "--json"])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    rows = {row["parameter"]: row for row in out["parameters"]}
    assert rows["merchants.slow_share"]["n"] > 500
    assert rows["merchants.slow_share"]["ci_low"] < rows["merchants.slow_share"]["estimate"] < rows[
        "merchants.slow_share"]["ci_high"]  # fmt: skip
    assert rows["merchants.misjudge"]["identified"] is False
    assert out["shifts"] == [{"start": 9, "end": 22}]


def test_train_until_outside_the_log(planted_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["calibrate", "--policy", POLICY, str(planted_log), "--out", str(tmp_path / "t.yaml"),
                 "--train-until", "2027-01-01", "--no-validate"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(
        f"{planted_log}: train_until: --train-until 2027-01-01T00:00:00+08:00 is outside the log (2026-03-02T"
    )
    assert not (tmp_path / "t.yaml").exists()


def test_a_log_with_no_order_facts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "ships.csv"
    pd.DataFrame(
        {"case:concept:name": ["a:O1", "a:O2"], "order_id": ["1", "2"], "concept:name": ["ship", "ship"],
         "time:timestamp": ["2026-03-02T10:00:00+08:00", "2026-03-02T11:00:00+08:00"], "actor": ["merchant"] * 2}
    ).to_csv(log, index=False)  # fmt: skip
    code = main(["calibrate", "--policy", POLICY, str(log), "--out", str(tmp_path / "t.yaml"), "--no-validate"])
    assert code == 2
    assert capsys.readouterr().err == (
        f"{log}: orders: no order facts (payment times) and no requests: the order volume cannot be estimated; "
        "give the orders with --orders\n"
    )


def test_malformed_rows_are_reported_with_their_lines_and_the_rest_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(simulate(PLANTED, ["orders.count=1500"], run_id="m"), tmp_path / "shop.csv")
    lines = log.read_text(encoding="utf-8").splitlines()
    bad = len(lines) + 1
    log.write_text("\n".join([*lines, "oops,1"]) + "\n", encoding="utf-8")
    twin = tmp_path / "t.yaml"
    code = main(["calibrate", "--policy", POLICY, str(log), "--out", str(twin), "--no-validate", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"{log}:{bad}: row: malformed row: expected 19 fields, found 2" in err
    assert twin.exists()  # the rest was fitted


def test_a_log_too_small_for_a_parameter_keeps_the_base_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_log(simulate(PLANTED, ["orders.count=600", "orders.window=7 days"], run_id="s"), tmp_path / "s.parquet")
    twin = tmp_path / "t.yaml"
    code = main(["calibrate", "--policy", POLICY, str(log), "--out", str(twin), "--no-validate", "--quiet"])
    assert code == 0
    err = capsys.readouterr().err
    assert f"{log}: buyers.escalate_after_refusal: too few observations to fit (" in err
    line = next(x for x in err.splitlines() if "buyers.escalate_after_refusal" in x)
    assert line.endswith("; needs 20): the base value is kept")
    text = twin.read_text(encoding="utf-8")
    # the base's value (tmall_baseline: escalate_after_refusal: 0.4), marked
    assert "escalate_after_refusal: 0.4  # not identified from this log: too few observations (" in text


def _dated_variant(path: Path) -> Path:
    path.write_text(
        "variant:\n  id: response_48h_from_0316\n  name: {zh: 3月16日起48小时, en: 48 h from 16 March}\n"
        "  source: assumption a dated rule change for the test\n  applies_to: tmall\nset:\n"
        "  tmall.refund_auto_agree.timeout:\n"
        '    "2015-01-01": 72 hours\n    "2026-03-16": 48 hours\n',
        encoding="utf-8",
    )
    return path


def test_a_log_across_a_policy_change_needs_dated_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = simulate(PLANTED, ["orders.window=14 days", "orders.count=3000", "scenario.horizon=30 days"], run_id="a")
    after = simulate(
        PLANTED,
        ["orders.window=14 days", "orders.count=3000", "scenario.horizon=30 days", "scenario.start=2026-03-16T00:00:00",
         'tmall.refund_auto_agree.timeout="48 hours"'],
        run_id="b",
    )  # fmt: skip
    log = write_log(pd.concat([before, after], ignore_index=True), tmp_path / "both.parquet")
    with pytest.raises(SimkitError) as info:
        calibrate(POLICY, log, validate=False)
    # the second half ran on a 48 h timer (tmall.refund_auto_agree.timeout="48 hours"); the policy says 72 h
    assert str(info.value) == (
        f"{log}: merchants.response_time: 76 of 125 automatic approvals came 48 h after the request where tmall "
        "allows 72 h (first on 2026-03-18): the log spans a policy change; give --variant with dated values "
        "(e.g. 2026-03-18: 48 hours) to say when it changed"
    )
    cal = calibrate(POLICY, log, variants=[_dated_variant(tmp_path / "dated.yaml")], validate=False)
    assert cal.train[0] == dt.datetime(2026, 3, 2, tzinfo=cal.train[0].tzinfo)
    # the twin runs under the same dated policy
    assert cal.scenario.policy.variant_ids == ("response_48h_from_0316",)
    twin = tmp_path / "twin" / "twin.yaml"
    cal.write(twin)
    assert "  variants: [../dated.yaml]  # the policy variants given to simkit calibrate" in twin.read_text("utf-8")
    assert main(["validate", str(twin)]) == 0


def test_report_directory(planted_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    report = tmp_path / "fit"
    code = main(["calibrate", "--policy", POLICY, str(planted_log), "--out", str(tmp_path / "t.yaml"),
                 "--no-validate", "--quiet", "--report", str(report)])  # fmt: skip
    assert code == 0
    if importlib.util.find_spec("simkit.report.calibration") is not None:  # the validation's report writer
        assert {"report.html", "report.md", "report.json"} <= {p.name for p in report.iterdir()}
    else:
        names = {p.name for p in report.iterdir()}
        assert {"parameters.csv", "calibration.json", "merchants.response_time.png"} <= names
        table = pd.read_csv(report / "parameters.csv")
        assert list(table.columns) == [
            "parameter", "estimate", "ci_low", "ci_high", "n", "method", "identified", "note", "in_twin",
        ]  # fmt: skip


def test_the_shape_is_recognised_from_the_header_as_the_audit_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16: '`--format` is optional: recognise the shape from the header (`refund_id`/`tid` → taobao)'."""
    refunds = "scenarios/examples/planted_shop/taobao/refunds.csv"
    twin = tmp_path / "twin.yaml"
    argv = ["calibrate", "--policy", POLICY, refunds, "--out", str(twin), "--no-validate", "--quiet"]
    assert main([*argv, "--no-floor-warnings"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"{refunds}: read as the taobao shape (recognised from the columns refund_id, tid; --format to choose another)"
    )
    assert twin.is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--reps", "0"], "<cli>: --reps: must be between 1 and 10000, got 0"),
        (["--seed", "-1"], "<cli>: --seed: must be between 0 and 18446744073709551615, got -1"),
    ],
)
def test_counts_have_run_s_bounds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    argv = ["calibrate", "--policy", POLICY, "scenarios/examples/planted_shop/simkit/events.csv"]
    assert main([*argv, "--out", str(tmp_path / "twin.yaml"), *extra]) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert list(tmp_path.iterdir()) == []


def test_a_directory_as_the_twin_is_refused_before_any_fitting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "calibrate",
        "--policy",
        POLICY,
        "scenarios/examples/planted_shop/simkit/events.csv",
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [f"<cli>: --out: {tmp_path} is a directory; name a file"]
