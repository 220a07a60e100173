"""`simkit params SCENARIO`: every addressable parameter of the scenario and its policy."""

from __future__ import annotations

import argparse
import json
from typing import Any

from simkit.cli._args import add_scenario_arguments


def add_parser(subparsers: Any) -> None:
    """Register ``simkit params``."""
    p = subparsers.add_parser(
        "params",
        help="list every parameter --set can change",
        description="List every addressable parameter (scenario, then policy) and its value.",
    )
    add_scenario_arguments(p, "show the values after these overrides")
    p.add_argument("--json", action="store_true", help="print a JSON object path → value")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``simkit params``."""
    from simkit.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides, args.variant)
    params = scenario.parameters()
    if args.json:
        print(json.dumps({k: _plain(v) for k, v in params.items()}, ensure_ascii=False, indent=2, default=str))
        return 0
    width = max((len(k) for k in params), default=0)
    for path, value in params.items():
        print(f"{path:<{width}}  {_show(value)}")
    return 0


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(_plain(value), ensure_ascii=False, default=str)
    return str(value)
