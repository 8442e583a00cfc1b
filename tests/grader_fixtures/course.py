"""Build a scratch copy of the quiz course: source notebook, config, released lab."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from grader.course import load_course_config
from grader.release import release
from grader_fixtures import quiz

HERE = Path(__file__).resolve().parent


def make_course(root: Path):
    """Create the course in ``root``, release the quiz; return (config, released notebook)."""
    (root / "source" / quiz.ASSIGNMENT).mkdir(parents=True)
    shutil.copy(HERE / "nbgrader_config.py", root / "nbgrader_config.py")
    nbformat.write(quiz.source_notebook(), root / "source" / quiz.ASSIGNMENT / f"{quiz.ASSIGNMENT}.ipynb")
    config = load_course_config(root / "nbgrader_config.py")
    release(config, [quiz.ASSIGNMENT])
    released = nbformat.read(root / "release" / quiz.ASSIGNMENT / f"{quiz.ASSIGNMENT}.ipynb", as_version=4)
    return config, released
