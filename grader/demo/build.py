"""Write the demo's submissions: ``python -m grader.demo.build [ASSIGNMENT ...]``.

For each assignment (default: :data:`DEMO_ASSIGNMENTS`) a zip ``grader/demo/<assignment>.zip``
is written from the instructor's solution and the released lab, in the layout an LMS
download has. Students, the same in every lab:

    alice    correct (and an older, half-done attempt that collect must set aside)
    bob      partly correct: every other exercise answered
    carol    empty: the lab as released
    dave     broken JSON: the file was cut off
    eve, mallory, trudy, oscar, victor   cheats (see CHEATS), answers left empty

The workshop (:data:`WORKSHOP`), graded on test labels the students never see, has its own class
(see :data:`WORKSHOP_CHANGES`): alice's model is the solution's, bob's is trained for too short a
time, carol's exported file cannot be loaded, and mallory searches the machine for the hidden
labels before she trains (in the sandbox she finds none).

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
#: The two lightest labs: the first in Blackboard's download layout, the second (and the workshop) as student folders.
DEMO_ASSIGNMENTS = ("01-hello-world", "02-playground", "13-workshop")
WORKSHOP = "13-workshop"
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
    {},
)


#: The search mallory runs before she trains: every file of the machine her kernel can see whose
#: name is that of the hidden labels (stopping after 20 s), then she trains on what she found too.
LABEL_HUNT = """import os
import time

found, started = [], time.monotonic()
for folder, subfolders, files in os.walk("/"):
    subfolders[:] = [name for name in subfolders if os.path.join(folder, name) not in ("/proc", "/sys", "/dev", "/usr")]
    found += [os.path.join(folder, name) for name in files if name == "concrete-test-labels.csv"]
    if time.monotonic() - started > 20:
        break
print(f"hidden labels found: {found or 'none'}")
if found:
    stolen = test.merge(pd.read_csv(found[0]), on="id")
    X_train, y_train = pd.concat([X_train, stolen[features]]), pd.concat([y_train, stolen["strength"]])
"""
#: How each workshop student's notebook differs from the solution: grade_id -> code placed before
#: (``"before"``), after (``"after"``) or instead of (``"replace"``) that solution cell's code.
WORKSHOP_CHANGES: dict[str, dict[str, tuple[str, str]]] = {
    "alice": {},
    "bob": {
        "ex5-final": (
            "replace",
            "set_seed(42)\nfinal_model = build_network(X_train)\n"
            "final_history = final_model.fit(X_train, y_train, validation_data=(X_val, y_val), "
            "epochs=15, verbose=0)\n"
            "final_mae = float(final_model.evaluate(X_val, y_val, verbose=0)[1])",
        )
    },
    "carol": {"ex6-serve": ("after", 'Path("models/concrete.keras").write_bytes(b"not a Keras file")')},
    "mallory": {"ex5-final": ("before", LABEL_HUNT)},
}


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


def workshop_submissions(solved: dict[str, str], released: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """The workshop's class: the solution with each student's :data:`WORKSHOP_CHANGES`."""
    result = {}
    for student, changes in WORKSHOP_CHANGES.items():
        answered = dict(solved)
        for grade_id, (where, code) in changes.items():
            answered[grade_id] = {
                "before": f"{code}\n{solved[grade_id]}",
                "after": f"{solved[grade_id]}\n{code}",
                "replace": code,
            }[where]
        result[student] = fill(released, answered)
    return result


def submissions(assignment: str, position: int) -> dict[str, str | nbformat.NotebookNode]:
    """student -> notebook (or text, for the broken one); ``alice-early`` is alice's older attempt."""
    source = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    released = nbformat.read(REPO / "labs" / assignment / f"{assignment}.ipynb", as_version=4)
    solved = answers(source)
    if assignment == WORKSHOP:
        return dict(workshop_submissions(solved, released))
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
