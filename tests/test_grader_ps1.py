"""nbgrader's own example course grades the same through the trusted examiner as through stock nbgrader."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from grader.autograde import autograde
from grader.cli import main
from grader.course import load_course_config
from grader.release import release

pytestmark = pytest.mark.kernel  # starts kernels

PS1 = Path(__file__).resolve().parent / "grader_fixtures" / "nbgrader_ps1"
STUDENTS = ("bitdiddle", "hacker")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """ps1 released in a course of nbgrader's default layout, with the two example submissions."""
    root = tmp_path_factory.mktemp("ps1-course")
    shutil.copytree(PS1 / "source", root / "source")
    shutil.copytree(PS1 / "submitted", root / "submitted")
    shutil.copy(PS1.parent / "nbgrader_config.py", root / "nbgrader_config.py")
    config = load_course_config(root / "nbgrader_config.py")
    release(config, ["ps1"])
    return config


def autograded_scores(config) -> dict[str, dict[str, float]]:
    """Student -> test cell -> score, for every autograded cell of ps1."""
    with Gradebook(CourseDirectory(config=config).db_url) as gradebook:
        return {
            student: {
                grade.name: grade.auto_score
                for notebook in gradebook.find_submission("ps1", student).notebooks
                for grade in notebook.grades
                if grade.auto_score is not None
            }
            for student in STUDENTS
        }


def test_ps1_scores_the_same_through_the_examiner_as_through_stock_nbgrader(course):
    api = NbGraderAPI(config=course)
    for student in STUDENTS:
        outcome = api.autograde("ps1", student, force=True, create=True)
        assert outcome["success"], outcome["log"]
    stock = autograded_scores(course)

    report = autograde(course, "ps1", jobs=2, force=True, progress=False)
    assert [o.status for o in report.outcomes] == ["graded", "graded"]
    examined = autograded_scores(course)

    assert examined == stock
    assert any(score > 0 for scores in stock.values() for score in scores.values())
    assert len(stock["bitdiddle"]) == 5  # the five autograded test cells of problem1


def _example_course(root: Path) -> Path:
    """ps1 in a folder of its own with the configuration ``nbgrader quickstart`` would leave."""
    shutil.copytree(PS1 / "source", root / "source")
    shutil.copytree(PS1 / "submitted", root / "submitted")
    (root / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "example_course"\n')
    return root


def test_ps1_graded_from_inside_its_own_folder_scores_as_stock_nbgrader_does(tmp_path, monkeypatch):
    stock = _example_course(tmp_path / "stock")
    tools = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # alembic
    for command in (["generate_assignment", "ps1"], ["autograde", "ps1"]):
        nbgrader = [sys.executable, "-m", "nbgrader", *command]
        subprocess.run(nbgrader, cwd=stock, env=tools, check=True, capture_output=True, timeout=600)

    ours = _example_course(tmp_path / "ours")
    monkeypatch.chdir(ours)  # no --config: the folder's own nbgrader_config.py, as nbgrader reads it
    assert main(["release", "ps1"]) == 0
    assert main(["autograde", "ps1", "--jobs", "2"]) == 0

    scores = []
    for folder in (stock, ours):
        config = load_course_config(folder / "nbgrader_config.py")
        config.CourseDirectory.root = str(folder)  # as nbgrader run inside it would see it
        scores.append(autograded_scores(config))
    assert scores[1] == scores[0]
    assert all(scores[0][student] for student in STUDENTS), "stock nbgrader graded both submissions"
