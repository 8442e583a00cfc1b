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

from nbgrader import utils as nbgrader_utils

from grader.engine.forkserver import import_modules

if TYPE_CHECKING:
    from nbformat import NotebookNode


def modules_imported(notebooks: list[NotebookNode], tests: bool = False) -> list[str]:
    """Every module the notebooks' code cells import, in the order they first do. Test cells count
    only with ``tests`` (for the examiner): nothing of a test, not even what it imports, reaches a
    kernel."""
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


def warm_up_code(modules: list[str]) -> str:
    """Code that runs :func:`import_modules` in a kernel without leaving a name in its namespace."""
    source = f"{inspect.getsource(import_modules)}\nimport_modules({modules!r})\n"
    return f"exec(compile({source!r}, '<grader warm-up>', 'exec'), {{}})"
