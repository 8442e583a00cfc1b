"""Helper package of the Deep Learning with TensorFlow & Keras course.

Every lab imports from here: the standard plots, ``set_seed`` for repeatable results,
the loaders of the course's offline datasets, and ``online`` for the big canonical
datasets that need a download (optional "scale up" sections).

Names are imported on first use, so ``import dlcourse.environment`` (the labs' Setup cell)
and ``python -m dlcourse doctor`` work before TensorFlow, pandas or Matplotlib load.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it.
_EXPORTS = {
    "DatasetFileError": "dlcourse.datasets",
    "load_ames": "dlcourse.datasets",
    "load_cmudict": "dlcourse.datasets",
    "load_concrete": "dlcourse.datasets",
    "load_credit": "dlcourse.datasets",
    "load_digits": "dlcourse.datasets",
    "load_iris": "dlcourse.datasets",
    "load_names": "dlcourse.datasets",
    "load_spam": "dlcourse.datasets",
    "load_sunspots": "dlcourse.datasets",
    "load_tips": "dlcourse.datasets",
    "plot_confusion_matrix": "dlcourse.plots",
    "plot_decision_boundary": "dlcourse.plots",
    "plot_history": "dlcourse.plots",
    "plot_predictions": "dlcourse.plots",
    "show_images": "dlcourse.plots",
    "set_seed": "dlcourse.seed",
}
_SUBMODULES = ("online",)

__all__ = sorted([*_EXPORTS, *_SUBMODULES])


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"dlcourse.{name}")
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'dlcourse' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
