"""`simkit policy diff A [B] [--base-variant V]... [--variant V]... [--json]`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
TMALL = "policies/tmall.yaml"
RESPONSE_48H = "policies/variants/tmall_response_48h.yaml"
SHIP_48H = "policies/variants/tmall_ship_48h.yaml"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["policy", "diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_policy_against_itself_plus_a_variant(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, TMALL, TMALL, "--variant", RESPONSE_48H) == (
        0,
        (
            "tmall → tmall+tmall_response_48h: 1 parameter differs\n"
            "tmall.refund_auto_agree.timeout: 72 hours → 48 hours (more favourable to the buyer)\n"
        ),
        "",
    )


def test_b_defaults_to_a(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, TMALL, "--variant", SHIP_48H) == (
        0,
        (
            "tmall → tmall+tmall_ship_48h: 2 parameters differ\n"
            "tmall.ship_promise.normal: 72 hours → 48 hours (more favourable to the buyer)\n"
            "tmall.late_ship_comp.claim_after: 72 hours → 48 hours (more favourable to the buyer)\n"
        ),
        "",
    )


def test_base_variant_patches_a(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, TMALL, TMALL, "--base-variant", RESPONSE_48H) == (
        0,
        (
            "tmall+tmall_response_48h → tmall: 1 parameter differs\n"
            "tmall.refund_auto_agree.timeout: 48 hours → 72 hours (less favourable to the buyer)\n"
        ),
        "",
    )


def test_variants_on_both_sides(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, TMALL, "--base-variant", RESPONSE_48H, "--variant", RESPONSE_48H, "--variant", SHIP_48H)
    assert code == 0
    head = "tmall+tmall_response_48h → tmall+tmall_response_48h+tmall_ship_48h: 2 parameters differ"
    assert out.splitlines()[0] == head


def test_no_difference(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, TMALL, TMALL) == (0, "tmall → tmall: no parameter differs\n", "")


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, TMALL, "--variant", "policies/variants/tmall_response_dated.yaml", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["a"]["id"] == "tmall"
    assert data["a"]["files"] == ["policies/national.yaml", TMALL]
    assert data["b"]["id"] == "tmall+tmall_response_dated"
    assert data["b"]["variants"] == ["policies/variants/tmall_response_dated.yaml"]
    assert data["a"]["digest"] != data["b"]["digest"]
    assert data["changes"] == [
        {
            "path": "tmall.refund_auto_agree.timeout",
            "old": "72 hours",
            "new": {"2015-01-01": "72 hours", "2027-01-01": "48 hours"},
            "favours": "buyer",
            "change": "changed",
        }
    ]


def test_different_policies(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policies/national.yaml", TMALL)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("national → tmall: ")
    assert "categories.electronics.long_reopen_window: false → true (neutral/unknown)" in lines
    assert "tmall.refund_auto_agree.timeout: (absent) → 72 hours (added)" in lines


def test_bad_input_exits_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "no_such.yaml") == (2, "", "no_such.yaml: <root>: file not found\n")
    code, out, err = run(capsys, TMALL, "--variant", "tests/fixtures/bad_policies/variant_wrong_policy.yaml")
    assert (code, out) == (2, "")
    assert err == (
        "tests/fixtures/bad_policies/variant_wrong_policy.yaml:6: variant.applies_to: "
        "variant is for policy 'video_channel', not 'tmall'\n"
    )


@pytest.mark.parametrize("argv", [["policy", "diff"], ["policy", "merge", TMALL]])
def test_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_policy_without_a_subcommand_prints_its_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["policy"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: simkit policy [-h] SUBCOMMAND ...\n")
    assert "    diff      every changed parameter" in err
