"""What a student meets first, in a real browser: `make lab`'s JupyterLab driven by headless Chromium.

Debian's Chromium (`apt-get install chromium`, done by .ci/run) is driven by Playwright from
PyPI; no browser is downloaded. Screenshots land in test-artifacts/browser/ (git-ignored) for a
person to look at.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CHROMIUM, CHROMIUM_FLAGS, LABS, REPO, SOLUTIONS, jupyter_lab, notebook_path

pytestmark = pytest.mark.kernel  # starts a Jupyter server and kernels

SCREENSHOTS = REPO / "test-artifacts" / "browser"
RUN_ALL_TIMEOUT_MS = 300_000  # a hang guard, not a speed limit
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: make setup")

if CHROMIUM is None:
    pytest.skip("Chromium is not installed: sudo apt-get install chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Path:
    """The folder the browser's JupyterLab serves: lab 01 as students get it, and a copy of lab 02's solution."""
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(LABS / "01-hello-world", root / "01-hello-world")
    (root / "solution-copy").mkdir()
    shutil.copy(notebook_path(SOLUTIONS, "02-playground"), root / "solution-copy")
    return root


@pytest.fixture(scope="module")
def browser(served):
    """A headless Chromium logged in to a JupyterLab that serves ``served``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with jupyter_lab(served) as (base, headers), playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        login = context.new_page()
        login.goto(f"{base}/lab?token={headers['Authorization'].removeprefix('token ')}")  # sets the cookie
        login.wait_for_selector(".jp-LabShell", timeout=60_000)
        login.close()
        yield context, base
        chromium.close()


@contextlib.contextmanager
def open_notebook(browser, path: str, workspace: str) -> Iterator[tuple[object, object]]:
    """A new tab with only ``path`` open, in a workspace of its own.

    A named workspace with ``?reset`` keeps JupyterLab's window resolver out of the way: a second
    tab on the default workspace may be redirected to a clone of it, with the notebooks an earlier
    tab had open alongside ``path``. The tab is closed afterwards.
    """
    context, base = browser
    page = context.new_page()
    try:
        page.goto(f"{base}/lab/workspaces/{workspace}/tree/{path}?reset")
        notebook = page.locator(".jp-NotebookPanel").first
        notebook.locator(".jp-Cell").first.wait_for(timeout=60_000)
        yield page, notebook
    finally:
        page.close()


def run_all_and_wait(page, notebook) -> None:
    """Run All Cells from the menu, then wait until every code cell of ``notebook`` has run or one failed.

    On a hang, the assertion says which prompts were left and a screenshot shows the page.
    It waits for the kernel first: cells run before JupyterLab is connected to it are lost.
    """
    page.get_by_text(re.compile(r"\| Idle$")).first.wait_for(timeout=120_000)  # the status bar's kernel state
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    state = """panel => {
        const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
        const failed = panel.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
        return {prompts, failed: failed.length, done: prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p))};
    }"""
    panel = notebook.element_handle()
    try:
        page.wait_for_function(
            f"panel => {{ const s = ({state})(panel); return s.done || s.failed > 0; }}",
            arg=panel,
            timeout=RUN_ALL_TIMEOUT_MS,
            polling=1000,
        )
    except playwright_api.TimeoutError:
        page.screenshot(path=SCREENSHOTS / "run-all-hang.png")
        left = page.evaluate(state, panel)["prompts"]
        pytest.fail(f"Run All did not finish in {RUN_ALL_TIMEOUT_MS / 1000:.0f} s; prompts: {left}")


def test_a_student_lab_renders_its_title_badge_and_first_exercise(browser):
    with open_notebook(browser, "01-hello-world/01-hello-world.ipynb", "student-lab") as (page, notebook):
        title = notebook.locator(".jp-MarkdownOutput h1").first
        assert title.text_content().startswith("Lab 01 — Hello, TensorFlow")
        badge = notebook.locator("img[alt='Open In Colab']").first
        assert "colab.research.google.com/github/" in badge.locator("xpath=..").get_attribute("href")
        exercise = notebook.locator(".jp-MarkdownOutput h3", has_text="Exercise 1").first
        exercise.scroll_into_view_if_needed()
        assert "points" in exercise.text_content()
        page.screenshot(path=SCREENSHOTS / "lab-01-student.png")


def test_a_solution_runs_from_the_ui_and_the_playground_answers_a_click(browser):
    with open_notebook(browser, "solution-copy/02-playground.ipynb", "solution-run") as (page, notebook):
        run_all_and_wait(page, notebook)
        errors = notebook.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, f"run from the UI, the solution printed errors: {errors.all_text_contents()[:3]}"
        assert notebook.locator(".jp-CodeCell .jp-InputPrompt").count() > 10

        train = notebook.locator(".widget-button", has_text="Train").first
        widget = train.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][last()]")
        picture = widget.locator(".jp-OutputArea-output img").first
        picture.scroll_into_view_if_needed()
        before = picture.get_attribute("src")
        widget.screenshot(path=SCREENSHOTS / "lab-02-playground-before-train.png")
        train.click()
        for _ in range(120):  # the kernel trains, then the widget redraws its picture
            if picture.get_attribute("src") != before:
                break
            page.wait_for_timeout(500)
        assert picture.get_attribute("src") != before, "a click on Train should redraw the Playground's picture"
        widget.screenshot(path=SCREENSHOTS / "lab-02-playground-after-train.png")
        assert "epoch" in widget.text_content()
