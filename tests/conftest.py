"""Shared fixtures of the test suite, and the notebook timing table printed at the end."""
from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # tests never open windows

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
LABS = REPO / "labs"
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith("."))
KERNEL = "dl-course"

#: Wall time of each executed solution notebook, filled by tests/test_notebooks.py.
NOTEBOOK_SECONDS: dict[str, float] = {}


def notebook_path(folder: Path, assignment: str) -> Path:
    """The one notebook of an assignment folder."""
    notebooks = sorted((folder / assignment).glob("*.ipynb"))
    assert len(notebooks) == 1, f"{folder.name}/{assignment} should hold exactly one notebook, found {notebooks}"
    return notebooks[0]


def scratch_course(course: Path, assignments: list[str] | None = None):
    """A scratch copy of the course in ``course`` with the given solutions (default: all) released.

    Returns its nbgrader configuration: this repository's, rooted at the copy, with its own gradebook.
    """
    from grader.course import load_course_config
    from grader.release import release

    for assignment in assignments or ASSIGNMENTS:
        shutil.copytree(SOLUTIONS / assignment, course / "solutions" / assignment)
    config = load_course_config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = f"sqlite:///{course / 'grading' / 'gradebook.db'}"
    release(config, assignments)
    return config


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not NOTEBOOK_SECONDS:
        return
    terminalreporter.section("solution notebooks: wall time in this run (make bench measures the budget)")
    for name, seconds in sorted(NOTEBOOK_SECONDS.items()):
        terminalreporter.write_line(f"{name:32} {seconds:6.1f} s")
    terminalreporter.write_line(f"{'total':32} {sum(NOTEBOOK_SECONDS.values()):6.1f} s")
