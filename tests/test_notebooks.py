"""Every solution notebook runs top to bottom, at its real settings, without warnings.

How fast is measured by `make bench` (bench/solutions.py), not here: a busy machine is no test failure.
"""

from __future__ import annotations

import pytest

from bench.notebooks import execute, output_texts
from conftest import ASSIGNMENTS, NOTEBOOK_SECONDS, SOLUTIONS, notebook_path, read_solution

FORBIDDEN_WARNINGS = ("DeprecationWarning", "FutureWarning")


@pytest.mark.notebook
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_runs_without_warnings(assignment, tmp_path):
    notebook, seconds = execute(notebook_path(SOLUTIONS, assignment), tmp_path)
    NOTEBOOK_SECONDS[assignment] = seconds

    warnings = [text for text in output_texts(notebook) if any(w in text for w in FORBIDDEN_WARNINGS)]
    assert not warnings, f"{assignment} printed deprecation/future warnings:\n" + "\n".join(warnings)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_is_committed_without_outputs(assignment):
    notebook = read_solution(assignment)
    with_outputs = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and cell.outputs]
    assert not with_outputs, f"clear the outputs of cells {with_outputs} before committing {assignment}"
