"""The instructor's grading pipeline, built on nbgrader. Run ``python -m grader --help``."""
