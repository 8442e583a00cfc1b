"""nbgrader's own example course grades the same through the trusted examiner as through stock nbgrader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI

from grader.autograde import autograde
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
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
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
