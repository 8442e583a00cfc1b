"""Per exercise, per assignment: who passed what, and which submissions took unusually long to grade.

An *exercise* here is one graded cell of nbgrader's gradebook (its ``grade_id``). Passing it
means full marks on that cell. An exercise that most of the class failed is flagged: often
the instructions, not the students, need work. Grading times come from the grader's own
records (``python -m grader autograde``); a submission far from the median (by default more
than 3× or less than a third of it) is listed: an endless loop that hit the limit, or a
notebook that skipped its work.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from grader.engine.jobs import SubmissionResult

#: An exercise is flagged when fewer than this share of the submissions pass it.
HARD_EXERCISE_PASS_RATE = 0.5
#: A grading time this many times above (or below) the median is unusual.
UNUSUAL_TIME_FACTOR = 3.0


@dataclass(frozen=True)
class ExerciseStat:
    exercise: str
    max_score: float
    submissions: int
    passed: int
    mean_score: float

    @property
    def pass_rate(self) -> float:
        return self.passed / self.submissions if self.submissions else 0.0

    @property
    def hard(self) -> bool:
        return self.submissions > 0 and self.pass_rate < HARD_EXERCISE_PASS_RATE


def exercise_stats(config: Config, assignment: str) -> list[ExerciseStat]:
    """Every graded cell of ``assignment``, in notebook order, over all its submissions."""
    coursedir = CourseDirectory(config=config)
    scores: dict[str, list[float]] = {}
    maxima: dict[str, float] = {}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    name = grade.name if len(submission.notebooks) == 1 else f"{notebook.name}/{grade.name}"
                    scores.setdefault(name, []).append(grade.score)
                    maxima[name] = grade.max_score
    return [
        ExerciseStat(name, maxima[name], len(values), sum(v >= maxima[name] for v in values), statistics.fmean(values))
        for name, values in scores.items()
    ]


def grading_times(state_dir: Path, assignment: str) -> dict[str, float]:
    """Student -> seconds the grader spent executing their notebooks (from its result records)."""
    times = {}
    for path in sorted((state_dir / assignment / "results").glob("*.json")):
        result = SubmissionResult.load(path)
        seconds = [notebook.seconds for notebook in result.notebooks.values() if notebook.seconds] if result else []
        if seconds:
            times[path.stem] = sum(seconds)
    return times


def unusual_times(times: dict[str, float], factor: float = UNUSUAL_TIME_FACTOR) -> dict[str, float]:
    """The submissions whose time is more than ``factor`` × the median, or less than median / ``factor``."""
    if len(times) < 3:
        return {}
    median = statistics.median(times.values())
    return {
        student: seconds
        for student, seconds in sorted(times.items())
        if seconds > factor * median or seconds * factor < median
    }


def plot_exercises(assignment: str, stats: list[ExerciseStat], path: Path) -> Path:
    """A bar per exercise: its pass rate, hard ones in red, with the mean points written on the bar."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(max(6.0, 0.6 * len(stats) + 2), 4))
    axes = figure.subplots()
    rates = [100 * s.pass_rate for s in stats]
    colours = ["#d65f5f" if s.hard else "#4878cf" for s in stats]
    bars = axes.bar(range(len(stats)), rates, color=colours)
    for bar, stat in zip(bars, stats, strict=True):
        axes.annotate(
            f"{stat.mean_score:.1f}/{stat.max_score:g}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.axhline(100 * HARD_EXERCISE_PASS_RATE, color="grey", linestyle=":", linewidth=1)
    axes.set_xticks(range(len(stats)), [s.exercise for s in stats], rotation=45, ha="right", fontsize=8)
    axes.set_ylim(0, 110)
    axes.set_ylabel("submissions with full marks (%)")
    axes.set_title(f"{assignment}: pass rate per exercise (red: most of the class failed)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path
