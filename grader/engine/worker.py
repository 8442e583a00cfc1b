"""Grade submissions (the expensive part): ``python -m grader.engine.worker``.

The worker reads job-file paths from stdin, one per line (``<path>\tlast`` when no other job
is waiting for it), and answers each with a line ``done <path>`` on stdout once its result is
written (a long-lived process saves the start-up cost of Python, nbgrader and nbformat on
every submission).

A worker never writes to the gradebook. It sanitizes each notebook with nbgrader's own
preprocessors against a read-only snapshot of the gradebook (restoring the instructor's test
cells exactly as nbgrader's ``autograde`` does), starts a kernel in an empty private scratch
folder, copies the submission's files there, executes the notebook in the sandbox and leaves
the executed notebooks (with the submission's ``timestamp.txt``) where the recorder's nbgrader
reads them, then the job's :class:`SubmissionResult`. Without a sandbox, kernels and examiners
are forked from the worker's templates (:mod:`grader.engine.forkserver`), which have imported what
the assignment imports. Every file appears by atomic rename, the result last, so a killed
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
from grader.engine.scratch import enter_private_mounts, new_scratch, remove_scratch
from grader.engine.session import KernelSession, kernel_name_of
from grader.engine.settings import GraderLimits
from grader.engine.templates import TemplatePair, Templates

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
    """A kernel started ahead, in an empty scratch folder of its own, for the next notebook."""

    scratch: Path
    task: asyncio.Task

    @classmethod
    def start(
        cls, kernel_name: str, sandbox: SandboxSettings, job: GradingJob, templates: TemplatePair | None
    ) -> SpareKernel:
        """Start the kernel, and have it and its examiner import the modules ``job`` preloads while they
        wait (forked from ``templates``, they have imported them already)."""
        scratch = new_scratch(job.scratch_root, sandbox.limits.scratch_bytes)

        async def started() -> KernelSession:
            session = await KernelSession.start(kernel_name, scratch / "work", sandbox, templates)
            await session.warm_up(job.preload, job.examiner_preload)
            return session

        return cls(scratch, asyncio.create_task(started()))

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
        remove_scratch(self.scratch)


async def kernel_in_fresh_folder(
    kernel_name: str,
    sandbox: SandboxSettings,
    job: GradingJob,
    spare: SpareKernel | None,
    templates: TemplatePair | None,
) -> tuple[Path, KernelSession]:
    """A kernel started in an empty scratch folder of its own (``spare``'s, when it suits): no kernel
    ever starts where a submission's files or an earlier notebook's kernel could have left start-up code.
    A new kernel's examiner imports the tests' modules while the notebook's first cells run."""
    if spare is not None:
        session = await spare.take(kernel_name, sandbox)
        if session is not None:
            return spare.scratch, session
    scratch = new_scratch(job.scratch_root, sandbox.limits.scratch_bytes)
    try:
        session = await KernelSession.start(kernel_name, scratch / "work", sandbox, templates)
    except BaseException:
        remove_scratch(scratch)
        raise
    session.examiner.preload_meanwhile(job.examiner_preload)  # the kernel imports its own, in the notebook
    return scratch, session


async def grade(
    job: GradingJob, spare: SpareKernel | None = None, more_jobs: bool = True, templates: Templates | None = None
) -> tuple[SubmissionResult, SpareKernel | None]:
    """Execute every notebook of the submission, each in a fresh folder; write the result record.

    Without a sandbox, kernels and examiners are forked from ``templates`` (see
    :mod:`grader.engine.forkserver`).

    Returns the record and a kernel started ahead for the next notebook (``spare`` is used
    for this job's first notebook when it suits). Without ``more_jobs`` none is started after
    the last notebook: a kernel no one will use costs the others its start and its imports.
    """
    result_file, executed_dir = Path(job.result_file), Path(job.executed_dir)
    result_file.unlink(missing_ok=True)
    shutil.rmtree(executed_dir, ignore_errors=True)  # notebooks of an earlier run of this submission
    executed_dir.mkdir(parents=True)
    timestamp = Path(job.submission_dir) / "timestamp.txt"
    if timestamp.is_file():
        shutil.copy(timestamp, executed_dir / "timestamp.txt")
    instructor_files = job.source_dir if os.path.isdir(job.source_dir) else None
    sandbox = SandboxSettings(job.sandbox_mode, job.readonly_paths, GraderLimits(**job.limits), instructor_files)
    result = SubmissionResult(job.fingerprint)
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
            taken, spare = spare, None
            started = time.monotonic()
            try:
                pair = (
                    await templates.prepare(kernel_name, sandbox, job.preload, job.examiner_preload)
                    if templates
                    else None
                )
                scratch, session = await kernel_in_fresh_folder(kernel_name, sandbox, job, taken, pair)
            except NoSuchKernel:
                reason = f"its kernel `{kernel_name}` is not installed on the grading machine"
                result.notebooks[notebook] = NotebookResult(NotebookStatus.NOT_RUN, reason)
                continue
            if more_jobs or notebook != job.notebooks[-1]:
                spare = SpareKernel.start(kernel_name, sandbox, job, pair)
            ready = time.monotonic()
            try:
                copy_submission(job, scratch / "work")
                session.claim_files()  # the kernel's user may write them; no student code has run yet
                report = await run_notebook(nb, session)
            finally:
                await session.stop()
                remove_scratch(scratch)
            print(  # the worker's log: where a notebook's time went
                f"{job.student}/{notebook}: kernel ready after {ready - started:.2f} s, ran {report.seconds:.2f} s, "
                f"done after {time.monotonic() - started:.2f} s",
                file=sys.stderr,
                flush=True,
            )
            write_atomically(executed_dir / f"{notebook}.ipynb", nbformat.writes(nb))
            result.notebooks[notebook] = NotebookResult(
                NotebookStatus.EXECUTED,
                "; ".join(report.notes) or None,
                round(report.seconds, 2),
                report.reported,
            )
    except BaseException:
        if spare is not None:
            await spare.discard()
        raise
    result.save(result_file)
    return result, spare


def _die_with_parent() -> None:
    """Linux: stop this worker (and, through bwrap, its kernel) if the grader is killed."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


async def serve(jobs: TextIO, answers: TextIO) -> None:
    """Grade the jobs named on ``jobs``, one per line, answering ``done <job>`` for each."""
    spare: SpareKernel | None = None
    templates: Templates | None = None
    try:
        while line := await asyncio.to_thread(jobs.readline):
            job_file, _, hint = line.strip().partition("\t")
            if not job_file:
                continue
            started = time.monotonic()
            job = GradingJob.load(Path(job_file))
            templates = templates or Templates(job.scratch_root)
            _, spare = await grade(job, spare, hint != "last", templates)
            print(f"graded {job_file} in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
            answers.write(f"done {job_file}\n")
            answers.flush()
    finally:
        if spare is not None:
            await spare.discard()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    expected_parent = int(os.environ.get("GRADER_PARENT_PID", "0"))
    enter_private_mounts()  # first, while this process has one thread
    _die_with_parent()
    if expected_parent and os.getppid() != expected_parent:
        return 3  # the grader died before we armed the signal
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # kernels and libraries that print must not garble the answers
    asyncio.run(serve(sys.stdin, answers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
