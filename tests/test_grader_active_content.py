"""Student HTML and JavaScript never become live content on the instructor's pages.

nbgrader's formgrader shows the autograded notebook on the instructor's own Jupyter origin, and
the feedback is HTML too; a script there would run as the instructor.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell

from grader.autograde import autograde
from grader.feedback import generate_feedback
from grader_fixtures import quiz
from grader_fixtures.course import make_course

pytestmark = pytest.mark.kernel  # starts kernels or a Jupyter server

ACTIVE_OUTPUTS = (
    "from IPython.display import HTML, Javascript, SVG, display\n"
    "display(HTML('<b>bold</b><img src=x onerror=\"alert(1)\"><script>alert(2)</script>'))\n"
    "display(Javascript('alert(3)'))\n"
    "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(4)</script></svg>'))"
)
ACTIVE_MARKDOWN = 'My answer <img src=x onerror="alert(5)"> and <script>alert(6)</script>'
LIVE = re.compile(r"<script>alert|<[^<>]*\bonerror\s*=|application/javascript|image/svg\+xml")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    config, released = make_course(root)
    submission = quiz.answered(released, {**quiz.HONEST, "add": quiz.HONEST["add"] + "\n\n" + ACTIVE_OUTPUTS})
    submission.cells.insert(1, new_markdown_cell(ACTIVE_MARKDOWN))
    quiz.write_submission(root, "mallory", submission)
    report = autograde(config, quiz.ASSIGNMENT, jobs=1, sandbox="none", progress=False)
    feedback = generate_feedback(config, quiz.ASSIGNMENT)["mallory"][0]
    autograded = root / "autograded" / "mallory" / quiz.ASSIGNMENT / f"{quiz.ASSIGNMENT}.ipynb"
    return report, nbformat.read(autograded, as_version=4), feedback.read_text()


def test_the_submission_is_graded_as_usual(graded):
    report, _, _ = graded
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.score) == ("graded", sum(quiz.POINTS.values()))


def test_the_autograded_notebook_keeps_no_live_content(graded):
    _, notebook, _ = graded
    rendered = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    rendered += [json.dumps(output) for cell in notebook.cells for output in cell.get("outputs", [])]
    text = "\n".join(rendered).replace("\\", "")  # code cells' source is shown as text, never rendered
    assert "<b>bold</b>" in text and "My answer" in text, "harmless markup stays"
    assert not LIVE.search(text), LIVE.search(text)


def test_the_feedback_keeps_no_live_content(graded):
    _, _, page = graded
    assert "My answer" in page
    assert not LIVE.search(page), LIVE.search(page)
