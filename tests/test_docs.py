"""The project's own docs stand alone: every source key and rule id the policies use is documented in
docs/, and no document points into ../shared/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from simkit.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
KEY = re.compile(r"^(seed:\d{3}|law:[a-z0-9-]+|taobao:[a-z]+|wx:[a-z]+|assumption)\b")


def _sources(node: Any) -> list[str]:
    """Every value under a ``source:`` key, anywhere in a YAML tree."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "source":
                found += [value] if isinstance(value, str) else list(value)
            else:
                found += _sources(value)
    elif isinstance(node, list):
        for item in node:
            found += _sources(item)
    return found


def _source_keys() -> set[str]:
    keys = set()
    for file in sorted((ROOT / "policies").rglob("*.yaml")):
        for source in _sources(yaml.safe_load(file.read_text(encoding="utf-8"))):
            match = KEY.match(source)
            assert match, f"{file}: source {source!r} has no known key"
            keys.add(match.group(1))
    return keys


def _documented_sources() -> set[str]:
    text = (DOCS / "sources.md").read_text(encoding="utf-8")
    return set(re.findall(r"^#{2,3} `([^`]+)`$", text, flags=re.MULTILINE))


def test_the_policies_use_the_source_keys_we_expect() -> None:
    # a guard that the scan reads the files: these keys are in policies/ today
    assert {"seed:000", "seed:001", "seed:002", "seed:003", "seed:004", "law:7day", "assumption"} <= _source_keys()


def test_every_source_key_in_the_policies_is_described_in_docs_sources() -> None:
    assert _source_keys() - _documented_sources() == set()


def _rule_ids() -> set[str]:
    ids: set[str] = set()
    for name in ("national.yaml", "tmall.yaml", "video_channel.yaml"):
        ids |= set(load_policy(ROOT / "policies" / name).rule_ids())
    return ids


def _catalogued_rules() -> set[str]:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z_]+\.[a-z_0-9]+)` \|", text, flags=re.MULTILINE))


def test_every_rule_id_is_in_docs_rules() -> None:
    ids = _rule_ids()
    assert len(ids) > 40
    assert ids - _catalogued_rules() == set()


def test_docs_rules_lists_no_rule_the_policies_lack() -> None:
    assert _catalogued_rules() - _rule_ids() == set()


@pytest.mark.parametrize("doc", ["README.md", "docs/rules.md", "docs/sources.md"])
def test_docs_do_not_point_into_shared(doc: str) -> None:
    assert "../shared" not in (ROOT / doc).read_text(encoding="utf-8")
