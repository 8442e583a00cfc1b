"""The class leaderboard of an assignment graded on hidden data.

A hidden test that measures a student's model on data only the instructor has reports the score
(:func:`grader.hidden.report_score`); the grader keeps it in the submission's ``graded`` record.
Here those scores become a ranking: ``python -m grader export`` writes it as a CSV and a plot for
the instructor, and ``python -m grader feedback`` tells each student their own score and rank —
never anyone else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from grader.export import write_csv
from grader.hidden import ReportedScore

COLUMNS = ["rank", "student", "metric", "value", "points", "max_points"]


@dataclass
class Standing:
    """One student's place: their score on the hidden data, rank (1 = best; ties share a rank)
    among ``of`` scored students, and their points for the assignment. A submission whose model
    could not be scored has no score and no rank."""

    student: str
    score: ReportedScore | None
    rank: int | None
    of: int
    points: float | None = None
    max_points: float | None = None


def reported_scores(config: Config, assignment: str) -> dict[str, ReportedScore]:
    """student -> the score their submission reported (the first notebook's, by name, if several did)."""
    from grader.autograde import read_graded_record, state_dir

    state = state_dir(config) / assignment
    scores = {}
    for record in sorted((state / "graded").glob("*.json")):
        reported = read_graded_record(state, record.stem).get("reported")
        if reported:
            scores[record.stem] = ReportedScore(**reported[min(reported)])
    return scores


def rank(scores: dict[str, ReportedScore]) -> list[Standing]:
    """Standings, best first: a higher value is better when the metric says so, else a lower one.
    Equal values share the better rank (1, 2, 2, 4)."""
    if not scores:
        return []
    higher_is_better = next(iter(scores.values())).higher_is_better
    ordered = sorted(scores.items(), key=lambda item: (-item[1].value if higher_is_better else item[1].value, item[0]))
    standings: list[Standing] = []
    for position, (student, score) in enumerate(ordered, start=1):
        tied = standings and standings[-1].score.value == score.value
        standings.append(Standing(student, score, standings[-1].rank if tied else position, len(ordered)))
    return standings


def leaderboard(config: Config, assignment: str) -> list[Standing]:
    """The assignment's standings, best first, then the submissions that got no score, with every
    student's points from the gradebook (empty when no test of the assignment reported a score)."""
    standings = rank(reported_scores(config, assignment))
    if not standings:
        return standings
    coursedir = CourseDirectory(config=config)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        submissions = {s.student.id: s for s in gradebook.assignment_submissions(assignment)}
        ranked = {standing.student for standing in standings}
        standings += [Standing(student, None, None, len(ranked)) for student in sorted(set(submissions) - ranked)]
        for standing in standings:
            if standing.student in submissions:
                submission = submissions[standing.student]
                standing.points, standing.max_points = submission.score, submission.max_score
    return standings


def write_leaderboard(standings: list[Standing], csv_path: Path, plot_path: Path, assignment: str) -> None:
    """The ranked table as CSV, and a labelled bar chart of every student's score."""
    scored = [s for s in standings if s.score is not None]
    metric = scored[0].score.metric
    write_csv(
        csv_path,
        COLUMNS,
        [[s.rank or "", s.student, metric, "" if s.score is None else s.score.value, s.points, s.max_points]
         for s in standings],
    )  # fmt: skip
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 1.2 + 0.35 * len(scored)))
    axes = figure.subplots()
    axes.barh([f"{s.rank}. {s.student}" for s in scored], [s.score.value for s in scored], color="#4878cf")
    axes.invert_yaxis()  # the best at the top
    better = "higher" if scored[0].score.higher_is_better else "lower"
    axes.set_xlabel(f"{metric} ({better} is better)")
    unscored = len(standings) - len(scored)
    axes.set_title(
        f"{assignment}: {len(scored)} models scored on hidden data" + (f", {unscored} could not be" if unscored else "")
    )
    for index, standing in enumerate(scored):
        axes.annotate(f"{standing.score.value:.2f}", (standing.score.value, index), xytext=(3, 0),
                      textcoords="offset points", va="center", fontsize=8)  # fmt: skip
    figure.tight_layout()
    figure.savefig(plot_path, dpi=100)


def standing_text(standing: Standing) -> str:
    """What a student's feedback says about their own standing, and nothing about anyone else."""
    if standing.score is None:
        return (
            "**Your model could not be scored on the hidden test data**, so it is not on the class leaderboard: "
            "the last test cell says why."
        )
    better = "higher" if standing.score.higher_is_better else "lower"
    return (
        f"**Your {standing.score.metric} on the hidden test data: {standing.score.value:.4g}** ({better} is better) "
        f"— rank {standing.rank} of {standing.of} in the class."
    )


def leaderboard_table(standings: list[Standing]) -> str:
    """The standings as aligned text (rank, student, value, points)."""
    scored = [s for s in standings if s.score is not None]
    if not scored:
        return "(no scores)"
    width = max(len("student"), *(len(s.student) for s in standings))
    lines = [f"{'rank':>4}  {'student':{width}}  {scored[0].score.metric:>16}  points"]
    for s in standings:
        points = "-" if s.points is None else f"{s.points:g}/{s.max_points:g}"
        value = "no score" if s.score is None else f"{s.score.value:.4g}"
        lines.append(f"{s.rank or '-':>4}  {s.student:{width}}  {value:>16}  {points}")
    return "\n".join(lines)
