"""The environment explains itself: the Setup cell's version report and `python -m dlcourse doctor`."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import REPO
from dlcourse import doctor
from dlcourse.environment import LAB_PACKAGES, REQUIREMENTS, read_pins, setup_report


@pytest.fixture
def changed_pin(tmp_path):
    """A copy of the course's pins in which numpy asks for a version nobody has installed."""
    text = REQUIREMENTS.read_text()
    pinned = read_pins()["numpy"]
    path = tmp_path / "requirements.txt"
    path.write_text(text.replace(f"numpy=={pinned}", "numpy==0.0.1"))
    return path


def test_every_package_the_labs_use_is_pinned():
    missing = [name for name in LAB_PACKAGES if name not in read_pins()]
    assert not missing, f"LAB_PACKAGES names packages requirements.txt does not pin: {missing}"


def test_setup_report_names_the_versions_in_use_and_says_they_match():
    first, second = setup_report().splitlines()
    assert first.startswith(f"Python {sys.version_info.major}.{sys.version_info.minor}")
    assert f"TensorFlow {read_pins()['tensorflow']}" in first and f"Keras {read_pins()['keras']}" in first
    assert "tested with" in second and "Differs" not in second


def test_setup_report_names_a_package_that_differs_and_the_fix(changed_pin):
    report = setup_report(changed_pin)
    assert "Differs from the course's pins: numpy" in report and "(course: 0.0.1)" in report
    assert "make setup" in report


def test_in_colab_the_setup_report_says_the_versions_are_colabs(changed_pin, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    report = setup_report(changed_pin)
    assert "Colab's own versions" in report and "make setup" not in report


def test_setup_report_without_the_pins_still_reports_the_versions(tmp_path):
    report = setup_report(tmp_path / "nowhere.txt")
    assert report.startswith("Python ") and "not compared" in report


def run_doctor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dlcourse", "doctor", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_doctor_on_a_healthy_setup_reports_no_problem():
    result = run_doctor()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No problems" in result.stdout and "PROBLEM" not in result.stdout
    for topic in ("Python", "packages", "course kernel", "datasets", "grading sandbox", "GPU"):
        assert f"  {topic}: " in result.stdout, f"the doctor should report on {topic}"
    assert result.stderr == "", "TensorFlow's start-up log should not reach the report"


def test_doctor_names_a_changed_pin_and_how_to_fix_it(changed_pin):
    result = run_doctor("--requirements", str(changed_pin))
    assert result.returncode == 1
    problem = next(line for line in result.stdout.splitlines() if line.startswith("PROBLEM"))
    assert "numpy" in problem and "(course: 0.0.1)" in problem
    assert "fix: `make setup`" in result.stdout


def test_doctor_names_a_damaged_dataset(tmp_path, monkeypatch):
    for path in (REPO / "datasets").iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path / path.name)
    with open(tmp_path / "iris.csv", "a") as damaged:
        damaged.write("6.0,3.0,4.8,1.8,virginica,2\n")
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path))
    finding = doctor.check_datasets()
    assert finding.status == "problem" and finding.detail == "iris.csv changed"
    assert "git checkout -- datasets/" in finding.fix


def test_doctor_flags_a_python_the_course_is_not_tested_with(monkeypatch):
    assert doctor.check_python().status == "ok"
    monkeypatch.setattr(doctor, "COURSE_PYTHON", (3, 99))
    finding = doctor.check_python()
    assert finding.status == "problem" and "3.99" in finding.detail and "PYTHON=python3.99" in finding.fix


def test_doctor_without_a_command_prints_usage():
    result = subprocess.run([sys.executable, "-m", "dlcourse"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and "doctor" in result.stderr and "Traceback" not in result.stderr
