"""A grading job as self-contained bytes, for a worker on another machine, and its result back.

A job bundle is a zip of the job (``job.json``), the submission's folder, the instructor's
non-notebook files of the assignment (its hidden evaluation data included, for the examiner)
and the gradebook snapshot the sanitizers read; a result bundle is a zip of the executed
notebooks and the :class:`SubmissionResult`. Paths in a job only mean something on the machine
that wrote it: :func:`unpack_job` rewrites them to the folder it unpacks into. Entries that would
land outside that folder are refused.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from dataclasses import asdict
from pathlib import Path, PurePosixPath

from nbgrader import utils as nbgrader_utils

from grader.engine.jobs import GradingJob, write_atomically
from grader.hidden import HIDDEN_FOLDER

JOB = "job.json"
RESULT = "result.json"
GRADEBOOK = "gradebook.db"


class BundleError(Exception):
    """A bundle that is not one this grader wrote."""


def _add_folder(archive: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for root, _, files in os.walk(folder):  # never into linked folders; linked files are skipped
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                archive.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")


def pack_job(job: GradingJob) -> bytes:
    """The job and every file it reads, as one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JOB, json.dumps(asdict(job)))
        _add_folder(archive, Path(job.submission_dir), "submission")
        if os.path.isdir(job.source_dir):
            # the files nbgrader copies, and the hidden folder for the examiner (the worker copies
            # to the kernel only what nbgrader would: job.ignore still applies there)
            sent = [pattern for pattern in job.ignore if pattern != HIDDEN_FOLDER] + ["*.ipynb"]
            for filename in nbgrader_utils.find_all_files(job.source_dir, sent):
                archive.write(filename, f"source/{Path(os.path.relpath(filename, job.source_dir)).as_posix()}")
        if job.db_url.startswith("sqlite:///"):  # a database server's address needs no file
            archive.write(job.db_url.removeprefix("sqlite:///"), GRADEBOOK)
    return buffer.getvalue()


def _extract(data: bytes, folder: Path) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BundleError("not a zip") from None
    for info in archive.infolist():
        parts = PurePosixPath(info.filename).parts
        if PurePosixPath(info.filename).is_absolute() or ".." in parts:
            raise BundleError(f"an entry outside the bundle: {info.filename}")
    archive.extractall(folder)
    return archive


def unpack_job(data: bytes, folder: Path, sources: Path | None = None) -> GradingJob:
    """Unpack a job bundle into ``folder``; the job, its paths pointing there (its scratch root is
    this machine's own).

    With ``sources``, the instructor's files go to a folder under it named after their content,
    kept for the next job of the same assignment: a worker's kernel prepared ahead for the next
    job then suits it (its examiner reads that folder).
    """
    archive = _extract(data, folder)
    job = GradingJob(**json.loads((folder / JOB).read_text()))
    job.submission_dir = str(folder / "submission")
    job.source_dir = str(folder / "source")
    if sources is not None:
        job.source_dir = str(_shared_sources(archive, folder / "source", sources))
    archive.close()
    if (folder / GRADEBOOK).is_file():
        job.db_url = f"sqlite:///{folder / GRADEBOOK}"
    job.executed_dir = str(folder / "executed")
    job.result_file = str(folder / RESULT)
    return job


def _shared_sources(archive: zipfile.ZipFile, unpacked: Path, sources: Path) -> Path:
    entries = sorted(
        (info.filename, info.CRC, info.file_size) for info in archive.infolist() if info.filename.startswith("source/")
    )
    shared = sources / hashlib.sha256(json.dumps(entries).encode()).hexdigest()[:24]
    if not shared.is_dir():
        sources.mkdir(parents=True, exist_ok=True)
        unpacked.mkdir(exist_ok=True)
        try:
            os.rename(unpacked, shared)  # atomic: another thread may be placing the same files
        except OSError:
            if not shared.is_dir():
                raise
    return shared


def pack_result(job: GradingJob) -> bytes:
    """The executed notebooks and the result record of a job that has run."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_folder(archive, Path(job.executed_dir), "executed")
        archive.write(job.result_file, RESULT)
    return buffer.getvalue()


def unpack_result(data: bytes, job: GradingJob, scratch: Path) -> None:
    """Place a result bundle where ``job`` (this machine's) expects it: the executed notebooks
    first, the result record last (so a half-placed result is never taken for a whole one)."""
    _extract(data, scratch).close()
    executed = Path(job.executed_dir)
    shutil.rmtree(executed, ignore_errors=True)
    executed.parent.mkdir(parents=True, exist_ok=True)
    if (scratch / "executed").is_dir():
        shutil.move(scratch / "executed", executed)
    else:
        executed.mkdir()
    write_atomically(Path(job.result_file), (scratch / RESULT).read_text())
