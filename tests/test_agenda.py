"""The three-day agenda in the README matches the time each lab says it takes, and fits the days.

The README places each lab once: on one of the three days, or among the optional labs (homework or a
fourth day), after the day whose work it builds on.
"""

from __future__ import annotations

import re

import pytest

from conftest import ASSIGNMENTS, REPO, read_solution

#: Lab work a course day can hold, in minutes (issue 12: at most 2.5 hours).
DAY_BUDGET_MINUTES = 150
TIME_LINE = re.compile(r"\*\*Time:\*\* about (\d+) minutes")
AGENDA_ROW = re.compile(r"^\| (\d) \| [^|]+ \| ([\d, ]+) \| (\d+) min \|$", re.M)
OPTIONAL_ROW = re.compile(r"^\| after day (\d) \| [^|]+ \| (\d\d) \| (\d+) min \|$", re.M)


def stated_minutes(assignment: str) -> int:
    """The core time a lab states in its first cell ("**Time:** about N minutes")."""
    intro = read_solution(assignment).cells[0].source
    found = TIME_LINE.search(intro)
    assert found, f"{assignment} should say in its first cell how long it takes: **Time:** about N minutes"
    return int(found.group(1))


def readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def agenda() -> dict[int, tuple[list[str], int]]:
    """Day → (its labs' numbers, the core time the README gives it)."""
    rows = AGENDA_ROW.findall(readme())
    return {int(day): ([number.strip() for number in labs.split(",")], int(total)) for day, labs, total in rows}


def optional_labs() -> list[tuple[str, int, int]]:
    """(optional lab's number, the day it follows, the time the README gives it), one per row."""
    return [(lab, int(day), int(minutes)) for day, lab, minutes in OPTIONAL_ROW.findall(readme())]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_lab_states_its_time(assignment):
    assert 10 <= stated_minutes(assignment) <= 120


def test_the_agenda_places_every_lab_once():
    placed = [number for labs, _ in agenda().values() for number in labs] + [lab for lab, _, _ in optional_labs()]
    assert sorted(placed) == sorted(a[:2] for a in ASSIGNMENTS), f"the README's agenda places {placed}"
    assert sorted(agenda()) == [1, 2, 3]
    assert all(day in agenda() for _, day, _ in optional_labs()), "an optional lab follows one of the days"


def test_the_agenda_shows_the_times_the_labs_state():
    by_number = {a[:2]: stated_minutes(a) for a in ASSIGNMENTS}
    for day, (labs, total) in agenda().items():
        assert total == sum(by_number[n] for n in labs), f"day {day}: its labs state {[by_number[n] for n in labs]}"
    for lab, _, minutes in optional_labs():
        assert minutes == by_number[lab], f"optional lab {lab} states {by_number[lab]} min"


def test_no_day_holds_more_than_two_and_a_half_hours():
    over = {day: total for day, (_, total) in agenda().items() if total > DAY_BUDGET_MINUTES}
    assert not over, f"core lab time over {DAY_BUDGET_MINUTES} min: {over}"
