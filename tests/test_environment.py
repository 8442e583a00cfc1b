"""The environment files agree, and the Makefile builds an environment that is current."""

from __future__ import annotations

import re
import subprocess

import yaml
from jupyter_client.kernelspec import KernelSpecManager

from conftest import KERNEL, REPO
from dlcourse.environment import read_pins, version_gaps


def test_every_requirement_is_an_exact_pin():
    lines = [line.split("#")[0].strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    unpinned = [line for line in lines if line and line.partition("==")[0].strip().lower() not in read_pins()]
    assert not unpinned, f"requirements.txt must pin an exact version: {unpinned}"


def test_environment_yml_pins_exactly_what_requirements_txt_pins():
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    conda_pins = dict(line.lower().split("==") for line in pip_section)
    assert conda_pins == read_pins()


def test_environment_yml_uses_the_python_the_course_is_tested_with():
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    assert "python=3.11" in environment["dependencies"]


def test_the_course_packages_are_pinned():
    for package in (
        "tensorflow",
        "jupyterlab",
        "nbgrader",
        "pandas",
        "scikit-learn",
        "seaborn",
        "tensorflow-datasets",
        "matplotlib",
        "ipywidgets",
    ):
        assert package in read_pins(), f"{package} is missing from requirements.txt"
    assert re.fullmatch(r"2\.21\.\d+", read_pins()["tensorflow"])


def test_installed_versions_match_the_pins():
    wrong = [str(gap) for gap in version_gaps(read_pins())]
    assert not wrong, f"installed versions differ from requirements.txt (run make setup): {wrong}"


def test_make_setup_is_a_no_op_when_the_environment_is_current():
    question = subprocess.run(["make", "--question", "setup"], cwd=REPO)
    assert question.returncode == 0, "make setup would rebuild an environment that is already current"


def test_the_course_kernel_is_registered_and_keeps_tensorflow_logs_out_of_notebooks():
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    assert spec.display_name == "Python 3 (DL course)"
    assert "--IPKernelApp.capture_fd_output=False" in spec.argv
