"""What a sandboxed kernel may read is decided by the kernel's environment, not the instructor's shell."""

from __future__ import annotations

import sys

import pytest

from conftest import REPO
from grader.engine.sandbox import SandboxExposure, default_readonly_paths, kernel_python_paths, refuse_exposure


@pytest.fixture
def fresh_probe():
    kernel_python_paths.cache_clear()
    yield
    kernel_python_paths.cache_clear()


@pytest.mark.parametrize("pythonpath", [str(REPO), ".", f"{REPO / 'solutions'}:{REPO / 'grading'}"])
def test_the_instructors_pythonpath_opens_nothing_to_the_kernel(fresh_probe, monkeypatch, pythonpath):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("PYTHONPATH", pythonpath)
    readable = default_readonly_paths(sys.executable, [])
    assert str(REPO) not in readable
    assert not [path for path in readable if path.startswith((str(REPO / "solutions"), str(REPO / "grading")))]
    assert any(path.endswith("site-packages") for path in readable), "the kernel still reads its own packages"


HIDDEN = {"the solutions": "/course/solutions"}
COVERED = {"the course root": "/course"}


@pytest.mark.parametrize("mount", ["/", "/course", "/course/solutions", "/course/solutions/lab1"])
def test_a_mount_that_holds_or_lies_inside_a_hidden_folder_is_refused(mount):
    with pytest.raises(SandboxExposure, match=mount):
        refuse_exposure([mount], HIDDEN, COVERED)


@pytest.mark.parametrize("mount", ["/course/dlcourse", "/course/.venv/lib", "/usr", "/courses"])
def test_a_mount_beside_the_instructors_folders_is_allowed(mount):
    refuse_exposure([mount], HIDDEN, COVERED)
