"""Benchmark: the grader's parallel autograde against stock ``nbgrader autograde``.

``python -m bench.grading [--students N] [--jobs J] [--assignment A]`` (``make bench-grade``)
builds two identical scratch courses with N submissions of a real lab (alternately the
solution's answers and the untouched lab), grades one with ``nbgrader autograde``
(sequential, nbgrader's own executor) and the other with
``python -m grader autograde --jobs J``, checks both give the same scores and prints:

* both wall times and their ratio (target on 2 cores: at least 1.8x);
* the notebook's own execution time (one plain nbclient run of each kind, no grading);
* the grader's overhead per notebook: its worker time per notebook (wall x jobs / N) minus
  the notebook's own time (target: at most 3 s), and the same for stock nbgrader.

Not part of ``make test``: it takes several minutes. Timings include whatever else the
machine is doing: run it on an idle machine for numbers you can compare.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from bench.notebooks import execute
from grader.course import load_course_config
from grader.demo import build
from grader.demo.run import make_course
from grader.release import release

REPO = Path(__file__).resolve().parent.parent


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


def own_time(course: Path, assignment: str, notebook: Path) -> float:
    """Seconds to execute a notebook once, plainly (the cost no grader can avoid)."""
    workdir = course / "grading" / "own-run"
    workdir.mkdir(parents=True, exist_ok=True)
    return execute(notebook, workdir, allow_errors=True)[1]


def scores(config_file: Path, assignment: str) -> dict[str, float]:
    config = load_course_config(config_file)
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        return {s.student.id: s.score for s in gradebook.assignment_submissions(assignment)}


def timed(command: list[str], cwd: Path, log: Path) -> float:
    started = time.monotonic()
    with open(log, "w") as stream:
        result = subprocess.run(command, cwd=cwd, stdout=stream, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    if result.returncode != 0:  # e.g. a notebook nbgrader could not grade: the times still count
        print(f"  warning: {' '.join(command[1:4])} exited with {result.returncode}, see {log}", flush=True)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.grading", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=20, metavar="N", help="submissions to grade (default 20)")
    parser.add_argument("--jobs", type=int, default=2, help="the grader's parallel workers (default 2)")
    parser.add_argument("--assignment", default="01-hello-world", help="a real lab (default 01-hello-world)")
    parser.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto")
    parser.add_argument("--keep", action="store_true", help="keep the scratch courses")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    stock, ours = scratch / "stock", scratch / "ours"
    print(f"preparing two courses with {args.students} submissions of {args.assignment} in {scratch}", flush=True)
    stock_config = prepare(stock, args.assignment, args.students)
    ours_config = prepare(ours, args.assignment, args.students)
    submitted = stock / "grading" / "submitted"
    own = [
        own_time(scratch, args.assignment, submitted / name / args.assignment / f"{args.assignment}.ipynb")
        for name in ("student00", "student01")
    ]
    own_mean = statistics.fmean(own)
    print(f"own execution time: solution {own[0]:.1f} s, untouched lab {own[1]:.1f} s", flush=True)

    print("stock nbgrader autograde (sequential) ...", flush=True)
    stock_seconds = timed(
        [sys.executable, "-m", "nbgrader", "autograde", args.assignment, "--force"], stock, scratch / "stock.log"
    )
    print(f"  {stock_seconds:.1f} s", flush=True)
    print(f"python -m grader autograde --jobs {args.jobs} ...", flush=True)
    ours_seconds = timed(
        [
            sys.executable,
            "-m",
            "grader",
            "--config",
            str(ours_config),
            "autograde",
            args.assignment,
            "--jobs",
            str(args.jobs),
            "--sandbox",
            args.sandbox,
        ],
        REPO,
        scratch / "ours.log",
    )
    print(f"  {ours_seconds:.1f} s", flush=True)

    stock_scores, our_scores = scores(stock_config, args.assignment), scores(ours_config, args.assignment)
    n = args.students
    ratio = stock_seconds / ours_seconds
    ours_overhead = ours_seconds * args.jobs / n - own_mean
    stock_overhead = stock_seconds / n - own_mean
    print()
    print(f"submissions                 {n} x {args.assignment} (half solved, half untouched)")
    print(f"stock nbgrader autograde    {stock_seconds:7.1f} s   ({stock_seconds / n:.1f} s per notebook)")
    print(f"grader autograde --jobs {args.jobs}  {ours_seconds:7.1f} s   ({ours_seconds / n:.1f} s per notebook)")
    print(f"speed-up                    {ratio:7.2f} x   (target >= 1.8 x on 2 cores)")
    print(f"own execution per notebook  {own_mean:7.1f} s")
    print(
        f"overhead per notebook       {ours_overhead:7.1f} s   grader (target <= 3 s); "
        f"stock nbgrader {stock_overhead:.1f} s"
    )
    same = stock_scores == our_scores
    differences = {k: (stock_scores.get(k), v) for k, v in our_scores.items() if stock_scores.get(k) != v}
    print(f"same scores as nbgrader     {'yes' if same else f'NO: {differences}'}")
    if not args.keep and same:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
