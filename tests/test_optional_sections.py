"""A lab's optional sections can be skipped: they hold no graded work, and the core never needs them.

A section is optional when its heading says so — ``## 9. Scale up (optional, not graded)`` — and it
runs to the next heading of the same or a higher level. Read from the solutions; one test runs each
lab's core alone in a real kernel.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from bench.notebooks import execute
from conftest import ASSIGNMENTS, SOLUTIONS, notebook_path
from notebook_names import bound_names, python_source, read_before_bound

OPTIONAL_MARK = "(optional, not graded)"
HEADING = re.compile(r"^(#{1,4}) (.+)$", re.M)


def optional_flags(notebook: nbformat.NotebookNode) -> list[bool]:
    """For each cell: does it lie in an optional section?"""
    open_sections: list[tuple[int, bool]] = []  # (heading level, optional) from the outermost in
    flags = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for marks, title in HEADING.findall(cell.source):
                level = len(marks)
                open_sections = [(lvl, opt) for lvl, opt in open_sections if lvl < level]
                open_sections.append((level, OPTIONAL_MARK in title))
        flags.append(any(optional for _, optional in open_sections))
    return flags


def solution(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(notebook_path(SOLUTIONS, assignment), as_version=4)


def core_only(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without its optional sections."""
    flags = optional_flags(notebook)
    notebook.cells = [cell for cell, optional in zip(notebook.cells, flags, strict=True) if not optional]
    return notebook


WITH_OPTIONAL_CODE = [
    assignment
    for assignment in ASSIGNMENTS
    if any(
        optional and cell.cell_type == "code"
        for cell, optional in zip(solution(assignment).cells, optional_flags(solution(assignment)), strict=True)
    )
]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_optional_sections_hold_no_graded_cell(assignment):
    notebook = solution(assignment)
    graded = [
        cell.metadata.nbgrader.grade_id
        for cell, optional in zip(notebook.cells, optional_flags(notebook), strict=True)
        if optional and cell.metadata.get("nbgrader", {}).get("grade")
    ]
    assert not graded, f"{assignment}: graded cells in an optional section: {graded}"


def names_the_core_needs(notebook: nbformat.NotebookNode) -> list[str]:
    """``cell N: name`` for each name a core cell reads that only an optional section bound."""
    bound_by_core: set[str] = set()
    only_optional: set[str] = set()
    needed = []
    for index, (cell, optional) in enumerate(zip(notebook.cells, optional_flags(notebook), strict=True)):
        if cell.cell_type != "code":
            continue
        source = python_source(cell.source)
        if optional:
            only_optional |= bound_names(source) - bound_by_core
            continue
        needed += [f"cell {index}: {name}" for name in sorted(read_before_bound(source) & only_optional)]
        bound_by_core |= bound_names(source)
        only_optional -= bound_by_core
    return needed


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_core_runs_without_the_optional_sections(assignment):
    needed = names_the_core_needs(solution(assignment))
    assert not needed, f"{assignment}: core cells read names only optional sections bind: {needed}"


@pytest.mark.notebook
@pytest.mark.parametrize("assignment", WITH_OPTIONAL_CODE)
def test_the_core_runs_alone(assignment, tmp_path):
    """What the static check above cannot see: files, seeds and state the core might take from the optional parts."""
    execute(notebook_path(SOLUTIONS, assignment), tmp_path, edit=core_only)


def test_a_section_marked_optional_is_found():
    """The marker is read from headings at any level, and a section ends at the next heading of its level."""
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("## 1. Core"),
            nbformat.v4.new_markdown_cell(f"### Going further {OPTIONAL_MARK}"),
            nbformat.v4.new_code_cell("extra = 1"),
            nbformat.v4.new_markdown_cell("## 2. Core again"),
            nbformat.v4.new_code_cell("print(extra)"),
        ]
    )
    assert optional_flags(notebook) == [False, True, True, False, False]
    assert names_the_core_needs(notebook) == ["cell 4: extra"]
