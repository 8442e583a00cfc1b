"""The graded work of every lab asks students to decide, not to copy, and gives no answer away.

Read from the solution and the released lab; no kernel runs here. What a wrong decision scores is
graded in tests/test_autograde.py.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from conftest import ASSIGNMENTS, LABS, notebook_path, read_solution
from exercises import (
    answer_regions,
    graded_points,
    nbgrader_cells,
    with_wrong_decisions,
    wrong_decisions,
    zeroed_by_wrong_decisions,
)
from notebook_names import bound_names, python_source, read_before_bound

#: A line shorter than this (without spaces) is an idiom such as ``model.fit(``, not an answer.
SUBSTANTIAL_LINE = 16
#: Another cell that holds this share of an answer's substantial lines gives the answer away.
GIVEAWAY_SHARE = 0.5


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_lab_has_at_least_four_graded_exercises(assignment):
    graded = graded_points(read_solution(assignment))
    assert len(graded) >= 4, f"{assignment} has {len(graded)} graded exercises: {sorted(graded)}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_third_of_the_points_go_to_decisions(assignment):
    points = graded_points(read_solution(assignment))
    decided = sum(points[cell] for cell in zeroed_by_wrong_decisions(assignment))
    total = sum(points.values())
    assert decided >= total / 3, (
        f"{assignment}: {decided:g} of {total:g} points go to decisions (see tests/wrong_decisions/{assignment}.py)"
    )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_wrong_decisions_name_cells_of_the_lab(assignment):
    notebook = read_solution(assignment)
    cells = nbgrader_cells(notebook)
    answers = {grade_id for grade_id, cell in cells.items() if cell.metadata.nbgrader.get("solution")}
    where = f"tests/wrong_decisions/{assignment}.py"
    assert set(wrong_decisions(assignment)) <= answers, f"{where} names cells that are no answer cells"
    graded = set(graded_points(notebook))
    assert zeroed_by_wrong_decisions(assignment) <= graded, f"{where} names cells that are no graded cells"


def squeezed(text: str) -> str:
    """Text without whitespace, so that layout does not hide a copied line."""
    return re.sub(r"\s+", "", text)


def substantial_lines(code: str) -> set[str]:
    """The lines of an answer that say something (no comments, no short idioms), squeezed."""
    lines = (squeezed(line) for line in code.splitlines() if not line.strip().startswith("#"))
    return {line for line in lines if len(line) >= SUBSTANTIAL_LINE}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_answer_is_shown_in_another_cell_of_the_student_lab(assignment):
    student_lab = nbformat.read(notebook_path(LABS, assignment), as_version=4)
    released = {cell.id: squeezed(cell.source) for cell in student_lab.cells}
    giveaways = []
    for grade_id, cell in nbgrader_cells(read_solution(assignment)).items():
        answer = substantial_lines("\n".join(answer_regions(cell)))
        if not cell.metadata.nbgrader.get("solution") or not answer:
            continue
        for other_id, other in released.items():
            shown = sum(line in other for line in answer) / len(answer)
            if other_id != cell.id and shown >= GIVEAWAY_SHARE:
                giveaways.append(f"{grade_id} in cell {other_id} ({shown:.0%} of its lines)")
    assert not giveaways, f"the student lab of {assignment} shows answers: {giveaways}"


def shadowed_reads(notebook: nbformat.NotebookNode) -> list[str]:
    """Reads by a test cell of a name an earlier test cell bound and a notebook cell bound again since.

    The examiner keeps the names a test binds for the later tests, so those read the test's value
    where stock nbgrader (one namespace for all) would read the notebook's. Tests avoid such names.
    """
    bound_by_tests: set[str] = set()
    rebound: set[str] = set()
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        source = python_source(cell.source)
        is_test = cell.metadata.get("nbgrader", {}).get("grade") and not cell.metadata.nbgrader.get("solution")
        if is_test:
            found += [f"cell {index}: {name}" for name in sorted(read_before_bound(source) & rebound)]
            bound_by_tests |= bound_names(source)
            rebound -= bound_names(source)
        else:
            rebound |= bound_names(source) & bound_by_tests
    return found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_test_reads_a_name_of_an_earlier_test_that_the_notebook_bound_again(assignment):
    shadowed = shadowed_reads(read_solution(assignment))
    assert not shadowed, f"{assignment}: tests would read an earlier test's value instead of the notebook's: {shadowed}"


def test_a_test_name_bound_again_by_the_notebook_is_found():
    first_test, second_test = nbformat.v4.new_code_cell("rows = 3"), nbformat.v4.new_code_cell("assert rows > 5")
    for test in (first_test, second_test):
        test.metadata["nbgrader"] = {"grade_id": "t", "grade": True, "solution": False, "points": 1}
    student = nbformat.v4.new_code_cell("rows = 10")
    assert shadowed_reads(nbformat.v4.new_notebook(cells=[first_test, student, second_test])) == ["cell 2: rows"]
    assert shadowed_reads(nbformat.v4.new_notebook(cells=[student, first_test, second_test])) == []


def answer_notebook(source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source, id="answer")
    cell.metadata["nbgrader"] = {"grade_id": "ex1-pick", "solution": True, "grade": False}
    return nbformat.v4.new_notebook(cells=[cell])


def test_a_wrong_decision_replaces_only_the_solution_region_at_its_indentation():
    body = '    ### BEGIN SOLUTION\n    return "tanh"\n    ### END SOLUTION\n'
    solution = answer_notebook('def pick():\n    """Choose."""\n' + body + "\nprint(pick())")
    wrong = with_wrong_decisions(solution, {"ex1-pick": 'choice = "linear"\nreturn choice'})
    assert wrong.cells[0].source == (
        'def pick():\n    """Choose."""\n    choice = "linear"\n    return choice\n\nprint(pick())'
    )
    assert "tanh" in solution.cells[0].source, "the solution itself stays as it was"


def test_a_wrong_decision_that_is_no_python_is_refused():
    solution = answer_notebook("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    with pytest.raises(AssertionError, match="not valid Python"):
        with_wrong_decisions(solution, {"ex1-pick": "x = = 2"})
