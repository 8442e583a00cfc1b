"""collect: LMS zips and folders land in nbgrader's submitted layout; nothing escapes, nothing is lost silently."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

import grader.collect
from grader.cli import main
from grader.collect import MAX_NOTEBOOK_BYTES, collect
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


def test_lms_zip_is_placed_and_every_refusal_reported(course, tmp_path):
    root, config, notebook = course
    data = notebook.encode()
    symlink = zipfile.ZipInfo("link.ipynb", date_time=MARCH)
    symlink.external_attr = 0o120777 << 16
    archive = _zip(
        tmp_path / "canvas.zip",
        [
            ("smithjohn_12345_678901_quiz.ipynb", data, MARCH),
            ("doejane_LATE_23456_678902_quiz-1.ipynb", data, APRIL),
            ("Ann Lee_34567_assignsubmission_file_quiz.ipynb", data, MARCH),
            ("quiz_jsmith_attempt_2024-03-02-09-30-00_quiz.ipynb", data, APRIL),
            ("quiz_jsmith_attempt_2024-03-02-09-30-00.txt", b"Name: J Smith", APRIL),
            ("folder/alice/quiz.ipynb", data, MARCH),
            ("bob.ipynb", data, MARCH),
            ("bob/quiz.ipynb", data, APRIL),  # bob twice: the newer one wins
            ("../escape.ipynb", data, MARCH),
            ("/abs/olute.ipynb", data, MARCH),
            ("report.pdf", b"%PDF-1.4", MARCH),
            ("!!!.ipynb", data, MARCH),
            ("__MACOSX/._bob.ipynb", b"junk", MARCH),
            ("bomb_99999_1_quiz.ipynb", b"0" * (MAX_NOTEBOOK_BYTES + 1), MARCH),
            ("ratio_88888_1_quiz.ipynb", b" " * (5 * 1024**2), MARCH),
        ],
    )
    with zipfile.ZipFile(archive, "a") as handle:
        handle.writestr(symlink, "/etc/passwd")
    report = collect(config, archive, quiz.ASSIGNMENT)

    placed = {p.student: p for p in report.placed}
    assert sorted(placed) == ["12345", "23456", "34567", "bob", "jsmith"]
    assert placed["23456"].note == "Canvas, late"
    assert placed["jsmith"].timestamp.startswith("2024-03-02 09:30:00")
    assert placed["bob"].source == "bob/quiz.ipynb"
    submitted = _submitted(root)
    assert sorted(submitted) == sorted(placed)
    assert submitted["12345"].startswith("2024-03-01 10:00:00")
    assert (root / "submitted" / "12345" / quiz.ASSIGNMENT / f"{quiz.ASSIGNMENT}.ipynb").read_text() == notebook

    reasons = dict(report.skipped)
    assert "hostile path" in reasons["../escape.ipynb"]
    assert "hostile path" in reasons["/abs/olute.ipynb"]
    assert "symbolic link" in reasons["link.ipynb"]
    assert "not a notebook" in reasons["report.pdf"]
    assert "not a notebook" in reasons["quiz_jsmith_attempt_2024-03-02-09-30-00.txt"]
    assert "no usable student id" in reasons["!!!.ipynb"]
    assert "hidden or system" in reasons["__MACOSX/._bob.ipynb"]
    assert "unexpected folder depth" in reasons["folder/alice/quiz.ipynb"]
    assert "too large" in reasons["bomb_99999_1_quiz.ipynb"]
    assert "zip bomb" in reasons["ratio_88888_1_quiz.ipynb"]
    assert "newer submission" in reasons["bob.ipynb"]
    assert len(report.skipped) == 11
    assert not (tmp_path / "escape.ipynb").exists() and not (root / "escape.ipynb").exists()


def test_folder_keeps_the_newer_submission_and_says_so(course, tmp_path):
    root, config, notebook = course
    handins = tmp_path / "handins"
    (handins / "carol").mkdir(parents=True)
    (handins / "carol" / "my answers.ipynb").write_text(notebook)
    (handins / "dave.ipynb").write_text(notebook)
    (handins / "notes.txt").write_text("not a notebook")
    old = time.time() - 3600
    os.utime(handins / "dave.ipynb", (old, old))
    report = collect(config, handins, quiz.ASSIGNMENT)
    assert sorted(p.student for p in report.placed) == ["carol", "dave"]
    assert [name for name, _ in report.skipped] == ["notes.txt"]

    (handins / "dave.ipynb").write_text(notebook.replace("Quiz", "Quiz (second try)"))  # newer mtime
    older = time.time() - 7200
    os.utime(handins / "carol" / "my answers.ipynb", (older, older))
    report = collect(config, handins, quiz.ASSIGNMENT)
    assert [(p.student, "replaced an older submission" in (p.note or "")) for p in report.placed] == [("dave", True)]
    assert "kept the existing submission of carol" in dict(report.skipped)["carol/my answers.ipynb"]
    assert "second try" in (root / "submitted" / "dave" / quiz.ASSIGNMENT / f"{quiz.ASSIGNMENT}.ipynb").read_text()


def test_folder_stops_taking_notebooks_beyond_the_total_limit(course, tmp_path, monkeypatch):
    root, config, notebook = course
    handins = tmp_path / "handins"
    handins.mkdir()
    for student in ("ann", "ben", "cid"):
        (handins / f"{student}.ipynb").write_text(notebook)
    monkeypatch.setattr(grader.collect, "MAX_TOTAL_BYTES", 2 * len(notebook.encode()))
    report = collect(config, handins, quiz.ASSIGNMENT)
    assert sorted(p.student for p in report.placed) == ["ann", "ben"]
    assert "more than" in dict(report.skipped)["cid.ipynb"]


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
