"""Run the whole grading pipeline on the bundled submissions, in a temporary course."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.autograde import AutogradeReport, autograde
from grader.collect import CollectReport, collect
from grader.course import COURSE_CONFIG, load_course_config
from grader.errors import GraderError
from grader.export import ExportReport, export_grades
from grader.feedback import generate_feedback
from grader.release import release

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

CONFIG = '''"""nbgrader configuration of the grader demo's temporary course: the course's own, moved here."""
from pathlib import Path

c = get_config()  # noqa: F821
load_subconfig(COURSE_CONFIG)  # noqa: F821
root = Path(__file__).resolve().parent
c.CourseDirectory.course_id = "dl-course-demo"
c.CourseDirectory.root = str(root)
c.CourseDirectory.db_url = f"sqlite:///{root / 'grading' / 'gradebook.db'}"
c.GraderSandbox.readonly_paths = READONLY
'''


@dataclass
class DemoReport:
    course: Path
    assignments: list[str]
    collected: dict[str, CollectReport] = field(default_factory=dict)
    graded: dict[str, AutogradeReport] = field(default_factory=dict)
    feedback: dict[str, dict[str, list[Path]]] = field(default_factory=dict)
    export: ExportReport | None = None
    seconds: float = 0.0


def bundled_assignments() -> list[str]:
    """Assignments with a bundled zip and a solution in this repository, in course order."""
    return sorted(p.stem for p in HERE.glob("*.zip") if (REPO / "solutions" / p.stem).is_dir())


def make_course(course: Path, assignments: list[str]) -> Path:
    """A fresh course in ``course`` with the solutions of ``assignments``; return its config file."""
    course.mkdir(parents=True, exist_ok=True)
    for assignment in assignments:
        shutil.copytree(
            REPO / "solutions" / assignment,
            course / "solutions" / assignment,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
        )
    (course / "grading").mkdir(exist_ok=True)
    config_file = course / "nbgrader_config.py"
    readonly = [str(REPO / "dlcourse"), str(REPO / "datasets")]
    config_file.write_text(
        CONFIG.replace("COURSE_CONFIG", repr(str(COURSE_CONFIG))).replace("READONLY", repr(readonly))
    )
    return config_file


def run_demo(
    output: Path | None = None,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
    jobs: int | None = None,
    sandbox: str | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> DemoReport:
    """release → collect → autograde → feedback → export on the bundled zips.

    ``students`` limits collecting to those students (for quick tests); ``log`` receives
    one line per step.
    """
    started = time.monotonic()
    assignments = assignments or bundled_assignments()
    if not assignments:
        raise GraderError(f"no demo submissions in {HERE}: run python -m grader.demo.build")
    course = Path(output) if output else Path(tempfile.mkdtemp(prefix="grader-demo-"))
    config = load_course_config(make_course(course, assignments))
    report = DemoReport(course, assignments)
    log(f"course: {course}")
    release(config, assignments)
    log(f"released {', '.join(assignments)} into {course / 'labs'}")
    for assignment in assignments:
        source = HERE / f"{assignment}.zip"
        if students:
            source = _subset(source, students, course / "grading" / f"{assignment}-subset.zip")
        collected = report.collected[assignment] = collect(config, source, assignment)
        log(
            f"collect {assignment}: {len(collected.placed)} submissions placed, "
            f"{len(collected.skipped)} files set aside"
        )
        by_reason: dict[str, list[str]] = {}
        for name, reason in collected.skipped:
            by_reason.setdefault(reason, []).append(name)
        for reason, names in by_reason.items():
            log(
                f"    set aside {names[0]}: {reason}"
                if len(names) == 1
                else f"    set aside {len(names)} files: {reason}"
            )
        graded = report.graded[assignment] = autograde(config, assignment, jobs=jobs, sandbox=sandbox)
        log(
            f"autograde {assignment}: {len(graded.outcomes)} submissions in {graded.seconds:.0f} s "
            f"(sandbox {graded.sandbox})"
        )
        for outcome in graded.outcomes:
            if outcome.reason:
                log(f"    {outcome.student}: {outcome.reason}")
        report.feedback[assignment] = generate_feedback(config, assignment)
    report.export = export_grades(config, course / "grading" / "grades.csv")
    report.seconds = time.monotonic() - started
    return report


def _subset(source: Path, students: list[str], target: Path) -> Path:
    """A copy of a demo zip with only the given students' files."""
    import re
    import zipfile

    pattern = re.compile(r"(^|_|/)(" + "|".join(map(re.escape, students)) + r")(_|/)")
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as subset:
        for info in archive.infolist():
            if pattern.search(info.filename):
                subset.writestr(info, archive.read(info))
    return target
