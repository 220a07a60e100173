"""A set of outputs replaces an earlier set of the same writer, nested folders included, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.errors import UsageError
from simkit.outputs import check_target, output_set

NAMES = ("events.parquet", "export/wechat/orders.jsonl")
EARLIER = ("export/taobao/refunds.csv", "export/taobao/trades.csv")


def _write(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")


def test_an_earlier_set_with_another_nested_folder_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "out"
    _write(target, "events.parquet", *EARLIER)
    with output_set(target, NAMES, earlier=EARLIER) as staging:
        _write(staging, *NAMES)
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == ["events.parquet", "export/wechat/orders.jsonl"]


@pytest.mark.parametrize(
    ("present", "shown"),
    [
        (("export/taobao/notes.txt",), "'export'"),  # a stray file inside a folder of the set
        (("exports/taobao/refunds.csv",), "'exports'"),  # a folder the set never has
        (("events.parquet/inner",), "'events.parquet'"),  # a folder where the set has a file
    ],
)
def test_anything_else_in_the_target_is_refused(tmp_path: Path, present: tuple[str, ...], shown: str) -> None:
    target = tmp_path / "out"
    _write(target, *present)
    with pytest.raises(UsageError) as caught:
        check_target(target, NAMES, "--out", "simkit run", EARLIER)
    assert str(caught.value) == (
        f"<cli>: --out: {target} holds other things than events.parquet, export/wechat/orders.jsonl ({shown}); "
        "give a new directory, or one that simkit run wrote"
    )


def test_a_symlinked_folder_is_never_taken_for_part_of_a_set(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    _write(elsewhere, "taobao/refunds.csv")
    target = tmp_path / "out"
    target.mkdir()
    (target / "export").symlink_to(elsewhere)
    with pytest.raises(UsageError, match=r"\('export'\)"):
        check_target(target, NAMES, "--out", "simkit run", EARLIER)
    assert (elsewhere / "taobao" / "refunds.csv").is_file()
