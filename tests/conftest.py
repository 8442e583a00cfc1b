"""Shared fixtures of the test suite, and the notebook timing table printed at the end."""

from __future__ import annotations

import gzip
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import nbformat
import pytest
import requests

matplotlib.use("Agg")  # tests never open windows

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
LABS = REPO / "labs"
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith("."))
KERNEL = "dl-course"
#: Debian's Chromium, which Playwright drives (``.ci/run`` installs it).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Flags for a headless Chromium on a machine without a display or an open network.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]

#: Wall time of each executed solution notebook, filled by tests/test_notebooks.py.
NOTEBOOK_SECONDS: dict[str, float] = {}


def notebook_path(folder: Path, assignment: str) -> Path:
    """The one notebook of an assignment folder."""
    notebooks = sorted((folder / assignment).glob("*.ipynb"))
    assert len(notebooks) == 1, f"{folder.name}/{assignment} should hold exactly one notebook, found {notebooks}"
    return notebooks[0]


def read_solution(assignment: str) -> nbformat.NotebookNode:
    """The instructor notebook of an assignment, as committed (without outputs)."""
    return nbformat.read(notebook_path(SOLUTIONS, assignment), as_version=4)


def text_bytes(path: Path) -> bytes:
    """The bytes of a file, decompressed if it is a ``.gz`` file (the committed MNIST CSV is)."""
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.name.endswith(".gz") else raw


def scratch_course(course: Path, assignments: list[str] | None = None):
    """A scratch copy of the course in ``course`` with the given solutions (default: all) released.

    Returns its nbgrader configuration: this repository's, rooted at the copy, with its own gradebook.
    """
    from grader.course import load_course_config
    from grader.release import release

    for assignment in assignments or ASSIGNMENTS:
        shutil.copytree(SOLUTIONS / assignment, course / "solutions" / assignment)
    config = load_course_config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = f"sqlite:///{course / 'grading' / 'gradebook.db'}"
    config.GraderSandbox.readonly_paths = [str(REPO / "dlcourse"), str(REPO / "datasets")]  # what the labs import
    release(config, assignments)
    return config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def jupyter_lab(
    root_dir: Path | None = None,
    start_timeout: float = 60,
    target: str = "lab",
    make_variables: dict[str, str] | None = None,
) -> Iterator[tuple[str, dict[str, str]]]:
    """`make lab`'s JupyterLab (or another make ``target`` that starts one) on 127.0.0.1 with a fresh
    token, serving ``root_dir`` instead of labs/ when given; yields its base URL and the headers
    that authenticate a request."""
    port, token = free_port(), secrets.token_hex(16)
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --IdentityProvider.token={token}"
    if os.geteuid() == 0:  # CI containers run as root, which Jupyter refuses unless told
        args += " --allow-root"
    command = ["make", "--no-print-directory", target, f"LAB_ARGS={args}"]
    if root_dir is not None:
        command.append(f"LAB_ROOT={root_dir}")
    command += [f"{name}={value}" for name, value in (make_variables or {}).items()]
    server = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            assert server.poll() is None, f"make {target} exited early:\n{server.stderr.read()}"
            try:
                if requests.get(f"{base}/api/status", headers=headers, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"JupyterLab did not answer within {start_timeout:.0f} s"
            time.sleep(0.5)
        yield base, headers
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not NOTEBOOK_SECONDS:
        return
    terminalreporter.section("solution notebooks: wall time in this run (make bench measures the budget)")
    for name, seconds in sorted(NOTEBOOK_SECONDS.items()):
        terminalreporter.write_line(f"{name:32} {seconds:6.1f} s")
    terminalreporter.write_line(f"{'total':32} {sum(NOTEBOOK_SECONDS.values()):6.1f} s")
