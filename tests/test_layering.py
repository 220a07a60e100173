"""Import direction: the command line depends on the library, never the other way round.

Only `simkit/cli/` and the ``python -m simkit`` entry point (`simkit/__main__.py`) may import
`simkit.cli`; the log layer, the calibration, the reports, ... are used without it (e.g. the
exports write their files through `simkit.outputs`, not through the command line).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "simkit"
ALLOWED = {"cli", "__main__.py"}
"""Top-level entries of the package that may import `simkit.cli`."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def cli_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """Each import of `simkit.cli` (or below it) in `source`, the code of module `module`, as ``line: name``."""
    found: list[str] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            names = [a.value for a in node.args[:1] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        found += [f"{node.lineno}: {name}" for name in names if name == "simkit.cli" or name.startswith("simkit.cli.")]
    return found


def test_no_module_outside_the_command_line_imports_it() -> None:
    offenders = {}
    modules = sorted(PACKAGE.rglob("*.py"))
    for path in modules:
        if path.relative_to(PACKAGE).parts[0] in ALLOWED:
            continue
        found = cli_imports(path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py")
        if found:
            offenders[str(path.relative_to(PACKAGE.parent))] = found
    assert len(modules) > 100  # the whole package was scanned
    assert offenders == {}


def test_the_scan_finds_every_spelling_of_an_import_of_the_command_line() -> None:
    source = "\n".join(
        [
            "import simkit.cli.main",
            "from simkit.cli._outdir import write_file",
            "from simkit import cli",
            "from ..cli import run",
            "from .. import cli",
            "def f():",
            "    import importlib",
            "    return importlib.import_module('simkit.cli.check')",
            "import simkit.client_tools",
            "from simkit.logs import export",
        ]
    )
    assert cli_imports(source, "simkit.logs.export") == [
        "1: simkit.cli.main",
        "2: simkit.cli._outdir",
        "2: simkit.cli._outdir.write_file",
        "3: simkit.cli",
        "4: simkit.cli",
        "4: simkit.cli.run",
        "5: simkit.cli",
        "8: simkit.cli.check",
    ]


def _sim_imports(path: Path) -> set[str]:
    """The `simkit.sim` modules that the module at `path` imports (anywhere in it, type-only imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "simkit.sim":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("simkit.sim."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[2] for alias in node.names if alias.name.startswith("simkit.sim.")}
    return found


def test_the_simulation_modules_depend_downward_only() -> None:
    # issue 18: the step modules used to import `Case` and `Model` back from `model.py` (a circle of eight)
    import graphlib

    graph = {path.stem: _sim_imports(path) - {path.stem} for path in sorted((PACKAGE / "sim").glob("*.py"))}
    assert len(graph) > 15
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on any circle
    assert set(order) == set(graph)
    assert [name for name, imported in graph.items() if "model" in imported] == []  # the model is on top
    assert {"flows", "outcomes", "merchant", "periods", "lifecycle", "judgement", "record"} <= {
        name for name, imported in graph.items() if "state" in imported
    }
