"""Where grading jobs run: one small interface, a local process pool behind it.

``Executor.run(jobs)`` takes job files and yields one :class:`JobOutcome` per job as it
finishes, in any order. :class:`LocalProcessPool` keeps ``workers`` long-lived
``python -m grader.engine.worker`` processes, feeding each one job at a time; a worker that
crashes or overruns its time is killed, its job reported failed and a fresh worker
started, so one submission never stops the others. :class:`grader.engine.dask_pool.DaskExecutor`
ships the same jobs to the workers of a Dask cluster.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from grader.engine import GRADER_HOME


@dataclass
class JobOutcome:
    """How a job's process ended; the job's real result is in its result folder."""

    job_file: Path
    ok: bool
    reason: str | None = None


class Executor(Protocol):
    """Runs grading jobs somewhere and reports each one as it ends."""

    def run(self, job_files: Iterable[Path]) -> Iterator[JobOutcome]: ...


class LocalProcessPool:
    """Run up to ``workers`` jobs at once on this machine, one worker process each."""

    def __init__(self, workers: int, job_timeout: float) -> None:
        self.workers = max(1, workers)
        self.job_timeout = job_timeout

    def run(self, job_files: Iterable[Path]) -> Iterator[JobOutcome]:
        pending: queue.Queue[Path] = queue.Queue()
        for job in job_files:
            pending.put(Path(job))
        outcomes: queue.Queue[JobOutcome | None] = queue.Queue()
        threads = [
            threading.Thread(target=self._serve, args=(pending, outcomes), daemon=True)
            for _ in range(min(self.workers, pending.qsize()))
        ]
        for thread in threads:
            thread.start()
        running = len(threads)
        while running:
            outcome = outcomes.get()
            if outcome is None:
                running -= 1
            else:
                yield outcome

    def _serve(self, pending: queue.Queue[Path], outcomes: queue.Queue[JobOutcome | None]) -> None:
        worker: WorkerProcess | None = None
        try:
            while True:
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    break
                worker = worker or WorkerProcess(job.parent)
                outcome = worker.grade(job, self.job_timeout, more=not pending.empty())
                if not outcome.ok:
                    worker.stop()
                    worker = None
                outcomes.put(outcome)
        finally:
            if worker:
                worker.stop()
            outcomes.put(None)


class WorkerProcess:
    """One ``python -m grader.engine.worker`` process, grading one job at a time."""

    def __init__(self, log_folder: Path) -> None:
        # -P and the grader's own folder first: the worker imports this grader whatever folder it runs in
        search_path = os.pathsep.join(filter(None, [GRADER_HOME, os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "GRADER_PARENT_PID": str(os.getpid()), "PYTHONPATH": search_path}
        self.log = open(log_folder / f"worker-{threading.get_ident()}-{time.time_ns()}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "grader.engine.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            text=True,
            start_new_session=True,
        )
        self.answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read_answers, daemon=True).start()

    def _read_answers(self) -> None:
        for line in self.process.stdout:
            self.answers.put(line.strip())
        self.answers.put("")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def grade(self, job_file: Path, timeout: float, more: bool = True) -> JobOutcome:
        """Grade one job; ``more`` says other jobs may follow (the worker then prepares a kernel for them)."""
        try:
            self.process.stdin.write(f"{job_file}\t{'more' if more else 'last'}\n")
            self.process.stdin.flush()
        except OSError:
            pass
        try:
            answer = self.answers.get(timeout=timeout)
        except queue.Empty:
            return JobOutcome(job_file, False, f"grading took longer than {timeout:.0f} s and was stopped")
        if answer == f"done {job_file}":
            return JobOutcome(job_file, True)
        code = self.process.wait()
        self.log.flush()
        tail = Path(self.log.name).read_text(errors="replace").strip().splitlines()[-3:]
        cause = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        return JobOutcome(job_file, False, f"the grading process failed ({cause}): {' | '.join(tail)[-400:]}")

    def stop(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self.log.close()
