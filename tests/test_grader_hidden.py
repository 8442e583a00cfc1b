"""grader.hidden: where a test finds hidden data, and the score it reports for the leaderboard."""

from __future__ import annotations

import pytest

from grader import hidden
from grader.hidden import HiddenDataUnavailable, ReportedScore, hidden_file, report_score, take_reported
from grader.leaderboard import Standing, rank, standing_text


def test_the_examiner_finds_hidden_files_in_the_assignments_source_folder(tmp_path, monkeypatch):
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "labels.csv").write_text("id,label\n")
    monkeypatch.setenv(hidden.INSTRUCTOR_FILES_ENV, str(tmp_path))
    monkeypatch.chdir("/")
    assert hidden_file("labels.csv") == tmp_path / "hidden" / "labels.csv"


def test_the_instructors_own_run_finds_them_beside_the_notebook(tmp_path, monkeypatch):
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "labels.csv").write_text("id,label\n")
    monkeypatch.delenv(hidden.INSTRUCTOR_FILES_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert hidden_file("labels.csv").read_text() == "id,label\n"


def test_a_kernel_without_the_hidden_folder_is_told_in_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv(hidden.INSTRUCTOR_FILES_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(HiddenDataUnavailable, match="only the course grader's examiner reads it"):
        hidden_file("labels.csv")


def test_a_reported_score_is_taken_once(capsys):
    report_score(3.25, metric="test MAE", higher_is_better=False)
    assert take_reported() == ReportedScore(3.25, "test MAE", False)
    assert take_reported() is None
    assert "test MAE: 3.25" in capsys.readouterr().out


def test_a_score_that_is_not_a_finite_number_is_refused():
    with pytest.raises(ValueError, match="finite"):
        report_score(float("nan"), metric="test MAE", higher_is_better=False)
    assert take_reported() is None


def test_lower_is_better_ranks_the_smallest_first_and_ties_share_a_rank():
    scores = {name: ReportedScore(value, "MAE", False) for name, value in [("a", 4.0), ("b", 3.0), ("c", 4.0)]}
    assert [(s.student, s.rank) for s in rank(scores)] == [("b", 1), ("a", 2), ("c", 2)]


def test_higher_is_better_ranks_the_largest_first():
    scores = {name: ReportedScore(value, "accuracy", True) for name, value in [("a", 0.8), ("b", 0.9), ("c", 0.7)]}
    assert [(s.student, s.rank) for s in rank(scores)] == [("b", 1), ("a", 2), ("c", 3)]


def test_a_students_standing_names_nobody_else():
    text = standing_text(Standing("alice", ReportedScore(3.9971, "test MAE", False), 2, 17))
    assert "3.997" in text and "rank 2 of 17" in text and "lower is better" in text
    assert "could not be scored" in standing_text(Standing("carol", None, None, 17))
