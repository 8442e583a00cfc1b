"""nbgrader configuration for this course.

Solutions are nbgrader's *source*, the student labs its *release*. Everything nbgrader
creates while grading (gradebook, submissions, autograded copies, feedback) lives under
the git-ignored ``grading/`` folder so that it never mixes with the course material.
"""

import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

course_root = Path(__file__).resolve().parent.parent
if str(course_root) not in sys.path:  # nbgrader's own command line can then find grader.course_address
    sys.path.insert(0, str(course_root))

from nbgrader.converters import GenerateAssignment  # noqa: E402
from nbgrader.coursedir import CourseDirectory  # noqa: E402

from grader.course_address import CourseAddress  # noqa: E402 - needs the course root on sys.path

c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.root = str(course_root)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.db_url = f"sqlite:///{course_root / 'grading' / 'gradebook.db'}"

# Student labs: a clear stub where the solution was, outputs cleared.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearOutputNotebook.enabled = True
# The course's address, the one place it is written: released labs get their Colab badge and the
# Setup cell's clone address from it. A fork sets its own and runs `make release`.
c.CourseAddress.repository = "https://github.com/dl-course/deep-learning-tf-keras"
c.GenerateAssignment.preprocessors = [CourseAddress, *GenerateAssignment.class_traits()["preprocessors"].default()]
# Labs may train models: give a cell up to five minutes before nbgrader gives up on it.
c.ExecutePreprocessor.timeout = 300

# An assignment's hidden/ folder (test labels, see grader/hidden.py) is never released and never copied
# to a kernel: only the grader's examiner reads it.
c.CourseDirectory.ignore = [*CourseDirectory.class_traits()["ignore"].default(), "hidden"]
# A test cell a student deleted comes back from the gradebook (nbgrader's default leaves it out).
c.OverwriteCells.add_missing_cells = True
# The grader's sandbox: what student kernels may read besides the system and their Python.
c.GraderSandbox.readonly_paths = ["dlcourse", "datasets"]
