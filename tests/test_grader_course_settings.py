"""A course's own nbgrader settings and kernels apply as under stock nbgrader; what cannot run fails alone."""

from __future__ import annotations

import json
import os

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader.autograde import OutcomeStatus, autograde
from grader.engine.sandbox import bwrap_problem
from grader_fixtures import quiz
from grader_fixtures.course import make_course

pytestmark = pytest.mark.kernel  # starts kernels or a Jupyter server

SANDBOX = "bwrap" if bwrap_problem() is None else "none"


def test_a_kernel_missing_here_scores_its_notebook_zero_and_says_why(tmp_path):
    config, released = make_course(tmp_path)
    with Gradebook(config.CourseDirectory.db_url) as gradebook:
        notebook = gradebook.find_notebook(quiz.ASSIGNMENT, quiz.ASSIGNMENT)
        notebook.kernelspec = json.dumps({"name": "julia-1.11", "display_name": "Julia", "language": "julia"})
        gradebook.db.commit()
    for student in ("alice", "bob"):
        quiz.write_submission(tmp_path, student, quiz.answered(released, quiz.HONEST))
    report = autograde(config, quiz.ASSIGNMENT, jobs=2, sandbox=SANDBOX, progress=False)
    assert [(o.student, o.status, o.score) for o in report.outcomes] == [
        ("alice", OutcomeStatus.GRADED, 0),
        ("bob", OutcomeStatus.GRADED, 0),
    ]
    assert all("`julia-1.11` is not installed" in o.reason and "\n" not in o.reason for o in report.outcomes)


@pytest.mark.parametrize("add_missing_cells", [False, True])
def test_a_deleted_test_cell_comes_back_only_if_the_course_says_so(tmp_path, add_missing_cells):
    config, released = make_course(tmp_path)
    config.OverwriteCells.add_missing_cells = add_missing_cells
    submission = quiz.answered(released, quiz.HONEST)
    submission.cells = [c for c in submission.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "add-tests"]
    quiz.write_submission(tmp_path, "alice", submission)
    (outcome,) = autograde(config, quiz.ASSIGNMENT, jobs=1, sandbox=SANDBOX, progress=False).outcomes
    autograded = nbformat.read(next((tmp_path / "autograded" / "alice").rglob("*.ipynb")), as_version=4)
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in autograded.cells]
    assert ("add-tests" in ids) is add_missing_cells
    assert outcome.status is OutcomeStatus.GRADED
    assert outcome.score == sum(quiz.POINTS.values()) - (0 if add_missing_cells else quiz.POINTS["add-tests"])


@pytest.mark.skipif(os.geteuid() != 0, reason="scratch folders have a total size only where the grader runs as root")
def test_a_notebooks_scratch_folder_fills_up_at_the_courses_size(tmp_path):
    config, released = make_course(tmp_path)
    config.GraderLimits.scratch_bytes = 32 * 1024**2
    fill = (
        "import errno\nwritten = 0\n"
        "try:\n"
        "    for index in range(16):\n"  # many files, each far below the per-file limit
        "        with open(f'block-{index}', 'wb') as stream:\n"
        "            stream.write(b'x' * 4 * 1024**2)\n"
        "        written += 4\n"
        "except OSError as error:\n"
        "    print('full' if error.errno == errno.ENOSPC else error, 'after', written, 'MB')\n"
    )
    answers = {**quiz.HONEST, "add": quiz.HONEST["add"] + "\n\n" + fill}
    quiz.write_submission(tmp_path, "alice", quiz.answered(released, answers))
    (outcome,) = autograde(config, quiz.ASSIGNMENT, jobs=1, sandbox=SANDBOX, progress=False).outcomes
    autograded = nbformat.read(next((tmp_path / "autograded" / "alice").rglob("*.ipynb")), as_version=4)
    printed = " ".join(o.get("text", "") for cell in autograded.cells for o in cell.get("outputs", []))
    assert "full after" in printed and int(printed.split("after")[1].split()[0]) < 32, printed
    assert outcome.score == sum(quiz.POINTS.values()), "a full folder costs the student nothing else"


@pytest.mark.parametrize("preload", [["wave"], []])
def test_a_kernel_imports_what_the_course_preloads_while_it_waits(tmp_path, preload):
    config, released = make_course(tmp_path)
    config.GraderKernels.preload = preload
    answers = {**quiz.HONEST, "add": quiz.HONEST["add"] + "\n\nimport sys\nprint('warm:', 'wave' in sys.modules)"}
    for student in ("alice", "bob"):
        quiz.write_submission(tmp_path, student, quiz.answered(released, answers))
    report = autograde(config, quiz.ASSIGNMENT, jobs=1, sandbox=SANDBOX, progress=False)
    assert [o.score for o in report.outcomes] == [sum(quiz.POINTS.values())] * 2
    printed = []
    for student in ("alice", "bob"):
        autograded = nbformat.read(next((tmp_path / "autograded" / student).rglob("*.ipynb")), as_version=4)
        printed += [
            o.text.split()[-1]
            for cell in autograded.cells
            for o in cell.get("outputs", [])
            if "warm:" in o.get("text", "")
        ]
    # alice's kernel started when she was graded; bob's waited for him, importing what the course preloads
    assert printed == ["False", "True" if preload else "False"]
