"""`simkit audit --policy P [--variant V]… LOG [--format F] [--map C=F]… [--json] [--report DIR]`."""

from __future__ import annotations

import json
from pathlib import Path

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "scenarios" / "examples"
TMALL = str(ROOT / "policies" / "tmall.yaml")


def test_the_example_log_fails_with_its_violations(capsys):
    assert main(["audit", "--policy", TMALL, str(EXAMPLES / "tmall_shop_log.csv"), "--no-floor-warnings"]) == 1
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert out[0].startswith(
        f"FAIL {EXAMPLES / 'tmall_shop_log.csv'} against tmall: 12 violation(s), 0 warning(s), 3 malformed row(s); "
        "117 rows, 14 orders, 14 cases in "
    )
    assert out[1:12] == [
        "  read as the simkit shape (recognised from the columns case:concept:name, concept:name; "
        "--format to choose another)",
        "  tmall.return_deadlines: 2",  # O10-1 the buyer's return, O3-1 the receipt timer
        "  national.refund_deadline: 2",
        "  tmall.refund_auto_agree: 1",
        "  tmall.ship_promise: 1",
        "  tmall.late_ship_comp: 1",
        "  tmall.intervention_wait: 1",
        "  status.taobao.refund: 1",
        "  tmall.rule_complaint: 1",
        "  tmall.reopen_entry: 1",
        "  tmall.auto_confirm: 1",
    ]
    assert captured.err.splitlines() == [
        f"{EXAMPLES / 'tmall_shop_log.csv'}:116: time:timestamp: not a valid time: '2026-03-33T22:00:00+08:00'",
        f"{EXAMPLES / 'tmall_shop_log.csv'}:117: row: malformed row: expected 15 fields, found 2",
        f"{EXAMPLES / 'tmall_shop_log.csv'}:118: concept:name: unknown activity 'teleport'",
    ]


def test_json_output(capsys):
    assert main(["audit", "--policy", TMALL, "--format", "taobao", str(EXAMPLES / "taobao_refunds.csv"), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["violations"], data["warnings"], data["malformed_rows"], data["passed"]) == (3, 0, 1, False)
    assert data["by_clause"] == {"tmall.refund_auto_agree": 1, "tmall.intervention_wait": 1, "status.taobao.refund": 1}
    first = data["findings"][0]
    assert (first["case_id"], first["name"]) == (
        "R1002",
        {"zh": "退款超时自动达成", "en": "Refund approved when the merchant does not act"},
    )
    assert [e["activity"] for e in first["evidence"]] == ["request", "approve"]


def test_a_conforming_log_exits_0(tmp_path, capsys):
    clean = tmp_path / "clean.csv"
    lines = (EXAMPLES / "tmall_shop_log.csv").read_text(encoding="utf-8").splitlines()
    clean.write_text(
        "\n".join(line for line in lines if line.split(",")[0] in ("case:concept:name", "O1", "O1-1", "O13")) + "\n"
    )
    assert main(["audit", "--policy", TMALL, str(clean)]) == 0
    assert capsys.readouterr().out.startswith(
        f"PASS {clean} against tmall: 0 violation(s), 0 warning(s), 0 malformed row(s); "
    )


def test_maps_and_variants(tmp_path, capsys):
    renamed = tmp_path / "renamed.csv"
    text = (EXAMPLES / "taobao_refunds.csv").read_text(encoding="utf-8")
    renamed.write_text(text.replace("refund_id,tid,", "退款编号,订单编号,", 1), encoding="utf-8")
    args = [
        "audit",
        "--policy",
        TMALL,
        "--format",
        "taobao",
        str(renamed),
        "--map",
        "退款编号=case_id",
        "--map",
        "订单编号=order_id",
    ]
    assert main([*args, "--variant", str(ROOT / "policies" / "variants" / "tmall_response_48h.yaml")]) == 1
    out = capsys.readouterr().out
    # 48 h instead of 72 h: R1004, refunded 50 h after its request, is now late too; R1003, refused at 5 h, is not
    assert "against tmall+tmall_response_48h: 4 violation(s)" in out
    assert "R1004: violation of tmall.refund_auto_agree" in out
    assert "R1003: violation of tmall.refund_auto_agree" not in out


def test_bad_input_exits_2(tmp_path, capsys):
    assert main(["audit", "--policy", TMALL, str(tmp_path / "none.csv")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'none.csv'}: <root>: no such file\n"
    assert main(["audit", "--policy", TMALL, str(EXAMPLES / "tmall_shop_log.csv"), "--map", "x=nothing"]) == 2
    assert capsys.readouterr().err.startswith("<cli>: --map: unknown field 'nothing'")
    assert main(["audit", "--policy", TMALL, "--format", "wechat", str(EXAMPLES / "tmall_shop_log.csv")]) == 2
    assert capsys.readouterr().err.startswith(
        f"{EXAMPLES / 'tmall_shop_log.csv'}:1: after_sale_order_id: required column missing for the wechat format"
    )


def test_report_directory(tmp_path, capsys):
    out = tmp_path / "audit"
    assert main(["audit", "--policy", TMALL, str(EXAMPLES / "tmall_shop_log.csv"), "--report", str(out)]) == 1
    assert f"report: {out / 'report.html'} (also report.md, report.json)" in capsys.readouterr().out
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["kind"] == "audit" and data["verdict"] == "FAIL"
    assert data["data"]["violations"] == 12  # scenarios/examples/README.md lists 12
