"""Grading on a real Dask cluster on 127.0.0.1: a ``dask scheduler`` and two ``dask worker`` processes.

The coordinator ships each job as bytes and stays the only gradebook writer; a worker killed
in the middle of a job loses nothing: the scheduler runs the job again on the other worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from conftest import REPO, free_port
from grader.autograde import OutcomeStatus, autograde
from grader.cli import main
from grader.engine.sandbox import bwrap_problem
from grader_fixtures import quiz
from grader_fixtures.course import make_course

pytestmark = pytest.mark.kernel  # starts kernels and Dask processes

distributed = pytest.importorskip("distributed", reason="Dask's distributed is not installed: make setup")
DASK = str(Path(sys.executable).parent / "dask")
SANDBOX = "bwrap" if bwrap_problem() is None else "none"
FULL = sum(quiz.POINTS.values())


@pytest.fixture
def cluster():
    """A scheduler and two single-threaded workers without nannies (a killed worker stays dead),
    each with the course environment on its import path, as on a real cluster."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": environment, "start_new_session": True}
    processes = [
        subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet)
    ]
    worker = [DASK, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"]
    processes += [subprocess.Popen(worker, **quiet) for _ in range(2)]
    try:
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address, processes[1:]
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _course(tmp_path: Path, address: str, submissions: dict[str, dict[str, str]]):
    config, released = make_course(tmp_path)
    config.GraderExecutor.kind = "dask"
    config.GraderExecutor.scheduler = address
    for student, answers in submissions.items():
        quiz.write_submission(tmp_path, student, quiz.answered(released, answers))
    return config


def _gradebook_rows(config) -> list[tuple[str, float]]:
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        return sorted((s.student_id, s.score) for s in gradebook.find_assignment(quiz.ASSIGNMENT).submissions)


def test_a_course_graded_on_dask_scores_as_on_this_machine(tmp_path, cluster):
    address, _ = cluster
    submissions = {"honest": quiz.HONEST, "wrong": quiz.WRONG, "half": {**quiz.HONEST, "mean": quiz.WRONG["mean"]}}
    config = _course(tmp_path / "dask", address, submissions)
    report = autograde(config, quiz.ASSIGNMENT, jobs=2, sandbox=SANDBOX, progress=False)
    on_dask = {o.student: (o.status, o.score) for o in report.outcomes}

    local = _course(tmp_path / "local", address, submissions)
    local.GraderExecutor.kind = "local"
    here = {o.student: (o.status, o.score) for o in autograde(local, quiz.ASSIGNMENT, jobs=2, sandbox=SANDBOX).outcomes}
    assert on_dask == here
    assert on_dask["honest"] == (OutcomeStatus.GRADED, FULL) and on_dask["wrong"] == (OutcomeStatus.GRADED, 0)

    again = autograde(config, quiz.ASSIGNMENT, jobs=2, sandbox=SANDBOX, progress=False)
    assert {o.status for o in again.outcomes} == {OutcomeStatus.SKIPPED}, "resuming works as with the local pool"


def test_a_worker_killed_mid_job_loses_and_duplicates_nothing(tmp_path, cluster):
    address, workers = cluster
    slow = {**quiz.HONEST, "add": quiz.HONEST["add"] + "\n\nimport time\ntime.sleep(12)"}
    students = ["ann", "ben", "cid", "dee"]
    config = _course(tmp_path, address, dict.fromkeys(students, slow))
    # both workers are in their first job from about 2 s until at least 12 s
    killer = threading.Timer(6, lambda: os.killpg(workers[0].pid, signal.SIGKILL))
    killer.start()
    started = time.monotonic()
    try:
        report = autograde(config, quiz.ASSIGNMENT, jobs=2, sandbox=SANDBOX, progress=False)
    finally:
        killer.cancel()
    assert workers[0].poll() is not None and time.monotonic() - started > 6, "the worker died mid-run"
    assert [(o.student, o.status, o.score) for o in report.outcomes] == [
        (student, OutcomeStatus.GRADED, FULL) for student in students
    ]
    assert _gradebook_rows(config) == [(student, FULL) for student in students]


def test_executor_dask_without_a_scheduler_grades_on_a_local_dask_cluster(tmp_path):
    config, released = make_course(tmp_path)
    quiz.write_submission(tmp_path, "honest", quiz.answered(released, quiz.HONEST))
    argv = ["--config", str(tmp_path / "nbgrader_config.py"), "autograde", quiz.ASSIGNMENT, "--executor", "dask"]
    assert main([*argv, "--jobs", "1", "--sandbox", SANDBOX]) == 0
    assert _gradebook_rows(config) == [("honest", FULL)]
