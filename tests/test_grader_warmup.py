"""The modules a kernel imports while it waits: those of the instructor's notebooks, never of their tests
(the examiner imports those too)."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.engine.warmup import modules_imported


def test_the_modules_of_every_code_cell_but_the_tests_in_the_order_they_come():
    test = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}}
    answer = {"nbgrader": {"grade": False, "solution": True, "grade_id": "a"}}
    nb = new_notebook(
        cells=[
            new_markdown_cell("import markdown_is_no_code"),
            new_code_cell("%matplotlib inline\nimport numpy as np, pandas\nfrom tensorflow import keras"),
            new_code_cell("import numpy\nfrom . import relative\nfrom matplotlib.pyplot import plot", metadata=answer),
            new_code_cell("from dlcourse.datasets import hidden_answers", metadata=test),
            new_code_cell("this is not python: import nothing"),
        ]
    )
    assert modules_imported([nb]) == ["numpy", "pandas", "tensorflow", "matplotlib.pyplot"]
    assert modules_imported([nb], tests=True)[-1] == "dlcourse.datasets", "the examiner imports the tests' modules too"
