"""Command line of the grader: ``python -m grader <command> --help``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course import course_root, load_course_config
from grader.engine.settings import CONFIGURABLES, EXECUTORS, SANDBOX_MODES
from grader.errors import GraderError
from grader.release import release


def _release(args: argparse.Namespace) -> int:
    config = load_course_config(args.config)
    for assignment in release(config, args.assignments or None):
        print(f"released {assignment}")
    return 0


def _autograde(args: argparse.Namespace) -> int:
    from grader.autograde import OutcomeStatus, autograde

    config = load_course_config(args.config)
    if args.executor:
        config.GraderExecutor.kind = args.executor
    if args.scheduler:
        config.GraderExecutor.kind, config.GraderExecutor.scheduler = "dask", args.scheduler
    report = autograde(
        config,
        args.assignment,
        students=args.student,
        jobs=args.jobs,
        timeout=args.timeout,
        sandbox=args.sandbox,
        force=args.force,
    )
    if report.warning:
        print(report.warning, file=sys.stderr)
    print(f"{args.assignment}: sandbox {report.sandbox}, {len(report.outcomes)} submissions in {report.seconds:.0f} s")
    for outcome in report.outcomes:
        score = "" if outcome.score is None else f"{outcome.score:g}/{outcome.max_score:g}"
        print(f"  {outcome.student:24} {outcome.status.value:8} {score:>9}  {outcome.reason or ''}")
    return 1 if any(o.status is OutcomeStatus.FAILED for o in report.outcomes) else 0


def _feedback(args: argparse.Namespace) -> int:
    from grader.feedback import FeedbackFailed, generate_feedback

    config = load_course_config(args.config)
    failure: FeedbackFailed | None = None
    try:
        written = generate_feedback(config, args.assignment, students=args.student)
    except FeedbackFailed as failed:
        written, failure = failed.written, failed
    for student, files in written.items():
        for path in files:
            print(f"  {student:24} {path}")
    if failure is not None:
        raise failure  # after listing what was written
    print(f"{args.assignment}: feedback for {len(written)} students")
    return 0


def _export_for_lms(args: argparse.Namespace) -> int:
    from grader.export import read_grades
    from grader.lms_export import export_for_lms

    config = load_course_config(args.config)
    output = args.output or course_root(config) / "grading" / f"{args.format}-grades.csv"
    rows, _ = read_grades(config)
    report = export_for_lms(args.format, rows, output, lms_file=args.lms_file, assignments=args.assignment)
    for assignment, column in report.columns.items():
        print(f"{assignment}: column {column!r}")
    for assignment in report.assignments_without_column:
        print(f"{assignment}: no column of that name in {args.lms_file}; add the assignment in {args.format} first")
    if report.not_in_gradebook:
        print(f"in the {args.format} file but not in the gradebook (left blank): {', '.join(report.not_in_gradebook)}")
    if report.not_in_lms:
        print(f"in the gradebook but not in the {args.format} file (not exported): {', '.join(report.not_in_lms)}")
    print(f"{args.format}: {report.filled} scores written to {report.path}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from grader.export import export_grades, grade_table

    if args.format != "csv":
        return _export_for_lms(args)
    config = load_course_config(args.config)
    output = args.output or course_root(config) / "grading" / "grades.csv"
    report = export_grades(config, output)
    print(grade_table(report.rows))
    print()
    for summary in report.summaries:
        mean = "-" if summary.mean is None else f"{summary.mean:.2f}"
        median = "-" if summary.median is None else f"{summary.median:g}"
        print(
            f"{summary.assignment}: {len(summary.scores)} submissions, mean {mean}, median {median} "
            f"of {summary.max_score:g}; plot {report.plots[summary.assignment]}"
        )
        hard = [
            f"{s.exercise} ({100 * s.pass_rate:.0f} % passed)" for s in report.exercises[summary.assignment] if s.hard
        ]
        if hard:
            print(f"  most of the class failed: {', '.join(hard)}")
        unusual = report.unusual_times[summary.assignment]
        if unusual:
            print(
                "  grading time far from the median: "
                + ", ".join(f"{student} {seconds:.0f} s" for student, seconds in unusual.items())
            )
        if summary.assignment in report.exercise_plots:
            print(
                f"  per exercise: {report.exercise_csvs[summary.assignment]}, "
                f"{report.exercise_plots[summary.assignment]}"
            )
        if summary.assignment in report.leaderboards:
            table, plot = report.leaderboards[summary.assignment]
            print(f"  leaderboard on hidden data: {table}, {plot}")
    print(f"grades: {report.csv}\nsummary: {report.summary_csv}")
    return 0


def _collect(args: argparse.Namespace) -> int:
    from grader.collect import collect

    config = load_course_config(args.config)
    report = collect(config, args.source, args.assignment, args.format)
    print(f"{args.source}: {report.format} format")
    for placed in report.placed:
        print(
            f"  placed  {placed.student:24} {placed.timestamp}  <- {placed.source}"
            + (f"  ({placed.note})" if placed.note else "")
        )
    for name, reason in report.skipped:
        print(f"  SKIPPED {name}: {reason}")
    print(f"{args.assignment}: {len(report.placed)} submissions placed, {len(report.skipped)} files not placed")
    return 0


def _student_edition(args: argparse.Namespace) -> int:
    from grader.edition import build_edition

    report = build_edition(args.repo, args.outdir, force=args.force)
    print(f"student edition: {len(report.files)} files in {report.output}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from grader.demo.run import run_demo
    from grader.export import grade_table
    from grader.leaderboard import leaderboard_table

    report = run_demo(args.output, args.assignment, jobs=args.jobs, sandbox=args.sandbox, log=print)
    print()
    print(grade_table(report.export.rows))
    print()
    for assignment, standings in report.export.standings.items():
        print(f"leaderboard of {assignment} on hidden data:\n{leaderboard_table(standings)}\n")
    print(f"feedback: {report.course / 'grading' / 'feedback'}/<student>/<assignment>/*.html")
    print(
        f"grades:   {report.export.csv} (summary {report.export.summary_csv.name}, plots "
        f"{', '.join(p.name for p in report.export.plots.values())})"
    )
    print(f"the demo course is kept in {report.course}; it took {report.seconds:.0f} s")
    return 0


def settings_help() -> str:
    """Every grader setting with its help and default, as a commented ``nbgrader_config.py`` section."""
    sections = [configurable.class_config_section() for configurable in CONFIGURABLES]
    return "settings a course may give in its nbgrader_config.py:\n\n" + "\n".join(sections)


class _HelpAll(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        parser.print_help()
        print()
        print(settings_help())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="a grading round:\n"
        "  python -m grader release 01-hello-world\n"
        "  python -m grader collect ~/Downloads/submissions.zip --assignment 01-hello-world\n"
        "  python -m grader autograde 01-hello-world --jobs 2\n"
        "  python -m grader feedback 01-hello-world\n"
        "  python -m grader export --output grades.csv\n"
        "first time? python -m grader demo",
    )
    parser.add_argument(
        "--help-all",
        action=_HelpAll,
        help="show this help and every setting a course can give in its nbgrader_config.py, then exit",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="the course's nbgrader_config.py (default: the one in the current folder, as for "
        "nbgrader, else this repository's grader/nbgrader_config.py)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser(
        "release",
        help="generate student labs from the solutions",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Regenerate labs/ (nbgrader's release folder) from solutions/ (its source).",
        epilog="example:\n  python -m grader release 01-hello-world",
    )
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="assignments to release (default: all)")
    p.set_defaults(run=_release)

    p = commands.add_parser(
        "autograde",
        help="grade submissions in parallel, sandboxed and resumable",
        description="Execute every submitted notebook of ASSIGNMENT in parallel sandboxed kernels "
        "and record the scores in nbgrader's gradebook. Re-running skips what is "
        "already graded; an interrupted run resumes where it stopped.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  python -m grader autograde 01-hello-world --jobs 2\n"
        "  python -m grader autograde 01-hello-world --student alice --force",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", metavar="S", help="grade only this student (repeatable)")
    p.add_argument("--jobs", type=int, default=None, help="parallel workers (default: number of cores)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="wall-time limit per notebook")
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default=None,
        help="where jobs run: local worker processes (default) or a Dask cluster (see --scheduler)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the Dask scheduler to grade on, e.g. tcp://10.0.0.5:8786 (implies --executor dask; without it, "
        "--executor dask starts a local Dask cluster of --jobs workers)",
    )
    p.add_argument(
        "--sandbox",
        choices=SANDBOX_MODES,
        default=None,
        help="bwrap: bubblewrap sandbox; none: no sandbox; auto: bwrap if it works "
        "(default: c.GraderSandbox.mode, which is auto)",
    )
    p.add_argument("--force", action="store_true", help="grade again what is already graded")
    p.set_defaults(run=_autograde)

    from grader import collect as collect_module

    p = commands.add_parser(
        "collect",
        help="import submissions from a folder or an LMS zip (Canvas, Moodle, Blackboard)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Copy every submitted notebook found in SOURCE (a folder or a zip downloaded from the LMS) "
        "into grading/submitted/<student>/ASSIGNMENT/<notebook>.ipynb with a timestamp.txt, renamed "
        "to the assignment's notebook. Every file that cannot be placed is listed with the reason. "
        "An existing submission is replaced only by a newer one (and the output says so). The student "
        "is who the LMS (or, for a folder, the student's folder) says, never a name the student chose.\n\n"
        "Formats:\n" + collect_module.__doc__.split("::")[1].split("\n\n")[1],
        epilog="examples:\n  python -m grader collect ~/Downloads/submissions.zip --assignment 01-hello-world\n"
        "  python -m grader collect handins/ --assignment 01-hello-world",
    )
    p.add_argument("source", type=Path, metavar="SOURCE", help="folder or .zip with the submissions")
    p.add_argument("--assignment", required=True, metavar="A", help="the assignment the submissions belong to")
    p.add_argument(
        "--format",
        choices=collect_module.FORMATS,
        help="how SOURCE was exported (default: read from its top level; a source whose names fit several "
        "formats, or mix them, is refused)",
    )
    p.set_defaults(run=_collect)

    p = commands.add_parser(
        "feedback",
        help="write HTML feedback per student, without hidden tests",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write nbgrader's HTML feedback for every autograded submission of ASSIGNMENT into the "
        "feedback folder (grading/feedback/<student>/<assignment>/). Hidden tests are removed from "
        "the test cells, and a failed test shows only its error's message (e.g. "
        "'AssertionError: add(1, 2) should be 3'), never a traceback. For an assignment whose tests "
        "scored models on hidden data, each student's feedback opens with their own score and rank.",
        epilog="example:\n  python -m grader feedback 01-hello-world\n"
        "  python -m grader feedback 01-hello-world --student alice",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", metavar="S", help="only this student (repeatable)")
    p.set_defaults(run=_feedback)

    p = commands.add_parser(
        "export",
        help="write the grades as CSV with a summary and plots, or for Canvas, Moodle or Blackboard",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Read every score from nbgrader's gradebook and write OUTPUT (one row per student and "
        "assignment: score, max_score, percent, timestamp, late_penalty), OUTPUT-summary.csv "
        "(submissions, mean, median, min, max per assignment) and a histogram "
        "OUTPUT-<assignment>.png per assignment, the exercise view OUTPUT-<assignment>-exercises.csv/.png, "
        "and for an assignment whose tests scored models on hidden data its leaderboard "
        "OUTPUT-<assignment>-leaderboard.csv/.png (rank, student, metric, value, points); print the grade table.",
        epilog="examples:\n  python -m grader export --output grades.csv\n"
        "  python -m grader export --format canvas --lms-file ~/Downloads/2026-12-01-Grades.csv\n"
        "  python -m grader export --format blackboard --lms-file gc_export.csv --assignment 01-hello-world\n"
        "  python -m grader export --format moodle --output moodle-import.csv",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="CSV",
        help="where to write the grades (default: grading/grades.csv, or grading/<format>-grades.csv)",
    )
    p.add_argument(
        "--format",
        choices=["csv", "canvas", "moodle", "blackboard"],
        default="csv",
        help="csv: the long table, summary and plots (default); canvas/blackboard: fill the gradebook "
        "file downloaded from the LMS (--lms-file) for re-import; moodle: a grade-import CSV "
        "keyed by Moodle user id",
    )
    p.add_argument(
        "--lms-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="the gradebook exported from Canvas or Blackboard (required for those), or Moodle's "
        "participants list with a 'User ID' column (optional: checks the students)",
    )
    p.add_argument(
        "--assignment",
        action="append",
        metavar="A",
        help="LMS formats: only this assignment (repeatable; default: every assignment)",
    )
    p.set_defaults(run=_export)

    p = commands.add_parser(
        "student-edition",
        help="write the copy of the course that students clone",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write OUTDIR: the labs, datasets, helper package dlcourse/, environment files "
        "(requirements.txt, environment.yml, pyproject.toml), a Makefile trimmed to the targets "
        "students need (help, setup, doctor, lab, datasets, clean) and a README without the instructor "
        "sections. Solutions, hidden tests, the grader, the test suite and CI files are left out. "
        "Only committed files are copied.",
        epilog="example:\n  python -m grader student-edition ../dl-course-students\n"
        "  cd ../dl-course-students && git init && git add . && git commit -m 'Course release'",
    )
    p.add_argument("outdir", type=Path, metavar="OUTDIR", help="new folder to write (outside this repository)")
    p.add_argument(
        "--repo",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="the course repository (default: this one)",
    )
    p.add_argument("--force", action="store_true", help="replace OUTDIR if it exists")
    p.set_defaults(run=_student_edition)

    p = commands.add_parser(
        "demo",
        help="run release, collect, autograde, feedback and export on bundled submissions",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="The grader end to end, on the submissions bundled in grader/demo/ (correct, partly "
        "correct, empty, broken and cheating students, as LMS downloads), in a temporary copy of the "
        "course: nothing in this repository changes. Prints what each step did, the grade table "
        "(student x assignment, score/max) and where the feedback and exports are. "
        "A few minutes on two cores.",
        epilog="example:\n  python -m grader demo\n  python -m grader demo --output /tmp/demo --jobs 4",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="course folder to create (default: a new temporary folder)",
    )
    p.add_argument(
        "--assignment",
        action="append",
        metavar="A",
        help="only this bundled assignment (repeatable; default: all bundled)",
    )
    p.add_argument("--jobs", type=int, default=None, help="parallel workers (default: number of cores)")
    p.add_argument("--sandbox", choices=SANDBOX_MODES, default=None, help="as for autograde")
    p.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except GraderError as error:  # a refusal: one line; anything else is a bug and keeps its traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
