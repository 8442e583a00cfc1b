"""Benchmark: the grader against stock ``nbgrader autograde``, on one machine and on Dask.

``python -m bench.grading`` (``make bench-grade``) grades the same submissions of a real lab
(alternately the solution's answers and the untouched lab) three times, each in a scratch
course of its own:

* ``stock``: ``nbgrader autograde`` (sequential, nbgrader's own executor);
* ``local``: ``python -m grader autograde --jobs J``, the local worker pool;
* ``dask``: the same with ``--executor dask``, on a Dask cluster of J local workers.

For each it prints the wall time, the speed-up over stock, and the overhead per notebook: the
time each worker spends on a notebook (wall x workers / N) minus the notebook's own execution
time (one plain nbclient run of each kind, no grading). Every side must give the same scores.
It does this for each ``--assignment`` (default: lab 01 and the CNN lab) with ``--students``
submissions (default 20), and for a small course of ``--small`` submissions (default 3).

Targets (2 cores): at least 2x stock with 20 submissions; never slower than stock, even for
1-3 submissions; Dask within 15 % of the local pool. Not part of ``make test``: it takes a
while. Timings include whatever else the machine does: the machine's load is printed with
the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from bench.notebooks import execute
from grader.course import load_course_config
from grader.demo import build
from grader.demo.run import make_course
from grader.engine.sandbox import resolve_mode
from grader.errors import GraderError
from grader.release import release

REPO = Path(__file__).resolve().parent.parent
#: The labs graded by default: the lightest, and the CNN lab (real training).
DEFAULT_ASSIGNMENTS = ("01-hello-world", "07-cnn")
SIDES = ("stock", "local", "dask")


def prepare(course: Path, assignment: str, students: int) -> Path:
    """A scratch course with ``students`` submissions; return its config file."""
    config_file = make_course(course, [assignment])
    release(load_course_config(config_file), [assignment])
    variants = build.submissions(assignment, 0)
    for index in range(students):
        folder = course / "grading" / "submitted" / f"student{index:02d}" / assignment
        folder.mkdir(parents=True)
        nb = variants["alice"] if index % 2 == 0 else variants["carol"]
        nbformat.write(nb, folder / f"{assignment}.ipynb")
        (folder / "timestamp.txt").write_text("2024-03-01 10:00:00.000000 UTC")
    return config_file


def own_time(scratch: Path, notebook: Path) -> float:
    """Seconds to execute a notebook once, plainly (the cost no grader can avoid)."""
    workdir = scratch / "own-run"
    workdir.mkdir(parents=True, exist_ok=True)
    return execute(notebook, workdir, allow_errors=True)[1]


def scores(config_file: Path, assignment: str) -> dict[str, float]:
    config = load_course_config(config_file)
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        return {s.student.id: s.score for s in gradebook.assignment_submissions(assignment)}


def command(side: str, config_file: Path, assignment: str, jobs: int, sandbox: str) -> tuple[list[str], Path]:
    """The command line that grades ``side``'s course, and the folder it runs in."""
    if side == "stock":
        return [sys.executable, "-m", "nbgrader", "autograde", assignment, "--force"], config_file.parent
    grader = [sys.executable, "-m", "grader", "--config", str(config_file), "autograde", assignment]
    grader += ["--jobs", str(jobs), "--sandbox", sandbox, "--executor", side]
    return grader, REPO


def timed(argv: list[str], cwd: Path, log: Path) -> float:
    started = time.monotonic()
    with open(log, "w") as stream:
        result = subprocess.run(argv, cwd=cwd, stdout=stream, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    if result.returncode != 0:  # e.g. a notebook nbgrader could not grade: the times still count
        print(f"  warning: {' '.join(argv[1:4])} exited with {result.returncode}, see {log}", flush=True)
    return seconds


@dataclass
class Run:
    side: str
    seconds: float
    scores: dict[str, float]


def compare(scratch: Path, assignment: str, students: int, jobs: int, sandbox: str) -> tuple[list[Run], float]:
    """Grade ``students`` submissions of ``assignment`` on every side; the runs and the notebooks'
    own mean execution time."""
    courses = {side: prepare(scratch / side, assignment, students) for side in SIDES}
    submitted = scratch / "stock" / "grading" / "submitted"
    own = [
        own_time(scratch, submitted / f"student{index:02d}" / assignment / f"{assignment}.ipynb")
        for index in range(min(2, students))
    ]
    runs = []
    for side in SIDES:
        print(f"  {side} ...", end=" ", flush=True)
        argv, cwd = command(side, courses[side], assignment, jobs, sandbox)
        seconds = timed(argv, cwd, scratch / f"{side}.log")
        print(f"{seconds:.1f} s", flush=True)
        runs.append(Run(side, seconds, scores(courses[side], assignment)))
    return runs, statistics.fmean(own)


def report(assignment: str, students: int, jobs: int, runs: list[Run], own: float) -> bool:
    """Print one comparison; whether every side gave stock nbgrader's scores."""
    stock = runs[0]
    print(f"\n{students} x {assignment} (half solved, half untouched); own execution {own:.1f} s per notebook")
    print(f"  {'':6} {'wall':>8} {'speed-up':>9} {'overhead per notebook':>22}   same scores")
    same = True
    for run in runs:
        workers = 1 if run.side == "stock" else jobs
        overhead = run.seconds * workers / students - own
        agrees = run.scores == stock.scores
        same &= agrees
        differences = {k: (stock.scores.get(k), v) for k, v in run.scores.items() if stock.scores.get(k) != v}
        print(
            f"  {run.side:6} {run.seconds:7.1f}s {stock.seconds / run.seconds:8.2f}x {overhead:20.1f} s   "
            f"{'yes' if agrees else f'NO: {differences}'}"
        )
    local, dask = runs[1].seconds, runs[2].seconds
    print(f"  dask / local: {dask / local:.2f} (target <= 1.15)")
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.grading", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--assignment",
        action="append",
        metavar="A",
        help=f"a real lab (repeatable; default {' and '.join(DEFAULT_ASSIGNMENTS)})",
    )
    parser.add_argument("--students", type=int, default=20, metavar="N", help="submissions to grade (default 20)")
    parser.add_argument(
        "--small", type=int, default=3, metavar="N", help="a small course's submissions (default 3; 0: skip)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="the grader's parallel workers (default 2)")
    parser.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto")
    parser.add_argument("--keep", action="store_true", help="keep the scratch courses")
    args = parser.parse_args(argv)

    cases = [(assignment, args.students) for assignment in args.assignment or DEFAULT_ASSIGNMENTS]
    if args.small:
        cases.append((cases[0][0], args.small))
    try:
        sandbox, _ = resolve_mode(args.sandbox)
    except GraderError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    how = "forked from warm templates" if sandbox == "none" else "each a new process in a new sandbox"
    print(f"sandbox: {sandbox} (the grader's kernels and examiners {how})")
    print(
        f"load before: {' '.join(f'{value:.2f}' for value in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores"
    )
    all_same = True
    for assignment, students in cases:
        scratch = Path(tempfile.mkdtemp(prefix="grader-bench-"))
        print(f"{students} x {assignment} in {scratch}", flush=True)
        runs, own = compare(scratch, assignment, students, args.jobs, sandbox)
        same = report(assignment, students, args.jobs, runs, own)
        all_same &= same
        if same and not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        print(flush=True)
    print(f"load after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())
