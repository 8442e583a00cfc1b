"""The student edition has everything a student needs and no line of a solution or hidden test."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from grader.cli import main
from grader.edition import tracked_files, trim_makefile

REPO = Path(__file__).resolve().parent.parent
#: Lines too common to betray anything: shorter than this (``pass``, ``return x``, ``@tf.function``),
#: imports and comments.
MIN_LENGTH = 16


def secret_lines() -> set[str]:
    """Every non-trivial line between BEGIN/END SOLUTION and BEGIN/END HIDDEN TESTS of every solution.

    A line the solutions also show outside those regions (e.g. a ``with tf.GradientTape() as tape:``
    demonstrated before the exercise, or quoted in an exercise's instructions) is public course
    material, not a secret.
    """
    secret, public = set(), []
    for path in sorted(REPO.glob("solutions/*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                line = line.strip()
                if re.search(r"BEGIN (SOLUTION|HIDDEN TESTS)", line):
                    inside = True
                elif re.search(r"END (SOLUTION|HIDDEN TESTS)", line):
                    inside = False
                elif inside:
                    if len(line) >= MIN_LENGTH and not re.match(r"#|import |from \S+ import ", line):
                        secret.add(line)
                else:
                    public.append(line)
    public_text = "\n".join(public)
    return {line for line in secret if line not in public_text}


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    output = tmp_path_factory.mktemp("edition") / "dl-course"
    labs = [name for name in tracked_files(REPO) if re.fullmatch(r"labs/[^/]+/[^/]+\.ipynb", name)]
    assert main(["student-edition", str(output)]) == 0
    return output, labs


def test_edition_has_what_students_need(edition):
    edition, labs = edition
    for name in (
        "Makefile",
        "README.md",
        "requirements.txt",
        "environment.yml",
        "pyproject.toml",
        "dlcourse/__init__.py",
        "datasets/README.md",
    ):
        assert (edition / name).is_file(), name
    assert labs and all((edition / lab).is_file() for lab in labs)
    for absent in ("solutions", "grader", "tests", ".ci", ".github", "grading"):
        assert not (edition / absent).exists(), absent
    pyproject = (edition / "pyproject.toml").read_text()
    assert 'name = "dlcourse"' in pyproject and "entry-points" not in pyproject, "no entry point into the absent grader"


def test_edition_leaks_no_solution_or_hidden_test(edition):
    edition, _ = edition
    secrets = secret_lines()
    assert secrets, "the solutions should hold solution and hidden-test lines"
    for path in (p for p in edition.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".ipynb":  # compare cell sources line by line, as JSON escapes them
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
        lines = {line.strip() for line in text.splitlines()}
        # whole lines everywhere; long lines also inside other lines
        leaked = [line for line in secrets if line in lines or (len(line) >= 25 and line in text)]
        assert not leaked, f"{path.relative_to(edition)} contains {leaked[:3]}"
        assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text, path


def test_edition_makefile_works_without_grader_targets(edition):
    edition, _ = edition
    help_text = subprocess.run(["make", "help"], cwd=edition, capture_output=True, text=True, check=True).stdout
    assert "make lab" in help_text and "make setup" in help_text
    for gone in ("make test", "make release", "make demo", "make bench", "make bench-grade"):
        assert gone not in help_text
    for target in ("setup", "lab"):
        dry = subprocess.run(["make", "-n", target], cwd=edition, capture_output=True, text=True)
        assert dry.returncode == 0, dry.stderr
        assert "pip install" in dry.stdout
    assert "jupyter lab" in subprocess.run(["make", "-n", "lab"], cwd=edition, capture_output=True, text=True).stdout
    assert (
        "grader" not in (edition / "README.md").read_text() and "solutions/" not in (edition / "README.md").read_text()
    )


def test_trim_makefile_drops_rules_with_their_recipes():
    text = ".PHONY: a b c\n\na: ## A\n\techo a\n\n# about b\nb: a ## B\n\techo b\n\nc:\n\techo c\n"
    trimmed = trim_makefile(text, keep=("a", "c"))
    assert "echo b" not in trimmed and "echo a" in trimmed and "echo c" in trimmed
    assert ".PHONY: a c" in trimmed
