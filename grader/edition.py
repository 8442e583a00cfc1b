"""The student edition: a copy of the course that students clone, with nothing to grade them by.

It holds the labs, the datasets, the helper package, the environment files
(``requirements.txt``, ``environment.yml``, ``pyproject.toml``), a Makefile trimmed to the
targets that need no solutions (``help``, ``setup``, ``doctor``, ``lab``, ``datasets``, ``clean``) and a
README without the instructor sections. Solutions, hidden tests, the grader, the test
suite, CI files and grading state are left out. Files are taken from git (what is
committed) when the course is a git checkout, so local clutter never leaks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError

#: Folders and files the edition carries over (relative to the repository).
INCLUDE = ("labs/", "datasets/", "dlcourse/", "requirements.txt", "environment.yml", "pyproject.toml", ".gitignore")
#: Makefile targets that work without solutions, grader or tests.
KEEP_TARGETS = ("help", "setup", "doctor", "lab", "datasets", "clean", "$(READY)")
#: README sections that only concern instructors and course developers.
INSTRUCTOR_SECTIONS = ("What is where", "For instructors")
#: README lines about commands the edition does not have.
INSTRUCTOR_WORDS = re.compile(r"make (test|release|demo|bench|bench-grade)|solutions/|grader|nbgrader|tests/")

STUDENT_NOTE = """
## About this copy

This is the student edition of the course: the labs in `labs/`, the datasets in `datasets/`
and the helper package `dlcourse/`. Open a lab with `make lab` (or the *Open in Colab* badge at
the top of each notebook), work through the exercises and run the checks in each lab as you go.
"""


@dataclass
class EditionReport:
    output: Path
    files: list[Path] = field(default_factory=list)


def tracked_files(repo: Path) -> list[str]:
    """Files committed in ``repo``'s HEAD (git), or every file outside caches and virtualenvs."""
    try:
        listing = subprocess.run(
            ["git", "-C", str(repo), "ls-tree", "-r", "-z", "--name-only", "HEAD"], capture_output=True, check=True
        )
        return sorted(name for name in listing.stdout.decode().split("\0") if name)
    except (OSError, subprocess.CalledProcessError):
        skip = {".venv", ".git", "__pycache__", ".ipynb_checkpoints", "grading", ".pytest_cache"}
        return sorted(
            p.relative_to(repo).as_posix()
            for p in repo.rglob("*")
            if p.is_file() and not skip.intersection(p.relative_to(repo).parts)
        )


def trim_makefile(text: str, keep: tuple[str, ...] = KEEP_TARGETS) -> str:
    """Drop every rule whose target is not in ``keep``; fix ``.PHONY`` to match."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        starts_rule = re.match(r"^[^\s#=][^=]*?:(?!=)", line) is not None and not line.startswith(".PHONY")
        if starts_rule or (not line.strip() and blocks[-1] and not blocks[-1][-1].strip() == ""):
            blocks.append([])
        blocks[-1].append(line)
    kept = []
    for block in blocks:
        rule = next(
            (line for line in block if re.match(r"^[^\s#=][^=]*?:(?!=)", line) and not line.startswith(".PHONY")), None
        )
        if rule is not None and rule.split(":")[0].strip() not in keep:
            # a rule we drop, with the comment lines just above it
            continue
        kept.append(block)
    lines = [line for block in kept for line in block]
    phony = [t for t in keep if not t.startswith("$")]
    lines = [f".PHONY: {' '.join(phony)}" if line.startswith(".PHONY") else line for line in lines]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def student_readme(text: str) -> str:
    """The course README without the instructor sections and commands."""
    sections = re.split(r"(?m)^(?=## )", text)
    kept = [s for s in sections if not any(s.startswith(f"## {title}") for title in INSTRUCTOR_SECTIONS)]
    lines = [line for line in "".join(kept).splitlines() if not INSTRUCTOR_WORDS.search(line)]
    return "\n".join(lines).rstrip() + "\n" + STUDENT_NOTE


#: The grader's kernel provisioner in ``pyproject.toml`` (with the comments above it): not in the edition.
GRADER_ENTRY_POINTS = re.compile(
    r'(?m)^(?:#.*\n)*\[project\.entry-points\."jupyter_client\.kernel_provisioners"\]\n(?:[^\[\n].*\n)*\n*'
)


def student_pyproject(text: str) -> str:
    """``pyproject.toml`` without the grader's entry points (the edition has no grader)."""
    return GRADER_ENTRY_POINTS.sub("", text)


def build_edition(repo: Path, output: Path, force: bool = False) -> EditionReport:
    """Write the student edition of ``repo`` into ``output`` (which must not exist, unless ``force``)."""
    repo, output = Path(repo).resolve(), Path(output).resolve()
    if output == repo or repo in output.parents and not output.is_relative_to(repo / "grading"):
        raise GraderError("write the edition outside the course repository (or under its grading/ folder)")
    if output.exists():
        if not force:
            raise GraderError(f"{output} exists: choose a new folder or pass --force")
        shutil.rmtree(output)
    report = EditionReport(output)
    generated_names = ("Makefile", "README.md", "pyproject.toml")
    for name in tracked_files(repo):
        if name in generated_names:
            continue
        if not any(name == entry or (entry.endswith("/") and name.startswith(entry)) for entry in INCLUDE):
            continue
        source = repo / name
        if not source.is_file() or "__pycache__" in name:
            continue
        target = output / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        report.files.append(target)
    generated = {
        "Makefile": trim_makefile((repo / "Makefile").read_text()),
        "README.md": student_readme((repo / "README.md").read_text()),
        "pyproject.toml": student_pyproject((repo / "pyproject.toml").read_text()),
    }
    for name, text in generated.items():
        (output / name).write_text(text)
        report.files.append(output / name)
    return report
