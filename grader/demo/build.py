"""Write the demo's submissions: ``python -m grader.demo.build [ASSIGNMENT ...]``.

For each assignment (default: :data:`DEMO_ASSIGNMENTS`) a zip ``grader/demo/<assignment>.zip``
is written from the instructor's solution and the released lab, in the layout an LMS
download has. Students, the same in every lab:

    alice    correct (and an older, half-done attempt that collect must set aside)
    bob      partly correct: every other exercise answered
    carol    empty: the lab as released
    dave     broken JSON: the file was cut off
    eve, mallory, trudy, oscar, victor   cheats (see CHEATS), answers left empty

Run it again whenever a demo lab's solution changes (``tests/test_grader_demo.py`` fails
when the zips no longer match the solutions).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path

import nbformat
from nbgrader import utils as nbgrader_utils

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
#: The two lightest labs: the first in Blackboard's download layout, the second as student folders.
DEMO_ASSIGNMENTS = ("01-hello-world", "02-playground")
WHEN = (2024, 3, 1, 10, 0, 0)
EARLIER = (2024, 2, 28, 18, 30, 0)

#: Code a cheater puts in place of the first answer; "edit-tests"/"delete-tests" change the test cells instead.
CHEAT_CODE = {
    "no-tracebacks": (
        "import sys\nfrom IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.showtraceback = lambda *a, **k: None\n"
        "get_ipython().showtraceback = lambda *a, **k: None\n"
        "sys.excepthook = lambda *a: None"
    ),
    "swallow-errors": (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "_run_cell = InteractiveShell.run_cell\n"
        "def _quiet(self, raw_cell, *args, **kwargs):\n"
        "    return _run_cell(self, raw_cell.replace('assert ', 'pass # '), *args, **kwargs)\n"
        "InteractiveShell.run_cell = _quiet"
    ),
    "exit-kernel": "import os\nos._exit(0)",
}
#: Which cheat each cheating student tries, per position of the lab in DEMO_ASSIGNMENTS.
CHEATS = (
    {"eve": "no-tracebacks", "mallory": "edit-tests", "trudy": "delete-tests"},
    {"oscar": "swallow-errors", "victor": "exit-kernel"},
)


def answers(source: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id -> the solution cell's code without nbgrader's markers."""
    found = {}
    for cell in source.cells:
        if cell.cell_type == "code" and nbgrader_utils.is_solution(cell):
            lines = [line for line in cell.source.splitlines() if not re.search(r"(BEGIN|END) SOLUTION", line)]
            found[cell.metadata["nbgrader"]["grade_id"]] = "\n".join(lines)
    return found


def fill(released: nbformat.NotebookNode, answered: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in answered:
            cell.source = answered[grade_id]
    return nb


def submissions(assignment: str, position: int) -> dict[str, str | nbformat.NotebookNode]:
    """student -> notebook (or text, for the broken one); ``alice-early`` is alice's older attempt."""
    source = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    released = nbformat.read(REPO / "labs" / assignment / f"{assignment}.ipynb", as_version=4)
    solved = answers(source)
    half = {grade_id: code for index, (grade_id, code) in enumerate(solved.items()) if index % 2 == 0}
    first = next(iter(solved))
    result: dict[str, str | nbformat.NotebookNode] = {
        "alice": fill(released, solved),
        "alice-early": fill(released, dict(list(solved.items())[:1])),
        "bob": fill(released, half),
        "carol": released,
        "dave": nbformat.writes(fill(released, solved))[:-200],
    }
    for student, cheat in CHEATS[position].items():
        nb = fill(released, {first: CHEAT_CODE[cheat]} if cheat in CHEAT_CODE else {})
        tests = [
            c
            for c in nb.cells
            if c.cell_type == "code" and nbgrader_utils.is_grade(c) and not nbgrader_utils.is_solution(c)
        ]
        if cheat == "edit-tests":
            for cell in tests:
                cell.source = "print('All tests passed!')"
        elif cheat == "delete-tests":
            nb.cells = [c for c in nb.cells if c not in tests]
        result[student] = nb
    return result


def build(assignment: str, position: int) -> Path:
    """Write ``grader/demo/<assignment>.zip``; return its path."""
    target = HERE / f"{assignment}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for student, content in sorted(submissions(assignment, position).items()):
            text = content if isinstance(content, str) else nbformat.writes(content)
            name, when = student.removesuffix("-early"), EARLIER if student.endswith("-early") else WHEN
            if position == 0:  # Blackboard: <assignment>_<user>_attempt_<time>_<file>, plus a receipt per attempt
                attempt = f"{assignment}_{name}_attempt_{'-'.join(f'{v:02d}' for v in when)}"
                archive.writestr(zipfile.ZipInfo(f"{attempt}_{assignment}.ipynb", when), text)
                archive.writestr(zipfile.ZipInfo(f"{attempt}.txt", when), f"Name: {name}\nAssignment: {assignment}\n")
            else:  # a folder per student
                folder = f"{name}/{assignment}.ipynb" if name == student else f"{name}/{assignment}-old.ipynb"
                archive.writestr(zipfile.ZipInfo(folder, when), text)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader.demo.build", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", default=list(DEMO_ASSIGNMENTS))
    args = parser.parse_args(argv)
    for assignment in args.assignments:
        position = DEMO_ASSIGNMENTS.index(assignment) if assignment in DEMO_ASSIGNMENTS else 0
        print(f"wrote {build(assignment, position)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
