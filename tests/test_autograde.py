"""Autograding with nbgrader's real gradebook: a solution earns every point, an untouched lab none."""
from __future__ import annotations

import shutil

import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI

from conftest import ASSIGNMENTS, LABS, SOLUTIONS, notebook_path
from grader.course import load_course_config
from grader.release import release


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A scratch course where two students handed in every lab: one the solution, one the untouched lab."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(SOLUTIONS, course / "solutions")
    config = load_course_config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = f"sqlite:///{course / 'grading' / 'gradebook.db'}"
    release(config)
    for student, source in (("perfect", SOLUTIONS), ("untouched", LABS)):
        for assignment in ASSIGNMENTS:
            target = course / "grading" / "submitted" / student / assignment
            target.mkdir(parents=True)
            shutil.copy(notebook_path(source, assignment), target)
    api = NbGraderAPI(config=config)
    for assignment in ASSIGNMENTS:
        for student in ("perfect", "untouched"):
            outcome = api.autograde(assignment, student, force=True, create=True)
            assert outcome["success"], f"autograding {student}/{assignment} failed:\n{outcome['log']}"
    return config.CourseDirectory.db_url


def grades(db_url: str, assignment: str, student: str) -> list[tuple[str, float, float]]:
    """(cell, score, max score) of every graded cell of a submission."""
    with Gradebook(db_url) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return [(grade.name, grade.score, grade.max_score)
                for notebook in submission.notebooks for grade in notebook.grades]


@pytest.mark.notebook
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_earns_full_marks(graded_course, assignment):
    cells = grades(graded_course, assignment, "perfect")
    assert cells, f"{assignment} has no graded cells"
    lost = [(name, score, maximum) for name, score, maximum in cells if score != maximum]
    assert not lost, f"the solution of {assignment} loses points on {lost}"


@pytest.mark.notebook
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_lab_earns_nothing(graded_course, assignment):
    earned = [(name, score) for name, score, _ in grades(graded_course, assignment, "untouched") if score != 0]
    assert not earned, f"an untouched {assignment} earns points on {earned}: those tests cannot fail"
