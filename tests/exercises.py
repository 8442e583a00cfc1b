"""What the exercise tests know about a lab's graded work: its cells, their points, and the wrong decisions.

A *decision exercise* leaves a choice to the student (an activation, a loss, a learning rate, a
diagnosis, a model to ship …) and is checked by what the choice does. Each one has a plausible wrong
decision written down in ``tests/wrong_decisions/<lab>.py``:

    WRONG_DECISIONS = {"ex1-activation": 'circle_activation = "linear"'}

maps an answer cell to what the student writes between its ``### BEGIN SOLUTION`` and
``### END SOLUTION`` lines (the rest of the cell is the same in the student's lab and stays). Write
it without indentation: inside a function it is indented like the lines it replaces.

A wrong decision takes its answer's own test cell (``<answer>-tests``) to zero. Where the lab's later
steps build on that choice (the workshop's do), ``ALSO_ZEROED`` names the further test cells it costs:

    ALSO_ZEROED = {"ex3-network": {"ex5-final-tests"}}
"""

from __future__ import annotations

import ast
import copy
import re
import runpy
import textwrap
from pathlib import Path

import nbformat

WRONG_DECISIONS_DIR = Path(__file__).resolve().parent / "wrong_decisions"
#: A solution region: the indentation of its marker lines (which a replacement keeps) and the code between them.
SOLUTION_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION[ \t]*\n?", re.S | re.M)


def nbgrader_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Every cell nbgrader knows, by its grade_id."""
    known = (cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id"))
    return {cell.metadata.nbgrader.grade_id: cell for cell in known}


def graded_points(notebook: nbformat.NotebookNode) -> dict[str, float]:
    """Points of each graded cell, by grade_id."""
    return {
        grade_id: float(cell.metadata.nbgrader.get("points") or 0)
        for grade_id, cell in nbgrader_cells(notebook).items()
        if cell.metadata.nbgrader.get("grade")
    }


def answer_regions(cell: nbformat.NotebookNode) -> list[str]:
    """The code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in an answer cell."""
    return [region.group(2) for region in SOLUTION_REGION.finditer(cell.source)]


def _settings(assignment: str) -> dict:
    path = WRONG_DECISIONS_DIR / f"{assignment}.py"
    return runpy.run_path(str(path)) if path.is_file() else {}


def wrong_decisions(assignment: str) -> dict[str, str]:
    """Answer cell → the plausible wrong decision a student might write there."""
    return dict(_settings(assignment).get("WRONG_DECISIONS", {}))


def zeroed_by_wrong_decisions(assignment: str) -> set[str]:
    """The test cells that must score nothing when every wrong decision of the lab is made."""
    settings = _settings(assignment)
    zeroed: set[str] = set()
    for answer in settings.get("WRONG_DECISIONS", {}):
        zeroed |= {f"{answer}-tests", *settings.get("ALSO_ZEROED", {}).get(answer, ())}
    return zeroed


def with_wrong_decisions(solution: nbformat.NotebookNode, decisions: dict[str, str]) -> nbformat.NotebookNode:
    """The solution with the solution region of each named answer cell holding its wrong decision instead."""
    notebook = copy.deepcopy(solution)
    cells = nbgrader_cells(notebook)
    for answer, decision in decisions.items():
        cell = cells[answer]
        assert len(answer_regions(cell)) == 1, f"{answer} should have exactly one solution region"
        region = SOLUTION_REGION.search(cell.source)
        replacement = textwrap.indent(textwrap.dedent(decision).strip("\n"), region.group(1)) + "\n"
        cell.source = cell.source[: region.start()] + replacement + cell.source[region.end() :]
        try:  # a wrong decision that does not parse would score nothing for the wrong reason
            ast.parse(cell.source)
        except SyntaxError as error:
            raise AssertionError(f"the wrong decision for {answer} is not valid Python: {error}") from error
    return notebook
