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
from conftest import ASSIGNMENTS, SOLUTIONS, notebook_path, read_solution
from notebook_names import bound_names, python_source, read_before_bound, read_names

OPTIONAL_MARK = "(optional, not graded)"
HEADING = re.compile(r"^(#{1,4}) (.+)$", re.M)
FENCED_CODE = re.compile(r"^```.*?^```", re.M | re.S)


def parts_and_states(notebook: nbformat.NotebookNode) -> list[list[tuple[str, bool]]]:
    """For each cell, its parts split at headings, each with whether it lies in an optional section.

    A cell without headings is one part in the state of the cell before it."""
    open_sections: list[tuple[int, bool]] = []  # (heading level, optional) from the outermost in
    cells = []
    for cell in notebook.cells:
        text = FENCED_CODE.sub("", cell.source) if cell.cell_type == "markdown" else ""
        found = list(HEADING.finditer(text))
        parts = [(text[: found[0].start()] if found else cell.source, any(o for _, o in open_sections))]
        for index, heading in enumerate(found):
            level = len(heading.group(1))
            open_sections = [(lvl, opt) for lvl, opt in open_sections if lvl < level]
            open_sections.append((level, OPTIONAL_MARK in heading.group(2)))
            end = found[index + 1].start() if index + 1 < len(found) else len(text)
            parts.append((text[heading.start() : end], any(o for _, o in open_sections)))
        cells.append([(part, optional) for part, optional in parts if part.strip()] or parts[-1:])
    return cells


def optional_flags(notebook: nbformat.NotebookNode) -> list[bool]:
    """For each cell: does it lie in an optional section (by its last part)?"""
    return [parts[-1][1] for parts in parts_and_states(notebook)]


def core_only(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without its optional sections."""
    flags = optional_flags(notebook)
    notebook.cells = [cell for cell, optional in zip(notebook.cells, flags, strict=True) if not optional]
    return notebook


def has_optional_code(assignment: str) -> bool:
    notebook = read_solution(assignment)
    flags = optional_flags(notebook)
    return any(optional and cell.cell_type == "code" for cell, optional in zip(notebook.cells, flags, strict=True))


WITH_OPTIONAL_CODE = [assignment for assignment in ASSIGNMENTS if has_optional_code(assignment)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_optional_sections_begin_and_end_at_cell_boundaries(assignment):
    """A cell is either core or optional, so that the core can be run and read without the rest."""
    cells = parts_and_states(read_solution(assignment))
    mixed = [index for index, parts in enumerate(cells) if len({optional for _, optional in parts}) > 1]
    assert not mixed, f"{assignment}: cells {mixed} hold core and optional text; split them at the heading"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_optional_sections_hold_no_graded_cell(assignment):
    notebook = read_solution(assignment)
    graded = [
        cell.metadata.nbgrader.grade_id
        for cell, optional in zip(notebook.cells, optional_flags(notebook), strict=True)
        if optional and cell.metadata.get("nbgrader", {}).get("grade")
    ]
    assert not graded, f"{assignment}: graded cells in an optional section: {graded}"


def names_the_core_needs(notebook: nbformat.NotebookNode) -> list[str]:
    """``cell N: name`` for each name a core cell reads whose last binding was in an optional section."""
    only_optional: set[str] = set()
    needed = []
    for index, (cell, optional) in enumerate(zip(notebook.cells, optional_flags(notebook), strict=True)):
        if cell.cell_type != "code":
            continue
        source = python_source(cell.source)
        if optional:
            only_optional |= bound_names(source)  # new names, and core names it binds again
            continue
        needed += [f"cell {index}: {name}" for name in sorted(read_before_bound(source) & only_optional)]
        only_optional -= bound_names(source)
    return needed


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_core_runs_without_the_optional_sections(assignment):
    needed = names_the_core_needs(read_solution(assignment))
    assert not needed, f"{assignment}: core cells read names last bound in an optional section: {needed}"


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
            nbformat.v4.new_markdown_cell("```\n# a comment in a code block, not a heading\n```"),
            nbformat.v4.new_markdown_cell("## 2. Core again\n\nAnd a last word."),
            nbformat.v4.new_code_cell("print(extra)"),
            nbformat.v4.new_markdown_cell(f"Core text.\n\n## 3. Going further {OPTIONAL_MARK}"),
        ]
    )
    assert optional_flags(notebook) == [False, True, True, True, False, False, True]
    assert names_the_core_needs(notebook) == ["cell 5: extra"]
    assert [len({o for _, o in parts}) for parts in parts_and_states(notebook)] == [1, 1, 1, 1, 1, 1, 2]


def test_names_are_read_and_bound_at_the_notebooks_top_level_only():
    source = python_source(
        "import numpy as np\n"
        "def scale(values, factor=2):\n"
        "    local = values * factor * weight\n"
        "    return [item for item in local]\n"
        "total = scale(np.ones(3))\n"
        "%matplotlib inline\n"
    )
    assert bound_names(source) == {"np", "scale", "total"}
    assert read_names(source) - {"get_ipython"} == {"np", "scale", "weight"}
    assert read_before_bound(source) - {"get_ipython"} == {"weight"}


def test_a_read_before_the_binding_in_the_same_cell_counts():
    assert read_before_bound("count += 1") == {"count"}
    assert read_before_bound("count = 0\ncount += 1") == set()
    assert read_before_bound("for layer in layers:\n    print(layer)") == {"layers", "print"}
    assert read_before_bound("with open(path) as stream:\n    text = stream.read()") == {"open", "path"}
