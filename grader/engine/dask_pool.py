"""Grade on a Dask cluster: ``--executor dask``.

Each job travels to a Dask worker as bytes (:mod:`grader.engine.bundles`) and its result
comes back as bytes; the coordinator unpacks results where the local pool would have left
them, so the recorder (the only gradebook writer), the progress bar and resuming work as
with the local pool. A Dask worker never runs student code itself: its task hands the job to
the same sandboxed ``grader.engine.worker`` process the local pool uses, one per Dask worker
thread, kept between jobs. A Dask worker lost mid-job has its task run again elsewhere by
the scheduler; the coordinator places a job's result once, when its task completes.

Every Dask worker needs the course environment (this grader, nbgrader, the kernels and
bubblewrap) installed as on the grading machine; nothing else of the course travels.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from grader.engine.bundles import pack_job, pack_result, unpack_job, unpack_result
from grader.engine.jobs import GradingJob
from grader.engine.pool import JobOutcome, WorkerProcess

_local = threading.local()  # each Dask worker thread's own grader worker process
#: Where a Dask worker keeps each assignment's instructor files between jobs.
SOURCES = Path(tempfile.gettempdir()) / "grader-dask-sources"


def grade_bundle(bundle: bytes, timeout: float) -> tuple[bool, str | None, bytes]:
    """The Dask task: grade one packed job on this machine; (ok, why not, the packed result)."""
    folder = Path(tempfile.mkdtemp(prefix="grader-dask-job-"))
    try:
        job = unpack_job(bundle, folder, sources=SOURCES)
        job_file = folder / "job-here.json"
        job.save(job_file)
        worker: WorkerProcess | None = getattr(_local, "worker", None)
        if worker is None or not worker.alive:
            _local.worker = worker = WorkerProcess(Path(tempfile.mkdtemp(prefix="grader-dask-logs-")))
        outcome = worker.grade(job_file, timeout)
        if not outcome.ok:
            worker.stop()
            _local.worker = None
            return False, outcome.reason, b""
        return True, None, pack_result(job)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class DaskExecutor:
    """Run jobs on the Dask cluster at ``scheduler`` (a ``tcp://host:port`` address), or, without one,
    on a Dask cluster of ``workers`` local processes started for the run."""

    def __init__(self, scheduler: str | None, workers: int, job_timeout: float) -> None:
        self.scheduler = scheduler or None
        self.workers = max(1, workers)
        self.job_timeout = job_timeout

    @contextlib.contextmanager
    def _client(self):
        from distributed import Client, LocalCluster

        if self.scheduler:
            with Client(self.scheduler, timeout=30) as client:
                yield client
            return
        cluster = LocalCluster(
            n_workers=self.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        with cluster, Client(cluster) as client:
            yield client

    def run(self, job_files: Iterable[Path]) -> Iterator[JobOutcome]:
        from distributed import as_completed

        job_files = [Path(job_file) for job_file in job_files]
        if not job_files:
            return
        with self._client() as client:
            futures = {}
            for job_file in job_files:
                job = GradingJob.load(job_file)
                key = f"grade-{job.student}-{uuid.uuid4().hex}"
                future = client.submit(grade_bundle, pack_job(job), self.job_timeout, key=key, pure=False)
                futures[future] = (job_file, job)
            for future in as_completed(futures):
                job_file, job = futures.pop(future)
                try:
                    ok, reason, result = future.result()
                except Exception as error:  # noqa: BLE001 - the cluster's own failure (workers lost too often)
                    yield JobOutcome(job_file, False, f"the Dask cluster could not grade it: {error}"[:400])
                    continue
                if ok:
                    with tempfile.TemporaryDirectory(dir=job_file.parent) as scratch:
                        unpack_result(result, job, Path(scratch))
                yield JobOutcome(job_file, ok, reason)
