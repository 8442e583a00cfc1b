"""The per-exercise view's arithmetic: pass rates, hard exercises and unusual grading times."""

from __future__ import annotations

from grader.engine.jobs import NotebookResult, NotebookStatus, SubmissionResult
from grader.exercise_report import ExerciseStat, grading_times, unusual_times


def test_an_exercise_most_of_the_class_failed_is_hard():
    assert ExerciseStat("ex1", 2, submissions=10, passed=4, mean_score=0.9).hard
    assert not ExerciseStat("ex2", 2, submissions=10, passed=5, mean_score=1.0).hard
    assert not ExerciseStat("ex3", 2, submissions=0, passed=0, mean_score=0).hard, "no submissions, no verdict"


def test_times_far_from_the_median_are_unusual_both_ways():
    times = {"a": 10.0, "b": 12.0, "c": 11.0, "loop": 300.0, "skipped": 1.0}
    assert unusual_times(times) == {"loop": 300.0, "skipped": 1.0}
    assert unusual_times({"a": 1.0, "b": 100.0}) == {}, "two submissions have no meaningful median"


def test_grading_times_add_up_the_notebooks_of_each_result(tmp_path):
    results = tmp_path / "lab" / "results"
    for student, seconds in {"alice": [3.5, 1.5], "bob": [7.0]}.items():
        notebooks = {f"nb{i}": NotebookResult(NotebookStatus.EXECUTED, seconds=s) for i, s in enumerate(seconds)}
        notebooks["late"] = NotebookResult(NotebookStatus.MISSING, "not submitted")
        SubmissionResult("fingerprint", notebooks).save(results / f"{student}.json")
    (results / "broken.json").write_text("{not json")
    assert grading_times(tmp_path, "lab") == {"alice": 5.0, "bob": 7.0}
