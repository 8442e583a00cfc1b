"""Command line of the course's helper package: ``python -m dlcourse doctor``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dlcourse.environment import REQUIREMENTS

LABELS = {"ok": "ok     ", "problem": "PROBLEM", "note": "note   "}


def doctor(requirements: Path) -> int:
    from dlcourse.doctor import diagnose

    findings = diagnose(requirements)
    for finding in findings:
        print(f"{LABELS[finding.status]}  {finding.topic}: {finding.detail}")
        if finding.fix and finding.status != "ok":
            print(f"{'':9}fix: {finding.fix}")
    problems = [f.topic for f in findings if f.status == "problem"]
    print()
    print(f"{len(problems)} problem(s): {', '.join(problems)}" if problems else "No problems: ready for the course.")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dlcourse", description="The course's helper package from the command line."
    )
    commands = parser.add_subparsers(dest="command", required=True, title="commands")
    check = commands.add_parser(
        "doctor",
        help="check this machine is ready for the course, and say how to fix what is not",
        description="Checks Python, the pinned packages against what is installed, the course kernel, "
        "the datasets' checksums, the grading sandbox (bubblewrap) and whether a GPU is visible. "
        "Exits with 1 when something needs fixing.",
    )
    check.add_argument(
        "--requirements",
        type=Path,
        default=REQUIREMENTS,
        metavar="FILE",
        help="the pins to compare with (default: the course's requirements.txt)",
    )
    args = parser.parse_args(argv)
    if args.command == "doctor":
        return doctor(args.requirements)
    return 2  # unreachable: argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
