"""A user's mistake at the grader's command line: one `error:` line, exit 2, nothing written."""

from __future__ import annotations

import shutil

import pytest

from conftest import SOLUTIONS
from grader.cli import main
from grader.engine.sandbox import bwrap_problem


@pytest.fixture
def course(tmp_path):
    """A fresh course: one solution, nothing released, no gradebook."""
    shutil.copytree(SOLUTIONS / "01-hello-world", tmp_path / "solutions" / "01-hello-world")
    config = tmp_path / "nbgrader_config.py"
    config.write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(tmp_path)!r}\n"
        "c.CourseDirectory.source_directory = 'solutions'\n"
        "c.CourseDirectory.release_directory = 'labs'\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{tmp_path / 'grading' / 'gradebook.db'}'\n"
    )
    return tmp_path, str(config)


def refusal(capsys, *argv: str) -> str:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_autograde_before_any_release_says_to_release_first(course, capsys):
    root, config = course
    err = refusal(capsys, "--config", config, "autograde", "01-hello-world")
    assert "no gradebook yet" in err and "python -m grader release 01-hello-world" in err
    assert not (root / "grading" / "gradebook.db").exists()


def test_release_of_an_unknown_assignment_lists_the_known_ones(course, capsys):
    _, config = course
    err = refusal(capsys, "--config", config, "release", "99-nope")
    assert "no assignment 99-nope" in err and "01-hello-world" in err


def test_release_of_a_broken_solution_notebook_is_one_line(course, capsys):
    root, config = course
    notebook = root / "solutions" / "01-hello-world" / "01-hello-world.ipynb"
    notebook.write_text(notebook.read_text()[:-200])
    err = refusal(capsys, "--config", config, "release", "01-hello-world")
    assert err.startswith("error: could not release 01-hello-world: ")


def test_release_in_a_folder_that_is_no_course_says_so(tmp_path, capsys):
    config = tmp_path / "nbgrader_config.py"
    config.write_text(f"c = get_config()\nc.CourseDirectory.root = {str(tmp_path)!r}\n")
    assert "no source folder" in refusal(capsys, "--config", str(config), "release")


def test_student_edition_onto_an_existing_folder_is_refused(tmp_path, capsys):
    (tmp_path / "edition").mkdir()
    (tmp_path / "edition" / "keep.txt").write_text("mine")
    assert "exists" in refusal(capsys, "student-edition", str(tmp_path / "edition"))
    assert (tmp_path / "edition" / "keep.txt").read_text() == "mine", "nothing of the folder is lost"


def test_inside_a_course_folder_its_own_config_is_used_as_nbgrader_does(tmp_path, monkeypatch, capsys):
    from grader_fixtures.course import make_course

    make_course(tmp_path)  # nbgrader's default layout: source/, release/, its own nbgrader_config.py
    monkeypatch.chdir(tmp_path)
    assert main(["release"]) == 0
    assert capsys.readouterr().out.strip() == "released quiz"
    assert (tmp_path / "release" / "quiz" / "quiz.ipynb").is_file()


def test_help_all_lists_every_setting_a_course_can_give(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help-all"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "python -m grader" in out  # the usual help comes first
    for setting in ("c.GraderSandbox.mode = 'auto'", "c.GraderSandbox.readonly_paths", "c.GraderLimits.cell_seconds"):
        assert setting in out


@pytest.mark.parametrize(
    "setting, said",
    [
        ("c.GraderLimits.cell_second = 5", ["c.GraderLimits.cell_second is not a limit", "cell_seconds"]),
        ("c.GraderLimits.cell_seconds = 0", ["c.GraderLimits", "cell_seconds"]),
    ],
    ids=["unknown limit", "out of range"],
)
def test_a_limit_the_grader_cannot_use_is_refused_in_one_line(course, capsys, setting, said):
    root, config = course
    with open(config, "a") as stream:
        stream.write(setting + "\n")
    assert main(["--config", config, "release", "01-hello-world"]) == 0
    capsys.readouterr()
    err = refusal(capsys, "--config", config, "autograde", "01-hello-world", "--sandbox", "none")
    assert all(words in err for words in said), err


@pytest.mark.skipif(bwrap_problem() is not None, reason=f"no sandbox here: {bwrap_problem()}")
@pytest.mark.parametrize(
    ("readable", "said"),
    [(".", "the course root"), ("grading", "the gradebook"), ("solutions", "the course's source folder")],
)
def test_a_sandbox_that_would_show_kernels_the_instructors_files_is_refused(course, capsys, readable, said):
    root, config = course
    with open(config, "a") as stream:
        stream.write(f"c.GraderSandbox.readonly_paths = [{readable!r}]\n")
    assert main(["--config", config, "release", "01-hello-world"]) == 0
    capsys.readouterr()
    err = refusal(capsys, "--config", config, "autograde", "01-hello-world", "--sandbox", "bwrap")
    assert said in err, err


def test_a_courses_nbgrader_cell_timeout_is_the_cell_limit_unless_the_grader_is_told_otherwise():
    from traitlets.config import Config

    from grader.autograde import limits_from_config

    course = Config()
    course.Execute.timeout = 2  # nbgrader's own timeout test sets this
    assert limits_from_config(course, None).cell_seconds == 2
    course.GraderLimits.cell_seconds = 20
    assert limits_from_config(course, None).cell_seconds == 20
    assert limits_from_config(Config(), None).cell_seconds == 300
