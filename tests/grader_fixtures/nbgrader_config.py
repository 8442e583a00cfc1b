"""nbgrader configuration of the grader's test course: nbgrader's default layout, tight limits."""

from pathlib import Path

c = get_config()  # noqa: F821

root = Path(__file__).resolve().parent
c.CourseDirectory.course_id = "quiz-course"
c.CourseDirectory.root = str(root)
c.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
# A test cell a student deleted comes back from the gradebook (nbgrader's default leaves it out).
c.OverwriteCells.add_missing_cells = True
c.GraderLimits.cell_seconds = 15
c.GraderLimits.memory_bytes = 1024**3
c.GraderLimits.output_bytes = 200_000
