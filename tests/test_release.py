"""labs/ is generated from solutions/ by nbgrader and never edited by hand."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from conftest import ASSIGNMENTS, LABS, SOLUTIONS, scratch_course


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


def test_a_fork_sets_its_address_once_and_every_lab_follows(tmp_path):
    from grader.course import load_course_config
    from grader.release import release

    shutil.copytree(SOLUTIONS / "01-hello-world", tmp_path / "solutions" / "01-hello-world")
    config = load_course_config()
    config.CourseDirectory.root = str(tmp_path)
    config.CourseDirectory.db_url = f"sqlite:///{tmp_path / 'grading' / 'gradebook.db'}"
    config.CourseAddress.repository = "https://github.com/some-school/dl-fork"
    release(config, ["01-hello-world"])

    lab = nbformat.read(tmp_path / "labs" / "01-hello-world" / "01-hello-world.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in lab.cells)
    badge = "https://colab.research.google.com/github/some-school/dl-fork/blob/main/labs/01-hello-world/01-hello-world.ipynb"
    assert badge in text, "the Colab badge opens the lab from the fork"
    assert '"DLCOURSE_REPO", "https://github.com/some-school/dl-fork"' in text, "the Setup cell clones the fork"
    assert "dl-course/deep-learning-tf-keras" not in text, "no trace of the original address is left"


def test_an_address_that_is_not_a_github_repository_is_refused():
    from traitlets import TraitError

    from grader.course_address import CourseAddress

    with pytest.raises(TraitError, match="github.com/<owner>/<name>"):
        CourseAddress(repository="https://example.org/course")
    assert CourseAddress(repository="https://github.com/a/b.git/").repository == "https://github.com/a/b"
