"""A notebook whose kernel is not installed where the grader runs fails alone, with one line."""

from __future__ import annotations

import json

import pytest
from nbgrader.api import Gradebook

from grader.autograde import OutcomeStatus, autograde
from grader.engine.sandbox import bwrap_problem
from grader_fixtures import quiz
from grader_fixtures.course import make_course

pytestmark = pytest.mark.kernel  # starts kernels or a Jupyter server

SANDBOX = "bwrap" if bwrap_problem() is None else "none"


def test_a_kernel_missing_here_scores_its_notebook_zero_and_says_why(tmp_path):
    config, released = make_course(tmp_path)
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        notebook = gradebook.find_notebook(quiz.ASSIGNMENT, quiz.ASSIGNMENT)
        notebook.kernelspec = json.dumps({"name": "julia-1.11", "display_name": "Julia", "language": "julia"})
        gradebook.db.commit()
    for student in ("alice", "bob"):
        quiz.write_submission(tmp_path, student, quiz.answered(released, quiz.HONEST))
    report = autograde(config, quiz.ASSIGNMENT, jobs=2, sandbox=SANDBOX, progress=False)
    assert [(o.student, o.status, o.score) for o in report.outcomes] == [
        ("alice", OutcomeStatus.GRADED, 0),
        ("bob", OutcomeStatus.GRADED, 0),
    ]
    assert all("`julia-1.11` is not installed" in o.reason and "\n" not in o.reason for o in report.outcomes)
