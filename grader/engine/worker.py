"""Grade submissions (the expensive part): ``python -m grader.engine.worker``.

The worker reads job-file paths from stdin, one per line, and answers each with a line
``done <path>`` on stdout once its result is written (a long-lived process saves the
start-up cost of Python, nbgrader and nbformat on every submission).

A worker never writes to the gradebook. It copies the submission into a private scratch
folder, sanitizes each notebook with nbgrader's own preprocessors against a read-only
snapshot of the gradebook (restoring the instructor's test cells exactly as nbgrader's
``autograde`` does), executes it in the sandbox and leaves the executed notebooks (with the
submission's ``timestamp.txt``) where the recorder's nbgrader reads them, then the job's
:class:`SubmissionResult`. Every file appears by atomic rename, the result last, so a killed
worker leaves either a complete result or none.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import nbformat
from jupyter_client.kernelspec import NoSuchKernel
from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec
from traitlets.config import Config

from grader.engine.cells import run_notebook
from grader.engine.jobs import GradingJob, NotebookResult, NotebookStatus, SubmissionResult, write_atomically
from grader.engine.sandbox import SandboxSettings
from grader.engine.session import KernelSession, kernel_name_of
from grader.engine.settings import GraderLimits

#: nbgrader's sanitizing steps of ``autograde``, in its order (a course may configure each).
SANITIZERS = (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata)


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
    """Apply nbgrader's autograde sanitizers, configured as the course configures them: test cells
    come back from the gradebook (and deleted ones too, with ``c.OverwriteCells.add_missing_cells``)."""
    resources = {
        "nbgrader": {"student": job.student, "assignment": job.assignment, "notebook": notebook, "db_url": job.db_url},
        "unique_key": notebook,
        "metadata": {"name": notebook},
    }
    config = Config(job.sanitizer_config)
    for preprocessor in SANITIZERS:
        nb, resources = preprocessor(config=config).preprocess(nb, resources)
    return nb


def new_scratch(scratch_root: str) -> Path:
    """An empty private folder; its ``work`` subfolder is what a kernel sees and may write."""
    Path(scratch_root).mkdir(parents=True, exist_ok=True, mode=0o711)
    scratch = Path(tempfile.mkdtemp(dir=scratch_root, prefix="s-"))
    os.chmod(scratch, 0o755)
    (scratch / "work").mkdir()
    return scratch


def copy_submission(job: GradingJob, workdir: Path) -> None:
    """The submission's files (not its notebooks) and the instructor's non-notebook files."""
    shutil.copytree(
        job.submission_dir, workdir, ignore=shutil.ignore_patterns("*.ipynb", "timestamp.txt"), dirs_exist_ok=True
    )
    if os.path.isdir(job.source_dir):
        for filename in nbgrader_utils.find_all_files(job.source_dir, job.ignore + ["*.ipynb"]):
            target = workdir / os.path.relpath(filename, job.source_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(filename, target)


@dataclass
class SpareKernel:
    """A kernel started ahead, in a scratch folder of its own, for the next job's first notebook."""

    scratch: Path
    task: asyncio.Task

    @classmethod
    def start(cls, kernel_name: str, sandbox: SandboxSettings, scratch_root: str) -> SpareKernel:
        scratch = new_scratch(scratch_root)
        started = KernelSession.start(kernel_name, scratch / "work", sandbox)
        return cls(scratch, asyncio.create_task(started))

    async def take(self, kernel_name: str, sandbox: SandboxSettings) -> KernelSession | None:
        """The started kernel if it suits, else None (and it is discarded)."""
        try:
            session = await self.task
        except Exception:  # noqa: BLE001 - a kernel that failed to start: start one the usual way
            session = None
        if session is not None and session.suits(kernel_name, sandbox):
            return session
        await self.discard(session)
        return None

    async def discard(self, session: KernelSession | None = None) -> None:
        """Stop the kernel (once it has started) and remove its scratch folder."""
        if session is None:
            try:
                session = await self.task
            except Exception:  # noqa: BLE001 - nothing was started
                session = None
        if session is not None:
            await session.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)


async def grade(job: GradingJob, spare: SpareKernel | None = None) -> tuple[SubmissionResult, SpareKernel | None]:
    """Execute every notebook of the submission; write the result record.

    Returns the record and a spare kernel started for the next job (``spare`` is used
    for this job's first notebook when it suits).
    """
    result_file, executed_dir = Path(job.result_file), Path(job.executed_dir)
    result_file.unlink(missing_ok=True)
    shutil.rmtree(executed_dir, ignore_errors=True)  # notebooks of an earlier run of this submission
    executed_dir.mkdir(parents=True)
    timestamp = Path(job.submission_dir) / "timestamp.txt"
    if timestamp.is_file():
        shutil.copy(timestamp, executed_dir / "timestamp.txt")
    sandbox = SandboxSettings(job.sandbox_mode, job.readonly_paths, GraderLimits(**job.limits))
    result = SubmissionResult(job.fingerprint)
    scratch: Path | None = None
    next_spare: SpareKernel | None = None
    try:
        for notebook in job.notebooks:
            path = Path(job.submission_dir) / f"{notebook}.ipynb"
            if not path.exists():
                result.notebooks[notebook] = NotebookResult(NotebookStatus.MISSING, "not submitted")
                continue
            nb, reason = read_submitted(path)
            if nb is not None:
                try:
                    nb = sanitize(nb, job, notebook)
                except Exception as error:  # noqa: BLE001 - nbgrader rejects malformed metadata
                    nb, reason = None, f"nbgrader could not restore its cells: {str(error)[:300]}"
            if nb is None:
                result.notebooks[notebook] = NotebookResult(NotebookStatus.UNREADABLE, reason)
                continue
            kernel_name = kernel_name_of(nb)
            session = None
            if scratch is None:
                if spare is not None:
                    session = await spare.take(kernel_name, sandbox)
                    scratch, spare = (spare.scratch if session else None), None
                scratch = scratch or new_scratch(job.scratch_root)
                copy_submission(job, scratch / "work")
                if session is not None:
                    session.claim_files()  # a new kernel is given its folder when it starts
                next_spare = SpareKernel.start(kernel_name, sandbox, job.scratch_root)
            if session is None:
                try:
                    session = await KernelSession.start(kernel_name, scratch / "work", sandbox)
                except NoSuchKernel:
                    reason = f"its kernel `{kernel_name}` is not installed on the grading machine"
                    result.notebooks[notebook] = NotebookResult(NotebookStatus.NOT_RUN, reason)
                    continue
            report = await run_notebook(nb, session)
            write_atomically(executed_dir / f"{notebook}.ipynb", nbformat.writes(nb))
            result.notebooks[notebook] = NotebookResult(
                NotebookStatus.EXECUTED,
                "; ".join(report.notes) or None,
                round(report.seconds, 2),
            )
    except BaseException:
        if next_spare is not None:
            await next_spare.discard()
        raise
    finally:
        if spare is not None:
            await spare.discard()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    result.save(result_file)
    return result, next_spare


def _die_with_parent() -> None:
    """Linux: stop this worker (and, through bwrap, its kernel) if the grader is killed."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


async def serve(jobs: TextIO, answers: TextIO) -> None:
    """Grade the jobs named on ``jobs``, one per line, answering ``done <job>`` for each."""
    spare: SpareKernel | None = None
    try:
        while line := await asyncio.to_thread(jobs.readline):
            job_file = line.strip()
            if not job_file:
                continue
            started = time.monotonic()
            _, spare = await grade(GradingJob.load(Path(job_file)), spare)
            print(f"graded {job_file} in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
            answers.write(f"done {job_file}\n")
            answers.flush()
    finally:
        if spare is not None:
            await spare.discard()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    expected_parent = int(os.environ.get("GRADER_PARENT_PID", "0"))
    _die_with_parent()
    if expected_parent and os.getppid() != expected_parent:
        return 3  # the grader died before we armed the signal
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # kernels and libraries that print must not garble the answers
    asyncio.run(serve(sys.stdin, answers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
