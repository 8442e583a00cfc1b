"""What a student meets first, in a real browser: `make lab`'s JupyterLab driven by headless Chromium.

Debian's Chromium (`apt-get install chromium`, done by .ci/run) is driven by Playwright from
PyPI; no browser is downloaded. Screenshots land in test-artifacts/browser/ (git-ignored) for a
person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import LABS, REPO, SOLUTIONS, jupyter_lab, notebook_path

pytestmark = pytest.mark.kernel  # starts a Jupyter server and kernels

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = REPO / "test-artifacts" / "browser"
#: Flags for a headless Chromium on a machine without a display or an open network.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
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


def open_notebook(browser, path: str):
    """A new tab with only ``path`` open (``?reset`` forgets the tabs an earlier page left open)."""
    context, base = browser
    page = context.new_page()
    page.goto(f"{base}/lab/tree/{path}?reset")
    notebook = page.locator(".jp-NotebookPanel")
    notebook.locator(".jp-Cell").first.wait_for(timeout=60_000)
    return page, notebook


def test_a_student_lab_renders_its_title_badge_and_first_exercise(browser):
    page, notebook = open_notebook(browser, "01-hello-world/01-hello-world.ipynb")
    title = notebook.locator(".jp-MarkdownOutput h1").first
    assert title.text_content().startswith("Lab 01 — Hello, TensorFlow")
    badge = notebook.locator("img[alt='Open In Colab']").first
    assert "colab.research.google.com/github/" in badge.locator("xpath=..").get_attribute("href")
    exercise = notebook.locator(".jp-MarkdownOutput h3", has_text="Exercise 1").first
    exercise.scroll_into_view_if_needed()
    assert "points" in exercise.text_content()
    page.screenshot(path=SCREENSHOTS / "lab-01-student.png")


def test_a_solution_runs_from_the_ui_and_the_playground_answers_a_click(browser):
    page, notebook = open_notebook(browser, "solution-copy/02-playground.ipynb")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    prompts = notebook.locator(".jp-CodeCell .jp-InputPrompt")
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=RUN_ALL_TIMEOUT_MS,
        polling=1000,
    )
    errors = notebook.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, f"run from the UI, the solution printed errors: {errors.all_text_contents()[:3]}"
    assert prompts.count() > 10

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
