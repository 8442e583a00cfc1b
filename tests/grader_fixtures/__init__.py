"""Fixtures of the grader's tests: a tiny nbgrader course and its submissions."""
