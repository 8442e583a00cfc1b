"""Every lab's setup cell installs the course in Colab and does nothing anywhere else.

Colab is simulated the way the cell detects it — a ``google.colab`` module — inside a
fresh virtual environment, with the course cloned for real from this repository.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import venv

import nbformat
import pytest

from conftest import ASSIGNMENTS, LABS, REPO, notebook_path


def setup_cell(assignment: str) -> str:
    notebook = nbformat.read(notebook_path(LABS, assignment), as_version=4)
    cells = [cell.source for cell in notebook.cells if "setup" in cell.metadata.get("tags", [])]
    assert len(cells) == 1, f"{assignment} needs exactly one cell tagged 'setup'"
    return cells[0]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_lab_uses_the_same_setup_cell(assignment):
    assert setup_cell(assignment) == setup_cell(ASSIGNMENTS[0])


def run_cell(python: str, source: str, cwd, colab: bool) -> subprocess.CompletedProcess:
    fake_colab = "import sys, types; sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
    program = (
        (fake_colab if colab else "")
        + source
        + textwrap.dedent("""
        import importlib.util
        spec = importlib.util.find_spec("dlcourse")
        print("dlcourse:", spec.origin if spec else None)
    """)
    )
    environment = {"DLCOURSE_REPO": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(
        [python, "-c", program], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> str:
    """A Python with no course packages, like a fresh Colab runtime's view of the course."""
    folder = tmp_path_factory.mktemp("venv")
    venv.create(folder, with_pip=True)
    return str(folder / "bin" / "python")


@pytest.mark.venv
def test_in_colab_the_cell_clones_the_course_and_installs_the_helper_package(bare_python, tmp_path):
    result = run_cell(bare_python, setup_cell(ASSIGNMENTS[0]), tmp_path, colab=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dl-course" / "datasets" / "README.md").is_file(), "the course should be cloned"
    assert f"dlcourse: {tmp_path / 'dl-course' / 'dlcourse' / '__init__.py'}" in result.stdout
    installed = subprocess.run([bare_python, "-m", "pip", "show", "dlcourse"], capture_output=True, text=True)
    assert "Editable project location" in installed.stdout, "the helper package should be pip-installed"
    assert "TensorFlow not installed" in result.stdout, "the cell reports the versions in use"
    assert "Colab's own versions" in result.stdout, "in Colab, versions that differ are said to be Colab's"


@pytest.mark.venv
def test_in_colab_running_the_cell_twice_reuses_the_clone(bare_python, tmp_path):
    for _ in range(2):
        result = run_cell(bare_python, setup_cell(ASSIGNMENTS[0]), tmp_path, colab=True)
        assert result.returncode == 0, result.stderr


def test_outside_colab_the_cell_does_nothing(tmp_path):
    result = run_cell(sys.executable, setup_cell(ASSIGNMENTS[0]), tmp_path, colab=False)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == [], "outside Colab the setup cell must not create files"
    assert "TensorFlow 2.21" in result.stdout and "tested with" in result.stdout, result.stdout
