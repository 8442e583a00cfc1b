"""Feedback never shows hidden tests; the export has every score, a summary and plots."""

from __future__ import annotations

import csv
import html
import re

import nbformat
import pytest

from grader.autograde import autograde
from grader.cli import main
from grader.export import export_grades, grade_table
from grader.feedback import generate_feedback
from grader_fixtures import quiz
from grader_fixtures.course import make_course

pytestmark = pytest.mark.kernel  # starts kernels or a Jupyter server

FULL = sum(quiz.POINTS.values())


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    config, released = make_course(root)
    quiz.write_submission(root, "honest", quiz.answered(released, quiz.HONEST))
    quiz.write_submission(root, "wrong", quiz.answered(released, quiz.WRONG))
    quiz.write_submission(root, "half", quiz.answered(released, {**quiz.HONEST, "mean": quiz.WRONG["mean"]}))
    quiz.write_submission(root, "untouched", released)
    quiz.write_submission(root, "no-tracebacks", quiz.cheating_notebooks(released, root, 1)["no-tracebacks"])
    autograde(config, quiz.ASSIGNMENT, jobs=2, sandbox="none", progress=False)
    return root, config


def _text(path) -> str:
    """The HTML's visible text: tags stripped (highlighting splits lines into spans), entities decoded."""
    page = re.sub(r"<(style|script)\b.*?</\1>", "", path.read_text(), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_feedback_hides_hidden_tests_and_their_tracebacks(course):
    root, config = course
    written = generate_feedback(config, quiz.ASSIGNMENT)
    assert sorted(written) == ["half", "honest", "no-tracebacks", "untouched", "wrong"]
    source = nbformat.read(root / "source" / quiz.ASSIGNMENT / f"{quiz.ASSIGNMENT}.ipynb", as_version=4)
    hidden = quiz.hidden_test_lines(source)
    assert hidden
    for student, files in written.items():
        assert len(files) == 1, student
        text = _text(files[0])
        for line in hidden:
            assert line not in text, (student, line)
        for line in ("BEGIN HIDDEN TESTS", "_grader_link_", "<test ", "Traceback"):
            assert line not in text, (student, line)
        assert 'assert add(1, 2) == 3, "add(1, 2) should be 3"' in text, student
    wrong = _text(written["wrong"][0])
    assert "AssertionError: add(1, 2) should be 3" in wrong
    assert re.search(r"Score:\s*0(\.0)?\s*/\s*7", wrong)


def test_export_has_every_score_a_summary_and_plots(course, tmp_path):
    _, config = course
    report = export_grades(config, tmp_path / "grades.csv")
    with open(report.csv) as stream:
        rows = {row["student"]: row for row in csv.DictReader(stream)}
    assert {s: float(r["score"]) for s, r in rows.items()} == {
        "half": FULL - 3,
        "honest": FULL,
        "no-tracebacks": 0,
        "untouched": 0,
        "wrong": 0,
    }
    assert {r["max_score"] for r in rows.values()} == {str(float(FULL))}
    with open(report.summary_csv) as stream:
        (summary,) = list(csv.DictReader(stream))
    assert summary["assignment"] == quiz.ASSIGNMENT and summary["submissions"] == "5"
    assert float(summary["mean"]) == pytest.approx((FULL + FULL - 3) / 5)
    assert float(summary["median"]) == 0
    png = report.plots[quiz.ASSIGNMENT]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = grade_table(report.rows)
    assert "honest" in table and f"{FULL}/{FULL}" in table and f"{FULL - 3}/{FULL}" in table


def test_cli_export_and_feedback(course, tmp_path, capsys):
    root, _ = course
    config_file = str(root / "nbgrader_config.py")
    assert main(["--config", config_file, "export", "--output", str(tmp_path / "out.csv")]) == 0
    assert (tmp_path / "out.csv").is_file() and (tmp_path / f"out-{quiz.ASSIGNMENT}.png").is_file()
    assert main(["--config", config_file, "feedback", quiz.ASSIGNMENT, "--student", "honest"]) == 0
    output = capsys.readouterr().out
    assert "honest" in output and ".html" in output


def test_feedback_that_fails_for_some_students_is_one_line_and_writes_the_rest(course, capsys):
    root, _ = course
    config_file = str(root / "nbgrader_config.py")
    argv = ["--config", config_file, "feedback", quiz.ASSIGNMENT, "--student", "honest", "--student", "ghost"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    assert captured.err.startswith("error: no feedback for 1 of 2 students (ghost: nothing autograded")
    assert "honest" in captured.out and ".html" in captured.out


def test_cli_export_fills_a_canvas_gradebook_from_the_real_gradebook(course, tmp_path, capsys):
    root, _ = course
    canvas = tmp_path / "canvas-export.csv"
    canvas.write_text(
        f"Student,ID,SIS User ID,SIS Login ID,Section,{quiz.ASSIGNMENT} (101),Current Score\n"
        f"    Points Possible,,,,,{FULL}.00,(read only)\n"
        "Honest Student,honest,,,A,,0\nNew Student,newcomer,,,A,,0\n"
    )
    output = tmp_path / "canvas-import.csv"
    assert (
        main(
            [
                "--config",
                str(root / "nbgrader_config.py"),
                "export",
                "--format",
                "canvas",
                "--lms-file",
                str(canvas),
                "--output",
                str(output),
            ]
        )
        == 0
    )
    with open(output, newline="") as stream:
        rows = {row["ID"]: row for row in csv.DictReader(stream)}
    assert float(rows["honest"][f"{quiz.ASSIGNMENT} (101)"]) == FULL
    assert rows["newcomer"][f"{quiz.ASSIGNMENT} (101)"] == ""
    printed = capsys.readouterr().out
    assert "not in the gradebook (left blank): newcomer" in printed
    assert "not in the canvas file (not exported): half, no-tracebacks, untouched, wrong" in printed


def test_export_shows_each_exercise_and_flags_the_ones_most_failed(course, tmp_path):
    _, config = course
    report = export_grades(config, tmp_path / "grades.csv")
    stats = {s.exercise: s for s in report.exercises[quiz.ASSIGNMENT]}
    assert set(stats) == set(quiz.POINTS)
    assert {name: s.passed for name, s in stats.items()} == {"add-tests": 2, "mean-tests": 1, "scale-tests": 2}
    assert stats["mean-tests"].mean_score == pytest.approx(3 / 5) and stats["mean-tests"].hard
    with open(report.exercise_csvs[quiz.ASSIGNMENT]) as stream:
        rows = {row["exercise"]: row for row in csv.DictReader(stream)}
    assert rows["add-tests"]["pass_rate"] == "0.4" and rows["add-tests"]["hard"] == "yes"
    assert report.exercise_plots[quiz.ASSIGNMENT].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
