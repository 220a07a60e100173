"""Shared fixtures for the decision-engine tests: the shipped policies, loaded once per session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simkit.policy.loader import load_policy
from simkit.policy.model import Policy
from simkit.rules.case import Case

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
VARIANTS = POLICIES / "variants"


def _load(name: str, *variants: str) -> Policy:
    return load_policy(POLICIES / name, [VARIANTS / v for v in variants])


@pytest.fixture(scope="session")
def tmall() -> Policy:
    """policies/tmall.yaml."""
    return _load("tmall.yaml")


@pytest.fixture(scope="session")
def channel() -> Policy:
    """policies/video_channel.yaml."""
    return _load("video_channel.yaml")


@pytest.fixture(scope="session")
def national() -> Policy:
    """policies/national.yaml (the legal floor alone)."""
    return _load("national.yaml")


@pytest.fixture(scope="session")
def platforms(tmall: Policy, channel: Policy, national: Policy) -> dict[str, Policy]:
    """The three base policies by id."""
    return {"tmall": tmall, "video_channel": channel, "national": national}


@pytest.fixture(scope="session")
def variant() -> Callable[..., Policy]:
    """Load a base policy with variants: ``variant("tmall.yaml", "tmall_response_dated.yaml")`` (cached)."""
    cache: dict[tuple[str, ...], Policy] = {}

    def load(base: str, *names: str) -> Policy:
        key = (base, *names)
        if key not in cache:
            cache[key] = _load(base, *names)
        return cache[key]

    return load


@pytest.fixture(scope="session")
def make_case() -> Callable[..., Case]:
    """Build a validated `Case` from plain dicts (times as ISO strings)."""

    def build(order: dict[str, Any], request: dict[str, Any], history: dict[str, Any] | None = None) -> Case:
        return Case.model_validate({"order": order, "request": request, "history": history or {}})

    return build
