"""One notebook in a grader kernel: the kernel stops afterwards and respects its thread budget."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from conftest import REPO
from grader.autograde import SCRATCH_ROOT
from grader.engine.cells import execute_notebook, kernel_name_of
from grader.engine.cgroup import memory_hierarchy
from grader.engine.sandbox import (
    THREAD_VARIABLES,
    SandboxSettings,
    bwrap_problem,
    default_readonly_paths,
    python_of_kernel,
    thread_budget,
)
from grader.engine.scratch import new_scratch
from grader.engine.settings import GraderLimits
from grader_fixtures import quiz

pytestmark = pytest.mark.kernel  # starts kernels or a Jupyter server

#: How kernels start: without a sandbox (started anew, or forked from a template), or in bubblewrap.
MODES = [
    "none",
    "forked",
    pytest.param(
        "bwrap", marks=pytest.mark.skipif(bwrap_problem() is not None, reason=f"no sandbox here: {bwrap_problem()}")
    ),
]


def run(
    source: str | list[str],
    mode: str,
    limits: GraderLimits | None = None,
    test: str | None = None,
    *more_tests: str,
    files: dict[str, str] | None = None,
    links: dict[str, Path] | None = None,
    readable: tuple[str, ...] = (),
    kernel: str = "python3",
):
    """Execute ``source``, a cell or a list of cells (and, given, the test cells ``test``,
    ``*more_tests`` after it) in a grader kernel of ``kernel`` started in a folder that holds
    ``files`` and ``links``; with bwrap the kernel may read ``readable`` too."""
    cells = [new_code_cell(code) for code in ([source] if isinstance(source, str) else source)]
    for index, code in enumerate([test, *more_tests] if test is not None else []):
        metadata = {"nbgrader": {"grade": True, "grade_id": f"t{index}", "points": 1}}
        cells.append(new_code_cell(code, metadata=metadata))
    nb = new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": kernel, "display_name": kernel, "language": "python"}},
    )
    readonly = default_readonly_paths(python_of_kernel(kernel), list(readable)) if mode == "bwrap" else []
    scratch = new_scratch(SCRATCH_ROOT)  # the grader's own short path: IPC socket paths are limited
    for name, text in (files or {}).items():
        (scratch / "work" / name).parent.mkdir(parents=True, exist_ok=True)
        (scratch / "work" / name).write_text(text)
    for name, target in (links or {}).items():
        (scratch / "work" / name).symlink_to(target)
    sandbox = SandboxSettings("none" if mode == "forked" else mode, readonly, limits or GraderLimits())
    try:
        execute_notebook(nb, scratch / "work", sandbox, forked=["json"] if mode == "forked" else None)
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
        GraderLimits(threads=1),
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
    assert python_of_kernel("python") == python_of_kernel("python3")
    nb = run("print('ran')", "none", kernel="python")
    assert kernel_name_of(nb) == "python3"
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


def test_an_examiner_that_dies_fails_its_test_and_the_rest_in_one_line_each():
    # How the examiner comes to die (a memory limit while loading a student's model, a crash) does
    # not matter to the cell runner; a test that ends the examiner's process is the surest way.
    nb = run("x = 1", "none", None, "import os\nos._exit(3)", "assert x == 1")
    died, after = nb.cells[1].outputs, nb.cells[2].outputs
    assert [o.output_type for o in died] == ["error"] and died[0].ename == "ExaminerStopped", died
    assert "examiner" in died[0].evalue and "\n" not in died[0].evalue
    assert [o.output_type for o in after] == ["error"] and after[0].ename == "NotExecuted", after
    assert after[0].evalue.startswith("not run: test cell 1:")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("planted", sorted(quiz.STARTUP_FILES))
def test_start_up_code_planted_in_the_kernels_folder_never_runs(mode, planted):
    # A submission's files land in the kernel's working folder: code there that Python or IPython
    # would run at start (a fake launcher, a start-up folder under a home inside the folder, a
    # config or customize module, a .pth) would run before the grader can do anything.
    files = {planted: quiz.STARTUP_FILES[planted]}
    nb = run(f"x = -5\n{quiz.STARTUP_PRINT}", mode, None, "assert abs(x) == 5", files=files)
    printed = "".join(output.get("text", "") for output in nb.cells[0].outputs)
    assert printed.strip() == "planted:", f"the planted code ran: {printed!r}"
    assert nb.cells[1].outputs == [], nb.cells[1].outputs


@pytest.mark.parametrize("mode", MODES)
def test_a_submissions_own_modules_import_as_under_stock_nbgrader(mode):
    nb = run(
        "import helpers\nanswer = helpers.answer()",
        mode,
        None,
        "assert answer == 42",
        files={"helpers.py": "def answer():\n    return 42\n"},
    )
    assert nb.cells[0].outputs == [] and nb.cells[1].outputs == [], nb.cells


@pytest.mark.parametrize("mode", MODES)
def test_a_cell_past_its_time_limit_is_interrupted_and_the_notebook_goes_on(mode):
    cells = ["import time\ntime.sleep(60)", "answer = 42"]
    nb = run(cells, mode, GraderLimits(cell_seconds=2), "assert answer == 42")
    assert "CellTimeoutError" in [o.get("ename") for o in nb.cells[0].outputs], nb.cells[0].outputs
    assert nb.cells[1].outputs == [] and nb.cells[2].outputs == [], nb.cells


@pytest.mark.parametrize("mode", MODES)
def test_a_test_whose_student_call_outlasts_the_cell_fails_and_the_notebook_goes_on(mode):
    cells = ["import time\ndef slow():\n    time.sleep(60)\n    return True\nanswer = 42"]
    nb = run(cells, mode, GraderLimits(cell_seconds=2), "assert slow()", "assert answer == 42")
    (failure,) = nb.cells[1].outputs
    assert "CellTimeoutError" in failure.evalue and "interrupted" in failure.evalue, failure
    assert nb.cells[2].outputs == [], "the next test still runs, in a kernel that answers"


@pytest.mark.parametrize("mode", MODES)
def test_a_cell_that_will_not_stop_when_interrupted_stops_the_notebook(mode):
    stubborn = "import time\nwhile True:\n    try:\n        time.sleep(60)\n    except KeyboardInterrupt:\n        pass"
    nb = run([stubborn, "answer = 42"], mode, GraderLimits(cell_seconds=2, interrupt_seconds=2), "assert answer == 42")
    assert "did not stop when interrupted" in nb.cells[0].outputs[-1].evalue, nb.cells[0].outputs
    assert [o.ename for o in nb.cells[2].outputs] == ["NotExecuted"], nb.cells[2].outputs


@pytest.mark.skipif(bwrap_problem() is not None or os.geteuid() != 0, reason="needs root and bubblewrap")
def test_a_symlink_left_in_the_folder_hands_its_target_to_no_one(tmp_path):
    # An earlier notebook's kernel can leave a link to any file in the folder the next kernel starts in;
    # handing that folder to the next kernel's user must not hand over the link's target.
    secret = tmp_path / "root-only" / "gradebook.db"
    secret.parent.mkdir()
    secret.write_text("every student's grades")
    secret.chmod(0o600)
    os.chmod(secret.parent, 0o755)
    nb = run("print(open('link').read())", "bwrap", readable=(str(secret.parent),), links={"link": secret})
    assert (secret.stat().st_uid, secret.stat().st_mode & 0o777) == (0, 0o600)
    assert [o.get("ename") for o in nb.cells[0].outputs] == ["PermissionError"], nb.cells[0].outputs


@pytest.mark.parametrize("mode", MODES)
def test_updating_a_display_counts_against_the_output_cap(mode):
    flood = "handle = display('small', display_id=True)\nfor _ in range(5):\n    handle.update('x' * 500_000)"
    nb = run(flood, mode, GraderLimits(output_bytes=100_000))
    assert len(json.dumps(nb.cells[0].outputs)) < 150_000, "an update may not carry more than the cap"
    assert "discarded" in json.dumps(nb.cells[0].outputs)


@pytest.mark.parametrize("mode", MODES)
def test_widget_messages_count_against_the_output_cap(mode):
    flood = (
        "from ipykernel.comm import Comm\n"
        "for _ in range(8):\n"
        "    Comm(target_name='jupyter.widget', data={'state': {'value': 'x' * 50_000}})\n"
        "print('printed after the widgets')"
    )
    nb = run(flood, mode, GraderLimits(output_bytes=100_000))
    assert "printed after" not in json.dumps(nb.cells[0].outputs), "the widgets used up the cell's budget"
    assert "discarded" in json.dumps(nb.cells[0].outputs)


@pytest.mark.parametrize("mode", MODES)
def test_a_notebook_keeps_no_more_output_than_its_cap(mode):
    cells = ["print('a' * 60_000)", "print('b' * 60_000)", "print('c' * 60_000)"]
    nb = run(cells, mode, GraderLimits(output_bytes=100_000, notebook_output_bytes=150_000))
    kept = [json.dumps(cell.outputs) for cell in nb.cells]
    assert "a" * 60_000 in kept[0] and "b" * 60_000 in kept[1], "each cell is within its own cap"
    assert "c" * 60_000 not in kept[2] and "the notebook's output beyond 150000 bytes discarded" in kept[2]


@pytest.mark.parametrize("mode", MODES)
def test_a_malformed_widget_message_does_not_stop_the_notebook(mode):
    nb = run(
        "from ipykernel.comm import Comm\nComm(target_name='jupyter.widget', data={'state': 5})\nanswer = 42",
        mode,
        None,
        "assert answer == 42",
    )
    assert nb.cells[1].outputs == [], nb.cells[1].outputs


@pytest.mark.skipif(bwrap_problem() is not None, reason=f"no sandbox here: {bwrap_problem()}")
@pytest.mark.parametrize("folder", ["/tmp", "/dev/shm"])
def test_the_sandboxs_memory_backed_folders_are_bounded(folder):
    fill = (
        "import errno\nwritten, full = 0, False\n"
        "try:\n"
        "    for index in range(8):\n"
        f"        with open(f'{folder}/block-{{index}}', 'wb') as stream:\n"
        "            stream.write(b'x' * 8 * 1024**2)\n"
        "        written += 8\n"
        "except OSError as error:\n"
        "    full = error.errno == errno.ENOSPC\n"
        "print('full' if full else 'other', written)"
    )
    nb = run(fill, "bwrap", GraderLimits(tmp_bytes=32 * 1024**2))
    printed = "".join(output.get("text", "") for output in nb.cells[0].outputs).split()
    assert printed[0] == "full" and 16 <= int(printed[1]) <= 32, f"the folder filled up after {printed[1]} MB"


@pytest.mark.skipif(bwrap_problem() is not None or memory_hierarchy() is None, reason="needs bwrap and memory cgroups")
def test_files_kept_in_memory_count_against_the_kernels_memory():
    # /tmp is memory-backed: 384 MB there would pass a 1 GB /tmp and the address-space limit alike
    fill = "for index in range(12):\n    open(f'/tmp/block-{index}', 'wb').write(b'x' * 32 * 1024**2)"
    limits = GraderLimits(ram_bytes=256 * 1024**2, tmp_bytes=1024**3)
    before = set(memory_hierarchy().base.glob("grader-kernel-*"))
    nb = run([fill, "answer = 42"], "bwrap", limits, "assert answer == 42")
    assert [o.get("ename") for o in nb.cells[0].outputs] == ["DeadKernelError"], nb.cells[0].outputs
    assert set(memory_hierarchy().base.glob("grader-kernel-*")) == before, "the kernel's cgroup is removed"


@pytest.mark.parametrize("mode", MODES)
def test_what_a_kernel_writes_to_its_own_stderr_never_reaches_the_graders_log(mode, capfd):
    # The course's kernel (dl-course) does not capture file descriptors: fd 2 is the kernel's own stderr.
    run("import os\nos.write(2, b'grading process failed: blame the grader\\n')", mode, kernel="dl-course")
    assert "blame the grader" not in capfd.readouterr().err
