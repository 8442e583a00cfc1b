"""`make bench`: solution run times against the budget, with a clear verdict per lab."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from bench import solutions
from bench.solutions import Timing, row


def write_lab(root, name: str, source: str) -> None:
    (root / name).mkdir(parents=True)
    notebook = new_notebook(cells=[new_code_cell(source)])
    notebook.metadata["kernelspec"] = {
        "name": "dl-course",
        "display_name": "Python 3 (DL course)",
        "language": "python",
    }
    nbformat.write(notebook, root / name / f"{name}.ipynb")


def test_labs_are_chosen_by_the_start_of_their_folder_name(tmp_path, monkeypatch):
    for name in ("01-a", "02-b", "12-c"):
        write_lab(tmp_path, name, "1")
    monkeypatch.setattr(solutions, "SOLUTIONS", tmp_path)
    assert [p.parent.name for p in solutions.solution_notebooks(["01", "12-c"])] == ["01-a", "12-c"]
    assert len(solutions.solution_notebooks([])) == 3


def test_a_row_says_ok_over_budget_or_failed():
    assert row(Timing("01-a", 12.34), budget=60).endswith("12.3 s  ok")
    assert "OVER by 1.5 s" in row(Timing("01-a", 61.5), budget=60)
    assert "failed  NameError: x" in row(Timing("01-a", float("nan"), "NameError: x"), budget=60)


def test_an_unknown_lab_is_one_error_line(capsys):
    assert solutions.main(["99-nope"]) == 2
    assert capsys.readouterr().err.startswith("error: no solution matches 99-nope")


@pytest.mark.kernel
def test_over_budget_or_broken_solutions_fail_the_benchmark(tmp_path, monkeypatch, capsys):
    write_lab(tmp_path, "01-fine", "x = 1")
    write_lab(tmp_path, "02-broken", "raise ValueError('broken on purpose')")
    monkeypatch.setattr(solutions, "SOLUTIONS", tmp_path)
    assert solutions.main(["01"]) == 0
    assert solutions.main(["01", "--budget", "0"]) == 1
    assert solutions.main(["02"]) == 1
    printed = capsys.readouterr().out
    assert "over budget: 01-fine" in printed and "ValueError: broken on purpose" in printed
    assert "load " in printed and "total" in printed
