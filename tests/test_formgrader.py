"""`make formgrader`: nbgrader's own formgrader on a course's gradebook, reached over real HTTP."""

from __future__ import annotations

import html
import re

import pytest
import requests
from nbgrader.api import Gradebook

from conftest import jupyter_lab
from grader.autograde import autograde
from grader_fixtures import quiz
from grader_fixtures.course import make_course

pytestmark = pytest.mark.kernel  # grades with kernels, then starts a Jupyter server


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    config, released = make_course(root)
    quiz.write_submission(root, "honest", quiz.answered(released, quiz.HONEST))
    autograde(config, quiz.ASSIGNMENT, jobs=1, sandbox="none", progress=False)
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        submission = gradebook.find_submission_notebook(quiz.ASSIGNMENT, quiz.ASSIGNMENT, "honest")
        return root, submission.id


def test_formgrader_shows_a_graded_submission(graded_course):
    root, submission_id = graded_course
    variables = {"FORMGRADER_CONFIG": str(root), "COURSE_ROOT": str(root)}
    with jupyter_lab(target="formgrader", make_variables=variables) as (base, headers):
        gradebook = requests.get(
            f"{base}/formgrader/gradebook/{quiz.ASSIGNMENT}/{quiz.ASSIGNMENT}/", headers=headers, timeout=30
        )
        assert gradebook.ok and "formgrader" in gradebook.text
        page = requests.get(f"{base}/formgrader/submissions/{submission_id}/", headers=headers, timeout=60)
        assert page.ok, page.status_code
        text = html.unescape(re.sub(r"<[^>]+>", "", page.text))  # highlighting splits code into spans
        assert "return a + b" in text, "the page shows the student's autograded notebook"
        assert "add-tests" in page.text, "with its graded cells"
        anonymous = requests.get(f"{base}/formgrader/", timeout=10, allow_redirects=False)
        assert anonymous.status_code in (302, 403), "without the token formgrader sends you to the login page"
