"""Run a notebook in the course kernel and read its outputs (for `make bench` and the notebook tests)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNEL = "dl-course"
#: A hang guard per cell, not a speed limit: speed is measured by `make bench` against its budget.
CELL_TIMEOUT_SECONDS = 600


def execute(
    path: Path,
    workdir: Path,
    allow_errors: bool = False,
    edit: Callable[[nbformat.NotebookNode], nbformat.NotebookNode] | None = None,
) -> tuple[nbformat.NotebookNode, float]:
    """Execute a notebook top to bottom in ``workdir``; return it with its outputs and the wall time.

    The files beside the notebook (a solution's ``hidden/`` evaluation data, say) are copied to
    ``workdir`` first, as the notebook would find them in its own folder. With ``allow_errors`` a
    failing cell does not stop the run (an unsolved lab runs to its end); ``edit`` changes the
    notebook before it runs (a lab without its optional sections, say)."""
    notebook = nbformat.read(path, as_version=4)
    if edit is not None:
        notebook = edit(notebook)
    if Path(workdir).resolve() != Path(path).parent.resolve():
        shutil.copytree(Path(path).parent, workdir, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"),
                        dirs_exist_ok=True)  # fmt: skip
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name=KERNEL,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(workdir)}},
    )
    start = time.perf_counter()
    client.execute(stderr=subprocess.DEVNULL)  # TensorFlow's C++ log, written by the kernel process itself
    return notebook, time.perf_counter() - start


def output_texts(notebook: nbformat.NotebookNode) -> list[str]:
    """Every piece of text a notebook printed: streams, plain-text results and errors."""
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            elif output.output_type == "error":
                texts.append(f"{output.ename}: {output.evalue}")
            elif "text/plain" in output.get("data", {}):
                texts.append(output.data["text/plain"])
    return texts
