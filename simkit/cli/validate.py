"""`simkit validate PATH...`: check policy, variant, scenario and case files.

The kind of a file is read from its top-level keys: ``policy``, ``variant``, ``scenario``,
or ``order`` / ``request`` (a case for ``simkit explain``). A directory stands for every
``*.yaml`` below it. A variant is checked by applying it to the policy its ``applies_to``
names, looked up as ``<variant dir>/../<applies_to>.yaml``; with ``--policy P`` every
variant given is instead applied to P, stacked in the order given. A case file is checked
exactly as ``simkit explain --case FILE`` reads it (its ``policy:`` and ``variants:``, the
category, the facts its request needs, times in order). All problems of all
files are reported, one line each (``FILE:LINE: dotted.path: message``), exit code 2.
"""

from __future__ import annotations

import argparse
import functools
import importlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from simkit.errors import Problem, SimkitError, referenced
from simkit.policy.base import suggest
from simkit.policy.filekind import kind_of
from simkit.policy.loader import load_policy
from simkit.policy.variants import load_variant
from simkit.yamlio import LineIndex, is_file, line_of, load_yaml

KINDS = ("policy", "variant", "scenario", "order", "request")
SUFFIXES = (".yaml", ".yml")


def add_parser(subparsers: Any) -> None:
    """Register ``simkit validate``."""
    parser = subparsers.add_parser(
        "validate",
        help="check policy, variant, scenario and case files",
        description="Check files; exit 0 when all are valid, 2 with one line per problem otherwise.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a YAML file, or a directory of them")
    parser.add_argument(
        "--policy",
        metavar="P",
        help="apply every variant given to this policy file, stacked in order (instead of their applies_to)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing when all files are valid")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate every path; raise `SimkitError` with all problems, else print a summary."""
    problems, count = validate_paths(args.paths, args.policy)
    if problems:
        raise SimkitError(problems)
    if not args.quiet:
        print(f"ok: {count} file{'' if count == 1 else 's'} valid")
    return 0


def validate_paths(paths: Iterable[str | Path], policy: str | Path | None = None) -> tuple[list[Problem], int]:
    """Check files and directories.

    Args:
        paths: Files or directories (every ``*.yaml`` below a directory is checked).
        policy: When given, variants are applied to this policy, all together in order.

    Returns:
        Every problem found (no duplicates, in file order) and the number of files checked.
    """
    problems: list[Problem] = []
    files = _expand(paths, problems)
    stacked: list[Path] = []
    for file in files:
        kind, lines = _kind(file, problems)
        if kind == "variant" and policy is not None:
            stacked.append(file)
        elif kind is not None:
            _guarded(file, problems, functools.partial(_CHECKS[kind], file, lines))
    count = len(files)
    if policy is not None:
        base = Path(policy)
        if base.resolve() not in {f.resolve() for f in files}:
            count += 1
        _guarded(base, problems, lambda: load_policy(base, stacked))
    return _unique(problems), count


def _expand(paths: Iterable[str | Path], problems: list[Problem]) -> list[Path]:
    """Files named, and YAML files below directories; missing paths become problems."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not is_file(path) and _is_dir(path):
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file() and not _hidden(p, path))
            if not found:
                problems.append(Problem(str(path), 0, "", "no *.yaml files in this directory"))
            files += found
        elif is_file(path):
            files.append(path)
        else:
            problems.append(Problem(str(path), 0, "", "no such file or directory"))
    seen: set[Path] = set()
    unique = []
    for file in files:
        if file.resolve() not in seen:
            seen.add(file.resolve())
            unique.append(file)
    return unique


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):  # e.g. a name too long for the system
        return False


def _hidden(file: Path, below: Path) -> bool:
    """True for files inside hidden folders (``.venv``, ``.git``) or caches below `below`."""
    return any(part.startswith(".") or part == "__pycache__" for part in file.relative_to(below).parts)


def _kind(file: Path, problems: list[Problem]) -> tuple[str | None, LineIndex]:
    """The file's kind from its top-level keys, or None (with a problem)."""
    try:
        data, lines = load_yaml(file)
    except SimkitError as exc:
        problems += exc.problems
        return None, {}
    kind = kind_of(data)
    if kind is not None:
        return kind[0], lines
    keys = [str(key) for key in data] if isinstance(data, dict) else []
    if keys:
        found = f"; found {', '.join(repr(k) for k in keys[:5])}{suggest(keys[0], list(KINDS))}"
    else:
        found = "; the file is empty" if data in (None, {}) else "; the file is not a mapping"
    problems.append(
        Problem(
            str(file),
            line_of(lines, keys[0]) if keys else 1,
            "",
            f"unknown file kind: expected a top-level 'policy', 'variant', 'scenario' or 'order'/'request' key{found}",
        )
    )
    return None, lines


def _check_policy(file: Path, _lines: LineIndex) -> None:
    load_policy(file)


def _check_variant(file: Path, _lines: LineIndex) -> None:
    variant = load_variant(file)
    wanted = variant.header.applies_to
    if wanted is None:
        return
    base = file.parent.parent / f"{wanted}.yaml"
    line = variant.header_lines.get("variant.applies_to", 0)
    if not is_file(base):
        raise SimkitError(
            Problem(
                str(file),
                line,
                "variant.applies_to",
                f"policy {wanted!r} not found at {base} (use --policy to check against another file)",
            )
        )
    referenced({str(base): (str(file), line, "variant.applies_to")}, load_policy, base, [file])


def _check_scenario(file: Path, lines: LineIndex) -> None:
    # the scenario, its policy and variants, and its expect: block, checked as `simkit check` checks it
    load = _optional("scenario", ("simkit.scenario", "simkit.scenario.loader"), "load_scenario", file, lines)
    scenario = load(file)
    if scenario.spec.expect:
        from simkit.compliance.expectations import parse_expect

        parse_expect(scenario)


def _check_case(file: Path, lines: LineIndex) -> None:
    # the same checks as `simkit explain --case FILE`: its policy and variants, the category,
    # the facts the request needs, times in order, and the decision itself
    check = _optional("case", ("simkit.rules.explain",), "explain_file", file, lines)
    check(file)


def _optional(what: str, modules: tuple[str, ...], name: str, file: Path, lines: LineIndex) -> Callable[[Path], Any]:
    """Import a loader lazily; its absence is a one-line problem, not a traceback."""
    for module in modules:
        try:
            loader = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if callable(loader):
            return loader  # type: ignore[no-any-return]
    raise SimkitError(
        Problem(
            str(file),
            lines.get("", 0),
            "",
            f"{what} validation is unavailable ({modules[0]}.{name} cannot be imported)",
        )
    )


_CHECKS: dict[str, Callable[[Path, LineIndex], None]] = {
    "policy": _check_policy,
    "variant": _check_variant,
    "scenario": _check_scenario,
    "case": _check_case,
}


def _guarded(file: Path, problems: list[Problem], check: Callable[[], Any]) -> None:
    """Run one check, turning any failure into problems (never a traceback)."""
    try:
        check()
    except SimkitError as exc:
        problems += exc.problems
    except Exception as exc:  # a bug in a loader must not hide the other files' problems
        problems.append(Problem(str(file), 0, "", f"internal error while validating: {type(exc).__name__}: {exc}"))


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out
