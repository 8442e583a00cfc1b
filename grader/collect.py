"""Import submissions from a folder or an LMS download zip into nbgrader's submitted layout.

Accepted file names (the student id is taken from the name, see :data:`PATTERNS`)::

    Canvas      smithjohn_12345_678901_01-hello-world.ipynb          student 12345 (Canvas user id)
                smithjohn_LATE_12345_678901_01-hello-world.ipynb     (marked late)
    Moodle      John Smith_12345_assignsubmission_file_01-hello-world.ipynb    student 12345
    Blackboard  01-hello-world_jsmith_attempt_2024-03-01-10-00-00_01-hello-world.ipynb  student jsmith
    folder      <student>/<notebook>.ipynb,  <student>/<assignment>/<notebook>.ipynb,  <student>.ipynb

Each notebook lands in ``submitted/<student>/<assignment>/<notebook>.ipynb`` (renamed to
the assignment's notebook) with a ``timestamp.txt``: Blackboard's attempt time, else the
zip entry's or the file's modification time (UTC). Nothing is overwritten silently: of
two submissions of the same student the newer is kept and the report says so.

Zip files are read entry by entry, never extracted: names with ``..``, absolute paths,
symlinks, oversized entries and suspicious compression ratios (zip bombs) are refused and
reported, and nothing is ever written outside the submitted folder.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import parse_utc
from traitlets.config import Config

from grader.engine.jobs import write_atomically
from grader.errors import GraderError

#: Largest notebook accepted (bytes, uncompressed).
MAX_NOTEBOOK_BYTES = 50 * 1024**2
#: Largest total of accepted notebooks from one source.
MAX_TOTAL_BYTES = 2 * 1024**3
#: An entry that expands more than this many times its compressed size is treated as a zip bomb.
MAX_RATIO = 200
#: Student ids that are safe as folder names.
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")

#: (LMS, regex on the file name without folders): groups ``student``, ``file``, optional ``late``/``when``.
PATTERNS = [
    ("Canvas", re.compile(r"^(?P<name>[^_/]+?)(?P<late>_LATE)?_(?P<student>\d+)_(?P<sub>\d+)_(?P<file>.+)$")),
    ("Moodle", re.compile(r"^(?P<name>[^_/]+)_(?P<student>\d+)_assignsubmission_(?:file|onlinetext)_?(?P<file>.+)$")),
    (
        "Blackboard",
        re.compile(
            r"^(?P<assignment>.+?)_(?P<student>[^_/]+)_attempt_"
            r"(?P<when>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)(?:_(?P<file>.+))?$"
        ),
    ),
]
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


@dataclass
class Placed:
    student: str
    notebook: str
    source: str
    timestamp: str
    note: str | None = None


@dataclass
class CollectReport:
    assignment: str
    placed: list[Placed] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source name, reason)


@dataclass
class _Candidate:
    name: str  # path inside the source, for the report
    student: str
    notebook: str
    when: datetime
    read: Callable[[], bytes]
    note: str | None = None


class _Refused(Exception):
    pass


def assignment_notebooks(config: Config, assignment: str) -> list[str]:
    """The assignment's notebook names: from the release folder, else the source folder."""
    coursedir = CourseDirectory(config=config)
    for folder in (coursedir.release_directory, coursedir.source_directory):
        path = Path(coursedir.format_path(folder, ".", assignment))
        names = sorted(p.stem for p in path.glob("*.ipynb"))
        if names:
            return names
    raise GraderError(f"{assignment} has no notebooks in the release or source folder")


def parse_name(relative: str, assignment: str) -> tuple[str, str, datetime | None, str | None]:
    """(student, original file name, time from the name or None, note) of one source path."""
    parts = PurePosixPath(relative).parts
    filename = parts[-1]
    stem = filename[: -len(".ipynb")]
    for lms, pattern in PATTERNS:
        match = pattern.match(filename)
        if match:
            when = None
            if match.groupdict().get("when"):
                when = datetime.strptime(match["when"], "%Y-%m-%d-%H-%M-%S").replace(tzinfo=timezone.utc)
            note = f"{lms}, late" if match.groupdict().get("late") else lms
            return match["student"], match["file"] or filename, when, note
    if len(parts) == 1:
        return stem, filename, None, None
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == assignment):
        return parts[0], filename, None, None
    raise _Refused("unexpected folder depth (expected <student>/<notebook>.ipynb or an LMS file name)")


def _pick_notebook(filename: str, notebooks: list[str]) -> str:
    if len(notebooks) == 1:
        return notebooks[0]
    stem = re.sub(r"(-\d+)?\.ipynb$", "", filename)  # Canvas appends -1, -2 to resubmitted files
    for notebook in notebooks:
        if stem == notebook or stem.endswith(notebook):
            return notebook
    raise _Refused(f"cannot tell which of the notebooks {notebooks} this is")


def _candidates(source: Path, assignment: str, notebooks: list[str], report: CollectReport) -> list[_Candidate]:
    entries = _zip_entries(source, report) if source.is_file() else _folder_entries(source, report)
    found = []
    for name, when, read in entries:
        try:
            parts = PurePosixPath(name).parts
            if any(part.startswith(".") or part == "__MACOSX" for part in parts):
                raise _Refused("hidden or system file")
            if not name.lower().endswith(".ipynb"):
                raise _Refused("not a notebook (.ipynb)")
            student, filename, named_time, note = parse_name(name, assignment)
            if not STUDENT_ID.match(student) or student in (".", ".."):
                raise _Refused(f"no usable student id in the file name (found {student!r})")
            found.append(_Candidate(name, student, _pick_notebook(filename, notebooks), named_time or when, read, note))
        except _Refused as reason:
            report.skipped.append((name, str(reason)))
    return found


def _folder_entries(source: Path, report: CollectReport):
    total = 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if path.is_symlink():
            report.skipped.append((relative, "symbolic link (not followed)"))
        elif path.is_file():
            size = path.stat().st_size
            if relative.lower().endswith(".ipynb"):
                if size > MAX_NOTEBOOK_BYTES:
                    report.skipped.append((relative, f"too large ({size} bytes, limit {MAX_NOTEBOOK_BYTES})"))
                    continue
                total += size
                if total > MAX_TOTAL_BYTES:
                    report.skipped.append(
                        (relative, f"the folder holds more than {MAX_TOTAL_BYTES} bytes of notebooks")
                    )
                    continue
            when = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
            yield relative, when, path.read_bytes


def _zip_entries(source: Path, report: CollectReport):
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise GraderError(f"{source} is neither a folder nor a zip file") from None
    total = 0
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir():
                continue
            path = PurePosixPath(name.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", name):
                report.skipped.append((name, "hostile path in the zip (absolute or with ..): not extracted"))
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                report.skipped.append((name, "symbolic link in the zip: not extracted"))
                continue
            if not name.lower().endswith(".ipynb"):
                yield path.as_posix(), None, None
                continue
            if info.file_size > MAX_NOTEBOOK_BYTES:
                report.skipped.append((name, f"too large ({info.file_size} bytes, limit {MAX_NOTEBOOK_BYTES})"))
                continue
            if info.compress_size and info.file_size > 1024**2 and info.file_size / info.compress_size > MAX_RATIO:
                report.skipped.append((name, f"suspected zip bomb (expands {info.file_size // info.compress_size}×)"))
                continue
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                report.skipped.append((name, f"the zip holds more than {MAX_TOTAL_BYTES} bytes of notebooks"))
                continue
            when = datetime(*info.date_time, tzinfo=timezone.utc)
            yield path.as_posix(), when, _bounded_reader(source, info)


def _bounded_reader(source: Path, info: zipfile.ZipInfo) -> Callable[[], bytes]:
    """Read an entry, but never more than the limit, whatever its header claims."""

    def read() -> bytes:
        with zipfile.ZipFile(source) as archive, archive.open(info) as stream:
            data = stream.read(MAX_NOTEBOOK_BYTES + 1)
        if len(data) > MAX_NOTEBOOK_BYTES:
            raise _Refused(f"expands beyond {MAX_NOTEBOOK_BYTES} bytes (zip bomb?)")
        return data

    return read


def collect(config: Config, source: Path, assignment: str) -> CollectReport:
    """Place every submission found in ``source`` (folder or zip); see the module docstring."""
    source = Path(source)
    if not source.exists():
        raise GraderError(f"{source} does not exist")
    notebooks = assignment_notebooks(config, assignment)
    coursedir = CourseDirectory(config=config)
    report = CollectReport(assignment)
    newest: dict[tuple[str, str], _Candidate] = {}
    for candidate in _candidates(source, assignment, notebooks, report):
        key = (candidate.student, candidate.notebook)
        other = newest.get(key)
        if other is None:
            newest[key] = candidate
            continue
        older, newer = sorted((other, candidate), key=lambda c: c.when)
        newest[key] = newer
        report.skipped.append((older.name, f"a newer submission of {candidate.student} is in the source: {newer.name}"))
    for (student, notebook), candidate in sorted(newest.items()):
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        target = folder / f"{notebook}.ipynb"
        note = candidate.note
        existing = _existing_timestamp(folder) if target.exists() else None
        if existing is not None and existing >= candidate.when:
            report.skipped.append(
                (
                    candidate.name,
                    f"kept the existing submission of {student}, which is newer or "
                    f"as new ({existing:%Y-%m-%d %H:%M:%S} UTC)",
                )
            )
            continue
        try:
            data = candidate.read()
        except (_Refused, zipfile.BadZipFile, OSError) as reason:
            report.skipped.append((candidate.name, str(reason)))
            continue
        if existing is not None:
            note = "; ".join(filter(None, [note, f"replaced an older submission ({existing:%Y-%m-%d %H:%M:%S} UTC)"]))
        _place(folder, target, data, candidate.when)
        report.placed.append(Placed(student, notebook, candidate.name, candidate.when.strftime(TIMESTAMP_FORMAT), note))
    return report


def _existing_timestamp(folder: Path) -> datetime | None:
    try:
        when = parse_utc((folder / "timestamp.txt").read_text().strip())
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    except (OSError, ValueError):
        return datetime.fromtimestamp(0, timezone.utc)


def _place(folder: Path, target: Path, data: bytes, when: datetime) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if not folder.resolve().is_relative_to(folder.parent.parent.resolve()):
        raise RuntimeError(f"refusing to write outside the submitted folder: {folder}")
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    write_atomically(folder / "timestamp.txt", when.strftime(TIMESTAMP_FORMAT))
