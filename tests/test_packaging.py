"""pyproject.toml declares what the code uses, and nothing it does not."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
IMPORTED_AS = {"PyYAML": "yaml", "SALib": "SALib"}
"""Distributions whose import name differs from their name."""
USED_BY = {
    "pytest-xdist": ("Makefile", r"pytest -n \d"),
    "mypy": ("Makefile", r"\bmypy simkit"),
    "ruff": ("Makefile", r"\bruff check"),
    "types-PyYAML": ("simkit", r"^import yaml"),  # type stubs, for mypy
    "pandas-stubs": ("simkit", r"^import pandas"),
    "ipykernel": ("tests/test_notebooks.py", r"kernel_name=\"python3\"|NotebookClient"),  # runs the notebooks
}
"""Development tools and stubs: where each is used."""


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[; ]", requirement, maxsplit=1)[0]


def _sources(where: str) -> str:
    folder = ROOT / where
    if folder.is_file():
        return folder.read_text(encoding="utf-8")
    return "\n".join(path.read_text(encoding="utf-8") for path in folder.rglob("*.py"))


def _imports(code: str, module: str) -> bool:
    return re.search(rf"^\s*(import|from) {re.escape(module)}\b", code, re.MULTILINE) is not None


def test_every_runtime_dependency_is_imported_by_simkit() -> None:
    code = _sources("simkit")
    unused = [
        name
        for name in map(_name, PYPROJECT["project"]["dependencies"])
        if not _imports(code, IMPORTED_AS.get(name, name.lower()))
    ]
    assert unused == []


def test_every_development_dependency_is_used() -> None:
    unused = []
    for name in map(_name, PYPROJECT["project"]["optional-dependencies"]["dev"]):
        where, pattern = USED_BY.get(name, ("tests", rf"^\s*(import|from) {name}\b"))
        if re.search(pattern, _sources(where), re.MULTILINE) is None:
            unused.append(name)
    assert unused == []


def test_the_extras_are_dev_and_dask() -> None:
    assert list(PYPROJECT["project"]["optional-dependencies"]) == ["dev", "dask"]
    assert [_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["dask"]] == ["dask"]
    assert _imports(_sources("simkit"), "distributed")  # the Dask executor


def test_package_data_exists() -> None:
    for package, patterns in PYPROJECT["tool"]["setuptools"]["package-data"].items():
        for pattern in patterns:
            assert list((ROOT / package).glob(pattern)), f"{package}/{pattern} matches nothing"


def test_license_is_an_spdx_expression() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert any(req.startswith("setuptools>=77") for req in PYPROJECT["build-system"]["requires"])
