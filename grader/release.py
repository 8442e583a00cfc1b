"""Generate student labs from the instructor solutions (nbgrader's ``generate_assignment``)."""
from __future__ import annotations

from pathlib import Path

from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

from grader.course import course_root


def list_assignments(config: Config) -> list[str]:
    """Every assignment in the course's source folder, in order."""
    source = course_root(config) / config.CourseDirectory.get("source_directory", "source")
    return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))


def release(config: Config, assignments: list[str] | None = None) -> list[str]:
    """Regenerate the student version of each assignment and return the released names.

    The gradebook's folder is created first, because nbgrader records every released
    assignment (and its hidden tests) there for autograding.
    """
    db_url: str = config.CourseDirectory.get("db_url", "")
    if db_url.startswith("sqlite:///"):
        Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    api = NbGraderAPI(config=config)
    released = []
    for assignment in assignments or list_assignments(config):
        outcome = api.generate_assignment(assignment, force=True, create=True)
        if not outcome["success"]:
            raise RuntimeError(f"Could not release {assignment}:\n{outcome['log']}\n{outcome.get('error', '')}")
        released.append(assignment)
    return released
