"""Export the gradebook: one CSV row per student and assignment, a summary per assignment.

Scores are read through nbgrader's ``Gradebook`` (the same numbers nbgrader's formgrader
shows, late penalties included). A student who did not submit an assignment gets an
empty score. Beside the CSV the export writes ``<stem>-summary.csv`` (count, mean,
median, min, max per assignment) and one histogram per assignment
(``<stem>-<assignment>.png``), and per assignment the exercise view of
:mod:`grader.exercise_report`: ``<stem>-<assignment>-exercises.csv`` (pass rate and mean
points of every graded cell) with its bar chart ``<stem>-<assignment>-exercises.png``. An
assignment whose tests scored the students' models on hidden data also gets its leaderboard
(:mod:`grader.leaderboard`): ``<stem>-<assignment>-leaderboard.csv`` and ``.png``.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from grader.exercise_report import ExerciseStat, exercise_stats, grading_times, plot_exercises, unusual_times

if TYPE_CHECKING:
    from grader.leaderboard import Standing

COLUMNS = ["student", "assignment", "score", "max_score", "percent", "timestamp", "late_penalty"]


@dataclass
class AssignmentSummary:
    assignment: str
    max_score: float
    scores: list[float]

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.scores) if self.scores else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.scores) if self.scores else None


@dataclass
class ExportReport:
    csv: Path
    summary_csv: Path
    plots: dict[str, Path] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    summaries: list[AssignmentSummary] = field(default_factory=list)
    exercises: dict[str, list[ExerciseStat]] = field(default_factory=dict)
    exercise_csvs: dict[str, Path] = field(default_factory=dict)
    exercise_plots: dict[str, Path] = field(default_factory=dict)
    #: assignment -> student -> grading seconds, for the submissions far from the median
    unusual_times: dict[str, dict[str, float]] = field(default_factory=dict)
    #: assignment -> (CSV, plot) of its leaderboard, and its standings, for assignments graded on hidden data
    leaderboards: dict[str, tuple[Path, Path]] = field(default_factory=dict)
    standings: dict[str, list[Standing]] = field(default_factory=dict)


def read_grades(config: Config) -> tuple[list[dict], list[AssignmentSummary]]:
    """Every (student, assignment) of the gradebook, and the per-assignment summaries."""
    coursedir = CourseDirectory(config=config)
    rows: list[dict] = []
    summaries: list[AssignmentSummary] = []
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        students = sorted(student.id for student in gradebook.students)
        for assignment in sorted(gradebook.assignments, key=lambda a: a.name):
            summary = AssignmentSummary(assignment.name, assignment.max_score, [])
            submitted = {s.student.id: s for s in gradebook.assignment_submissions(assignment.name)}
            for student in students:
                submission = submitted.get(student)
                row = {
                    "student": student,
                    "assignment": assignment.name,
                    "max_score": assignment.max_score,
                    "score": "",
                    "percent": "",
                    "timestamp": "",
                    "late_penalty": "",
                }
                if submission is not None:
                    score = submission.score
                    row.update(
                        score=score,
                        timestamp=submission.timestamp or "",
                        late_penalty=submission.late_submission_penalty or 0,
                        percent=round(100 * score / assignment.max_score, 1) if assignment.max_score else "",
                    )
                    summary.scores.append(score)
                rows.append(row)
            summaries.append(summary)
    return rows, summaries


def plot_distribution(summary: AssignmentSummary, path: Path) -> Path:
    """A labelled histogram of one assignment's scores (matplotlib's Agg backend)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    top = summary.max_score or max(summary.scores, default=1) or 1
    bins = min(20, max(5, int(top)))
    axes.hist(summary.scores, bins=bins, range=(0, top), color="#4878cf", edgecolor="white")
    if summary.scores:
        axes.axvline(summary.mean, color="black", linestyle="--", label=f"mean {summary.mean:.1f}")
        axes.axvline(summary.median, color="#d65f5f", linestyle=":", label=f"median {summary.median:.1f}")
        axes.legend()
    axes.set_title(f"{summary.assignment}: scores of {len(summary.scores)} submissions")
    axes.set_xlabel(f"score (out of {top:g})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def export_grades(config: Config, output: Path) -> ExportReport:
    """Write the grades CSV, the summary CSV and the plots; return what was written."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    rows, summaries = read_grades(config)
    with open(output, "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    report = ExportReport(output, output.with_name(f"{output.stem}-summary.csv"), rows=rows, summaries=summaries)
    write_csv(
        report.summary_csv,
        ["assignment", "max_score", "submissions", "mean", "median", "min", "max"],
        [
            [s.assignment, s.max_score, len(s.scores), "" if s.mean is None else round(s.mean, 2),
             "" if s.median is None else s.median, min(s.scores, default=""), max(s.scores, default="")]
            for s in summaries
        ],
    )  # fmt: skip
    for summary in summaries:
        report.plots[summary.assignment] = plot_distribution(
            summary, output.with_name(f"{output.stem}-{summary.assignment}.png")
        )
        write_exercise_view(config, summary.assignment, output, report)
        write_leaderboard_view(config, summary.assignment, output, report)
    return report


def write_leaderboard_view(config: Config, assignment: str, output: Path, report: ExportReport) -> None:
    """The leaderboard CSV and plot of one assignment, if its tests reported scores on hidden data."""
    from grader.leaderboard import leaderboard, write_leaderboard

    standings = leaderboard(config, assignment)
    if standings:
        paths = (
            output.with_name(f"{output.stem}-{assignment}-leaderboard.csv"),
            output.with_name(f"{output.stem}-{assignment}-leaderboard.png"),
        )
        write_leaderboard(standings, *paths, assignment)
        report.leaderboards[assignment] = paths
        report.standings[assignment] = standings


def write_csv(path: Path, header: list[str], rows: list[list], delimiter: str = ",") -> None:
    """A UTF-8 table (comma- or tab-separated), its folder created when missing."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


def write_exercise_view(config: Config, assignment: str, output: Path, report: ExportReport) -> None:
    """The per-exercise CSV and bar chart of one assignment, and its unusual grading times."""
    from grader.autograde import state_dir

    stats = exercise_stats(config, assignment)
    report.exercises[assignment] = stats
    report.unusual_times[assignment] = unusual_times(grading_times(state_dir(config), assignment))
    if not stats:
        return
    path = output.with_name(f"{output.stem}-{assignment}-exercises.csv")
    write_csv(
        path,
        ["exercise", "max_score", "submissions", "passed", "pass_rate", "mean_score", "hard"],
        [
            [s.exercise, s.max_score, s.submissions, s.passed, round(s.pass_rate, 3), round(s.mean_score, 2),
             "yes" if s.hard else ""]
            for s in stats
        ],
    )  # fmt: skip
    report.exercise_csvs[assignment] = path
    report.exercise_plots[assignment] = plot_exercises(
        assignment, stats, output.with_name(f"{output.stem}-{assignment}-exercises.png")
    )


def grade_table(rows: list[dict]) -> str:
    """Students × assignments as ``score/max`` (``-`` when not submitted), as text."""
    assignments = sorted({row["assignment"] for row in rows})
    students = sorted({row["student"] for row in rows})
    cells = {
        (r["student"], r["assignment"]): ("-" if r["score"] == "" else f"{r['score']:g}/{r['max_score']:g}")
        for r in rows
    }
    width = max([len("student")] + [len(s) for s in students])
    columns = [max(len(a), 9) for a in assignments]
    lines = ["  ".join([f"{'student':{width}}"] + [f"{a:>{w}}" for a, w in zip(assignments, columns, strict=True)])]
    for student in students:
        lines.append(
            "  ".join(
                [f"{student:{width}}"]
                + [f"{cells.get((student, a), '-'):>{w}}" for a, w in zip(assignments, columns, strict=True)]
            )
        )
    return "\n".join(lines)
