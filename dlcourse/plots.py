"""The course's standard plots: learning curves, confusion matrices, decision boundaries, images."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.metrics import confusion_matrix


def _history_dict(history: Any) -> Mapping[str, Sequence[float]]:
    """Accept a Keras ``History`` object or its ``.history`` dictionary."""
    return history.history if hasattr(history, "history") else history


def plot_history(history: Any, metrics: Sequence[str] | None = None) -> Figure:
    """Learning curves: one panel per metric, training and validation on the same axes.

    ``history`` is what ``model.fit`` returns (or its ``.history`` dict). By default every
    metric that was recorded for training is plotted, loss first.
    """
    logs = _history_dict(history)
    if metrics is None:
        recorded = [name for name in logs if not name.startswith("val_") and name != "learning_rate"]
        metrics = sorted(recorded, key=lambda name: name != "loss")  # loss first, then in recorded order
    missing = [name for name in metrics if name not in logs]
    if missing:
        raise KeyError(f"metrics {missing} were not recorded; this history has {sorted(logs)}")

    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, name in zip(axes[0], metrics, strict=True):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], label="training")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], label="validation")
        ax.set(title=name.replace("_", " "), xlabel="epoch", ylabel=name)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    labels: Sequence[Any] | None = None,
    normalize: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Confusion matrix as a heatmap: rows are true classes, columns predicted ones.

    ``labels`` gives the class names in order; when the targets are integer codes,
    code ``i`` is shown as ``labels[i]``. With ``normalize=True`` each row shows rates
    (the share of each true class that went to each prediction) instead of counts.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    classes = np.unique(np.concatenate([y_true, y_pred]))
    if labels is not None and np.issubdtype(classes.dtype, np.integer):
        classes = np.arange(len(labels))
    names = list(labels) if labels is not None else [str(c) for c in classes]
    matrix = confusion_matrix(y_true, y_pred, labels=classes, normalize="true" if normalize else None)

    if ax is None:
        size = max(4.0, 0.6 * len(names) + 2)
        _, ax = plt.subplots(figsize=(size, size * 0.85))
    sns.heatmap(
        matrix,
        annot=True,
        fmt=".2f" if normalize else "d",
        cmap="Blues",
        cbar=normalize,
        xticklabels=names,
        yticklabels=names,
        square=True,
        ax=ax,
    )
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix" + (" (rates)" if normalize else ""))
    return ax


def plot_decision_boundary(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    resolution: int = 200,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Axes:
    """Shade the regions a classifier assigns to each class, with the 2-D data on top.

    ``model`` is a Keras model or anything with ``predict``. For one output unit the
    boundary is at 0.5; for several outputs each point takes the most likely class.
    ``transform`` maps the raw (x1, x2) grid to the model's inputs (e.g. feature crosses).
    """
    X, y = np.asarray(X, dtype="float32"), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D inputs, got shape {X.shape}")
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    (x1_min, x2_min), (x1_max, x2_max) = X.min(axis=0) - pad, X.max(axis=0) + pad
    g1, g2 = np.meshgrid(np.linspace(x1_min, x1_max, resolution), np.linspace(x2_min, x2_max, resolution))
    grid = np.c_[g1.ravel(), g2.ravel()].astype("float32")
    inputs = transform(grid) if transform else grid
    scores = np.asarray(_predict(model, inputs))
    regions = (scores.ravel() > 0.5).astype(int) if scores.ndim == 1 or scores.shape[1] == 1 else scores.argmax(axis=1)

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    ax.contourf(g1, g2, regions.reshape(g1.shape), alpha=0.3, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=20)
    ax.set(xlabel="x1", ylabel="x2", title="Decision boundary")
    return ax


def _predict(model: Any, inputs: np.ndarray) -> np.ndarray:
    """Keras models predict quietly; scikit-learn-like models as they are."""
    try:
        return model.predict(inputs, verbose=0)
    except TypeError:
        return model.predict(inputs)


def show_images(
    images: np.ndarray,
    labels: Sequence[Any],
    predictions: Sequence[Any] | None = None,
    class_names: Sequence[str] | None = None,
    ncols: int = 8,
    max_images: int = 32,
) -> Figure:
    """A grid of images titled with their labels.

    With ``predictions`` each title reads ``label → prediction`` and the misclassified
    images are framed and titled in red, so mistakes stand out at a glance.
    """
    images = np.asarray(images)[:max_images]
    count = len(images)
    nrows = int(np.ceil(count / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.5 * ncols, 1.7 * nrows), squeeze=False)

    def name(value: Any) -> str:
        return str(class_names[int(value)]) if class_names is not None else str(value)

    for index, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if index >= count:
            ax.axis("off")
            continue
        image = images[index]
        ax.imshow(image.squeeze(), cmap="gray_r" if image.squeeze().ndim == 2 else None)
        title, colour = name(labels[index]), "black"
        if predictions is not None:
            title = f"{title} → {name(predictions[index])}"
            if predictions[index] != labels[index]:
                colour = "red"
                for spine in ax.spines.values():
                    spine.set(color="red", linewidth=2)
        ax.set_title(title, color=colour, fontsize=9)
    fig.tight_layout()
    return fig


def plot_predictions(y_true: Sequence[float], y_pred: Sequence[float], ax: Axes | None = None) -> Axes:
    """Predicted against actual values for a regression; perfect predictions lie on the diagonal."""
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(y_true, y_pred, s=10, alpha=0.6)
    low, high = min(y_true.min(), y_pred.min()), max(y_true.max(), y_pred.max())
    ax.plot([low, high], [low, high], color="red", linestyle="--", label="perfect prediction")
    ax.set(xlabel="actual", ylabel="predicted", title="Predicted vs actual")
    ax.legend()
    return ax
