"""Helpers for the labs' test cells that work the same in a student's notebook and in the grader.

The course's grader runs test cells in a separate examiner process, where a student's
function or object is a stand-in that carries only its type's name (see ``grader.examiner``).
"""

from __future__ import annotations

from typing import Any


def type_name(value: Any) -> str:
    """The qualified name of ``value``'s type, e.g. ``"keras.src.models.sequential.Sequential"``.

    For the grader's stand-ins, the name of the type of the object they stand for.
    """
    stand_in = getattr(type(value), "__grader_type__", None)
    if isinstance(stand_in, property):
        return stand_in.fget(value)
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"
