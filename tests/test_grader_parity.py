"""Courses score the same through the grader as through stock ``nbgrader autograde``.

Each case is one of nbgrader's autograde tests (``nbgrader/tests/apps/test_nbgrader_autograde.py``),
built from the notebooks nbgrader ships with its tests: a source notebook, the submissions, the
course settings. The same course is graded twice, by stock nbgrader's command line and by the
grader, each in its own folder, and every test cell must get the same score.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import nbgrader.tests.apps.files as nbgrader_files
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory

from grader.cli import main
from grader.course import load_course_config

pytestmark = pytest.mark.kernel  # starts kernels

FILES = Path(nbgrader_files.__file__).parent

#: case -> (source notebook, {student: submitted notebook}, course settings, extra source files)
CASES = {
    "edited, changed and cheating submissions": (
        "submitted-unchanged.ipynb",  # nbgrader's tests release it as the source, too
        {
            "unchanged": "submitted-unchanged.ipynb",
            "changed": "submitted-changed.ipynb",
            "cheat": "submitted-cheat-attempt.ipynb",
            "cheat-alternative": "submitted-cheat-attempt-alternative.ipynb",
            "locked-cell-changed": "submitted-locked-cell-changed.ipynb",
            "grade-cell-changed": "submitted-grade-cell-changed.ipynb",
        },
        "",
        (),
    ),
    "a test that outlasts the course's cell timeout": (
        "timeout.ipynb",
        {"slow": "timeout.ipynb"},
        "c.Execute.timeout = 2",
        (),
    ),
    "a test that reads NBGRADER_EXECUTION": (
        "validating-environment-variable.ipynb",
        {"student": "validating-environment-variable.ipynb"},
        "",
        (),
    ),
    "a test that opens a file of the assignment": (
        "open_relative_file.ipynb",
        {"student": "open_relative_file.ipynb"},
        "",
        ("data.txt",),
    ),
}


def _course(
    root: Path, source: str, submissions: dict[str, str], settings: str, extra: tuple[str, ...], files: Path = FILES
) -> Path:
    (root / "source" / "ps1").mkdir(parents=True)
    shutil.copy(files / source, root / "source" / "ps1" / "p1.ipynb")
    for name in extra:
        shutil.copy(files / name, root / "source" / "ps1" / name)
    for student, notebook in submissions.items():
        (root / "submitted" / student / "ps1").mkdir(parents=True)
        shutil.copy(files / notebook, root / "submitted" / student / "ps1" / "p1.ipynb")
    course = f'c = get_config()\nc.CourseDirectory.course_id = "parity"\nc.CourseDirectory.root = {str(root)!r}\n'
    (root / "nbgrader_config.py").write_text(course + settings + "\n")
    return root / "nbgrader_config.py"


def _scores(config_file: Path) -> dict[str, dict[str, float | None]]:
    """Student -> test cell -> the score nbgrader's gradebook holds."""
    coursedir = CourseDirectory(config=load_course_config(config_file))
    with Gradebook(coursedir.db_url) as gradebook:
        return {
            submission.student_id: {grade.name: grade.auto_score for grade in submission.notebooks[0].grades}
            for submission in gradebook.find_assignment("ps1").submissions
        }


def _grade_both_ways(tmp_path: Path, *case, files: Path = FILES) -> tuple[dict, dict]:
    """The scores of stock nbgrader and of the grader, each grading the same course in its own folder."""
    stock = _course(tmp_path / "stock", *case, files=files)
    tools = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # alembic
    for command in (["generate_assignment", "ps1"], ["autograde", "ps1"]):
        nbgrader = [sys.executable, "-m", "nbgrader", *command]  # it reads the folder's nbgrader_config.py
        subprocess.run(nbgrader, cwd=stock.parent, env=tools, check=True, capture_output=True, timeout=600)

    ours = _course(tmp_path / "ours", *case, files=files)
    assert main(["--config", str(ours), "release", "ps1"]) == 0
    assert main(["--config", str(ours), "autograde", "ps1", "--jobs", "2"]) == 0
    return _scores(stock), _scores(ours)


@pytest.mark.parametrize("case", CASES)
def test_nbgraders_own_test_notebooks_score_as_under_stock_nbgrader(tmp_path, case):
    expected, graded = _grade_both_ways(tmp_path, *CASES[case])
    assert sorted(expected) == sorted(CASES[case][1]), "stock nbgrader graded every submission"
    assert graded == expected


def test_a_test_that_imports_a_module_of_the_assignment_scores_as_under_stock_nbgrader(tmp_path):
    files = tmp_path / "files"
    files.mkdir()
    (files / "helper.py").write_text("def expected():\n    return 42\n")
    answer = {
        "nbgrader": {"grade": False, "solution": True, "grade_id": "answer", "locked": False, "schema_version": 3}
    }
    test = {"nbgrader": {"grade": True, "solution": False, "grade_id": "uses-helper", "locked": True, "points": 1}}
    test["nbgrader"]["schema_version"] = 3
    notebook = new_notebook(
        cells=[
            new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION", metadata=answer),
            new_code_cell("from helper import expected\nassert answer == expected()", metadata=test),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(notebook, files / "p1.ipynb")
    expected, graded = _grade_both_ways(tmp_path, "p1.ipynb", {"student": "p1.ipynb"}, "", ("helper.py",), files=files)
    assert expected == {"student": {"uses-helper": 1.0}}
    assert graded == expected
