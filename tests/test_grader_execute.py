"""One notebook in a grader kernel: the kernel stops afterwards and respects its thread budget."""

from __future__ import annotations

import json
import shutil

import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import REPO
from grader.autograde import SCRATCH_ROOT
from grader.execute import execute_notebook, kernel_name_of
from grader.sandbox import (
    THREAD_VARIABLES,
    Limits,
    SandboxSettings,
    bwrap_problem,
    default_readonly_paths,
    python_of_kernel,
    thread_budget,
)
from grader.worker import new_scratch

pytestmark = pytest.mark.kernel  # starts kernels or a Jupyter server

MODES = [
    "none",
    pytest.param(
        "bwrap", marks=pytest.mark.skipif(bwrap_problem() is not None, reason=f"no sandbox here: {bwrap_problem()}")
    ),
]


def run(source: str, mode: str, limits: Limits | None = None, test: str | None = None):
    """Execute ``source`` (and, given, one test cell ``test`` after it) in a grader kernel."""
    cells = [new_code_cell(source)]
    if test is not None:
        cells.append(new_code_cell(test, metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1}}))
    nb = new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    readonly = default_readonly_paths(python_of_kernel("python3"), []) if mode == "bwrap" else []
    scratch = new_scratch(SCRATCH_ROOT)  # the grader's own short path: IPC socket paths are limited
    try:
        execute_notebook(nb, scratch / "work", SandboxSettings(mode, readonly, limits or Limits()))
    finally:
        shutil.rmtree(scratch)
    return nb


@pytest.mark.parametrize("mode", MODES)
def test_the_kernel_is_gone_when_the_notebook_is_done(mode):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    nb = run("print('graded')", mode)
    assert nb.cells[0].outputs[0]["text"] == "graded\n"
    left = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before and p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    ]
    assert not left, f"kernel processes still running: {[p.cmdline()[:3] for p in left]}"


@pytest.mark.parametrize("mode", MODES)
def test_the_kernel_gets_its_thread_budget(mode):
    nb = run(
        f"import json, os; print(json.dumps({{v: os.environ.get(v) for v in {THREAD_VARIABLES!r}}}))",
        mode,
        Limits(threads=1),
    )
    assert json.loads(nb.cells[0].outputs[0]["text"]) == {name: "1" for name in THREAD_VARIABLES}


def test_parallel_kernels_share_the_cores():
    assert thread_budget(jobs=2, cores=2) == 1
    assert thread_budget(jobs=1, cores=8) == 8
    assert thread_budget(jobs=3, cores=8) == 2
    assert thread_budget(jobs=4, cores=2) == 1


@pytest.mark.parametrize("mode", MODES)
def test_kernels_know_they_are_autograding_as_under_stock_nbgrader(mode):
    nb = run("import os; print(os.environ.get('NBGRADER_EXECUTION'))", mode)
    assert nb.cells[0].outputs[0]["text"] == "autograde\n"


def test_a_python_kernelspec_is_jupyter_clients_alias_of_python3():
    nb = new_notebook(
        cells=[new_code_cell("print('ran')")],
        metadata={"kernelspec": {"name": "python", "display_name": "Python", "language": "python"}},
    )
    assert kernel_name_of(nb) == "python3"
    assert python_of_kernel("python") == python_of_kernel("python3")
    scratch = new_scratch(SCRATCH_ROOT)
    try:
        execute_notebook(nb, scratch / "work", SandboxSettings("none", [], Limits()))
    finally:
        shutil.rmtree(scratch)
    assert nb.cells[0].outputs[0]["text"] == "ran\n"


@pytest.mark.skipif(bwrap_problem() is not None, reason=f"no sandbox here: {bwrap_problem()}")
def test_the_examiner_is_fenced_in_like_the_kernel():
    confined = (
        "import os, socket\n"
        "assert socket.gethostname() == 'grader', 'the examiner runs in the sandbox'\n"
        f"assert not os.path.exists({str(REPO / 'solutions')!r}), 'the solutions are out of its sight'\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
        "except OSError:\n    pass\n"
        "else:\n    raise AssertionError('the examiner reached the network')\n"
        "assert os.path.isfile('answer.txt') and not os.access('answer.txt', os.W_OK), 'it reads the notebook folder'"
    )
    nb = run("open('answer.txt', 'w').write('42')", "bwrap", test=confined)
    assert nb.cells[1].outputs == [], nb.cells[1].outputs
