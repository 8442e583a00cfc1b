"""Benchmark: every solution notebook, top to bottom at its real settings, against the time budget.

``python -m bench.solutions [LAB ...] [--budget SECONDS]`` (``make bench``) runs the solutions
one after another in the course kernel, each in a scratch folder, and prints a table of wall
times against the budget (60 s on a 2-core CPU), the course total and the machine's load
before and after. It exits with 1 when a solution is over budget or fails to run.

Timings include whatever else the machine is doing: the load figures say how busy it was.
The README's run-time column comes from this table on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nbclient.exceptions import CellExecutionError

from bench.notebooks import execute

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
BUDGET_SECONDS = 60.0


@dataclass(frozen=True)
class Timing:
    lab: str
    seconds: float
    error: str | None = None  # the exception a cell raised, when the notebook did not run through


def solution_notebooks(selected: list[str]) -> list[Path]:
    """The solution notebooks whose lab folder starts with one of ``selected`` (all when empty)."""
    folders = sorted(p for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith("."))
    if selected:
        folders = [p for p in folders if any(p.name.startswith(name) for name in selected)]
    return [notebook for folder in folders for notebook in sorted(folder.glob("*.ipynb"))]


def time_solution(notebook: Path) -> Timing:
    lab = notebook.parent.name
    with tempfile.TemporaryDirectory(prefix=f"bench-{lab}-") as workdir:
        try:
            _, seconds = execute(notebook, Path(workdir))
        except CellExecutionError as error:
            return Timing(lab, float("nan"), f"{error.ename}: {error.evalue}")
    return Timing(lab, seconds)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def row(timing: Timing, budget: float) -> str:
    if timing.error:
        return f"{timing.lab:32}   failed  {timing.error}"
    verdict = "ok" if timing.seconds <= budget else f"OVER by {timing.seconds - budget:.1f} s"
    return f"{timing.lab:32} {timing.seconds:6.1f} s  {verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.solutions", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "labs",
        nargs="*",
        metavar="LAB",
        help="labs to time, by folder name or its start (e.g. 03 07-cnn); default: all",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=BUDGET_SECONDS,
        help=f"seconds each solution may take (default {BUDGET_SECONDS:.0f})",
    )
    args = parser.parse_args(argv)

    notebooks = solution_notebooks(args.labs)
    if not notebooks:
        print(f"error: no solution matches {' '.join(args.labs)}; labs are the folders of solutions/", file=sys.stderr)
        return 2
    print(f"timing {len(notebooks)} solution notebooks, budget {args.budget:.0f} s each; {load()}", flush=True)
    timings = []
    for notebook in notebooks:
        timings.append(time_solution(notebook))
        print(row(timings[-1], args.budget), flush=True)

    ran = [t for t in timings if not t.error]
    total = sum(t.seconds for t in ran)
    print(f"{'total':32} {total:6.1f} s  ({len(ran)} of {len(timings)} ran through)")
    print(f"after the run: {load()}")
    over = [t.lab for t in ran if t.seconds > args.budget]
    failed = [t.lab for t in timings if t.error]
    if over:
        print(f"over budget: {', '.join(over)}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if over or failed else 0


if __name__ == "__main__":
    sys.exit(main())
