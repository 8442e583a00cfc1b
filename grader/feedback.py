"""HTML feedback for students: nbgrader's ``generate_feedback`` without the hidden tests.

nbgrader's feedback shows the autograded notebook as it is, which gives away the hidden
tests twice: in the test cells' source and in the tracebacks of failed tests (IPython
prints the failing lines). Here nbgrader's converter runs with two more steps:
``ClearHiddenTests`` removes the hidden region from every cell's source, and
:class:`TrimTestErrors` cuts each test cell's outputs down to ``ename: evalue`` of its
errors (the assertion's message, written for the student) and drops any output that
mentions the examiner's module in the kernel or its test labels. For an assignment graded on
hidden data, :class:`AddStanding` puts the student's own score and rank at the top.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat.v4 import new_markdown_cell, new_output
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor
from traitlets import Dict
from traitlets.config import Config

from grader.engine.cells import is_test_cell
from grader.errors import GraderError

#: Traces of the grader in outputs: the examiner's module name in the kernel and its test labels.
GRADER_TRACES = re.compile(r"_grader_link_[0-9a-f]+|<test [^>]*>")


class TrimTestErrors(NbGraderPreprocessor):
    """Keep only ``ename: evalue`` of a test cell's errors; drop its other outputs."""

    def preprocess_cell(self, cell, resources, cell_index):
        if not is_test_cell(cell):
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if not GRADER_TRACES.search(str(o))]
            return cell, resources
        trimmed = []
        for output in cell.get("outputs", []):
            if output.output_type != "error":
                continue  # prints of hidden tests (or their values) could reveal them
            ename = str(output.get("ename", "Error"))
            evalue = GRADER_TRACES.sub("", str(output.get("evalue", "")))
            line = f"{ename}: {evalue}" if evalue else ename
            trimmed.append(new_output("error", ename=ename, evalue=evalue, traceback=[line]))
        cell.outputs = trimmed
        return cell, resources


class AddStanding(NbGraderPreprocessor):
    """Put the student's own score on the hidden data and their rank above the notebook."""

    standings = Dict(help="student -> the text of their standing (grader.leaderboard.standing_text)").tag(config=True)

    def preprocess(self, nb, resources):
        text = self.standings.get(resources.get("nbgrader", {}).get("student"))
        if text:
            nb.cells.insert(0, new_markdown_cell(text))
        return nb, resources


def feedback_config(config: Config, assignment: str | None = None) -> Config:
    """The course's configuration with the feedback converter's safe preprocessors (and, for an
    assignment graded on hidden data, every student's standing)."""
    from grader.leaderboard import leaderboard, standing_text

    safe = copy.deepcopy(config)
    safe.GenerateFeedback.preprocessors = [
        GetGrades,
        ClearHiddenTests,
        TrimTestErrors,
        AddStanding,
        CSSHTMLHeaderPreprocessor,
    ]
    if assignment is not None:
        safe.AddStanding.standings = {s.student: standing_text(s) for s in leaderboard(config, assignment)}
    return safe


class FeedbackFailed(GraderError):
    """Some students' feedback could not be written; ``written`` holds everyone else's."""

    def __init__(self, written: dict[str, list[Path]], failures: dict[str, str]) -> None:
        listed = "; ".join(f"{student}: {reason}" for student, reason in failures.items())
        super().__init__(f"no feedback for {len(failures)} of {len(failures) + len(written)} students ({listed})")
        self.written = written


def _reason(outcome: dict) -> str:
    """The last line nbgrader wrote about a failure, without the exception's module path."""
    lines = [line.strip() for line in (outcome.get("error") or outcome.get("log") or "").splitlines() if line.strip()]
    last = lines[-1] if lines else "nbgrader failed without saying why"
    return re.sub(r"^(\[ERROR\] |[\w.]+(Error|Exception): )", "", last)[:300]


def generate_feedback(
    config: Config, assignment: str, students: list[str] | None = None, force: bool = True
) -> dict[str, list[Path]]:
    """Write each autograded student's feedback; return student -> HTML files written.

    Raises :class:`FeedbackFailed` after trying every student if any of them failed.
    """
    api = NbGraderAPI(config=feedback_config(config, assignment))
    coursedir: CourseDirectory = api.coursedir
    autograded = Path(coursedir.format_path(coursedir.autograded_directory, ".", assignment)).parent
    available = sorted(p.name for p in autograded.iterdir() if (p / assignment).is_dir()) if autograded.is_dir() else []
    written: dict[str, list[Path]] = {}
    failures: dict[str, str] = {}
    for student in students or available:
        if student not in available:
            failures[student] = "nothing autograded (run autograde first)"
            continue
        outcome = api.generate_feedback(assignment, student, force=force)
        if not outcome["success"]:
            failures[student] = _reason(outcome)
            continue
        folder = Path(coursedir.format_path(coursedir.feedback_directory, student, assignment))
        written[student] = sorted(folder.glob("*.html"))
    if failures:
        raise FeedbackFailed(written, failures)
    return written
