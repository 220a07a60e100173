"""Arguments shared by the commands that take a scenario."""

from __future__ import annotations

import argparse


def add_scenario_arguments(parser: argparse.ArgumentParser, set_help: str) -> None:
    """Add the scenario file, ``--set PATH=VALUE`` and ``--variant FILE`` (both repeatable)."""
    parser.add_argument("scenario", help="scenario YAML file")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help=set_help)
    parser.add_argument(
        "--variant", action="append", default=[], metavar="FILE", help="apply a policy variant (repeatable)"
    )
