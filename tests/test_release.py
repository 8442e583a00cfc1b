"""labs/ is generated from solutions/ by nbgrader and never edited by hand."""
from __future__ import annotations

import nbformat
import pytest

from conftest import ASSIGNMENTS, LABS, scratch_course


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    """What `make release` would write, generated into a scratch copy of the course."""
    course = tmp_path_factory.mktemp("course")
    scratch_course(course)
    return course / "labs"


def test_every_solution_has_a_lab_and_no_lab_is_orphaned():
    labs = sorted(p.name for p in LABS.iterdir() if p.is_dir())
    assert labs == ASSIGNMENTS, "run `make release`: labs/ and solutions/ hold different assignments"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_lab_matches_its_solution(assignment, fresh_release):
    expected = {p.name: p.read_text() for p in (fresh_release / assignment).rglob("*") if p.is_file()}
    actual = {p.name: p.read_text() for p in (LABS / assignment).rglob("*") if p.is_file()}
    assert actual.keys() == expected.keys(), f"labs/{assignment} has other files than its release: run `make release`"
    for name in expected:
        assert actual[name] == expected[name], f"labs/{assignment}/{name} differs from its solution: run `make release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_lab_hides_solutions_and_hidden_tests(assignment):
    for path in (LABS / assignment).glob("*.ipynb"):
        text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{path.name} still contains '{marker}'"
