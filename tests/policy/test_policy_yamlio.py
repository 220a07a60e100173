"""Safe YAML with line numbers (simkit.yamlio)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simkit.errors import SimkitError
from simkit.yamlio import line_of, load_yaml, load_yaml_text, plain_copy


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
    assert str(info.value) == f"{binary}:1: <root>: cannot read file: byte 0xff in column 4 {NOT_UTF8}"
    with pytest.raises(SimkitError) as info:
        load_yaml(tmp_path)
    assert str(info.value) == f"{tmp_path}: <root>: cannot read file: is a directory"


NOT_UTF8 = "is not UTF-8 (a binary file, or text in another encoding such as GBK or latin-1; save it as UTF-8)"
NATIONAL = Path(__file__).resolve().parents[2] / "policies" / "national.yaml"


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        (
            "policy:\n  id: x\n  name: {zh: café, en: x}\n".encode("latin-1"),
            f"3: <root>: cannot read file: byte 0xe9 in column 17 {NOT_UTF8}",
        ),
        (
            "# 国家\npolicy:\n  name: {zh: 天猫}\n".encode("gbk"),
            f"1: <root>: cannot read file: byte 0xb9 in column 3 {NOT_UTF8}",
        ),
        ("policy: {}\n".encode("utf-16"), "1: <root>: cannot read file: the text is UTF-16; save it as UTF-8"),
        (
            "policy: {}\n".encode("utf-16-le"),
            "1: <root>: cannot read file: the text looks like UTF-16; save it as UTF-8",
        ),
        ("policy: {}\n".encode("utf-32"), "1: <root>: cannot read file: the text is UTF-32; save it as UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", f"1: <root>: cannot read file: byte 0x89 in column 1 {NOT_UTF8}"),
        (b"a: 1\nb: 2\nc: \x00\x01\n", "3: <root>: invalid YAML: control character U+0000 in column 4 is not allowed"),
        (b"a: 1\nb: x\x1by\n", "2: <root>: invalid YAML: control character U+001B in column 5 is not allowed"),
        (b"a: 1\nb: x\x7fy\n", "2: <root>: invalid YAML: control character U+007F in column 5 is not allowed"),
        (
            "a: 1\nb: x\u0085\u0090\n".encode(),
            "2: <root>: invalid YAML: control character U+0090 in column 6 is not allowed",
        ),
    ],
    ids=["latin-1", "gbk", "utf-16", "utf-16-no-bom", "utf-32", "binary", "nul", "escape", "delete", "c1-control"],
)
def test_unreadable_text_names_the_line_of_the_bad_byte(tmp_path: Path, encoded: bytes, message: str) -> None:
    file = tmp_path / "f.yaml"
    file.write_bytes(encoded)
    with pytest.raises(SimkitError) as info:
        load_yaml(file)
    assert str(info.value) == f"{file}:{message}"


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    file = tmp_path / "bom.yaml"
    file.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_yaml(file) == ({"a": 1}, {"": 1, "a": 1})


def test_a_control_byte_in_a_real_policy_names_its_line(tmp_path: Path) -> None:
    lines = NATIONAL.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[11] = lines[11].replace(":", ":\x00", 1)
    file = tmp_path / "national.yaml"
    file.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SimkitError) as info:
        load_yaml(file)
    column = lines[11].index("\x00") + 1
    assert (
        str(info.value)
        == f"{file}:12: <root>: invalid YAML: control character U+0000 in column {column} is not allowed"
    )


def test_block_nesting_too_deep_names_the_line() -> None:
    text = "a:\n" + "".join("  " * depth + "k:\n" for depth in range(1, 150))
    assert _error(text) == "f.yaml:100: <root>: invalid YAML: nested too deeply (over 100 levels)"


def test_flow_nesting_too_deep_names_the_line() -> None:
    text = "a: 1\nb: 2\nc: " + "[" * 5000 + "]" * 5000 + "\n"
    assert _error(text) == "f.yaml:3: <root>: invalid YAML: nested too deeply (over 100 levels)"


def test_nesting_up_to_the_limit_is_fine() -> None:
    data, _ = load_yaml_text("[" * 99 + "1" + "]" * 99 + "\n", "f.yaml")  # 99 lists and a scalar: 100 levels
    for _ in range(99):
        data = data[0]
    assert data == 1
    assert _error("[" * 100 + "1" + "]" * 100 + "\n") == (
        "f.yaml:1: <root>: invalid YAML: nested too deeply (over 100 levels)"
    )


def test_an_integer_too_long_to_convert_is_a_value_error() -> None:
    assert _error("a: " + "9" * 5000 + "\n") == "f.yaml:1: a: invalid value '" + "9" * 54 + "…999'"


def test_load_yaml_reads_files(tmp_path: Path) -> None:
    file = tmp_path / "ok.yaml"
    file.write_text("名称: 天猫\n", encoding="utf-8")
    assert load_yaml(file) == ({"名称": "天猫"}, {"": 1, "名称": 1})


def test_each_load_of_a_remembered_file_is_its_own_copy(tmp_path: Path) -> None:
    # the parse is remembered per text; a caller that edits what it got must not change the next load
    path = tmp_path / "p.yaml"
    path.write_text("a:\n  b: [1, {c: 2026-01-01}]\n  d: x\n", encoding="utf-8")
    first, lines = load_yaml(path)
    first["a"]["b"][1]["c"] = "changed"
    first["a"]["b"].append(3)
    lines["a.d"] = 99
    second, second_lines = load_yaml(path)
    assert second == {"a": {"b": [1, {"c": dt.date(2026, 1, 1)}], "d": "x"}}
    assert second_lines["a.d"] == 3


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.dates(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=30,
    )
)
def test_plain_copy_equals_and_shares_no_container(data: object) -> None:
    copied = plain_copy(data)
    assert repr(copied) == repr(data)  # repr: NaN != NaN

    def containers(value: object) -> list[int]:
        if isinstance(value, dict):
            return [id(value), *(i for item in value.values() for i in containers(item))]
        if isinstance(value, list):
            return [id(value), *(i for item in value for i in containers(item))]
        return []

    assert not set(containers(copied)) & set(containers(data))
