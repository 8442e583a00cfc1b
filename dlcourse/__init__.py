"""Helper package of the Deep Learning with TensorFlow & Keras course.

Every lab imports from here: the standard plots, ``set_seed`` for repeatable results,
the loaders of the course's offline datasets, and ``online`` for the big canonical
datasets that need a download (optional "scale up" sections).
"""
from dlcourse import online
from dlcourse.datasets import (
    DatasetFileError,
    load_ames,
    load_credit,
    load_digits,
    load_iris,
    load_cmudict,
    load_names,
    load_spam,
    load_sunspots,
    load_tips,
)
from dlcourse.plots import (
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_history,
    plot_predictions,
    show_images,
)
from dlcourse.seed import set_seed

__all__ = [
    "DatasetFileError",
    "load_ames",
    "load_credit",
    "load_digits",
    "load_iris",
    "load_cmudict",
    "load_names",
    "load_spam",
    "load_sunspots",
    "load_tips",
    "online",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "plot_predictions",
    "set_seed",
    "show_images",
]
