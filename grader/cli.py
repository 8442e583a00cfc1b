"""Command line of the grader: ``python -m grader <command> --help``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course import load_course_config
from grader.release import release


def _release(args: argparse.Namespace) -> int:
    config = load_course_config(args.config)
    for assignment in release(config, args.assignments or None):
        print(f"released {assignment}")
    return 0


def _autograde(args: argparse.Namespace) -> int:
    from grader.autograde import autograde

    config = load_course_config(args.config)
    report = autograde(config, args.assignment, students=args.student, jobs=args.jobs, timeout=args.timeout,
                       sandbox=args.sandbox, force=args.force)
    if report.warning:
        print(report.warning, file=sys.stderr)
    print(f"{args.assignment}: sandbox {report.sandbox}, {len(report.outcomes)} submissions in {report.seconds:.0f} s")
    for outcome in report.outcomes:
        score = "" if outcome.score is None else f"{outcome.score:g}/{outcome.max_score:g}"
        print(f"  {outcome.student:24} {outcome.status:8} {score:>9}  {outcome.reason or ''}")
    return 1 if any(o.status == "failed" for o in report.outcomes) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    parser.add_argument("--config", type=Path, default=None,
                        help="the course's nbgrader_config.py (default: this repository's grader/nbgrader_config.py)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("release", help="generate student labs from the solutions",
                            description="Regenerate labs/ (nbgrader's release folder) from solutions/ (its source).")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="assignments to release (default: all)")
    p.set_defaults(run=_release)

    p = commands.add_parser("autograde", help="grade submissions in parallel, sandboxed and resumable",
                            description="Execute every submitted notebook of ASSIGNMENT in parallel sandboxed kernels "
                                        "and record the scores in nbgrader's gradebook. Re-running skips what is "
                                        "already graded; an interrupted run resumes where it stopped.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", metavar="S", help="grade only this student (repeatable)")
    p.add_argument("--jobs", type=int, default=None, help="parallel workers (default: number of cores)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="wall-time limit per notebook")
    p.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto",
                   help="bwrap: bubblewrap sandbox; none: no sandbox; auto: bwrap if it works (default)")
    p.add_argument("--force", action="store_true", help="grade again what is already graded")
    p.set_defaults(run=_autograde)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
