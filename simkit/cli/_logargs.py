"""The arguments every command that reads an after-sales log takes (`audit`, `calibrate`)."""

from __future__ import annotations

import argparse


def add_log_arguments(parser: argparse.ArgumentParser, policy_help: str) -> None:
    """``LOG``, ``--policy``, ``--variant``, ``--format`` (recognised from the header by default) and ``--map``."""
    parser.add_argument("log", metavar="LOG", help="the log: .csv, .csv.gz, .parquet, .jsonl or .jsonl.gz")
    parser.add_argument("--policy", required=True, metavar="P", help=policy_help)
    parser.add_argument("--variant", action="append", default=[], metavar="V", help="apply a variant (repeatable)")
    parser.add_argument(
        "--format",
        dest="fmt",
        default=None,
        choices=("simkit", "taobao", "wechat"),
        help="the log's shape (default: recognised from the header)",
    )
    parser.add_argument(
        "--map", action="append", default=[], metavar="COLUMN=FIELD", help="read COLUMN as FIELD (repeatable)"
    )
