"""The demo's pipeline on real lab submissions gives the scores it promises; its zips match the solutions."""

from __future__ import annotations

import zipfile

import nbformat
import pytest

from grader.demo import build
from grader.demo.run import HERE, bundled_assignments, run_demo
from grader.export import grade_table


def test_bundled_zips_match_the_current_solutions():
    assignments = bundled_assignments()
    assert "01-hello-world" in assignments
    for assignment in assignments:
        position = build.DEMO_ASSIGNMENTS.index(assignment)
        expected = nbformat.writes(build.submissions(assignment, position)["alice"])
        with zipfile.ZipFile(HERE / f"{assignment}.zip") as archive:
            texts = [archive.read(name).decode() for name in archive.namelist() if "alice" in name]
        assert expected in texts, f"rebuild the demo: python -m grader.demo.build {assignment}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(
        tmp_path_factory.mktemp("demo") / "course", ["01-hello-world"], students=["alice", "bob", "dave"], jobs=2
    )  # the empty lab and cheats: test_autograde, integrity


@pytest.mark.kernel
def test_demo_scores(demo):
    rows = {row["student"]: row for row in demo.export.rows}
    full = rows["alice"]["max_score"]
    assert full > 0
    assert rows["alice"]["score"] == full
    assert 0 < rows["bob"]["score"] < full
    assert rows["dave"]["score"] == 0
    assert "alice" in grade_table(demo.export.rows)


@pytest.mark.kernel
def test_demo_collect_keeps_alices_newer_attempt_and_writes_feedback(demo):
    skipped = dict(demo.collected["01-hello-world"].skipped)
    assert any("newer submission of alice" in reason for reason in skipped.values())
    feedback = demo.feedback["01-hello-world"]
    assert sorted(feedback) == ["alice", "bob"]  # dave's notebook could not be read
    assert demo.export.plots["01-hello-world"].is_file()
