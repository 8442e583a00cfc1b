"""Warm kernels: the modules an assignment imports, imported before its notebook arrives.

Importing TensorFlow takes seconds. A worker starts the kernel for its next notebook while the
current one runs, and that kernel imports what the assignment's notebooks import (read from
the instructor's source notebooks, test cells left out, or ``c.GraderKernels.preload``) while
it waits; its examiner imports what the notebooks and their tests import. It still
serves exactly one student, and nothing of a student has reached it yet: the modules come
from the kernel's own read-only Python, imported in an empty folder.
"""

from __future__ import annotations

import ast
import inspect
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode


def modules_imported(notebooks: list[NotebookNode], tests: bool = False) -> list[str]:
    """Every module the notebooks' code cells import, in the order they first do. Test cells count
    only with ``tests`` (for the examiner): nothing of a test, not even what it imports, reaches a
    kernel."""
    from nbgrader import utils as nbgrader_utils  # here: the examiner imports this module for import_modules

    found: dict[str, None] = {}
    for nb in notebooks:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            if not tests and nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell):
                continue
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update(dict.fromkeys(alias.name for alias in node.names))
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.setdefault(node.module)
    return list(found)


def import_modules(names: list[str]) -> None:
    """Import ``names``; a module that is not installed, or fails to import, is skipped (the
    notebook or test that needs it will say so itself). Runs in the examiner, and its source in kernels."""
    import importlib
    import importlib.util

    for name in names:
        try:
            if importlib.util.find_spec(name.split(".")[0]) is not None:
                importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - any failure here is the notebook's to report
            continue


def warm_up_code(modules: list[str]) -> str:
    """Code that runs :func:`import_modules` in a kernel without leaving a name in its namespace."""
    source = f"{inspect.getsource(import_modules)}\nimport_modules({modules!r})\n"
    return f"exec(compile({source!r}, '<grader warm-up>', 'exec'), {{}})"
