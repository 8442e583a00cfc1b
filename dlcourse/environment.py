"""The versions a lab runs on, against the versions the course is tested with.

The pins live in one place, the course's ``requirements.txt``. Every lab's Setup cell
prints :func:`setup_report`: the Python, TensorFlow and Keras in use, and in one line the
packages that differ from the pins (in Colab: that those are Colab's own versions). It
never raises: a lab should still start on a machine that differs.
"""

from __future__ import annotations

import platform
import re
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = COURSE_ROOT / "requirements.txt"

#: The packages the labs themselves import (the rest of the pins serve grading and tests).
LAB_PACKAGES = (
    "tensorflow",
    "keras",
    "tensorflow-datasets",
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "matplotlib",
    "seaborn",
    "ipywidgets",
    "tqdm",
    "fastapi",
    "uvicorn",
    "requests",
    "ai-edge-litert",
)


@dataclass(frozen=True)
class VersionGap:
    """A pinned package whose installed version is another one, or which is not installed."""

    package: str
    pinned: str
    installed: str | None

    def __str__(self) -> str:
        found = "not installed" if self.installed is None else self.installed
        return f"{self.package} {found} (course: {self.pinned})"


def read_pins(path: Path = REQUIREMENTS) -> dict[str, str]:
    """Package name (lower case) -> exact version, from a requirements file of ``name==version`` lines."""
    pins = {}
    for line in path.read_text().splitlines():
        requirement = line.split("#")[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)", requirement)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def installed_version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def version_gaps(pins: dict[str, str], packages: tuple[str, ...] | None = None) -> list[VersionGap]:
    """The pins (or only ``packages`` among them) that the installed versions do not match."""
    names = [name for name in pins if packages is None or name in packages]
    gaps = [VersionGap(name, pins[name], installed_version(name)) for name in names]
    return [gap for gap in gaps if gap.installed != gap.pinned]


def in_colab() -> bool:
    return "google.colab" in sys.modules


def versions_in_use() -> str:
    """``Python 3.11.7 · TensorFlow 2.21.0 · Keras 3.15.1``, read without importing TensorFlow."""
    tensorflow = installed_version("tensorflow") or "not installed"
    keras = installed_version("keras") or "not installed"
    return f"Python {platform.python_version()} · TensorFlow {tensorflow} · Keras {keras}"


def setup_report(requirements: Path = REQUIREMENTS) -> str:
    """Two lines for a lab's Setup cell: the versions in use, and how they compare with the pins."""
    try:
        pins = read_pins(requirements)
    except OSError:
        return f"{versions_in_use()}\n(the course's pins, {requirements.name}, were not found: versions not compared)"
    gaps = version_gaps(pins, LAB_PACKAGES)
    if not gaps:
        return f"{versions_in_use()}\nEvery package the labs use has the version the course is tested with."
    listed = ", ".join(str(gap) for gap in gaps)
    if in_colab():
        advice = "these are Colab's own versions; the labs usually work with them"
    else:
        advice = "run `make setup` (or `python -m dlcourse doctor`) to install the course's versions"
    return f"{versions_in_use()}\nDiffers from the course's pins: {listed} — {advice}."
