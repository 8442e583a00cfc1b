"""Grades in the files Canvas, Moodle and Blackboard import, with every mismatch reported."""

from __future__ import annotations

import csv

import pytest

from grader.cli import main
from grader.lms_export import LmsFileError, export_for_lms

#: What grader.export.read_grades returns: one row per student and assignment ("" = not submitted).
ROWS = [
    {"student": "12345", "assignment": "01-hello-world", "score": 12.0, "max_score": 12.0},
    {"student": "12345", "assignment": "02-playground", "score": 7.5, "max_score": 10.0},
    {"student": "67890", "assignment": "01-hello-world", "score": 4.0, "max_score": 12.0},
    {"student": "67890", "assignment": "02-playground", "score": "", "max_score": 10.0},
    {"student": "55555", "assignment": "01-hello-world", "score": 9.0, "max_score": 12.0},
    {"student": "55555", "assignment": "02-playground", "score": 1.0, "max_score": 10.0},
]

#: Canvas's gradebook export (Grades → Export): five student columns, "<name> (<id>)" assignment
#: columns, a "Points Possible" row and read-only totals.
CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,01-hello-world (731),Quiz 1 (732),Current Score,Final Score\n"
    "    Points Possible,,,,,12.00,5.00,(read only),(read only)\n"
    '"Smith, John",12345,S001,jsmith,DL 2026,,4.00,80.00,80.00\n'
    '"Doe, Jane",67890,S002,jdoe,DL 2026,,5.00,100.00,100.00\n'
    '"Roe, Rick",24680,S003,rroe,DL 2026,,,0.00,0.00\n'
    "Student Test,99999,,,DL 2026,,,0.00,0.00\n"
)

#: Blackboard's Grade Center download (Work Offline → Download, comma-delimited).
BLACKBOARD_EXPORT = (
    '"Last Name","First Name","Username","Student ID","Last Access","Availability",'
    '"01-hello-world [Total Pts: 12 Score] |1203","Weighted Total [Total Pts: up to 0 Percentage] |1200"\n'
    '"Smith","John","jsmith","S001","2026-11-30","Available","",""\n'
    '"Doe","Jane","jdoe","S002","2026-11-29","Available","",""\n'
)


def read(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream, delimiter="\t" if path.suffix == ".txt" else ","))


@pytest.fixture
def canvas_file(tmp_path):
    path = tmp_path / "2026-12-01T0900_Grades-DL_2026.csv"
    path.write_text(CANVAS_EXPORT)
    return path


def test_canvas_fills_the_assignment_column_of_its_own_export(canvas_file, tmp_path):
    report = export_for_lms("canvas", ROWS, tmp_path / "import.csv", lms_file=canvas_file)
    header, points, smith, doe, roe, test_student = read(tmp_path / "import.csv")
    assert header == read(canvas_file)[0], "the layout Canvas imports is kept column for column"
    assert points[:6] == ["    Points Possible", "", "", "", "", "12.00"], "the points row is left alone"
    assert smith[5] == "12" and doe[5] == "4" and roe[5] == ""
    assert smith[6] == "4.00", "columns of other assignments are left as Canvas wrote them"
    assert report.columns == {"01-hello-world": "01-hello-world (731)"}
    assert report.assignments_without_column == ["02-playground"]
    assert report.filled == 2


def test_canvas_reports_students_on_one_side_only(canvas_file, tmp_path):
    report = export_for_lms("canvas", ROWS, tmp_path / "import.csv", lms_file=canvas_file)
    assert report.not_in_gradebook == ["24680", "99999"]
    assert report.not_in_lms == ["55555"]


def test_blackboard_fills_the_grade_center_column_matched_on_username(tmp_path):
    rows = [dict(row, student={"12345": "jsmith", "67890": "jdoe", "55555": "mallory"}[row["student"]]) for row in ROWS]
    download = tmp_path / "gc_DL2026_fullgc.csv"
    download.write_text(BLACKBOARD_EXPORT)
    report = export_for_lms(
        "blackboard", rows, tmp_path / "upload.csv", lms_file=download, assignments=["01-hello-world"]
    )
    header, smith, doe = read(tmp_path / "upload.csv")
    assert header[6] == "01-hello-world [Total Pts: 12 Score] |1203"
    assert smith[6] == "12" and doe[6] == "4" and smith[7] == ""
    assert report.not_in_lms == ["mallory"] and report.not_in_gradebook == []


def test_blackboard_tab_delimited_utf16_download_is_read_and_kept_tab_delimited(tmp_path):
    rows = [dict(row, student="jsmith") for row in ROWS if row["student"] == "12345"]
    download = tmp_path / "gc_DL2026_fullgc.xls"
    download.write_bytes(BLACKBOARD_EXPORT.replace('","', '"\t"').encode("utf-16"))
    export_for_lms("blackboard", rows, tmp_path / "upload.txt", lms_file=download, assignments=["01-hello-world"])
    header, smith, _ = read(tmp_path / "upload.txt")
    assert header[2] == "Username" and smith[6] == "12"


def test_moodle_writes_a_grade_import_csv_keyed_by_user_id(tmp_path):
    participants = tmp_path / "participants.csv"
    participants.write_text(
        "First name,Last name,User ID,Email address\nJohn,Smith,12345,j@x.org\nZoe,Zed,31337,z@x.org\n"
    )
    report = export_for_lms("moodle", ROWS, tmp_path / "moodle.csv", lms_file=participants)
    assert read(tmp_path / "moodle.csv") == [
        ["User ID", "01-hello-world", "02-playground"],
        ["12345", "12", "7.5"],
        ["55555", "9", "1"],
        ["67890", "4", ""],
    ]
    assert report.not_in_gradebook == ["31337"] and report.not_in_lms == ["55555", "67890"]
    assert report.filled == 5


@pytest.mark.parametrize(
    "content, message",
    [
        ("Name,Email\nJohn,j@x.org\n", "no 'ID' column"),
        ("Student,ID,01-hello-world,01-HELLO-WORLD (9)\nA,1,,\n", "2 columns"),
        ("", "empty"),
    ],
)
def test_a_file_that_is_not_a_canvas_export_is_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "grades.csv"
    path.write_text(content)
    with pytest.raises(LmsFileError, match=message):
        export_for_lms("canvas", ROWS, tmp_path / "out.csv", lms_file=path)


def test_canvas_without_its_file_or_onto_its_own_file_is_refused(canvas_file):
    with pytest.raises(LmsFileError, match="--lms-file"):
        export_for_lms("canvas", ROWS, canvas_file.with_name("out.csv"))
    with pytest.raises(LmsFileError, match="must not be the --lms-file"):
        export_for_lms("canvas", ROWS, canvas_file, lms_file=canvas_file)


def test_cli_refuses_a_missing_lms_file_with_one_error_line(tmp_path, capsys):
    config = tmp_path / "nbgrader_config.py"
    config.write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(tmp_path)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{tmp_path / 'gradebook.db'}'\n"
    )
    code = main(["--config", str(config), "export", "--format", "canvas", "--output", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: --format canvas fills") and err.count("\n") == 1
