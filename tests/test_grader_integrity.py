"""Cheating submissions score 0 where they cheat, an honest one full marks, in the same real run."""

from __future__ import annotations

import json
import socketserver
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader.autograde import AutogradeReport, autograde
from grader.engine.sandbox import bwrap_problem
from grader_fixtures import quiz
from grader_fixtures.course import make_course

pytestmark = pytest.mark.kernel  # starts kernels or a Jupyter server

#: Cheats only a sandbox can stop; without bubblewrap they are not part of the run.
NEEDS_SANDBOX = {"read-solution", "read-other-student", "network", "fork-bomb"}
#: Cheats aimed at one exercise (the others are answered honestly): cell -> expected score.
PARTIAL = {
    "assert-helpers": {"add-tests": 2, "mean-tests": 3, "scale-tests": 0},
    "builtins": {"add-tests": 2, "mean-tests": 0, "scale-tests": 2},
}
CHEATS = sorted(
    [
        "no-tracebacks",
        "swallow-errors",
        "assert-helpers",
        "builtins",
        "sys-exit",
        "os-exit",
        "kill-kernel",
        "infinite-loop",
        "memory-bomb",
        "huge-output",
        "read-solution",
        "read-other-student",
        "network",
        "fork-bomb",
        "edit-tests",
        "delete-tests",
        "markdown-tests",
        "broken-json",
        "future-nbformat",
    ]
)
#: Cheats that would reach into a test running in the student's kernel (the examiner runs it elsewhere).
EXAMINER_CHEATS = sorted(
    [
        "background-thread",
        "builtins-entry",
        "display-hook",
        "fake-numpy",
        "lying-array",
        "lying-float",
        "lying-list",
        "read-history",
        "replace-import",
        "stack-frames",
    ]
)
SANDBOX = "bwrap" if bwrap_problem() is None else "none"


@dataclass
class Run:
    """One real autograde run of the quiz's submissions."""

    report: AutogradeReport
    scores: dict[str, dict[str, float]]
    cheats: list[str]
    course: Path


class _AnswerServer(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall("\n\n".join(quiz.HONEST.values()).encode())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One real run of every submission through the grader."""
    course = tmp_path_factory.mktemp("course")
    config, released = make_course(course)
    server = socketserver.TCPServer(("127.0.0.1", 0), _AnswerServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    quiz.write_submission(course, "honest", quiz.answered(released, quiz.HONEST))
    quiz.write_submission(course, "untouched", released)
    cheats = quiz.cheating_notebooks(released, course, server.server_address[1])
    cheats |= quiz.examiner_cheating_notebooks(released)
    for name, content in cheats.items():
        if SANDBOX == "bwrap" or name not in NEEDS_SANDBOX:
            quiz.write_submission(course, name, content)
    report = autograde(config, quiz.ASSIGNMENT, jobs=2, sandbox=SANDBOX, progress=False)
    server.shutdown()
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        scores = {
            submission.student.id: {grade.name: grade.score for nb in submission.notebooks for grade in nb.grades}
            for submission in gradebook.assignment_submissions(quiz.ASSIGNMENT)
        }
    return Run(report, scores, sorted(cheats), course)


def test_every_submission_is_graded_and_the_honest_one_earns_everything(graded):
    assert [o for o in graded.report.outcomes if o.status != "graded"] == []
    assert graded.scores["honest"] == quiz.POINTS


def test_untouched_lab_earns_nothing(graded):
    assert set(graded.scores["untouched"].values()) == {0}


@pytest.mark.parametrize("cheat", CHEATS + EXAMINER_CHEATS)
def test_cheat_scores_zero_where_it_cheats(graded, cheat):
    if cheat not in graded.scores:
        pytest.skip(f"needs the bubblewrap sandbox: {bwrap_problem()}")
    expected = PARTIAL.get(cheat, {cell: 0 for cell in quiz.POINTS})
    assert graded.scores[cheat] == expected


def test_every_cheat_of_the_fixture_is_checked(graded):
    fixtures = set(quiz.examiner_cheating_notebooks(quiz.source_notebook()))
    assert fixtures == set(EXAMINER_CHEATS)
    assert set(graded.cheats) == set(CHEATS) | fixtures


def test_a_notebook_that_prints_its_history_sees_no_test_code(graded):
    autograded = nbformat.read(next((graded.course / "autograded" / "read-history").rglob("*.ipynb")), 4)
    printed = json.dumps([o for cell in autograded.cells for o in cell.get("outputs", []) if o.output_type == "stream"])
    assert "print(In)" in printed  # the history it printed: its own cells only
    leaked = [line for line in quiz.hidden_test_lines(quiz.source_notebook()) if json.dumps(line)[1:-1] in printed]
    assert leaked == [] and "assert add(1, 2) == 3" not in printed
