"""Autograde an assignment: parallel workers, a single gradebook writer, resumable.

State lives in a ``.grader`` folder beside the gradebook::

    .grader/<assignment>/jobs/<student>.json       the job a worker runs (and its .log)
    .grader/<assignment>/executed/<student>/<assignment>/   executed notebooks (worker), read by nbgrader
    .grader/<assignment>/results/<student>.json    what the worker did, written after the notebooks
    .grader/<assignment>/graded/<student>.json     written after the gradebook commit (fingerprint, notes,
                                                   scores on hidden data: the leaderboard's source)

A submission is skipped when its ``graded`` record has the fingerprint (hash of the
submitted files) it has now; a complete result with that fingerprint is recorded
without executing again. Every file appears by atomic rename, and the gradebook is
sqlite written by one process, so killing the run at any moment loses at most the
notebooks being executed, and re-recording a submission replaces its grades (nbgrader's
``update_or_create``) rather than duplicating them.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from tqdm import tqdm
from traitlets import TraitError
from traitlets.config import Config

from grader.course import course_root
from grader.engine.jobs import GradingJob, SubmissionResult, write_atomically
from grader.engine.pool import Executor, LocalProcessPool
from grader.engine.recorder import GradebookWriter
from grader.engine.sandbox import (
    default_readonly_paths,
    python_of_kernel,
    refuse_exposure,
    resolve_kernel_name,
    resolve_mode,
    thread_budget,
)
from grader.engine.settings import GraderExecutor, GraderKernels, GraderLimits, GraderSandbox
from grader.engine.warmup import modules_imported
from grader.engine.worker import SANITIZERS
from grader.errors import GraderError

#: Scratch copies live in a short path: Unix socket paths (the kernel's IPC) are limited to 107 bytes.
SCRATCH_ROOT = str(Path(tempfile.gettempdir()) / "grader")


class OutcomeStatus(str, Enum):
    GRADED = "graded"  # executed (or its result recorded) and written into the gradebook now
    SKIPPED = "skipped"  # graded before, and the submission has not changed since
    FAILED = "failed"  # could not be graded; ``reason`` says why


@dataclass
class SubmissionOutcome:
    """What became of one student's submission."""

    student: str
    status: OutcomeStatus
    score: float | None = None
    max_score: float | None = None
    reason: str | None = None


@dataclass
class AutogradeReport:
    assignment: str
    sandbox: str
    warning: str | None = None
    seconds: float = 0.0
    outcomes: list[SubmissionOutcome] = field(default_factory=list)


def _instructors_paths(coursedir: CourseDirectory, config: Config) -> tuple[dict[str, str], dict[str, str]]:
    """What no sandbox may show: folders no mount may touch, and paths no mount may contain."""
    root = course_root(config)
    hidden = {
        f"the course's {name} folder": str(root / getattr(coursedir, f"{name}_directory"))
        for name in ("source", "release", "submitted", "autograded", "feedback")
    }
    hidden |= {"the grader's records": str(state_dir(config)), "other kernels' folders": SCRATCH_ROOT}
    covered = {"the course root": str(root)}
    if coursedir.db_url.startswith("sqlite:///"):
        covered["the gradebook"] = coursedir.db_url.removeprefix("sqlite:///")
    return hidden, covered


def state_dir(config: Config) -> Path:
    """The grader's bookkeeping folder: beside the sqlite gradebook, else in the course root."""
    db_url: str = CourseDirectory(config=config).db_url
    if db_url.startswith("sqlite:///"):
        return Path(db_url.removeprefix("sqlite:///")).parent / ".grader"
    return course_root(config) / ".grader"


def fingerprint(folder: Path) -> str:
    """Hash of every file of a submission (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def limits_from_config(config: Config, timeout: float | None) -> GraderLimits:
    """The course's ``c.GraderLimits`` over the defaults, and ``--timeout`` over both."""
    known = GraderLimits.class_trait_names(config=True)
    unknown = sorted(set(config.get("GraderLimits", {})) - set(known))
    if unknown:
        raise GraderError(f"c.GraderLimits.{unknown[0]} is not a limit; choose from {', '.join(sorted(known))}")
    try:
        limits = GraderLimits(config=config)
    except TraitError as error:
        raise GraderError(f"c.GraderLimits: {error}") from None
    if timeout:
        limits.notebook_seconds = int(timeout)
        limits.cell_seconds = min(limits.cell_seconds, int(timeout))
    return limits


def sanitizer_settings(config: Config) -> dict[str, dict]:
    """The course's settings of nbgrader's autograde sanitizers, as plain data for the workers."""
    settings = {sanitizer.__name__: dict(config.get(sanitizer.__name__, {})) for sanitizer in SANITIZERS}
    settings = {name: values for name, values in settings.items() if values}
    try:
        json.dumps(settings)
    except TypeError as error:
        raise GraderError(f"a sanitizer setting of the course is not plain data: {error}") from None
    return settings


#: nbgrader's tables of students and their work, emptied in the workers' copy of the gradebook.
STUDENT_TABLES = ("comment", "grade", "submitted_notebook", "submitted_assignment", "student")


def snapshot_gradebook(db_url: str, target: Path) -> str:
    """A consistent read-only copy of a sqlite gradebook for the workers, without any student's
    record: the sanitizers read only the assignment's cells, and the copy may travel to other machines."""
    if not db_url.startswith("sqlite:///"):
        return db_url
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    source = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    copy = sqlite3.connect(temporary)
    with copy:
        source.backup(copy)
        for table in STUDENT_TABLES:
            copy.execute(f"DELETE FROM {table}")
    copy.execute("VACUUM")
    source.close()
    copy.close()
    os.replace(temporary, target)
    return f"sqlite:///{target}"


def submission_score(db_url: str, assignment: str, student: str) -> tuple[float, float]:
    with Gradebook(db_url) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return submission.score, submission.max_score


def require_gradebook(db_url: str, assignment: str) -> None:
    """Refuse, in one line, to grade before anything was released (nbgrader creates the gradebook then)."""
    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).is_file():
        raise GraderError(
            f"there is no gradebook yet ({db_url.removeprefix('sqlite:///')}): "
            f"release the assignment first, e.g. python -m grader release {assignment}"
        )


def assignment_imports(coursedir: CourseDirectory, assignment: str) -> tuple[list[str], list[str]]:
    """The modules the instructor's notebooks of ``assignment`` import (its source, else its
    release): in student cells (for kernels), and in every cell (for examiners)."""
    for folder in (coursedir.source_directory, coursedir.release_directory):
        paths = sorted(Path(coursedir.format_path(folder, ".", assignment)).glob("*.ipynb"))
        if paths:
            notebooks = []
            for path in paths:
                try:
                    notebooks.append(nbformat.read(path, as_version=4))
                except Exception:  # noqa: BLE001 - an unreadable notebook: release reports it; nothing to preload
                    continue
            return modules_imported(notebooks), modules_imported(notebooks, tests=True)
    return [], []


def make_executor(settings: GraderExecutor, jobs: int, job_timeout: float) -> Executor:
    """The executor the course's ``c.GraderExecutor`` settings name."""
    if settings.kind == "dask":
        from grader.engine.dask_pool import DaskExecutor  # distributed is imported only when asked for

        return DaskExecutor(settings.scheduler, jobs, job_timeout)
    return LocalProcessPool(jobs, job_timeout)


def autograde(
    config: Config,
    assignment: str,
    students: list[str] | None = None,
    jobs: int | None = None,
    timeout: float | None = None,
    sandbox: str | None = None,
    force: bool = False,
    executor: Executor | None = None,
    progress: bool = True,
) -> AutogradeReport:
    """Grade every (or the given) submission of ``assignment``; see the module docstring.

    ``sandbox`` (a mode of ``GraderSandbox.mode``) overrides the course's configuration.
    """
    started = time.monotonic()
    coursedir = CourseDirectory(config=config)
    sandbox_settings = GraderSandbox(config=config)
    mode, warning = resolve_mode(sandbox or sandbox_settings.mode)
    report = AutogradeReport(assignment, mode, warning)
    require_gradebook(coursedir.db_url, assignment)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        try:
            notebooks = [nb.name for nb in gradebook.find_assignment(assignment).notebooks]
        except MissingEntry:
            raise GraderError(f"{assignment} is not in the gradebook: release it first") from None
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, "*", assignment)).parent.parent
    available = sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) if submitted.is_dir() else []
    if students:
        missing = sorted(set(students) - set(available))
        report.outcomes += [SubmissionOutcome(s, OutcomeStatus.FAILED, reason="no submission") for s in missing]
        available = [s for s in available if s in students]

    state = state_dir(config) / assignment
    jobs = jobs or os.cpu_count() or 1
    limits = limits_from_config(config, timeout)
    limits.threads = limits.threads or thread_budget(jobs)
    readonly: list[str] = []
    if mode == "bwrap":
        kernel_names = {_kernel_name(coursedir, assignment, n) for n in notebooks}
        extra = [str(course_root(config) / p) for p in sandbox_settings.readonly_paths]
        pythons = {python_of_kernel(name) for name in kernel_names} - {None}  # a missing kernel fails its notebooks
        readonly = sorted({path for python in pythons for path in default_readonly_paths(python, extra)})
        refuse_exposure(readonly, *_instructors_paths(coursedir, config))
    snapshot_url = snapshot_gradebook(coursedir.db_url, state / "gradebook-snapshot.db")
    sanitizer_config = sanitizer_settings(config)
    kernel_imports, examiner_imports = assignment_imports(coursedir, assignment)
    configured = GraderKernels(config=config).preload
    preload = kernel_imports if configured is None else list(configured)

    to_execute: list[Path] = []
    to_record: list[str] = []
    fingerprints: dict[str, str] = {}
    for student in available:
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        fingerprints[student] = fingerprint(folder)
        graded = read_graded_record(state, student)
        if not force and graded.get("fingerprint") == fingerprints[student]:
            score, max_score = submission_score(coursedir.db_url, assignment, student)
            reason = "; ".join(["already graded", *graded.get("notes", [])])
            report.outcomes.append(SubmissionOutcome(student, OutcomeStatus.SKIPPED, score, max_score, reason))
            continue
        result = SubmissionResult.load(state / "results" / f"{student}.json")
        if not force and result is not None and result.fingerprint == fingerprints[student]:
            to_record.append(student)
            continue
        job = GradingJob(
            assignment=assignment,
            student=student,
            notebooks=notebooks,
            submission_dir=str(folder),
            source_dir=coursedir.format_path(coursedir.source_directory, ".", assignment),
            ignore=list(coursedir.ignore),
            db_url=snapshot_url,
            course_id=coursedir.course_id,
            executed_dir=coursedir.format_path(str(state / "executed"), student, assignment),
            result_file=str(state / "results" / f"{student}.json"),
            scratch_root=SCRATCH_ROOT,
            fingerprint=fingerprints[student],
            sandbox_mode=mode,
            readonly_paths=readonly,
            limits=limits.as_dict(),
            sanitizer_config=sanitizer_config,
            preload=preload,
            examiner_preload=examiner_imports,
        )
        job_file = state / "jobs" / f"{student}.json"
        job.save(job_file)
        to_execute.append(job_file)

    writer = GradebookWriter(config, state / "executed")
    job_timeout = limits.notebook_seconds * max(1, len(notebooks)) + 120
    executor = executor or make_executor(GraderExecutor(config=config), jobs, job_timeout)
    bar = tqdm(
        total=len(to_record) + len(to_execute),
        desc=f"autograde {assignment}",
        unit="submission",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    failures = 0

    def finish(student: str, crash: str | None = None) -> None:
        nonlocal failures
        outcome = _record(writer, coursedir, assignment, student, state, fingerprints[student], crash)
        report.outcomes.append(outcome)
        failures += outcome.status is OutcomeStatus.FAILED
        bar.set_postfix(failed=failures)
        bar.update()

    for student in to_record:
        finish(student)
    for result in executor.run(to_execute):
        finish(result.job_file.stem, None if result.ok else result.reason)
    bar.close()
    report.seconds = time.monotonic() - started
    report.outcomes.sort(key=lambda o: o.student)
    return report


def _record(
    writer: GradebookWriter,
    coursedir: CourseDirectory,
    assignment: str,
    student: str,
    state: Path,
    expected_fingerprint: str,
    crash: str | None,
) -> SubmissionOutcome:
    """Write one executed submission into the gradebook, or record why it could not be."""
    result = SubmissionResult.load(state / "results" / f"{student}.json")
    if crash or result is None or result.fingerprint != expected_fingerprint:
        return SubmissionOutcome(student, OutcomeStatus.FAILED, reason=crash or "the worker left no result")
    submission_dir = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
    error = writer.record(assignment, student, submission_dir, result.executed)
    if error:
        return SubmissionOutcome(student, OutcomeStatus.FAILED, reason=error)
    graded = {
        "fingerprint": expected_fingerprint,
        "notes": result.notes,
        "reported": {notebook: asdict(score) for notebook, score in result.reported.items()},
    }
    write_atomically(state / "graded" / f"{student}.json", json.dumps(graded, indent=1))
    score, max_score = submission_score(coursedir.db_url, assignment, student)
    return SubmissionOutcome(student, OutcomeStatus.GRADED, score, max_score, "; ".join(result.notes) or None)


def _kernel_name(coursedir: CourseDirectory, assignment: str, notebook: str) -> str:
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        spec = gradebook.find_notebook(notebook, assignment).kernelspec
    return resolve_kernel_name(json.loads(spec).get("name", "python3") if spec else "python3")


def read_graded_record(state: Path, student: str) -> dict:
    """A student's ``graded`` record in an assignment's state folder (empty when there is none or it
    cannot be read): the fingerprint graded, its notes and its scores on hidden data."""
    try:
        return json.loads((state / "graded" / f"{student}.json").read_text())
    except (OSError, ValueError):
        return {}
