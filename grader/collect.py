"""Import submissions from an LMS download zip or a folder into nbgrader's submitted layout.

Who a notebook belongs to is read from what the LMS wrote, never from the part of a name a
student chose. Each source has one format (``--format``; without it, the top level of the
source decides, and anything ambiguous is refused)::

    canvas      smithjohn_12345_678901_<file>                student 12345: Canvas's user id (_late_ marks late)
    moodle      Ann Lee_34567_assignsubmission_file_<file>   student 34567, the id Moodle writes after the name;
                Ann Lee_34567_assignsubmission_file/<file>   also in a folder of that name
    blackboard  <assignment>_jsmith_attempt_2024-03-01-10-00-00_<file>    student jsmith, attempt time from the name
    folder      <student>/<file>, <student>/<assignment>/<file>          the folder is the student

Each notebook lands in ``submitted/<student>/<assignment>/<notebook>.ipynb`` (renamed to the
assignment's notebook) with a ``timestamp.txt``: Blackboard's attempt time (in the part of the
name Blackboard writes), else the zip entry's or the file's modification time (UTC). Nothing is
overwritten silently: of two submissions of one student the newer is kept and the report says
so. Two entries that give one student id under different names, ids missing from the
gradebook's roster (when the course keeps one: ``c.Autograde.create_student = False``) and
names the format cannot read unambiguously are reported and not placed.

Zip files are read entry by entry, never extracted: names with ``..``, absolute paths,
symlinks, oversized entries and suspicious compression ratios (zip bombs) are refused and
reported, and nothing is ever written outside the submitted folder.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from nbgrader.api import Gradebook
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
#: The formats of ``--format``.
FORMATS = ("canvas", "moodle", "blackboard", "folder")

#: Canvas writes ``<name>[_late]_<user id>_<attachment id>_<file>``; its <name> has no underscores.
CANVAS = re.compile(r"^(?P<name>[^\W_]*?)(?P<late>_late)?_(?P<student>\d+)_(?P<attachment>\d+)_(?P<file>.+)$", re.I)
#: Moodle's marker after ``<full name>_<participant id>``; the full name is the user's own and may hold anything.
MOODLE_MARKER = re.compile(r"_(?P<student>\d+)_assignsubmission_(?:file|onlinetext)")
MOODLE_FOLDER = re.compile(rf"^(?P<name>.+){MOODLE_MARKER.pattern}$")
#: Blackboard writes ``<assignment>_<username>_attempt_<time>[_<file>]``: the first such run is Blackboard's.
BLACKBOARD = re.compile(
    r"^(?P<assignment>.+?)_(?P<student>[^_/]+)_attempt_(?P<when>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)(?:_(?P<file>.+))?$"
)
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
    format: str = "folder"
    placed: list[Placed] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source name, reason)


@dataclass
class Claim:
    """Whom one entry belongs to, as the LMS wrote it."""

    student: str
    filename: str  # the submitted file's own name, which picks the notebook
    claimant: str  # the name the LMS gives the student beside the id (two names for one id: a forgery)
    when: datetime | None = None  # the LMS's time, when its name carries one
    note: str | None = None


@dataclass
class _Candidate:
    name: str  # path inside the source, for the report
    claim: Claim
    notebook: str
    when: datetime
    read: Callable[[], bytes]


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


def _flat(parts: tuple[str, ...], lms: str) -> str:
    if len(parts) != 1:
        raise _Refused(f"inside a folder: a {lms} download holds its files at the top level")
    return parts[0]


def canvas_claim(parts: tuple[str, ...], assignment: str) -> Claim:
    match = CANVAS.match(_flat(parts, "Canvas"))
    if not match:
        raise _Refused("not a Canvas file name (<name>_<user id>_<attachment id>_<file>)")
    return Claim(match["student"], match["file"], match["name"], note="Canvas, late" if match["late"] else "Canvas")


def moodle_claim(parts: tuple[str, ...], assignment: str) -> Claim:
    if len(parts) >= 2:
        match = MOODLE_FOLDER.match(parts[0])
        if not match:
            raise _Refused("not a Moodle submission folder (<full name>_<id>_assignsubmission_file)")
        return Claim(match["student"], parts[-1], match["name"], note="Moodle")
    markers = list(MOODLE_MARKER.finditer(parts[0]))
    if len(markers) != 1 or not parts[0][markers[0].end() :].startswith("_"):
        raise _Refused("ambiguous: Moodle's _<id>_assignsubmission_ marker is not in the name exactly once")
    marker = markers[0]
    return Claim(marker["student"], parts[0][marker.end() + 1 :], parts[0][: marker.start()], note="Moodle")


def blackboard_claim(parts: tuple[str, ...], assignment: str) -> Claim:
    match = BLACKBOARD.match(_flat(parts, "Blackboard"))
    if not match:
        raise _Refused("not a Blackboard file name (<assignment>_<username>_attempt_<time>_<file>)")
    when = datetime.strptime(match["when"], "%Y-%m-%d-%H-%M-%S").replace(tzinfo=timezone.utc)
    return Claim(match["student"], match["file"] or parts[0], match["student"], when, "Blackboard")


def folder_claim(parts: tuple[str, ...], assignment: str) -> Claim:
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == assignment):
        return Claim(parts[0], parts[-1], parts[0])
    if len(parts) == 1:
        raise _Refused("not in a student's folder (expected <student>/<notebook>.ipynb)")
    raise _Refused("unexpected folder depth (expected <student>/<notebook>.ipynb)")


CLAIMS: dict[str, Callable[[tuple[str, ...], str], Claim]] = {
    "canvas": canvas_claim,
    "moodle": moodle_claim,
    "blackboard": blackboard_claim,
    "folder": folder_claim,
}


def detect_format(names: Iterable[str], source: Path, assignment: str) -> str:
    """The one format every notebook of ``source`` fits (read from the top level, where the LMS
    writes); refuses a source whose notebooks fit different formats, or several alike. A source
    no format can place is a folder (each refusal is then reported)."""
    notebooks = [PurePosixPath(n).parts for n in names if n.lower().endswith(".ipynb") and not _hidden(n)]
    fitting = set(FORMATS)
    for parts in notebooks:
        fits = {fmt for fmt in FORMATS if _fits(fmt, parts, assignment)}
        if not fits:
            continue  # placed by no format: reported as such
        narrowed = fitting & fits
        if not narrowed:
            raise GraderError(
                f"cannot tell how {source} was exported: {'/'.join(parts)!r} does not fit the format of the "
                f"others; pass --format {'|'.join(FORMATS)}"
            )
        fitting = narrowed
    if len(fitting) == 1:
        return fitting.pop()
    if fitting == set(FORMATS):
        return "folder"  # nothing any format could place
    raise GraderError(
        f"cannot tell how {source} was exported: its names fit {', '.join(sorted(fitting))}; pass --format"
    )


def _fits(fmt: str, parts: tuple[str, ...], assignment: str) -> bool:
    try:
        claim = CLAIMS[fmt](parts, assignment)
    except _Refused:
        return False
    return bool(STUDENT_ID.match(claim.student)) and not (fmt == "folder" and MOODLE_FOLDER.match(parts[0]))


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(name).parts)


def _pick_notebook(filename: str, notebooks: list[str]) -> str:
    if len(notebooks) == 1:
        return notebooks[0]
    stem = re.sub(r"(-\d+)?\.ipynb$", "", filename)  # Canvas appends -1, -2 to resubmitted files
    for notebook in notebooks:
        if stem == notebook or stem.endswith(notebook):
            return notebook
    raise _Refused(f"cannot tell which of the notebooks {notebooks} this is")


def _candidates(entries: list, fmt: str, assignment: str, notebooks: list[str], report: CollectReport):
    found = []
    for name, when, read in entries:
        try:
            if _hidden(name):
                raise _Refused("hidden or system file")
            if not name.lower().endswith(".ipynb"):
                raise _Refused("not a notebook (.ipynb)")
            claim = CLAIMS[fmt](PurePosixPath(name).parts, assignment)
            if not STUDENT_ID.match(claim.student):
                raise _Refused(f"no usable student id (found {claim.student!r})")
            notebook = _pick_notebook(claim.filename, notebooks)
            found.append(_Candidate(name, claim, notebook, claim.when or when, read))
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


def collect(config: Config, source: Path, assignment: str, fmt: str | None = None) -> CollectReport:
    """Place every submission found in ``source`` (folder or zip) of format ``fmt`` (None: detect
    it); see the module docstring."""
    source = Path(source)
    if not source.exists():
        raise GraderError(f"{source} does not exist")
    if fmt is not None and fmt not in FORMATS:
        raise GraderError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    notebooks = assignment_notebooks(config, assignment)
    coursedir = CourseDirectory(config=config)
    report = CollectReport(assignment)
    entries = list(_zip_entries(source, report) if source.is_file() else _folder_entries(source, report))
    report.format = fmt or detect_format((name for name, _, _ in entries), source, assignment)
    roster = course_roster(config, coursedir)
    newest: dict[tuple[str, str], _Candidate] = {}
    for candidate in _refuse_forgeries(_candidates(entries, report.format, assignment, notebooks, report), report):
        student = candidate.claim.student
        if roster is not None and student not in roster:
            reason = f"{student} is not on the course roster: add them (nbgrader db student add) and collect again"
            report.skipped.append((candidate.name, reason))
            continue
        key = (student, candidate.notebook)
        other = newest.get(key)
        if other is None:
            newest[key] = candidate
            continue
        older, newer = sorted((other, candidate), key=lambda c: c.when)
        newest[key] = newer
        report.skipped.append((older.name, f"a newer submission of {student} is in the source: {newer.name}"))
    for (student, notebook), candidate in sorted(newest.items()):
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        target = folder / f"{notebook}.ipynb"
        note = candidate.claim.note
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


def _refuse_forgeries(candidates: list[_Candidate], report: CollectReport) -> list[_Candidate]:
    """The candidates, without every entry of an id the source gives under two names (one of them
    claims another student's slot, and the names cannot tell which)."""
    names: dict[str, set[str]] = {}
    for candidate in candidates:
        names.setdefault(candidate.claim.student, set()).add(candidate.claim.claimant)
    kept = []
    for candidate in candidates:
        claimants = names[candidate.claim.student]
        if len(claimants) > 1:
            listed = ", ".join(repr(name) for name in sorted(claimants))
            report.skipped.append(
                (
                    candidate.name,
                    f"student {candidate.claim.student} appears under {len(claimants)} names ({listed}): none placed",
                )
            )
        else:
            kept.append(candidate)
    return kept


def course_roster(config: Config, coursedir: CourseDirectory) -> set[str] | None:
    """The gradebook's student ids when the course keeps a roster (``c.Autograde.create_student =
    False``: nbgrader then grades no one else); None when any id may submit."""
    if config.get("Autograde", {}).get("create_student", True) is not False:
        return None
    url = coursedir.db_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return set()
    with Gradebook(url, coursedir.course_id) as gradebook:
        return {student.id for student in gradebook.students}


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
