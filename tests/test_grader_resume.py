"""A real autograde run killed with SIGKILL finishes on the next run: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grader_fixtures import quiz
from grader_fixtures.course import make_course

pytestmark = pytest.mark.kernel  # starts kernels or a Jupyter server

REPO = Path(__file__).resolve().parent.parent
STUDENTS = [f"student{i}" for i in range(6)]


def _autograde(course: Path, log: Path) -> subprocess.Popen:
    """Start ``python -m grader autograde`` writing its output to ``log`` (a pipe could fill up)."""
    with open(log, "w") as stream:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "grader",
                "--config",
                str(course / "nbgrader_config.py"),
                "autograde",
                quiz.ASSIGNMENT,
                "--jobs",
                "2",
                "--sandbox",
                "none",
            ],
            cwd=REPO,
            stdout=stream,
            stderr=subprocess.STDOUT,
        )


def _records(graded: Path) -> list[Path]:
    """The finished records of graded submissions (not the temporary file of one being written)."""
    return [path for path in graded.glob("*.json") if not path.name.startswith(".")] if graded.is_dir() else []


def test_sigkill_then_rerun_grades_everything_once(tmp_path):
    config, released = make_course(tmp_path)
    for index, student in enumerate(STUDENTS):
        quiz.write_submission(tmp_path, student, quiz.answered(released, quiz.HONEST if index % 2 else quiz.WRONG))
    graded = tmp_path / ".grader" / quiz.ASSIGNMENT / "graded"

    run = _autograde(tmp_path, tmp_path / "first.log")
    deadline = time.monotonic() + 240
    while not _records(graded) and time.monotonic() < deadline:
        assert run.poll() is None, (tmp_path / "first.log").read_text()
        time.sleep(0.2)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    done_before = len(_records(graded))
    assert 0 < done_before < len(STUDENTS), "the kill should land in the middle of the run"

    rerun = _autograde(tmp_path, tmp_path / "second.log")
    rerun.wait(timeout=300)
    output = (tmp_path / "second.log").read_text()
    assert rerun.returncode == 0, output
    assert output.count(" skipped ") == done_before, output

    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        submissions = gradebook.assignment_submissions(quiz.ASSIGNMENT)
        scores = {s.student.id: s.score for s in submissions}
        grades = sum(len(nb.grades) for s in submissions for nb in s.notebooks)
    assert sorted(scores) == STUDENTS
    assert grades == len(STUDENTS) * len(quiz.POINTS)
    for index, student in enumerate(STUDENTS):
        assert scores[student] == (sum(quiz.POINTS.values()) if index % 2 else 0), student
    for student in STUDENTS:
        assert (tmp_path / "autograded" / student / quiz.ASSIGNMENT / f"{quiz.ASSIGNMENT}.ipynb").is_file()
