"""Jobs travel to other machines as bytes and come back as bytes; nothing lands outside its folder."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grader.autograde import snapshot_gradebook
from grader.course import put_environment_tools_on_path
from grader.engine.bundles import BundleError, pack_job, pack_result, unpack_job, unpack_result
from grader.engine.jobs import GradingJob


def _job(root: Path) -> GradingJob:
    submission, source = root / "submitted" / "alice" / "quiz", root / "source" / "quiz"
    submission.mkdir(parents=True)
    source.mkdir(parents=True)
    (submission / "quiz.ipynb").write_text("{}")
    (submission / "data.csv").write_text("x\n1\n")
    (submission / "passwd").symlink_to("/etc/passwd")
    (source / "quiz.ipynb").write_text("the instructor's solution")
    (source / "helper.py").write_text("ANSWER = 42\n")
    sqlite3.connect(root / "snapshot.db").close()
    return GradingJob(
        assignment="quiz",
        student="alice",
        notebooks=["quiz"],
        submission_dir=str(submission),
        source_dir=str(source),
        ignore=[],
        db_url=f"sqlite:///{root / 'snapshot.db'}",
        course_id="c",
        executed_dir=str(root / "executed" / "alice" / "quiz"),
        result_file=str(root / "results" / "alice.json"),
        scratch_root="/tmp/grader",
        fingerprint="abc",
    )


def test_a_job_travels_with_what_it_reads_and_nothing_else(tmp_path):
    job = _job(tmp_path / "here")
    there = tmp_path / "there"
    unpacked = unpack_job(pack_job(job), there)
    assert Path(unpacked.submission_dir, "data.csv").read_text() == "x\n1\n"
    assert Path(unpacked.source_dir, "helper.py").is_file()
    assert not Path(unpacked.source_dir, "quiz.ipynb").exists(), "the instructor's notebooks stay home"
    assert not Path(unpacked.submission_dir, "passwd").exists(), "links are not followed"
    assert unpacked.db_url == f"sqlite:///{there / 'gradebook.db'}"
    assert all(str(there) in path for path in (unpacked.executed_dir, unpacked.result_file))
    assert (unpacked.student, unpacked.fingerprint) == ("alice", "abc")


def test_a_result_comes_back_to_where_the_local_pool_would_leave_it(tmp_path):
    job = _job(tmp_path / "here")
    remote = unpack_job(pack_job(job), tmp_path / "there")
    Path(remote.executed_dir).mkdir(parents=True)
    Path(remote.executed_dir, "quiz.ipynb").write_text("executed")
    Path(remote.result_file).write_text(json.dumps({"fingerprint": "abc", "notebooks": {}}))
    (tmp_path / "unpack").mkdir()
    unpack_result(pack_result(remote), job, tmp_path / "unpack")
    assert Path(job.executed_dir, "quiz.ipynb").read_text() == "executed"
    assert json.loads(Path(job.result_file).read_text())["fingerprint"] == "abc"


@pytest.mark.parametrize("entry", ["../escaped.txt", "/tmp/absolute.txt", "executed/../../escaped.txt"])
def test_a_bundle_entry_outside_its_folder_is_refused(tmp_path, entry):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(entry, "x")
        archive.writestr("result.json", "{}")
    job = _job(tmp_path / "here")
    (tmp_path / "unpack").mkdir()
    with pytest.raises(BundleError):
        unpack_result(buffer.getvalue(), job, tmp_path / "unpack")
    assert not (tmp_path / "escaped.txt").exists() and not Path(job.result_file).exists()


def test_the_gradebook_copy_that_travels_holds_no_students_work(tmp_path):
    put_environment_tools_on_path()  # nbgrader creates a gradebook with alembic
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        gradebook.add_assignment("quiz")
        gradebook.add_student("alice")
        gradebook.add_submission("quiz", "alice")
    copy = snapshot_gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", tmp_path / "copy.db")
    with Gradebook(copy) as gradebook:
        assert [a.name for a in gradebook.assignments] == ["quiz"]
        assert gradebook.students == [] and gradebook.find_assignment("quiz").submissions == []


def test_jobs_of_one_assignment_share_one_copy_of_the_instructors_files(tmp_path):
    job = _job(tmp_path / "here")
    sources = tmp_path / "sources"
    first = unpack_job(pack_job(job), tmp_path / "first", sources)
    second = unpack_job(pack_job(job), tmp_path / "second", sources)
    assert first.source_dir == second.source_dir and Path(first.source_dir, "helper.py").is_file()
    Path(job.source_dir, "helper.py").write_text("ANSWER = 43\n")
    changed = unpack_job(pack_job(job), tmp_path / "third", sources)
    assert changed.source_dir != first.source_dir, "other files, another copy"
    assert Path(changed.source_dir, "helper.py").read_text() == "ANSWER = 43\n"


def test_the_hidden_folder_travels_for_the_examiner_but_never_reaches_the_kernels_folder(tmp_path):
    from grader.engine.worker import copy_submission

    job = _job(tmp_path / "here")
    job.ignore = [".ipynb_checkpoints", "__pycache__", "hidden"]
    (Path(job.source_dir) / "hidden").mkdir()
    (Path(job.source_dir) / "hidden" / "labels.csv").write_text("id,label\n1,7\n")
    (Path(job.source_dir) / "__pycache__").mkdir()
    (Path(job.source_dir) / "__pycache__" / "helper.pyc").write_bytes(b"\0")
    unpacked = unpack_job(pack_job(job), tmp_path / "there")
    assert Path(unpacked.source_dir, "hidden", "labels.csv").read_text() == "id,label\n1,7\n"
    assert not Path(unpacked.source_dir, "__pycache__").exists(), "what the course ignores otherwise stays home"
    kernel_folder = tmp_path / "kernel"
    copy_submission(unpacked, kernel_folder)
    assert (kernel_folder / "helper.py").is_file() and (kernel_folder / "data.csv").is_file()
    assert not (kernel_folder / "hidden").exists()
