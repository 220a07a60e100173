"""The shipped policies and every shipped variant are valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from simkit.cli.main import main
from simkit.cli.validate import validate_paths
from simkit.policy.loader import load_policy
from simkit.policy.variants import load_variant

ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted(path.name for path in (ROOT / "policies").glob("*.yaml"))
VARIANTS = sorted(path.name for path in (ROOT / "policies" / "variants").glob("*.yaml"))


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_the_three_policies_are_shipped() -> None:
    assert {"national.yaml", "tmall.yaml", "video_channel.yaml"} <= set(POLICIES)
    assert len(VARIANTS) >= 7


@pytest.mark.parametrize("name", POLICIES)
def test_policy_loads(name: str) -> None:
    policy = load_policy(f"policies/{name}")
    assert policy.id == Path(name).stem
    assert policy.files[-1] == f"policies/{name}"


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_applies_to_its_policy(name: str) -> None:
    file = f"policies/variants/{name}"
    variant = load_variant(file)
    assert variant.id == Path(name).stem
    assert variant.header.applies_to is not None
    policy = load_policy(f"policies/{variant.header.applies_to}.yaml", [file])
    assert policy.id == f"{variant.header.applies_to}+{variant.id}"
    for path, value in variant.changes.items():
        assert policy.parameters()[path] == value


@pytest.mark.parametrize("name", POLICIES)
def test_documented_alternatives_are_variants_for_the_same_policy(name: str) -> None:
    policy = load_policy(f"policies/{name}")
    for rule_id in policy.rule_ids():
        for alternative in policy.rule(rule_id).alternatives:
            variant = load_variant(f"policies/{alternative.variant}")
            assert variant.header.applies_to == policy.id, (rule_id, alternative.variant)


def test_validate_paths_finds_no_problem_in_policies() -> None:
    problems, count = validate_paths(["policies"])
    assert [str(problem) for problem in problems] == []
    assert count == len(list(Path("policies").rglob("*.yaml")))


def test_simkit_validate_policies_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "policies/"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == (f"ok: {len(list(Path('policies').rglob('*.yaml')))} files valid\n", "")
