"""Command line of the grader: ``python -m grader <command> --help``."""
from __future__ import annotations

import argparse
from pathlib import Path

from grader.course import load_course_config
from grader.release import release


def _release(args: argparse.Namespace) -> int:
    config = load_course_config(args.config)
    for assignment in release(config, args.assignments or None):
        print(f"released {assignment}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    parser.add_argument("--config", type=Path, default=None,
                        help="the course's nbgrader_config.py (default: this repository's grader/nbgrader_config.py)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("release", help="generate student labs from the solutions",
                            description="Regenerate labs/ (nbgrader's release folder) from solutions/ (its source).")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="assignments to release (default: all)")
    p.set_defaults(run=_release)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
