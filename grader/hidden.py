"""Hidden evaluation data: files only the grader's examiner reads, and the score a test reports from them.

An assignment that grades on data students never see keeps it in a ``hidden/`` folder of its
source folder (``solutions/<lab>/hidden/``). nbgrader never releases that folder (the course's
``c.CourseDirectory.ignore`` lists ``hidden``), no kernel gets a copy of it, and the examiner —
the trusted process that runs test cells — reads it through :func:`hidden_file`. A hidden test
that measures the student's model on it calls :func:`report_score`; the grader keeps that score
for the assignment's leaderboard (``python -m grader export``) and the student's feedback::

    ### BEGIN HIDDEN TESTS
    from grader.hidden import hidden_file, report_score
    labels = pd.read_csv(hidden_file("test-labels.csv"))
    report_score(test_mae, metric="test MAE", higher_is_better=False)
    ### END HIDDEN TESTS
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

#: The folder of an assignment's source folder that holds its hidden evaluation data.
HIDDEN_FOLDER = "hidden"
#: Set by the grader in the examiner's environment: the assignment's source folder.
INSTRUCTOR_FILES_ENV = "GRADER_INSTRUCTOR_FILES"


class HiddenDataUnavailable(FileNotFoundError):
    """The hidden file is not here: this is not the grader's examiner (or the file is missing)."""


@dataclass(frozen=True)
class ReportedScore:
    """What a hidden test measured, e.g. ``ReportedScore(3.41, "test MAE (MPa)", False)``."""

    value: float
    metric: str
    higher_is_better: bool


_reported: ReportedScore | None = None


def hidden_file(name: str) -> Path:
    """The path of ``name`` in the assignment's hidden folder.

    In the examiner that is the folder of the source assignment being graded; anywhere else (the
    instructor running the solution notebook in its own folder) it is ``hidden/`` in the working folder.
    """
    base = os.environ.get(INSTRUCTOR_FILES_ENV)
    path = (Path(base) if base else Path.cwd()) / HIDDEN_FOLDER / name
    if not path.is_file():
        raise HiddenDataUnavailable(f"{name} is hidden evaluation data: only the course grader's examiner reads it")
    return path


def report_score(value: float, *, metric: str, higher_is_better: bool) -> None:
    """Keep ``value`` as this notebook's score on the hidden data (a later report replaces it)."""
    global _reported
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{metric} is {value}: a leaderboard score must be a finite number")
    _reported = ReportedScore(value, metric, bool(higher_is_better))
    print(f"{metric}: {value:.4g}")


def take_reported() -> ReportedScore | None:
    """The score reported since the last call (the examiner asks after every test cell)."""
    global _reported
    reported, _reported = _reported, None
    return reported
