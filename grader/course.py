"""Locate an nbgrader course and load its configuration."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

#: This repository's own nbgrader configuration.
COURSE_CONFIG = Path(__file__).resolve().parent / "nbgrader_config.py"


def put_environment_tools_on_path() -> None:
    """nbgrader runs helper programs (``alembic``) by name: find them beside this Python."""
    tools = str(Path(sys.executable).parent)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")


def default_config_file() -> Path:
    """nbgrader's convention: the ``nbgrader_config.py`` of the folder you run in; else this course's."""
    here = Path.cwd() / "nbgrader_config.py"
    return here if here.is_file() else COURSE_CONFIG


def load_course_config(config_file: Path | None = None) -> Config:
    """Load a course's ``nbgrader_config.py``.

    Without an argument: the current folder's, as nbgrader does, else this repository's. A
    course whose configuration file does not exist gets nbgrader's defaults, rooted at the
    current directory.
    """
    put_environment_tools_on_path()
    path = Path(config_file) if config_file else default_config_file()
    if not path.is_file():
        config = Config()
        config.CourseDirectory.root = os.getcwd()
        return config
    loader = PyFileConfigLoader(path.name, path=str(path.parent))
    return loader.load_config()


def course_root(config: Config) -> Path:
    """The course's root folder, as nbgrader sees it."""
    return Path(config.CourseDirectory.get("root", os.getcwd()))
