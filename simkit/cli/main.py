"""Entry point: `simkit COMMAND ...`. Each command lives in its own module.

A command module exposes ``add_parser(subparsers)`` which registers its parser and sets
``func`` to a ``run(args) -> int`` function. Bad input raises `SimkitError`; it is printed
here, one line per problem, with exit code 2 and no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from simkit.errors import SimkitError

COMMANDS = ("validate", "explain", "policy_cmd", "params", "run", "check", "audit", "report")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every command registered."""
    parser = _Parser(prog="simkit", description="Policy-as-code after-sales simulator and compliance kit.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"simkit.cli.{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 check failed, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except SimkitError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("simkit: interrupted", file=sys.stderr)
        return 130
    return code


def _version() -> str:
    from importlib.metadata import version

    return f"simkit {version('simkit')}"


if __name__ == "__main__":
    raise SystemExit(main())
