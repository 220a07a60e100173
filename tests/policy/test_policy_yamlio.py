"""Safe YAML with line numbers (simkit.yamlio)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.errors import SimkitError
from simkit.yamlio import line_of, load_yaml, load_yaml_text


def _error(text: str) -> str:
    with pytest.raises(SimkitError) as info:
        load_yaml_text(text, "f.yaml")
    return str(info.value)


def test_every_key_and_item_has_its_line() -> None:
    data, lines = load_yaml_text("a:\n  b: 1\n  c:\n    - x\n    - {d: 2}\ne: [3]\n", "f.yaml")
    assert data == {"a": {"b": 1, "c": ["x", {"d": 2}]}, "e": [3]}
    assert lines == {"": 1, "a": 1, "a.b": 2, "a.c": 3, "a.c.0": 4, "a.c.1": 5, "a.c.1.d": 5, "e": 6, "e.0": 6}


def test_line_of_falls_back_to_the_nearest_ancestor() -> None:
    _, lines = load_yaml_text("# comment\na:\n  b: 1\n", "f.yaml")
    assert line_of(lines, "a.b") == 3
    assert line_of(lines, "a.b.c.d") == 3
    assert line_of(lines, "a.x") == 2
    assert line_of(lines, "zzz") == 1


def test_duplicate_keys_are_errors() -> None:
    assert _error("a:\n  b: 1\n  c: 2\n  b: 3\n") == "f.yaml:4: a.b: duplicate key 'b' (first defined on line 2)"


def test_duplicate_keys_inside_lists_are_errors() -> None:
    assert _error("a:\n  - x: 1\n    x: 2\n") == "f.yaml:3: a.0.x: duplicate key 'x' (first defined on line 2)"


def test_quoted_and_unquoted_date_keys_are_the_same_key() -> None:
    message = _error('w:\n  2026-01-01: 1\n  "2026-01-01": 2\n')
    assert message == "f.yaml:3: w.2026-01-01: duplicate key '2026-01-01' (first defined on line 2)"


def test_date_keys_become_iso_strings() -> None:
    data, lines = load_yaml_text("w:\n  2026-01-01: 7 days\n", "f.yaml")
    assert data == {"w": {"2026-01-01": "7 days"}}
    assert lines["w.2026-01-01"] == 2


def test_impossible_dates_stay_text_for_the_schema_to_report() -> None:
    data, _ = load_yaml_text("w:\n  2026-13-01: 7 days\n", "f.yaml")
    assert data == {"w": {"2026-13-01": "7 days"}}


def test_syntax_error_names_the_line() -> None:
    assert _error("a:\n  b: c: d\n") == "f.yaml:2: <root>: invalid YAML: mapping values are not allowed here"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'a: !!python/object/apply:os.system ["echo hi"]\n',
            "f.yaml:1: a: unsupported YAML tag '!!python/object/apply:os.system' (only safe YAML is accepted)",
        ),
        (
            "a:\n  b: !!python/name:os.system ''\n",
            "f.yaml:2: a.b: unsupported YAML tag '!!python/name:os.system' (only safe YAML is accepted)",
        ),
        (
            "a: !!python/object:collections.OrderedDict {}\n",
            "f.yaml:1: a: unsupported YAML tag '!!python/object:collections.OrderedDict' (only safe YAML is accepted)",
        ),
        ("a: !custom x\n", "f.yaml:1: a: unsupported YAML tag '!custom' (only safe YAML is accepted)"),
        ("a: !!set {x, y}\n", "f.yaml:1: a: unsupported YAML tag '!!set' (only safe YAML is accepted)"),
        (
            "? !!python/tuple [1, 2]\n: 3\n",
            "f.yaml:1: <root>: unsupported YAML tag '!!python/tuple' (only safe YAML is accepted)",
        ),
    ],
)
def test_unsafe_and_unknown_tags_are_refused(text: str, message: str) -> None:
    assert _error(text) == message


def test_recursive_alias_is_an_error() -> None:
    assert _error("a: &x [*x]\n") == "f.yaml:1: a.0: recursive YAML alias"


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    message = _error("\n".join(lines) + "\n")
    assert message.endswith("document too large (over 200000 nodes)")


def test_aliases_and_merge_keys_work() -> None:
    data, _ = load_yaml_text("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\nlist: &l [1]\ncopy: *l\n", "f.yaml")
    assert data == {"base": {"x": 1}, "other": {"x": 1, "y": 2}, "list": [1], "copy": [1]}


def test_empty_document() -> None:
    assert load_yaml_text("", "f.yaml") == ({}, {"": 1})
    assert load_yaml_text("# only a comment\n", "f.yaml") == ({}, {"": 1})


def test_multiple_documents_are_an_error() -> None:
    assert _error("a: 1\n---\nb: 2\n") == ("f.yaml:2: <root>: invalid YAML: but found another document")


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(SimkitError) as info:
        load_yaml(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: <root>: file not found"
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(SimkitError) as info:
        load_yaml(binary)
    assert str(info.value).startswith(f"{binary}: <root>: cannot read file: 'utf-8' codec can't decode byte 0xff")


def test_load_yaml_reads_files(tmp_path: Path) -> None:
    file = tmp_path / "ok.yaml"
    file.write_text("名称: 天猫\n", encoding="utf-8")
    assert load_yaml(file) == ({"名称": "天猫"}, {"": 1, "名称": 1})
