"""Entry point: `simkit COMMAND ...`. Each command lives in its own module.

A command module exposes ``add_parser(subparsers)`` which registers its parser and sets
``func`` to a ``run(args) -> int`` function. Bad input raises `SimkitError`; it is printed
here, one line per problem, with exit code 2 and no traceback. Every ``--help`` ends with the
exit codes and an example; ``simkit`` alone prints the usage and the commands.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from simkit.errors import SimkitError

COMMANDS = (
    "validate",
    "explain",
    "policy_cmd",
    "params",
    "run",
    "compare",
    "sweep",
    "optimize",
    "check",
    "audit",
    "calibrate",
    "report",
)

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_PIPE_CLOSED = 0, 1, 2, 130, 141

EXIT_CODES = """exit codes:
  0    ok
  1    a check or expectation failed
  2    bad input: one line per problem, FILE:LINE: dotted.path: message (never a traceback)
  130  interrupted (Ctrl-C)
  141  the output was closed early (e.g. piped into head)"""

EXAMPLES = {
    "simkit": (
        "simkit validate policies/ scenarios/",
        "simkit explain --case policies/examples/tmall_late_shipment.yaml",
        "simkit run scenarios/tmall_baseline.yaml --seed 7 --out out/",
    ),
    "validate": (
        "simkit validate policies/ scenarios/",
        "simkit validate --policy policies/tmall.yaml policies/variants/tmall_ship_48h.yaml",
    ),
    "explain": (
        "simkit explain --case policies/examples/tmall_late_shipment.yaml",
        "simkit explain --policy policies/tmall.yaml --variant policies/variants/tmall_response_48h.yaml \\\n"
        "                 --case policies/examples/tmall_quality_refund.yaml --json",
    ),
    "policy": ("simkit policy diff policies/tmall.yaml --variant policies/variants/tmall_response_48h.yaml",),
    "policy diff": ("simkit policy diff policies/tmall.yaml --variant policies/variants/tmall_response_48h.yaml",),
    "calibrate": (
        "simkit calibrate --policy policies/tmall.yaml scenarios/examples/planted_shop/simkit/events.csv \\\n"
        "                 --out out/twin.yaml --no-validate --quiet",
        "simkit calibrate --policy policies/tmall.yaml scenarios/examples/planted_shop/taobao/refunds.csv \\\n"
        "                 --format taobao --orders scenarios/examples/planted_shop/taobao/trades.csv \\\n"
        "                 --holdout 0.25 --out out/twin.yaml --no-validate --quiet",
    ),
    "optimize": (
        "simkit optimize scenarios/bench/small_shop.yaml --lever tmall.refund_auto_agree.timeout=24:96 \\\n"
        "                 --lever playbooks.offer_first.compensation=5:30 --objective cost_total \\\n"
        "                 --objective resolution_mean_h --budget 60 --quiet",
    ),
    "params": ("simkit params scenarios/tmall_baseline.yaml --set merchants.playbook=stall",),
    "run": (
        "simkit run scenarios/tmall_baseline.yaml --seed 7 --reps 10 --out out/",
        'simkit run scenarios/double11_surge.yaml --set tmall.refund_auto_agree.timeout="48 hours" --json --quiet',
    ),
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2; a missing command prints the help."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("the following arguments are required:") and message.endswith("COMMAND"):
            self.print_help(sys.stderr)
            self.exit(EXIT_BAD_INPUT)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every command registered."""
    parser = _Parser(prog="simkit", description="Policy-as-code after-sales simulator and compliance kit.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"simkit.cli.{name}")
        module.add_parser(sub)
    _add_epilogs(parser)
    return parser


def _add_epilogs(parser: argparse.ArgumentParser) -> None:
    """End the help of `parser` and of every (sub)command with its examples and the exit codes."""
    name = parser.prog.removeprefix("simkit ") if parser.prog != "simkit" else "simkit"
    examples = EXAMPLES.get(name, ())
    lines = ["example:" if len(examples) == 1 else "examples:", *(f"  {e}" for e in examples), ""] if examples else []
    parser.epilog = "\n".join([*lines, EXIT_CODES])
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _add_epilogs(child)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 check failed, 2 bad input, 130 interrupted, 141 pipe closed)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        try:
            code: int = args.func(args)
        except SimkitError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            code = EXIT_BAD_INPUT
        sys.stdout.flush()
    except BrokenPipeError:
        _detach_stdout()
        return EXIT_PIPE_CLOSED
    except KeyboardInterrupt:
        print("simkit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def _detach_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit does not raise again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _version() -> str:
    """``simkit X.Y.Z``: the installed package's version, else the source's (a checkout run without installing)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"simkit {version('simkit')}"
    except PackageNotFoundError:
        from simkit import __version__

        return f"simkit {__version__}"


if __name__ == "__main__":
    raise SystemExit(main())
