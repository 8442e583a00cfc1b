"""Generate student labs from the instructor solutions (nbgrader's ``generate_assignment``)."""

from __future__ import annotations

from pathlib import Path

from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

from grader.course import course_root
from grader.errors import GraderError


def source_folder(config: Config) -> Path:
    return course_root(config) / config.CourseDirectory.get("source_directory", "source")


def list_assignments(config: Config) -> list[str]:
    """Every assignment in the course's source folder, in order."""
    source = source_folder(config)
    if not source.is_dir():
        raise GraderError(f"the course has no source folder {source}: is this the right course (--config)?")
    return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))


def release(config: Config, assignments: list[str] | None = None) -> list[str]:
    """Regenerate the student version of each assignment and return the released names.

    The gradebook's folder is created first, because nbgrader records every released
    assignment (and its hidden tests) there for autograding.
    """
    db_url: str = config.CourseDirectory.get("db_url", "")
    if db_url.startswith("sqlite:///"):
        Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    known = list_assignments(config)
    unknown = [a for a in assignments or [] if a not in known]
    if unknown:
        raise GraderError(
            f"no assignment {', '.join(unknown)} in {source_folder(config)}; there are: {', '.join(known) or 'none'}"
        )
    api = NbGraderAPI(config=config)
    released = []
    for assignment in assignments or known:
        outcome = api.generate_assignment(assignment, force=True, create=True)
        if not outcome["success"]:
            raise GraderError(f"could not release {assignment}: {last_error_line(outcome)}")
        released.append(assignment)
    return released


def last_error_line(outcome: dict) -> str:
    """The line of an nbgrader failure that says what went wrong (its log ends with the exception)."""
    lines = [line.strip() for line in (outcome.get("error") or outcome.get("log") or "").splitlines() if line.strip()]
    return lines[-1] if lines else "nbgrader gave no reason"
