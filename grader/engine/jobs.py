"""What travels between the grader and its workers: a job in, a result record out.

Both are plain JSON files. The worker writes the :class:`SubmissionResult`, and the
recorder (the single gradebook writer) reads the same type back.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

from grader.hidden import ReportedScore


@dataclass
class GradingJob:
    """Everything a worker needs to grade one student's submission of one assignment."""

    assignment: str
    student: str
    notebooks: list[str]  # notebook names the gradebook knows for the assignment
    submission_dir: str
    source_dir: str  # instructor files copied over the submission (not notebooks)
    ignore: list[str]  # nbgrader's CourseDirectory.ignore patterns
    db_url: str  # read-only gradebook snapshot
    course_id: str
    executed_dir: str  # where the executed notebooks go, laid out as nbgrader's submitted folder
    result_file: str  # the SubmissionResult
    scratch_root: str
    fingerprint: str
    sandbox_mode: str = "none"
    readonly_paths: list[str] = field(default_factory=list)
    limits: dict[str, int] = field(default_factory=dict)  # GraderLimits.as_dict()
    sanitizer_config: dict[str, dict] = field(default_factory=dict)  # the course's c.<Sanitizer>.<setting>s
    preload: list[str] = field(default_factory=list)  # modules a kernel imports while it waits (warmup)
    examiner_preload: list[str] = field(default_factory=list)  # and its examiner

    def save(self, path: Path) -> None:
        write_atomically(path, json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> GradingJob:
        return cls(**json.loads(Path(path).read_text()))


class NotebookStatus(str, Enum):
    """What became of one notebook of a submission in the worker."""

    EXECUTED = "executed"  # ran; its executed copy is in the job's executed folder
    MISSING = "missing"  # not in the submission
    UNREADABLE = "unreadable"  # not a notebook nbgrader could restore
    NOT_RUN = "not run"  # could not be run on this machine (its kernel is not installed)


@dataclass
class NotebookResult:
    status: NotebookStatus
    reason: str | None = None  # why it could not run, or why it stopped early
    seconds: float | None = None  # execution time (executed notebooks): export's unusual grading times
    reported: ReportedScore | None = None  # what a hidden test measured (grader.hidden.report_score)


@dataclass
class SubmissionResult:
    """A worker's result for one job, written last, when its executed notebooks are in place."""

    fingerprint: str  # of the submission it graded: a newer submission makes it stale
    notebooks: dict[str, NotebookResult] = field(default_factory=dict)

    @property
    def executed(self) -> list[str]:
        return [name for name, result in self.notebooks.items() if result.status is NotebookStatus.EXECUTED]

    @property
    def reported(self) -> dict[str, ReportedScore]:
        """notebook -> its score on hidden data, for the notebooks a test measured."""
        return {name: result.reported for name, result in self.notebooks.items() if result.reported is not None}

    @property
    def notes(self) -> list[str]:
        return [f"{name}: {result.reason}" for name, result in self.notebooks.items() if result.reason]

    def save(self, path: Path) -> None:
        write_atomically(path, json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> SubmissionResult | None:
        """The result in ``path``, or None if there is none (or it is not one)."""
        try:
            data = json.loads(path.read_text())
            notebooks = {
                name: NotebookResult(
                    **{
                        **entry,
                        "status": NotebookStatus(entry["status"]),
                        "reported": ReportedScore(**entry["reported"]) if entry.get("reported") else None,
                    }
                )
                for name, entry in data.pop("notebooks").items()
            }
            return cls(**data, notebooks=notebooks)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
