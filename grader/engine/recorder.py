"""The single writer: put a worker's executed notebooks into nbgrader's gradebook.

This is ``nbgrader autograde`` itself (``NbGraderAPI.autograde``) with two changes made
through its configuration: its submitted folder is the one the workers write their
executed notebooks to (``.grader/<assignment>/executed``), and its execute step is gone
(the notebooks are already executed and sanitized). nbgrader still creates the student
and submission, reads the timestamp, computes late penalties, scores every cell with
``SaveAutoGrades`` and writes the autograded copy, in which nbconvert's ``SanitizeHTML`` has
escaped the student's HTML and dropped scripts (nothing a student wrote runs on the
instructor's pages). A notebook the worker could not read
is not in that folder, so nbgrader scores it 0 as a missing notebook.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades
from sqlalchemy.exc import SAWarning
from traitlets.config import Config


class GradebookWriter:
    """Records executed submissions of one course, one at a time."""

    def __init__(self, config: Config, executed_root: Path) -> None:
        writer_config = copy.deepcopy(config)
        writer_config.CourseDirectory.submitted_directory = str(executed_root)
        writer_config.Autograde.sanitize_preprocessors = []
        writer_config.Autograde.autograde_preprocessors = [
            IgnorePattern,
            ClearMetadataPreprocessor,
            LimitOutput,
            SanitizeHTML,  # formgrader shows this copy on the instructor's Jupyter origin; feedback is made from it
            SaveAutoGrades,
            AssignLatePenalties,
            CheckCellMetadata,
        ]
        writer_config.SanitizeHTML.enabled = True  # nbconvert's preprocessors are off unless enabled
        self.api = NbGraderAPI(config=writer_config)

    def record(self, assignment: str, student: str, submission_dir: Path, executed: list[str]) -> str | None:
        """Grade one submission from its executed notebooks; return an error or None."""
        if not executed:
            return self.record_zero(assignment, student, submission_dir)
        with warnings.catch_warnings():
            # nbgrader 0.9's own autograde makes SQLAlchemy 2 warn "Object ... not in session";
            # stock nbgrader prints the same lines. They say nothing to an instructor.
            warnings.simplefilter("ignore", SAWarning)
            outcome = self.api.autograde(assignment, student, force=True, create=True)
        if not outcome["success"]:
            return f"nbgrader could not record the grades: {outcome.get('error') or outcome['log'][-500:]}"
        return None

    def record_zero(self, assignment: str, student: str, submission_dir: Path) -> str | None:
        """No notebook could be run: score every cell 0, as nbgrader does for missing notebooks."""
        coursedir = self.api.coursedir
        timestamp = coursedir.get_existing_timestamp(str(submission_dir))
        with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
            gradebook.update_or_create_student(student)
            options = {"timestamp": timestamp} if timestamp else {}
            submission = gradebook.update_or_create_submission(assignment, student, **options)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
            gradebook.db.commit()
        return None
