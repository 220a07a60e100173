"""Load scenario files: validation with file/line/path, `--set` overrides, the policy they name."""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simkit.errors import PolicyError, Problem, ScenarioError, SimkitError, referenced
from simkit.policy.base import Names, suggest
from simkit.policy.filekind import wrong_kind
from simkit.policy.loader import build_policy, load_policy_tree
from simkit.policy.model import Policy
from simkit.policy.schema import NAMESPACES
from simkit.policy.tree import Located, get_path, iter_leaves, located, validation_problems
from simkit.policy.variants import Variant, VariantHeader, apply_variants, load_variant
from simkit.scenario import playbooks
from simkit.scenario.overrides import Override, parse_overrides
from simkit.scenario.schema import SECTIONS, PlaybookSpec, ScenarioSpec
from simkit.scenario.written import as_written
from simkit.yamlio import is_file, load_yaml, missing_file

CLI = "<cli>"
POLICY_SECTIONS = ("categories", *NAMESPACES)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its policy (variants and overrides applied).

    Attributes:
        spec: The typed scenario.
        policy: The frozen policy it runs under.
        file: The scenario file.
        playbook: The merchants' playbook, resolved (built-ins and ``base:`` applied).
        overrides: ``(path, value)`` pairs applied from ``--set``.
    """

    spec: ScenarioSpec
    policy: Policy
    file: str
    playbook: PlaybookSpec
    overrides: tuple[tuple[str, Any], ...] = ()
    _tree: Located = field(repr=False, compare=False, default_factory=lambda: Located({}))

    @property
    def id(self) -> str:
        """The scenario id."""
        return self.spec.scenario.id

    @property
    def start(self) -> dt.datetime:
        """The datetime at simulation hour 0."""
        return self.spec.scenario.start

    def parameters(self) -> dict[str, Any]:
        """Every addressable parameter: the scenario's (defaults included), then the policy's."""
        out = scenario_parameters(self._tree, self.spec)
        out.update(self.policy.parameters())
        return out

    def where(self, path: str) -> tuple[str, int]:
        """File and line where a scenario path was written."""
        return self._tree.where(path)


def load_scenario(
    path: str | Path,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    variants: Sequence[str | Path] = (),
) -> Scenario:
    """Load and validate a scenario file and the policy it names.

    Args:
        path: The scenario YAML file.
        overrides: ``"dotted.path=value"`` strings (as given to ``--set``) or a mapping
            of dotted path to value. Paths under ``categories``, ``national``, ``tmall``
            or ``channels`` change the policy; the others change the scenario.
        variants: Extra policy variant files, applied after the scenario's own.

    Raises:
        ScenarioError: On any problem with the scenario or an override (file, line, path).
        PolicyError: On a problem with the policy or a variant file.
    """
    path = Path(path)
    try:
        data, lines = load_yaml(path)
    except SimkitError as exc:
        raise ScenarioError(exc.problems) from None
    tree = located(data, lines, str(path))
    if not isinstance(data, dict):
        raise ScenarioError(tree.problem("", "a scenario file must be a mapping with a 'scenario' header"))
    other = wrong_kind(data, lines, str(path), "scenario")
    if other is not None:
        raise ScenarioError(other)
    base_spec = _validate(tree)
    pending = parse_overrides(overrides)
    scenario_sets = [o for o in pending if o.path.split(".")[0] not in POLICY_SECTIONS]
    policy_sets = [o for o in pending if o.path.split(".")[0] in POLICY_SECTIONS]
    if scenario_sets:
        tree = _apply_scenario_overrides(tree, base_spec, scenario_sets)
        spec = _validate(tree)
    else:
        spec = base_spec
    policy = _load_policy(path, tree, spec, [*spec.scenario.variants, *map(str, variants)], policy_sets)
    problems = cross_reference_problems(spec, policy, tree)
    if problems:
        raise ScenarioError(problems)
    playbook = resolve_playbook(spec, tree)
    return Scenario(spec, policy, str(path), playbook, tuple((o.path, o.value) for o in pending), tree)


def _validate(tree: Located) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(tree.data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, tree)) from None


def _apply_scenario_overrides(tree: Located, spec: ScenarioSpec, sets: list[Override]) -> Located:
    out = tree.copy()
    defaults = as_written(spec)
    known = scenario_parameters(tree, spec, defaults)
    problems: list[Problem] = []
    for item in sets:
        if item.path not in known and not _exists(out.data, item.path):
            choices = sorted([*known, *POLICY_SECTIONS])
            hint = suggest(item.path, choices)
            problems.append(Problem(CLI, 0, item.path, f"unknown parameter{hint}"))
            continue
        _force_set(out.data, item.path, item.value, defaults)
        for origin in [p for p in out.origins if p == item.path or p.startswith(item.path + ".")]:
            del out.origins[origin]
        out.origins[item.path] = (CLI, 0)
    if problems:
        raise ScenarioError(problems)
    return out


def _exists(data: Any, path: str) -> bool:
    try:
        get_path(data, path)
    except KeyError:
        return False
    return True


def _force_set(data: dict[str, Any], path: str, value: Any, defaults: Any) -> None:
    """Set `path`, creating missing mappings from the defaults so they stay complete."""
    node: Any = data
    parts = path.split(".")
    for index, part in enumerate(parts[:-1]):
        if isinstance(node, list) and part.isdigit():
            node = node[int(part)]
            continue
        if not isinstance(node.get(part), (dict, list)):
            try:
                default = get_path(defaults, ".".join(parts[: index + 1]))
            except KeyError:
                default = None
            node[part] = copy.deepcopy(default) if isinstance(default, dict) else {}
        node = node[part]
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value


def _load_policy(path: Path, tree: Located, spec: ScenarioSpec, variants: list[str], sets: list[Override]) -> Policy:
    """Load the scenario's policy with its variants and policy overrides.

    Problems in the policy, the files it extends and the variants also name the line of the
    scenario that refers to them.
    """
    base = path.parent
    policy_file = Path(os.path.normpath(base / spec.scenario.policy))
    if not is_file(policy_file):
        why = missing_file(policy_file)
        raise ScenarioError(tree.problem("scenario.policy", f"policy file {spec.scenario.policy!r} {why}"))
    refs = {str(policy_file): (str(path), tree.where("scenario.policy")[1], "scenario.policy")}
    loaded: list[Variant] = []
    for index, name in enumerate(variants):
        own = index < len(spec.scenario.variants)
        given = is_file(name) or (not own and os.path.lexists(name))  # a --variant names a path from here
        candidate = Path(name) if given else Path(os.path.normpath(base / name))
        where = f"scenario.variants.{index}" if own else "scenario.variants"
        if not is_file(candidate) and not own:  # a --variant: the command line names it, not the scenario
            raise ScenarioError(Problem(CLI, 0, "--variant", f"variant file {name!r} {missing_file(candidate)}"))
        if not is_file(candidate):
            raise ScenarioError(tree.problem(where, f"variant file {name!r} {missing_file(candidate)}"))
        refs[str(candidate)] = (str(path), tree.where(where)[1], where) if own else (CLI, 0, "--variant")
        loaded.append(referenced(refs, load_variant, candidate))
    policy_tree = referenced(refs, load_policy_tree, policy_file)
    policy_tree.referrers.update(refs)
    files = tuple(policy_tree.data.pop("_files", [str(policy_file)]))
    if sets:
        loaded.append(_cli_variant(sets, policy_tree))
    try:
        policy_tree = apply_variants(policy_tree, loaded)
    except PolicyError as exc:
        raise ScenarioError([_cli_problem(p).referenced_from(refs) for p in exc.problems]) from None
    try:
        return build_policy(policy_tree, files, loaded)
    except PolicyError as exc:
        if any(p.file == CLI for p in exc.problems):
            raise ScenarioError(exc.problems) from None
        raise


def _cli_variant(sets: list[Override], policy_tree: Located) -> Variant:
    header = VariantHeader(
        id="cli",
        name=Names(zh="命令行参数", en="command-line overrides"),
        source="assumption set on the command line",
    )
    changes = {o.path: o.value for o in sets}
    return Variant("cli", CLI, header, changes, dict.fromkeys(changes, 0))


def _cli_problem(problem: Problem) -> Problem:
    if problem.file != CLI:
        return problem
    path = problem.path.removeprefix("set.")
    return Problem(CLI, 0, path, problem.message)


def cross_reference_problems(spec: ScenarioSpec, policy: Policy, tree: Located) -> list[Problem]:
    """Categories must exist in the policy; issues must name ordered categories; at most one problem per order."""
    problems: list[Problem] = []
    known = sorted(policy.spec.categories)
    for name in spec.orders.categories:
        if name not in policy.spec.categories:
            problems.append(
                tree.problem(
                    f"orders.categories.{name}",
                    f"unknown category {name!r} in policy {policy.id!r}{suggest(name, known)}; "
                    f"known: {', '.join(known)}",
                )
            )
    ordered = sorted(spec.orders.categories)
    for name, issues in spec.issues.items():
        if name not in spec.orders.categories:
            problems.append(
                tree.problem(f"issues.{name}", f"category {name!r} is not in orders.categories{suggest(name, ordered)}")
            )
        total = sum(issue.p for issue in issues.values())
        if total > 1.0 + 1e-9:
            problems.append(
                tree.problem(
                    f"issues.{name}", f"probabilities add up to {total:g}; an order has at most one problem (<= 1)"
                )
            )
    return problems


def resolve_playbook(spec: ScenarioSpec, tree: Located) -> PlaybookSpec:
    """The merchants' playbook with built-ins and ``base:`` resolved.

    Raises:
        ScenarioError: On an unknown playbook name or a ``base:`` cycle.
    """
    chosen = spec.merchants.playbook
    if isinstance(chosen, PlaybookSpec):
        return _expand(chosen, spec, tree, "merchants.playbook", ())
    return _named(chosen, spec, tree, "merchants.playbook", ())


def _named(name: str, spec: ScenarioSpec, tree: Located, where: str, seen: tuple[str, ...]) -> PlaybookSpec:
    if name in seen:
        raise ScenarioError(tree.problem(where, f"playbook {name!r} extends itself through {' → '.join(seen)}"))
    if name in spec.playbooks:
        return _expand(spec.playbooks[name], spec, tree, f"playbooks.{name}", (*seen, name))
    if name in playbooks.BUILTIN:
        return playbooks.BUILTIN[name]
    choices = sorted({*spec.playbooks, *playbooks.BUILTIN})
    message = f"unknown playbook {name!r}{suggest(name, choices)}; known: {', '.join(choices)}"
    raise ScenarioError(tree.problem(where, message))


def _expand(book: PlaybookSpec, spec: ScenarioSpec, tree: Located, where: str, seen: tuple[str, ...]) -> PlaybookSpec:
    if book.base is None:
        return book
    parent = _named(book.base, spec, tree, f"{where}.base", seen)
    return playbooks.merge(parent, book, set(book.model_fields_set))


def scenario_parameters(tree: Located, spec: ScenarioSpec, written_spec: Any = None) -> dict[str, Any]:
    """Scenario parameters (dotted path → value), written values first, then defaults.

    Args:
        tree: The scenario file as read.
        spec: The validated scenario.
        written_spec: ``as_written(spec)`` when the caller has it already.
    """
    written = dict(iter_leaves({k: v for k, v in tree.data.items() if k in SECTIONS}))
    defaults = dict(iter_leaves(as_written(spec) if written_spec is None else written_spec))
    out = dict(written)
    for key, value in defaults.items():
        if key not in out and not _under_written(key, written):
            out[key] = value
    return dict(sorted(out.items(), key=lambda kv: _order(kv[0])))


def _under_written(key: str, written: dict[str, Any]) -> bool:
    """Whether a written leaf is an ancestor of `key` (e.g. a list written whole)."""
    parts = key.split(".")
    return any(".".join(parts[:end]) in written for end in range(1, len(parts)))


def _order(path: str) -> tuple[int, str]:
    head = path.split(".")[0]
    return (SECTIONS.index(head) if head in SECTIONS else len(SECTIONS), path)


__all__ = ["Scenario", "load_scenario", "resolve_playbook", "scenario_parameters"]
