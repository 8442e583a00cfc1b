"""Helper package of the Deep Learning with TensorFlow & Keras course.

Every lab imports from here: the standard plots, ``set_seed`` for repeatable results,
and the loaders of the course's offline datasets (``dlcourse.datasets``) and of the
big canonical datasets that need a download (``dlcourse.online``).
"""
from dlcourse.plots import (
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_history,
    plot_predictions,
    show_images,
)
from dlcourse.seed import set_seed

__all__ = [
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "plot_predictions",
    "set_seed",
    "show_images",
]
