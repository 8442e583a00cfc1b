"""``python -m dlcourse doctor``: is this machine ready for the course, and if not, what fixes it.

Each check returns a :class:`Finding`: ``ok``, ``problem`` (something a lab or the grader will
trip over, with the fix) or ``note`` (worth knowing, nothing to fix: no GPU, no sandbox on
a student's machine). The command prints them; it exits with 1 when there is a problem.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dlcourse.environment import REQUIREMENTS, in_colab, read_pins, version_gaps

#: The Python the course is tested with (environment.yml says the same).
COURSE_PYTHON = (3, 11)
KERNEL = "dl-course"

Status = Literal["ok", "problem", "note"]


@dataclass(frozen=True)
class Finding:
    topic: str
    status: Status
    detail: str
    fix: str = ""


def check_python() -> Finding:
    found = platform.python_version()
    if sys.version_info[:2] == COURSE_PYTHON:
        return Finding("Python", "ok", found)
    wanted = ".".join(map(str, COURSE_PYTHON))
    return Finding(
        "Python",
        "problem",
        f"{found}, the course is tested with {wanted}",
        f"install Python {wanted}, then `make clean && make setup PYTHON=python{wanted}`",
    )


def check_packages(requirements: Path = REQUIREMENTS) -> Finding:
    try:
        pins = read_pins(requirements)
    except OSError as error:
        return Finding(
            "packages",
            "problem",
            f"cannot read the pins: {error.strerror} ({requirements})",
            "run the doctor from a clone of the course repository",
        )
    gaps = version_gaps(pins)
    if not gaps:
        return Finding("packages", "ok", f"all {len(pins)} pinned packages installed at their pinned versions")
    fix = (
        "Colab's versions differ by design; the labs usually work with them"
        if in_colab()
        else "`make setup` (conda: `pip install -r requirements.txt`)"
    )
    return Finding(
        "packages",
        "note" if in_colab() else "problem",
        "differ from requirements.txt: " + ", ".join(map(str, gaps)),
        fix,
    )


def check_kernel() -> Finding:
    if in_colab():
        return Finding("course kernel", "note", "not needed in Colab: the lab runs in Colab's own kernel")
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError:
        return Finding("course kernel", "problem", "Jupyter is not installed", "`make setup`")
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        return Finding("course kernel", "problem", f"no Jupyter kernel named {KERNEL!r}", "`make setup`")
    python = Path(spec.argv[0])
    if python.resolve() != Path(sys.executable).resolve():
        return Finding(
            "course kernel",
            "problem",
            f"{KERNEL!r} runs {python}, not this environment's Python",
            "`make setup` registers the kernel of this environment",
        )
    return Finding("course kernel", "ok", f"{spec.display_name!r} runs {python}")


def check_datasets() -> Finding:
    from dlcourse.datasets import CATALOGUE, DatasetFileError, data_dir, read_verified

    folder = data_dir()
    bad = []
    for name in CATALOGUE:
        try:
            read_verified(name)  # the loaders' own sha256 check
        except DatasetFileError:
            bad.append(f"{name} {'changed' if (folder / name).is_file() else 'missing'}")
    if bad:
        return Finding(
            "datasets", "problem", ", ".join(bad), "`git checkout -- datasets/` (or `make datasets` to rebuild them)"
        )
    return Finding("datasets", "ok", f"{len(CATALOGUE)} files in {folder} match their sha256")


def check_sandbox() -> Finding:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Finding(
            "grading sandbox",
            "note",
            "bubblewrap is not installed (only instructors who autograde need it)",
            "`sudo apt-get install bubblewrap`",
        )
    probe = subprocess.run([bwrap, "--ro-bind", "/", "/", "--unshare-net", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        return Finding(
            "grading sandbox",
            "note",
            f"bubblewrap is installed but cannot start a sandbox: {reason}",
            "allow unprivileged user namespaces (`sysctl kernel.unprivileged_userns_clone=1`), or grade as root",
        )
    return Finding("grading sandbox", "ok", f"bubblewrap works ({bwrap})")


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null: TensorFlow's C++ start-up log is noise in a report."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def check_gpu() -> Finding:
    with quiet_stderr():
        try:
            import tensorflow as tf
        except ImportError:
            return Finding("GPU", "note", "not checked: TensorFlow is not installed")
        gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return Finding("GPU", "ok", f"TensorFlow sees {len(gpus)} GPU(s): {', '.join(g.name for g in gpus)}")
    return Finding("GPU", "note", "none visible: every lab is sized for a laptop CPU, so none is needed")


def diagnose(requirements: Path = REQUIREMENTS) -> list[Finding]:
    """Every check, in the order a newcomer would fix them."""
    checks: list[Callable[[], Finding]] = [
        check_python,
        lambda: check_packages(requirements),
        check_kernel,
        check_datasets,
        check_sandbox,
        check_gpu,
    ]
    return [check() for check in checks]
