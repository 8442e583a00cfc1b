"""What a sandboxed kernel may read is decided by the kernel's environment, not the instructor's shell."""

from __future__ import annotations

import sys

import pytest

from conftest import REPO
from grader.engine.sandbox import default_readonly_paths, kernel_python_paths


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
