"""Helpers for the labs' test cells that work the same in a student's notebook and in the grader.

The course's grader runs test cells in a separate examiner process, where a student's
function or object is a stand-in (see ``grader.engine.examiner``): it carries the name of its type
and can be handed to a helper here, which then runs in the notebook, next to the object,
and sends back only data.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


def type_name(value: Any) -> str:
    """The qualified name of ``value``'s type, e.g. ``"keras.src.callbacks.early_stopping.EarlyStopping"``.

    For the grader's stand-ins, the name of the type of the object they stand for.
    """
    stand_in = getattr(type(value), "__grader_type__", None)
    if isinstance(stand_in, property):
        return stand_in.fget(value)
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def _run_where_it_lives(value: Any, helper, *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    """(True, result) if ``value`` is a grader's stand-in and ``helper`` ran next to the real object."""
    run_there = getattr(type(value), "__grader_call__", None)
    if run_there is None:
        return False, None
    return True, run_there(value, helper, *args, **kwargs)


def stop_decisions(callback: Any, accuracies: list[float]) -> list[bool]:
    """Feed a callback one epoch end per training accuracy; whether it asked to stop after each.

    The callback gets a stand-in model whose ``stop_training`` starts as False every epoch.
    """
    delegated, result = _run_where_it_lives(callback, stop_decisions, accuracies)
    if delegated:
        return result
    probe = SimpleNamespace(stop_training=False)
    callback.set_model(probe)
    decisions = []
    for epoch, accuracy in enumerate(accuracies):
        probe.stop_training = False
        callback.on_epoch_end(epoch, {"loss": 1.0 - float(accuracy), "accuracy": float(accuracy)})
        decisions.append(bool(probe.stop_training))
    return decisions


def train_with_callback(callback: Any, model: Any, x: Any, y: Any, **fit_options: Any) -> dict[str, list[float]]:
    """``model.fit(x, y, callbacks=[callback], verbose=0, **fit_options).history``, as plain lists."""
    delegated, result = _run_where_it_lives(callback, train_with_callback, model, x, y, **fit_options)
    if delegated:
        return result
    history = model.fit(x, y, callbacks=[callback], verbose=0, **fit_options).history
    return {name: [float(value) for value in values] for name, values in history.items()}
