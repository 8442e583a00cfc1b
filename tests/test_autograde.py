"""Autograding with nbgrader's real gradebook: a solution earns every point, an untouched lab none.

Every lab is graded twice: by stock nbgrader (students and instructors may use it directly) and
by ``python -m grader autograde``'s engine, the path this course's instructors use, where the
tests run in the trusted examiner. That engine also grades a third student, who answers every
exercise as the solution does except for the decision exercises (tests/exercises.py), where they
make the plausible wrong decision: those exercises must score nothing, every other one full marks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI

from conftest import ASSIGNMENTS, LABS, SOLUTIONS, notebook_path, scratch_course
from exercises import with_wrong_decisions, wrong_decisions, zeroed_by_wrong_decisions
from grader.autograde import autograde

SUBMISSIONS = {"perfect": SOLUTIONS, "untouched": LABS}
WRONG_DECIDER = "wrong-decisions"
WITH_DECISIONS = [a for a in ASSIGNMENTS if wrong_decisions(a)]
#: Test cells that score a model on hidden data (grader.hidden): only the grader's examiner reads
#: it, so under stock nbgrader, whose tests run in the student's kernel, they earn nothing.
HIDDEN_DATA_CELLS = {"09-text-and-translation": {"ex5-ship-tests"}, "13-workshop": {"ex7-hidden-score-tests"}}


@pytest.fixture(scope="module")
def scratch_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("courses")


@pytest.fixture(scope="module", params=["nbgrader", "grader"])
def graded(request, scratch_root):
    """Grade an assignment once, in a scratch course where one student handed in the solution
    and another the untouched lab; returns the gradebook URL. Cached per assignment."""
    cache: dict[str, str] = {}

    def grade(assignment: str) -> str:
        if assignment not in cache:
            course = scratch_root / request.param / assignment
            config = scratch_course(course, [assignment])
            for student, source in SUBMISSIONS.items():
                target = course / "grading" / "submitted" / student / assignment
                target.mkdir(parents=True)
                shutil.copy(notebook_path(source, assignment), target)
            if request.param == "grader" and wrong_decisions(assignment):
                solution = notebook_path(SOLUTIONS, assignment)
                wrong = with_wrong_decisions(nbformat.read(solution, as_version=4), wrong_decisions(assignment))
                target = course / "grading" / "submitted" / WRONG_DECIDER / assignment
                target.mkdir(parents=True)
                nbformat.write(wrong, target / solution.name)
            if request.param == "nbgrader":
                api = NbGraderAPI(config=config)
                for student in SUBMISSIONS:
                    outcome = api.autograde(assignment, student, force=True, create=True)
                    assert outcome["success"], f"autograding {student}/{assignment} failed:\n{outcome['log']}"
            else:
                report = autograde(config, assignment, jobs=2, progress=False)
                failed = [(o.student, o.reason) for o in report.outcomes if o.status != "graded"]
                assert not failed, f"the grader could not grade {assignment}: {failed}"
            cache[assignment] = config.CourseDirectory.db_url
        return cache[assignment]

    grade.engine = request.param
    return grade


def grades(db_url: str, assignment: str, student: str) -> list[tuple[str, float, float]]:
    """(cell, score, max score) of every graded cell of a submission."""
    with Gradebook(db_url) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return [
            (grade.name, grade.score, grade.max_score) for notebook in submission.notebooks for grade in notebook.grades
        ]


@pytest.mark.notebook
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_earns_full_marks(graded, assignment):
    cells = grades(graded(assignment), assignment, "perfect")
    assert cells, f"{assignment} has no graded cells"
    lost = [(name, score, maximum) for name, score, maximum in cells if score != maximum]
    if graded.engine == "nbgrader":
        assert {name for name, *_ in lost} == HIDDEN_DATA_CELLS.get(assignment, set()), (
            f"under stock nbgrader the solution of {assignment} loses points on {lost}"
        )
        return
    assert not lost, f"the solution of {assignment} loses points on {lost}"


@pytest.mark.notebook
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_lab_earns_nothing(graded, assignment):
    earned = [(name, score) for name, score, _ in grades(graded(assignment), assignment, "untouched") if score != 0]
    assert not earned, f"an untouched {assignment} earns points on {earned}: those tests cannot fail"


@pytest.mark.notebook
@pytest.mark.parametrize("assignment", WITH_DECISIONS)
def test_a_wrong_decision_costs_its_exercise_and_nothing_else(graded, assignment):
    if graded.engine != "grader":
        pytest.skip("the wrong decisions are graded by the course's grader")
    zeroed = zeroed_by_wrong_decisions(assignment)
    cells = grades(graded(assignment), assignment, WRONG_DECIDER)
    earned = [(name, score) for name, score, _ in cells if name in zeroed and score != 0]
    assert not earned, f"a wrong decision in {assignment} still earns points on {earned}"
    lost = [(name, score, maximum) for name, score, maximum in cells if name not in zeroed and score != maximum]
    assert not lost, f"in {assignment} the wrong decisions cost exercises that do not depend on them: {lost}"
