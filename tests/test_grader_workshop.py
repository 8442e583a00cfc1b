"""The workshop (lab 13) is graded on test labels no student ever gets: not in labs/, not in the
student edition, not in the sandbox of a student kernel. The grader's examiner scores each exported
model on them, ranks the class and tells each student their own place. Lab 09's spam filter is
checked the same way, on emails no student file holds."""

from __future__ import annotations

import json
import re

import nbformat
import pandas as pd
import pytest

from conftest import LABS, REPO, SOLUTIONS, text_bytes
from grader.demo.run import run_demo
from grader.edition import build_edition
from grader.engine.sandbox import bwrap_problem
from grader.leaderboard import leaderboard_table

WORKSHOP = "13-workshop"
HIDDEN_LABELS = SOLUTIONS / WORKSHOP / "hidden" / "concrete-test-labels.csv"


def leaked_labels(text: str) -> list[str]:
    """CSV lines of ``text`` that give a test mix's strength: its id first, its hidden strength last
    (the hidden file's own rows, or a full row of the data with the strength column)."""
    strengths = {str(row.id): f"{row.strength:.2f}" for row in pd.read_csv(HIDDEN_LABELS).itertuples()}
    lines = re.finditer(r"(?m)^(" + "|".join(strengths) + r"),(?:[^\n]*,)?([^,\n]*?)\s*$", text)
    return [line.group(0) for line in lines if line.group(2) == strengths[line.group(1)]]


def test_the_released_workshop_has_no_hidden_folder():
    assert (SOLUTIONS / WORKSHOP / "hidden").is_dir()
    assert not (LABS / WORKSHOP / "hidden").exists()


def test_the_shipped_test_mixes_have_no_strength():
    shipped = pd.read_csv(REPO / "datasets" / "concrete-test.csv")
    assert "strength" not in shipped.columns
    assert set(shipped["id"]) == set(pd.read_csv(HIDDEN_LABELS)["id"])
    assert set(shipped["id"]).isdisjoint(pd.read_csv(REPO / "datasets" / "concrete.csv")["id"])


def test_no_file_of_the_labs_or_the_student_edition_holds_a_hidden_label(tmp_path):
    edition = build_edition(REPO, tmp_path / "edition")
    files = [p for p in LABS.rglob("*") if p.is_file()] + [p for p in edition.files if p.is_file()]
    assert any(p.name == "concrete-test.csv" for p in files), "the edition ships the test mixes"
    assert leaked_labels(HIDDEN_LABELS.read_text()), "the check finds the labels where they are"
    leaks = {}
    for path in files:
        assert path.name != HIDDEN_LABELS.name, f"{path} is the hidden labels file"
        found = leaked_labels(text_bytes(path).decode("utf-8", errors="replace"))
        if found:
            leaks[str(path)] = found[:3]
    assert not leaks, f"hidden labels in student files: {leaks}"


def test_no_email_of_the_spam_holdout_is_in_a_student_file(tmp_path):
    holdout = pd.read_csv(SOLUTIONS / "09-text-and-translation" / "hidden" / "spam-holdout.csv")
    assert len(holdout) == 500 and set(holdout["label"]) == {"ham", "spam"}
    shipped = set(pd.read_csv(REPO / "datasets" / "spam.csv")["text"])
    assert shipped.isdisjoint(holdout["text"])
    assert not (LABS / "09-text-and-translation" / "hidden").exists()


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    """The demo's workshop class graded end to end (release, collect, autograde, feedback, export)."""
    return run_demo(tmp_path_factory.mktemp("workshop") / "course", [WORKSHOP], jobs=2)


def autograded(workshop, student: str) -> nbformat.NotebookNode:
    return nbformat.read(workshop.course / "grading" / "autograded" / student / WORKSHOP / f"{WORKSHOP}.ipynb", 4)


def standings(workshop) -> dict[str, dict]:
    table = pd.read_csv(workshop.export.leaderboards[WORKSHOP][0])
    return {row["student"]: row for row in table.to_dict("records")}


@pytest.mark.kernel
def test_the_solution_earns_full_marks_and_tops_the_leaderboard(workshop):
    rows = {row["student"]: row for row in workshop.export.rows}
    assert rows["alice"]["score"] == rows["alice"]["max_score"] > 0
    board = standings(workshop)
    honest = [row for student, row in board.items() if student != "mallory" and not pd.isna(row["rank"])]
    assert board["alice"]["rank"] == min(row["rank"] for row in honest)
    if bwrap_problem() is None:  # sandboxed, mallory finds no labels (unsandboxed she would, and train on them)
        assert board["alice"]["rank"] == 1
    assert board["bob"]["rank"] > board["alice"]["rank"] and board["bob"]["value"] > board["alice"]["value"], (
        "a short training scores worse"
    )
    assert board["alice"]["value"] < 4.8, "the lab promises the solution about 4.0 MPa: full points up to 1.2 × that"
    assert workshop.export.leaderboards[WORKSHOP][1].stat().st_size > 0
    assert "alice" in leaderboard_table(workshop.export.standings[WORKSHOP])


@pytest.mark.kernel
def test_a_model_that_cannot_be_loaded_scores_nothing_on_hidden_data_and_is_not_ranked(workshop):
    board = standings(workshop)
    assert pd.isna(board["carol"]["rank"]) and pd.isna(board["carol"]["value"])
    notebook = autograded(workshop, "carol")
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells if "nbgrader" in c.metadata}
    for grade_id in ("ex6-serve-tests", "ex7-hidden-score-tests"):
        assert any(o.output_type == "error" for o in cells[grade_id].outputs), f"{grade_id} should fail for carol"


@pytest.mark.kernel
@pytest.mark.skipif(bwrap_problem() is not None, reason=f"the sandbox is what hides the labels: {bwrap_problem()}")
def test_a_student_who_searches_the_machine_for_the_labels_finds_none_and_gains_nothing(workshop):
    printed = json.dumps(autograded(workshop, "mallory"))
    assert "hidden labels found: none" in printed
    board = standings(workshop)
    assert board["mallory"]["value"] == pytest.approx(board["alice"]["value"]), "mallory trains alice's model"


@pytest.mark.kernel
def test_feedback_tells_each_student_their_own_score_and_rank_only(workshop):
    feedback = {
        student: "\n".join(p.read_text() for p in pages) for student, pages in workshop.feedback[WORKSHOP].items()
    }
    board = standings(workshop)
    assert f"rank 1 of {sum(1 for row in board.values() if not pd.isna(row['rank']))}" in feedback["alice"]
    assert f"{board['alice']['value']:.4g}" in feedback["alice"]
    assert "bob" not in feedback["alice"] and f"{board['bob']['value']:.4g}" not in feedback["alice"]
    assert "could not be scored" in feedback["carol"]
