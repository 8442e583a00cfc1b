"""Grade submissions (the expensive part): ``python -m grader.worker``.

The worker reads job-file paths from stdin, one per line, and answers each with a line
``done <path>`` on stdout once its result is written (a long-lived process saves the
start-up cost of Python, nbgrader and nbformat on every submission).

A worker never writes to the gradebook. It copies the submission into a private scratch
folder, sanitizes each notebook with nbgrader's own preprocessors against a read-only
snapshot of the gradebook (restoring the instructor's test cells exactly as nbgrader's
``autograde`` does), executes it in the sandbox and leaves the executed notebooks and a
``result.json`` in the job's result folder. Every file appears by atomic rename, the
``result.json`` last, so a killed worker leaves either a complete result or none.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec

from grader.execute import execute_notebook
from grader.sandbox import Limits, SandboxSettings

#: nbgrader's sanitizing steps of ``autograde``, in its order.
SANITIZERS = (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata)


@dataclass
class GradingJob:
    """Everything a worker needs to grade one student's submission of one assignment."""

    assignment: str
    student: str
    notebooks: list[str]               # notebook names the gradebook knows for the assignment
    submission_dir: str
    source_dir: str                    # instructor files copied over the submission (not notebooks)
    ignore: list[str]                  # nbgrader's CourseDirectory.ignore patterns
    db_url: str                        # read-only gradebook snapshot
    course_id: str
    result_dir: str
    scratch_root: str
    fingerprint: str
    sandbox_mode: str = "none"
    readonly_paths: list[str] = field(default_factory=list)
    limits: dict = field(default_factory=dict)

    def save(self, path: Path) -> None:
        write_atomically(path, json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> "GradingJob":
        return cls(**json.loads(Path(path).read_text()))


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


def read_submitted(path: Path) -> tuple[nbformat.NotebookNode | None, str | None]:
    """The notebook as nbformat 4, or None and the reason it cannot be graded."""
    try:
        with open(path, encoding="utf-8") as stream:
            nb = nbformat.read(stream, as_version=4)
        nbformat.validate(nb)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg} at line {error.lineno})"
    except UnicodeDecodeError:
        return None, "not a text file"
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds (unsupported version, schema)
        return None, f"not a readable notebook: {str(error).splitlines()[0][:200]}"
    return nb, None


def sanitize(nb: nbformat.NotebookNode, job: GradingJob, notebook: str) -> nbformat.NotebookNode:
    """Apply nbgrader's autograde sanitizers: test cells come back from the gradebook."""
    resources = {"nbgrader": {"student": job.student, "assignment": job.assignment,
                              "notebook": notebook, "db_url": job.db_url},
                 "unique_key": notebook, "metadata": {"name": notebook}}
    for preprocessor in SANITIZERS:
        options = {"add_missing_cells": True} if preprocessor is OverwriteCells else {}
        nb, resources = preprocessor(**options).preprocess(nb, resources)
    return nb


def prepare_scratch(job: GradingJob) -> Path:
    """A private copy of the submission's folder, with the instructor's non-notebook files."""
    Path(job.scratch_root).mkdir(parents=True, exist_ok=True, mode=0o711)
    scratch = Path(tempfile.mkdtemp(dir=job.scratch_root, prefix="s-"))
    os.chmod(scratch, 0o755)
    workdir = scratch / "work"
    shutil.copytree(job.submission_dir, workdir, ignore=shutil.ignore_patterns("*.ipynb", "timestamp.txt"))
    if os.path.isdir(job.source_dir):
        for filename in nbgrader_utils.find_all_files(job.source_dir, job.ignore + ["*.ipynb"]):
            target = workdir / os.path.relpath(filename, job.source_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(filename, target)
    return scratch


def grade(job: GradingJob) -> dict:
    """Execute every notebook of the submission; write and return the result record."""
    result_dir = Path(job.result_dir)
    result_dir.mkdir(parents=True, exist_ok=True)
    (result_dir / "result.json").unlink(missing_ok=True)
    sandbox = SandboxSettings(job.sandbox_mode, job.readonly_paths, Limits(**job.limits))
    record: dict = {"student": job.student, "fingerprint": job.fingerprint, "notebooks": {}}
    scratch = prepare_scratch(job)
    try:
        for notebook in job.notebooks:
            path = Path(job.submission_dir) / f"{notebook}.ipynb"
            if not path.exists():
                record["notebooks"][notebook] = {"status": "missing", "reason": "not submitted"}
                continue
            nb, reason = read_submitted(path)
            if nb is not None:
                try:
                    nb = sanitize(nb, job, notebook)
                except Exception as error:  # noqa: BLE001 - nbgrader rejects malformed metadata
                    nb, reason = None, f"nbgrader could not restore its cells: {str(error)[:300]}"
            if nb is None:
                record["notebooks"][notebook] = {"status": "unreadable", "reason": reason}
                continue
            report = execute_notebook(nb, scratch / "work", sandbox)
            write_atomically(result_dir / f"{notebook}.ipynb", nbformat.writes(nb))
            record["notebooks"][notebook] = {
                "status": "executed", "reason": "; ".join(report.notes) or None,
                "seconds": round(report.seconds, 2), "kernel_start_seconds": round(report.kernel_start_seconds, 2),
                "verdicts": report.verdicts}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    write_atomically(result_dir / "result.json", json.dumps(record, indent=1))
    return record


def _die_with_parent() -> None:
    """Linux: stop this worker (and, through bwrap, its kernel) if the grader is killed."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    expected_parent = int(os.environ.get("GRADER_PARENT_PID", "0"))
    _die_with_parent()
    if expected_parent and os.getppid() != expected_parent:
        return 3  # the grader died before we armed the signal
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # kernels and libraries that print must not garble the answers
    for line in sys.stdin:
        job_file = line.strip()
        if not job_file:
            continue
        started = time.monotonic()
        grade(GradingJob.load(Path(job_file)))
        print(f"graded {job_file} in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
        answers.write(f"done {job_file}\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
