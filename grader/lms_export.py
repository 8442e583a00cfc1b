"""Grades in the file a learning platform imports: Canvas, Moodle or Blackboard.

* **Canvas** — fill the assignment's column of the gradebook CSV the instructor exports
  from Canvas (Grades → Export): ``Student, ID, SIS User ID, SIS Login ID, Section``, one
  column per assignment named ``<name> (<assignment id>)``, a ``Points Possible`` row, then
  read-only score columns. Students are matched on ``ID``, Canvas's user id, which is the
  student id ``collect`` gives Canvas submissions. The filled file is imported as it is
  (Grades → Import).
* **Blackboard** — fill the Grade Center column of the file downloaded from Grade Center
  (Work Offline → Download, comma- or tab-delimited): ``Last Name, First Name, Username,
  Student ID, …`` and columns named ``<name> [Total Pts: <n> Score] |<column id>``. Students
  are matched on ``Username``; upload the filled file (Work Offline → Upload).
* **Moodle** — write a grade-import CSV (Grades → Import → CSV file) with one identifier
  column, ``User ID`` (map it to *userid* when importing; ``collect`` gives Moodle submissions
  the Moodle user id), and one column per assignment. Given Moodle's participants list
  (``--lms-file``, any CSV with a ``User ID`` column), students are checked against it.

A gradebook assignment fills the LMS column whose name is the assignment's name (Canvas and
Blackboard add their own suffixes, which are ignored). Students of the LMS file who are not in
the gradebook, and gradebook students missing from the LMS file, are reported, never guessed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader.errors import GraderError
from grader.export import write_csv

LmsFormat = Literal["canvas", "moodle", "blackboard"]
LMS_FORMATS: tuple[LmsFormat, ...] = ("canvas", "moodle", "blackboard")

#: Per LMS: the column that identifies a student, and the pattern of an assignment column's name.
STUDENT_COLUMN = {"canvas": "ID", "blackboard": "Username", "moodle": "User ID"}
COLUMN_SUFFIX = {"canvas": r"\s*\(\d+\)", "blackboard": r"\s*\[Total Pts:[^\]]*\]\s*\|\s*\d+", "moodle": ""}
#: Canvas rows under the header that are not students (points possible, posting policy).
CANVAS_INFO_ROWS = re.compile(r"^\s*(Points Possible|Manual Posting)\s*$")


class LmsFileError(GraderError):
    """The LMS file is not in the layout its platform writes."""


@dataclass
class LmsExport:
    """What an LMS export wrote, and who did not match."""

    lms: LmsFormat
    path: Path
    columns: dict[str, str] = field(default_factory=dict)  # assignment -> LMS column it filled
    filled: int = 0  # scores written
    not_in_gradebook: list[str] = field(default_factory=list)  # LMS students the gradebook does not know
    not_in_lms: list[str] = field(default_factory=list)  # gradebook students the LMS file does not list
    assignments_without_column: list[str] = field(default_factory=list)


def scores_by_assignment(rows: list[dict]) -> dict[str, dict[str, float | None]]:
    """assignment -> student -> score (None: not submitted), from :func:`grader.export.read_grades` rows."""
    table: dict[str, dict[str, float | None]] = {}
    for row in rows:
        table.setdefault(row["assignment"], {})[row["student"]] = None if row["score"] == "" else row["score"]
    return table


def read_table(path: Path) -> tuple[list[str], list[list[str]], str]:
    """Header, rows and delimiter of a CSV or tab-separated LMS file (UTF-8, UTF-8-SIG or UTF-16)."""
    raw = Path(path).read_bytes()
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise LmsFileError(f"{path} is not a text file ({error.reason})") from None
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    lines = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not lines:
        raise LmsFileError(f"{path} is empty")
    return (
        [name.strip() for name in lines[0]],
        [line for line in lines[1:] if any(cell.strip() for cell in line)],
        delimiter,
    )


def match_columns(lms: LmsFormat, header: list[str], assignments: list[str]) -> dict[str, int]:
    """assignment -> index of its column in ``header``; refuses a name two columns share."""
    found: dict[str, int] = {}
    for assignment in assignments:
        pattern = re.compile(re.escape(assignment) + f"(?:{COLUMN_SUFFIX[lms]})?", re.IGNORECASE)
        hits = [i for i, name in enumerate(header) if pattern.fullmatch(name)]
        if len(hits) > 1:
            raise LmsFileError(
                f"{len(hits)} columns of the {lms} file are named like {assignment!r}: "
                f"{', '.join(header[i] for i in hits)}"
            )
        if hits:
            found[assignment] = hits[0]
    return found


def format_score(score: float | None) -> str:
    return "" if score is None else f"{score:g}"


def fill_lms_file(
    lms: LmsFormat, lms_file: Path, scores: dict[str, dict[str, float | None]], output: Path
) -> LmsExport:
    """Canvas or Blackboard: the LMS's own file with each assignment's column filled in."""
    header, rows, delimiter = read_table(lms_file)
    id_name = STUDENT_COLUMN[lms]
    if id_name not in header:
        raise LmsFileError(
            f"{lms_file} has no {id_name!r} column: is it a {lms} gradebook export? "
            f"(its columns: {', '.join(header[:6])}, ...)"
        )
    id_column = header.index(id_name)
    columns = match_columns(lms, header, sorted(scores))
    report = LmsExport(
        lms,
        Path(output),
        columns={a: header[i] for a, i in columns.items()},
        assignments_without_column=sorted(set(scores) - set(columns)),
    )
    lms_students = set()
    for row in rows:
        row.extend([""] * (len(header) - len(row)))
        student = row[id_column].strip()
        if lms == "canvas" and (not student or CANVAS_INFO_ROWS.match(row[0])):
            continue  # "Points Possible" and posting-policy rows carry no student
        lms_students.add(student)
        known = [a for a in columns if student in scores[a]]
        if not known:
            report.not_in_gradebook.append(student)
        for assignment in known:
            row[columns[assignment]] = format_score(scores[assignment][student])
            report.filled += scores[assignment][student] is not None
    gradebook_students = {s for table in scores.values() for s in table}
    report.not_in_lms = sorted(gradebook_students - lms_students)
    report.not_in_gradebook.sort()
    write_csv(output, header, rows, delimiter)
    return report


def write_moodle_import(
    scores: dict[str, dict[str, float | None]], output: Path, participants: Path | None = None
) -> LmsExport:
    """Moodle: a grade-import CSV, ``User ID`` and one column per assignment."""
    assignments = sorted(scores)
    students = sorted({s for table in scores.values() for s in table})
    report = LmsExport("moodle", Path(output), columns={a: a for a in assignments})
    if participants is not None:
        header, rows, _ = read_table(participants)
        if STUDENT_COLUMN["moodle"] not in header:
            raise LmsFileError(f"{participants} has no 'User ID' column: export Moodle's participants with it")
        index = header.index(STUDENT_COLUMN["moodle"])
        listed = {row[index].strip() for row in rows if len(row) > index and row[index].strip()}
        report.not_in_gradebook = sorted(listed - set(students))
        report.not_in_lms = sorted(set(students) - listed)
    body = []
    for student in students:
        body.append([student, *(format_score(scores[a].get(student)) for a in assignments)])
        report.filled += sum(scores[a].get(student) is not None for a in assignments)
    write_csv(output, [STUDENT_COLUMN["moodle"], *assignments], body, ",")
    return report


def export_for_lms(
    lms: LmsFormat, rows: list[dict], output: Path, lms_file: Path | None = None, assignments: list[str] | None = None
) -> LmsExport:
    """Write the grades of ``rows`` (optionally only ``assignments``) in ``lms``'s import layout."""
    scores = scores_by_assignment(rows)
    if assignments:
        unknown = sorted(set(assignments) - set(scores))
        if unknown:
            raise LmsFileError(f"the gradebook has no assignment {', '.join(unknown)}")
        scores = {a: scores[a] for a in assignments}
    if lms == "moodle":
        return write_moodle_import(scores, output, lms_file)
    if lms_file is None:
        raise LmsFileError(
            f"--format {lms} fills the gradebook file you download from {lms.title()}: pass it with --lms-file"
        )
    if Path(lms_file).resolve() == Path(output).resolve():
        raise LmsFileError("--output must not be the --lms-file itself: keep the download as it is")
    return fill_lms_file(lms, lms_file, scores, output)
