"""The grader's demo: bundled LMS-style submissions and the command that grades them.

``<assignment>.zip`` here are the submissions (``python -m grader.demo.build`` writes them
from the solutions and released labs); ``python -m grader demo`` runs release, collect,
autograde, feedback and export on them in a temporary course.
"""
