"""Student HTML and JavaScript never become live content on the instructor's pages.

nbgrader's formgrader shows the autograded notebook on the instructor's own Jupyter origin, and
the feedback is HTML too; a script there would run as the instructor.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook

from conftest import CHROMIUM, CHROMIUM_FLAGS, jupyter_lab
from grader.autograde import AutogradeReport, autograde
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


@dataclass
class Graded:
    root: Path
    report: AutogradeReport
    autograded: nbformat.NotebookNode
    feedback: str
    submission_id: str


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    root = tmp_path_factory.mktemp("course")
    config, released = make_course(root)
    submission = quiz.answered(released, {**quiz.HONEST, "add": quiz.HONEST["add"] + "\n\n" + ACTIVE_OUTPUTS})
    submission.cells.insert(1, new_markdown_cell(ACTIVE_MARKDOWN))
    quiz.write_submission(root, "mallory", submission)
    report = autograde(config, quiz.ASSIGNMENT, jobs=1, sandbox="none", progress=False)
    feedback = generate_feedback(config, quiz.ASSIGNMENT)["mallory"][0]
    autograded = root / "autograded" / "mallory" / quiz.ASSIGNMENT / f"{quiz.ASSIGNMENT}.ipynb"
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        submission_id = gradebook.find_submission_notebook(quiz.ASSIGNMENT, quiz.ASSIGNMENT, "mallory").id
    return Graded(root, report, nbformat.read(autograded, as_version=4), feedback.read_text(), submission_id)


def test_the_submission_is_graded_as_usual(graded):
    (outcome,) = graded.report.outcomes
    assert (outcome.status, outcome.score) == ("graded", sum(quiz.POINTS.values()))


def test_the_autograded_notebook_keeps_no_live_content(graded):
    notebook = graded.autograded
    rendered = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    rendered += [json.dumps(output) for cell in notebook.cells for output in cell.get("outputs", [])]
    text = "\n".join(rendered).replace("\\", "")  # code cells' source is shown as text, never rendered
    assert "<b>bold</b>" in text and "My answer" in text, "harmless markup stays"
    assert not LIVE.search(text), LIVE.search(text)


def test_the_feedback_keeps_no_live_content(graded):
    assert "My answer" in graded.feedback
    assert not LIVE.search(graded.feedback), LIVE.search(graded.feedback)


@pytest.mark.skipif(CHROMIUM is None or find_spec("playwright") is None, reason="needs Playwright and Chromium")
def test_formgrader_in_a_real_browser_shows_the_submission_and_runs_none_of_it(graded):
    from playwright.sync_api import sync_playwright

    variables = {"FORMGRADER_CONFIG": str(graded.root), "COURSE_ROOT": str(graded.root)}
    with jupyter_lab(target="formgrader", make_variables=variables) as (base, headers), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = chromium.new_page()
            alerts: list[str] = []
            page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
            token = headers["Authorization"].removeprefix("token ")
            page.goto(f"{base}/formgrader/submissions/{graded.submission_id}/?token={token}")
            page.wait_for_selector("text=My answer", timeout=60_000)
            page.wait_for_load_state("load")
            page.wait_for_timeout(2_000)  # time for an onerror handler of a broken image to fire
            assert "bold" in page.inner_text("body"), "the page shows the student's output"
        finally:
            chromium.close()
    assert alerts == [], f"student code ran on the instructor's page: alert({', '.join(alerts)})"
