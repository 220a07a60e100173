"""The planted shops' committed exports are what their documented commands make, byte for byte.

The commands are read from scenarios/examples/README.md and run again (with the output directory
moved to a temporary one), so that the shipped files never drift from the scenario and the code.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from simkit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "scenarios" / "examples"


def _documented_runs() -> dict[str, list[str]]:
    """Each planted shop's `simkit run` command, as the README gives it."""
    runs = {}
    for line in (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("simkit run scenarios/examples/planted"):
            args = shlex.split(line)[1:]
            runs[Path(args[1]).stem] = args
    return runs


def test_the_readme_documents_both_shops():
    assert sorted(_documented_runs()) == ["planted_channel_shop", "planted_shop"]


@pytest.mark.parametrize("shop", ["planted_shop", "planted_channel_shop"])
def test_regenerating_gives_the_committed_files(shop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(ROOT)
    args = _documented_runs()[shop]
    out = args.index("--out") + 1
    args[out] = str(tmp_path / "out")
    assert main(args) == 0
    made = sorted(p.relative_to(tmp_path / "out" / "export") for p in (tmp_path / "out" / "export").rglob("*.*"))
    shipped = sorted(p.relative_to(EXAMPLES / shop) for p in (EXAMPLES / shop).rglob("*.*"))
    assert made == shipped
    assert len(shipped) == (5 if shop == "planted_shop" else 3)
    for name in shipped:
        assert (tmp_path / "out" / "export" / name).read_bytes() == (EXAMPLES / shop / name).read_bytes(), name
        assert (EXAMPLES / shop / name).stat().st_size < 2_000_000


@pytest.mark.parametrize(
    ("policy", "shape", "log"),
    [
        ("tmall", "taobao", "planted_shop/taobao/refunds.csv"),
        ("tmall", "simkit", "planted_shop/simkit/events.csv"),
        ("video_channel", "wechat", "planted_channel_shop/wechat/aftersale_orders.jsonl"),
    ],
)
def test_the_documented_audits_of_the_planted_exports(policy: str, shape: str, log: str, capsys):
    # scenarios/examples/README.md: "Audited against their own platform's policy they show no
    # violations (the Tmall shop's two late shipments are in the simkit shape only)".
    code = main(
        ["audit", "--policy", str(ROOT / "policies" / f"{policy}.yaml"), "--format", shape, str(EXAMPLES / log)]
    )
    out = capsys.readouterr().out
    if shape == "simkit":
        assert code == 1
        assert "2 violation(s)" in out and "tmall.ship_promise" in out
    else:
        assert code == 0
        assert "0 violation(s), 0 warning(s), 0 malformed row(s)" in out
