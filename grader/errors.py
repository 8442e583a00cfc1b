"""The grader's refusals: what a user got wrong, said in one line.

Every refusal derives from :class:`GraderError`; the command line prints ``error: <message>``
and exits with 2. Any other exception is a bug in the grader and keeps its traceback.
"""

from __future__ import annotations


class GraderError(Exception):
    """A user's mistake or a machine that cannot grade: a one-line message, no traceback."""
