"""collect: LMS zips and folders land in nbgrader's submitted layout; nothing escapes, nothing is lost silently."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

import grader.collect
from grader.cli import main
from grader.collect import MAX_NOTEBOOK_BYTES, collect
from grader.errors import GraderError
from grader_fixtures import quiz
from grader_fixtures.course import make_course

MARCH = (2024, 3, 1, 10, 0, 0)
APRIL = (2024, 4, 1, 10, 0, 0)


@pytest.fixture()
def course(tmp_path):
    config, released = make_course(tmp_path / "course")
    return tmp_path / "course", config, nbformat.writes(released)


def _zip(path: Path, entries: list[tuple[str, bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, when in entries:
            archive.writestr(zipfile.ZipInfo(name, date_time=when), data, zipfile.ZIP_DEFLATED)
    return path


def _submitted(root: Path) -> dict[str, str]:
    folder = root / "submitted"
    return {
        p.parent.parent.name: (p.parent / "timestamp.txt").read_text()
        for p in folder.glob(f"*/{quiz.ASSIGNMENT}/{quiz.ASSIGNMENT}.ipynb")
    }


def test_canvas_zip_is_placed_and_every_refusal_reported(course, tmp_path):
    root, config, notebook = course
    data = notebook.encode()
    symlink = zipfile.ZipInfo("link.ipynb", date_time=MARCH)
    symlink.external_attr = 0o120777 << 16
    archive = _zip(
        tmp_path / "canvas.zip",
        [
            ("smithjohn_12345_678901_quiz.ipynb", data, MARCH),
            ("doejane_late_23456_678902_quiz-1.ipynb", data, APRIL),
            ("leeann_34567_678903_quiz.ipynb", data, MARCH),
            ("leeann_34567_678999_quiz-1.ipynb", data, APRIL),  # a resubmission: the newer one wins
            ("../escape.ipynb", data, MARCH),
            ("/abs/olute.ipynb", data, MARCH),
            ("report.pdf", b"%PDF-1.4", MARCH),
            ("__MACOSX/._smithjohn_12345_678901_quiz.ipynb", b"junk", MARCH),
            ("bomb_99999_1_quiz.ipynb", b"0" * (MAX_NOTEBOOK_BYTES + 1), MARCH),
            ("ratio_88888_1_quiz.ipynb", b" " * (5 * 1024**2), MARCH),
        ],
    )
    with zipfile.ZipFile(archive, "a") as handle:
        handle.writestr(symlink, "/etc/passwd")
    report = collect(config, archive, quiz.ASSIGNMENT)

    assert report.format == "canvas"
    placed = {p.student: p for p in report.placed}
    assert sorted(placed) == ["12345", "23456", "34567"]
    assert placed["23456"].note == "Canvas, late"
    assert placed["34567"].source == "leeann_34567_678999_quiz-1.ipynb"
    submitted = _submitted(root)
    assert sorted(submitted) == sorted(placed)
    assert submitted["12345"].startswith("2024-03-01 10:00:00")
    assert (root / "submitted" / "12345" / quiz.ASSIGNMENT / f"{quiz.ASSIGNMENT}.ipynb").read_text() == notebook

    reasons = dict(report.skipped)
    assert "hostile path" in reasons["../escape.ipynb"]
    assert "hostile path" in reasons["/abs/olute.ipynb"]
    assert "symbolic link" in reasons["link.ipynb"]
    assert "not a notebook" in reasons["report.pdf"]
    assert "hidden or system" in reasons["__MACOSX/._smithjohn_12345_678901_quiz.ipynb"]
    assert "too large" in reasons["bomb_99999_1_quiz.ipynb"]
    assert "zip bomb" in reasons["ratio_88888_1_quiz.ipynb"]
    assert "newer submission" in reasons["leeann_34567_678903_quiz.ipynb"]
    assert len(report.skipped) == 8
    assert not (tmp_path / "escape.ipynb").exists() and not (root / "escape.ipynb").exists()


def test_moodle_ids_come_from_what_moodle_writes_after_the_name(course, tmp_path):
    _, config, notebook = course
    data = notebook.encode()
    archive = _zip(
        tmp_path / "moodle.zip",
        [
            ("Ann Lee_34567_assignsubmission_file_quiz.ipynb", data, MARCH),
            ("Ben Ng_45678_assignsubmission_file/quiz.ipynb", data, MARCH),
            # a display name that looks like another student's id: it is still the writer's own id
            ("Eve_34567_1_56789_assignsubmission_file_quiz.ipynb", data, APRIL),
            ("Eve_34567_assignsubmission_file_45678_assignsubmission_file/quiz.ipynb", data, APRIL),
            # Moodle's marker twice in one file name: which one Moodle wrote cannot be told
            ("Mal_34567_assignsubmission_file_x_67890_assignsubmission_file_quiz.ipynb", data, APRIL),
        ],
    )
    report = collect(config, archive, quiz.ASSIGNMENT)
    assert report.format == "moodle"
    assert sorted(p.student for p in report.placed) == ["34567", "56789"]
    reasons = dict(report.skipped)
    assert "appears under 2 names" in reasons["Ben Ng_45678_assignsubmission_file/quiz.ipynb"]
    assert "appears under 2 names" in reasons["Eve_34567_assignsubmission_file_45678_assignsubmission_file/quiz.ipynb"]
    assert "ambiguous" in reasons["Mal_34567_assignsubmission_file_x_67890_assignsubmission_file_quiz.ipynb"]


def test_one_id_under_two_names_places_neither(course, tmp_path):
    root, config, notebook = course
    data = notebook.encode()
    archive = _zip(
        tmp_path / "canvas.zip",
        [("smithjohn_12345_678901_quiz.ipynb", data, MARCH), ("eve_12345_1_99999_2_quiz.ipynb", data, APRIL)],
    )
    report = collect(config, archive, quiz.ASSIGNMENT)
    assert report.placed == []
    assert all("appears under 2 names ('eve', 'smithjohn')" in reason for _, reason in report.skipped)
    assert not (root / "submitted" / "12345").exists()


def test_blackboard_time_is_the_attempt_time_blackboard_wrote(course, tmp_path):
    _, config, notebook = course
    data = notebook.encode()
    named = "quiz_jsmith_attempt_2024-03-02-09-30-00_my_quiz_alice_attempt_2000-01-01-00-00-00.ipynb"
    archive = _zip(
        tmp_path / "blackboard.zip",
        [(named, data, APRIL), ("quiz_jsmith_attempt_2024-03-02-09-30-00.txt", b"Name: J Smith", APRIL)],
    )
    report = collect(config, archive, quiz.ASSIGNMENT)
    assert report.format == "blackboard"
    assert [(p.student, p.timestamp[:19]) for p in report.placed] == [("jsmith", "2024-03-02 09:30:00")]
    assert "not a notebook" in dict(report.skipped)["quiz_jsmith_attempt_2024-03-02-09-30-00.txt"]


def test_in_a_folder_the_folder_is_the_student_whatever_the_file_is_called(course, tmp_path):
    root, config, notebook = course
    handins = tmp_path / "handins"
    (handins / "mallory").mkdir(parents=True)
    (handins / "mallory" / "x_alice_attempt_2099-01-01-00-00-00_quiz.ipynb").write_text(notebook)
    (handins / "alice.ipynb").write_text(notebook)
    report = collect(config, handins, quiz.ASSIGNMENT)
    assert report.format == "folder"
    assert [p.student for p in report.placed] == ["mallory"]
    assert not report.placed[0].timestamp.startswith("2099"), "the time is the file's, not its name's"
    assert "not in a student's folder" in dict(report.skipped)["alice.ipynb"]
    assert not (root / "submitted" / "alice").exists()


def test_a_source_whose_format_cannot_be_told_is_refused(course, tmp_path):
    _, config, notebook = course
    data = notebook.encode()
    archive = _zip(
        tmp_path / "mixed.zip",
        [
            ("smithjohn_12345_678901_quiz.ipynb", data, MARCH),
            ("Ann Lee_34567_assignsubmission_file_quiz.ipynb", data, MARCH),
        ],
    )
    with pytest.raises(GraderError, match="cannot tell how .* was exported.*--format"):
        collect(config, archive, quiz.ASSIGNMENT)
    assert [p.student for p in collect(config, archive, quiz.ASSIGNMENT, "moodle").placed] == ["34567"]


def test_a_course_that_keeps_a_roster_gets_no_one_else(course, tmp_path):
    root, config, notebook = course
    config.Autograde.create_student = False
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        gradebook.add_student("carol")
    handins = tmp_path / "handins"
    for student in ("carol", "zed"):
        (handins / student).mkdir(parents=True)
        (handins / student / "quiz.ipynb").write_text(notebook)
    report = collect(config, handins, quiz.ASSIGNMENT)
    assert [p.student for p in report.placed] == ["carol"]
    assert "zed is not on the course roster" in dict(report.skipped)["zed/quiz.ipynb"]


def test_folder_keeps_the_newer_submission_and_says_so(course, tmp_path):
    root, config, notebook = course
    handins = tmp_path / "handins"
    for student in ("carol", "dave"):
        (handins / student).mkdir(parents=True)
    (handins / "carol" / "my answers.ipynb").write_text(notebook)
    (handins / "dave" / "quiz.ipynb").write_text(notebook)
    (handins / "notes.txt").write_text("not a notebook")
    old = time.time() - 3600
    os.utime(handins / "dave" / "quiz.ipynb", (old, old))
    report = collect(config, handins, quiz.ASSIGNMENT)
    assert sorted(p.student for p in report.placed) == ["carol", "dave"]
    assert [name for name, _ in report.skipped] == ["notes.txt"]

    (handins / "dave" / "quiz.ipynb").write_text(notebook.replace("Quiz", "Quiz (second try)"))  # newer mtime
    older = time.time() - 7200
    os.utime(handins / "carol" / "my answers.ipynb", (older, older))
    report = collect(config, handins, quiz.ASSIGNMENT)
    assert [(p.student, "replaced an older submission" in (p.note or "")) for p in report.placed] == [("dave", True)]
    assert "kept the existing submission of carol" in dict(report.skipped)["carol/my answers.ipynb"]
    assert "second try" in (root / "submitted" / "dave" / quiz.ASSIGNMENT / f"{quiz.ASSIGNMENT}.ipynb").read_text()


def test_folder_stops_taking_notebooks_beyond_the_total_limit(course, tmp_path, monkeypatch):
    root, config, notebook = course
    handins = tmp_path / "handins"
    for student in ("ann", "ben", "cid"):
        (handins / student).mkdir(parents=True)
        (handins / student / "quiz.ipynb").write_text(notebook)
    monkeypatch.setattr(grader.collect, "MAX_TOTAL_BYTES", 2 * len(notebook.encode()))
    report = collect(config, handins, quiz.ASSIGNMENT)
    assert sorted(p.student for p in report.placed) == ["ann", "ben"]
    assert "more than" in dict(report.skipped)["cid/quiz.ipynb"]


def test_cli_collect_lists_what_it_skipped(course, tmp_path, capsys):
    root, _, notebook = course
    archive = _zip(
        tmp_path / "moodle.zip",
        [
            ("Ann Lee_34567_assignsubmission_file_quiz.ipynb", notebook.encode(), MARCH),
            ("../../etc/evil.ipynb", b"{}", MARCH),
        ],
    )
    assert (
        main(["--config", str(root / "nbgrader_config.py"), "collect", str(archive), "--assignment", quiz.ASSIGNMENT])
        == 0
    )
    output = capsys.readouterr().out
    assert "moodle format" in output
    assert "placed  34567" in output and "SKIPPED ../../etc/evil.ipynb: hostile path" in output


def test_cli_says_in_one_line_what_is_wrong(course, tmp_path, capsys):
    root, _, _ = course
    code = main(
        [
            "--config",
            str(root / "nbgrader_config.py"),
            "collect",
            str(tmp_path / "missing.zip"),
            "--assignment",
            quiz.ASSIGNMENT,
        ]
    )
    assert code == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'missing.zip'} does not exist\n"
