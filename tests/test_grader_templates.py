"""Without a sandbox, kernels and examiners are forked from templates that imported the heavy
modules once: each child still starts as a fresh kernel would, and shares nothing a student left."""

from __future__ import annotations

import asyncio
import json
import shutil
import time

import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.autograde import SCRATCH_ROOT
from grader.engine import GRADER_HOME
from grader.engine.cells import run_notebook
from grader.engine.sandbox import SandboxSettings, kernel_home
from grader.engine.scratch import new_scratch
from grader.engine.session import KernelSession
from grader.engine.settings import GraderLimits
from grader.engine.templates import TemplateKind, Templates

pytestmark = pytest.mark.kernel  # starts kernels

#: What the templates import in these tests: light, but a module a fresh kernel would not have.
PRELOAD = ["json", "xml.dom.minidom"]


def notebook(*cells: str, test: str | None = None):
    code = [new_code_cell(source) for source in cells]
    if test is not None:
        code.append(new_code_cell(test, metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1}}))
    return new_notebook(cells=code, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})


def run_forked(*notebooks, sandbox: SandboxSettings | None = None, preload: list[str] = PRELOAD) -> list:
    """Run each notebook in a kernel forked from one worker's templates; the notebooks and the
    working folders they ran in."""
    sandbox = sandbox or SandboxSettings("none", [], GraderLimits(threads=1))

    async def run_all() -> list:
        templates = Templates(SCRATCH_ROOT)
        folders = []
        try:
            for nb in notebooks:
                pair = await templates.prepare("python3", sandbox, preload, preload)
                assert pair is not None and pair.kernel is not None and pair.examiner is not None
                scratch = new_scratch(SCRATCH_ROOT)
                folders.append(scratch / "work")
                session = await KernelSession.start("python3", scratch / "work", sandbox, pair)
                try:
                    await run_notebook(nb, session)
                finally:
                    await session.stop()
                    shutil.rmtree(scratch)
        finally:
            await templates.stop()
        return folders

    return asyncio.run(run_all())


def printed(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs)


def test_a_forked_kernel_starts_where_and_as_a_fresh_one_would():
    limits = GraderLimits(threads=1)
    nb = notebook(
        "import json, os, resource, sys\n"
        "print(json.dumps({'cwd': os.getcwd(), 'home': os.environ['HOME'], 'threads': os.environ['OMP_NUM_THREADS'],"
        " 'memory': resource.getrlimit(resource.RLIMIT_AS)[0], 'path': sys.path,"
        " 'preloaded': 'xml.dom.minidom' in sys.modules, 'session': os.getsid(0) == os.getpid()}))"
    )
    (folder,) = run_forked(nb, sandbox=SandboxSettings("none", [], limits))
    seen = json.loads(printed(nb.cells[0]))
    assert seen["cwd"] == str(folder) and seen["home"] == str(kernel_home(folder))
    assert seen["threads"] == "1" and seen["memory"] == limits.memory_bytes
    assert seen["preloaded"], "the template imported the preloaded module before the fork"
    assert GRADER_HOME not in seen["path"], "the kernel's Python never sees the grader"
    assert seen["session"], "the kernel leads a session of its own (it is killed as a group)"


def test_a_student_leaves_nothing_for_the_next_child():
    first = notebook("import json\njson.left_behind = 'by the first student'")
    second = notebook("import json\nprint(hasattr(json, 'left_behind'))")
    run_forked(first, second)
    assert first.cells[0].outputs == [], first.cells[0].outputs
    assert printed(second.cells[0]) == "False\n"


def test_each_child_draws_its_own_random_numbers():
    draws = [notebook("import random, numpy\nprint(random.random(), numpy.random.rand())") for _ in range(2)]
    run_forked(*draws, preload=["numpy"])
    firsts, seconds = (printed(nb.cells[0]).split() for nb in draws)
    assert firsts[0] != seconds[0] and firsts[1] != seconds[1], (firsts, seconds)


def test_a_forked_examiner_runs_the_tests():
    forked = "import sys\nassert 'xml.dom.minidom' in sys.modules, 'the examiner was forked from its template'\n"
    passing = notebook("answer = 42", test=forked + "assert answer == 42")
    failing = notebook("answer = 41", test="assert answer == 42, 'not yet'")
    run_forked(passing, failing)
    assert passing.cells[1].outputs == [], passing.cells[1].outputs
    assert [o.evalue.splitlines()[0] for o in failing.cells[1].outputs] == ["not yet"]


def test_no_forked_kernel_outlives_its_notebook():
    nb = notebook("import os\nprint(os.getpid())")
    run_forked(nb)
    pid = int(printed(nb.cells[0]))
    for _ in range(50):  # its template reaps it (or, once the template is gone, init does)
        if not psutil.pid_exists(pid):
            break
        time.sleep(0.1)
    assert not psutil.pid_exists(pid), f"the kernel {pid} is still there"


def test_a_sandbox_gets_no_templates():
    sandbox = SandboxSettings("bwrap", [], GraderLimits())
    assert asyncio.run(Templates(SCRATCH_ROOT).prepare("python3", sandbox, PRELOAD, PRELOAD)) is None


def test_only_a_python_module_command_can_be_forked():
    env = {"PATH": "/usr/bin"}
    kind = TemplateKind.of_command(
        ["/usr/bin/python3", "-P", "-Xfrozen_modules=off", "-m", "ipykernel_launcher"], env, []
    )
    assert kind.can_run(["/usr/bin/python3", "-P", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"])
    assert not kind.can_run(["/usr/bin/python3", "-P", "-m", "ipykernel_launcher", "-f", "c.json"])
    assert TemplateKind.of_command(["/usr/bin/python3", "-m", "ipykernel_launcher"], env, []) is None, "needs -P"
    assert TemplateKind.of_command(["/usr/bin/R", "--slave", "-e", "IRkernel::main()"], env, []) is None
