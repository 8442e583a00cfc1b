"""Run one instructor test cell in the examiner and decide its verdict."""

from __future__ import annotations

import ast
import re
import traceback
from dataclasses import asdict, dataclass
from numbers import Real

from IPython.core.inputtransformer2 import TransformerManager

from grader.hidden import ReportedScore

HIDDEN_BLOCK = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$(.*?)^\s*### END HIDDEN TESTS\s*$", re.M | re.S)
#: What a student sees when a hidden test fails: never its code, values or message.
HIDDEN_FAILURE = "hidden test failed"


@dataclass
class Verdict:
    """The examiner's decision on one test cell; ``score`` is the cell's value when it is a number,
    ``reported`` what the cell measured on hidden data (:func:`grader.hidden.report_score`)."""

    passed: bool
    error_name: str | None = None
    message: str | None = None
    score: float | None = None
    reported: ReportedScore | None = None

    def to_json(self) -> dict:
        return asdict(self)


def hidden_lines(source: str) -> set[int]:
    """Line numbers (from 1) inside nbgrader's hidden-test blocks."""
    lines: set[int] = set()
    for match in HIDDEN_BLOCK.finditer(source):
        first = source.count("\n", 0, match.start()) + 1
        lines.update(range(first, first + match.group(0).count("\n") + 1))
    return lines


def run_test_cell(source: str, label: str, namespace: dict) -> Verdict:
    """Run ``source`` in ``namespace``; passed if it runs to the end.

    A failure's message is the exception's for a visible line, with the line itself, and
    :data:`HIDDEN_FAILURE` for a line inside a hidden block.
    """
    code = TransformerManager().transform_cell(source)
    hidden = hidden_lines(code)
    try:
        tree = ast.parse(code, filename=label)
    except SyntaxError as error:
        return Verdict(False, "SyntaxError", f"the test cell does not parse: {error.msg} (line {error.lineno})")
    last_expression = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last_expression = ast.Expression(tree.body.pop().value)
    try:
        exec(compile(tree, label, "exec"), namespace)
        value = eval(compile(last_expression, label, "eval"), namespace) if last_expression is not None else None
    except BaseException as error:  # noqa: BLE001 - anything a test raises fails it
        if isinstance(error, KeyboardInterrupt):
            raise
        line = _failing_line(error, label)
        if line in hidden:
            return Verdict(False, "AssertionError", HIDDEN_FAILURE)
        parts = [str(error)] if str(error) else []
        if line is not None:
            parts.append(f"in line {line}: {code.splitlines()[line - 1].strip()}")
        message = "\n".join(parts) or type(error).__name__
        return Verdict(False, type(error).__name__, message)
    score = float(value) if isinstance(value, Real) and not isinstance(value, bool) else None
    return Verdict(True, score=score)


def _failing_line(error: BaseException, label: str) -> int | None:
    """The last line of the test cell's own code on the way to ``error``."""
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == label]
    return lines[-1] if lines else None
