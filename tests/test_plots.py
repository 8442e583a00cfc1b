"""The helper package's plots draw what they promise."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse import plot_confusion_matrix, plot_decision_boundary, plot_history, plot_predictions, show_images

HISTORY = {
    "loss": [1.0, 0.6, 0.4],
    "val_loss": [1.1, 0.8, 0.7],
    "accuracy": [0.5, 0.7, 0.8],
    "val_accuracy": [0.45, 0.6, 0.65],
    "learning_rate": [0.01, 0.01, 0.001],
}


class FakeHistory:
    """What ``model.fit`` returns, reduced to the attribute the plots read."""

    history = HISTORY


def test_plot_history_draws_one_panel_per_metric_with_train_and_validation():
    figure = plot_history(HISTORY)
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy"]
    for ax in figure.axes:
        assert [line.get_label() for line in ax.get_lines()] == ["training", "validation"]
        assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3]


def test_plot_history_puts_loss_first_as_keras_records_it_after_the_metrics():
    figure = plot_history({"accuracy": [0.5, 0.7], "loss": [1.0, 0.6], "auc": [0.6, 0.8]})
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy", "auc"]


def test_plot_history_accepts_a_keras_history_and_chosen_metrics():
    figure = plot_history(FakeHistory(), metrics=["accuracy"])
    assert [ax.get_title() for ax in figure.axes] == ["accuracy"]
    np.testing.assert_allclose(figure.axes[0].get_lines()[1].get_ydata(), HISTORY["val_accuracy"])


def test_plot_history_without_validation_draws_training_only():
    figure = plot_history({"loss": [3.0, 2.0]})
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["training"]


def test_plot_history_names_the_recorded_metrics_when_one_is_missing():
    with pytest.raises(KeyError, match="accuracy"):
        plot_history({"loss": [1.0]}, metrics=["accuracy"])


def heatmap_values(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def test_confusion_matrix_shows_counts_with_class_names():
    ax = plot_confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], labels=["cat", "dog", "fox"])
    assert heatmap_values(ax) == ["1", "1", "0", "0", "1", "0", "1", "0", "2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "fox"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"


def test_confusion_matrix_normalised_rows_are_rates():
    ax = plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], normalize=True)
    assert heatmap_values(ax) == ["0.50", "0.50", "0.00", "1.00"]


def test_confusion_matrix_keeps_classes_that_were_never_predicted():
    ax = plot_confusion_matrix([0, 1, 2], [0, 0, 0], labels=["a", "b", "c"])
    assert len(heatmap_values(ax)) == 9


class ThresholdModel:
    """A stand-in classifier with a known boundary: class 1 where x1 + x2 > 0."""

    def predict(self, inputs, verbose=0):
        return (inputs.sum(axis=1, keepdims=True) > 0).astype("float32")


def test_decision_boundary_shades_both_sides_and_plots_the_points():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [-2.0, 0.5], [2.0, -0.5]])
    y = np.array([0, 1, 0, 1])
    ax = plot_decision_boundary(ThresholdModel(), X, y, resolution=50)
    assert ax.collections, "the regions and points should be drawn"
    offsets = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(offsets, X)


def test_decision_boundary_rejects_data_that_is_not_two_dimensional():
    with pytest.raises(ValueError, match="2-D"):
        plot_decision_boundary(ThresholdModel(), np.zeros((4, 3)), np.zeros(4))


def test_decision_boundary_applies_the_feature_transform_before_predicting():
    seen = {}

    class Recorder(ThresholdModel):
        def predict(self, inputs, verbose=0):
            seen["width"] = inputs.shape[1]
            return super().predict(inputs)

    plot_decision_boundary(
        Recorder(),
        np.array([[0.0, 1.0], [1.0, 0.0]]),
        np.array([0, 1]),
        resolution=10,
        transform=lambda g: np.c_[g, g[:, :1] * g[:, 1:]],
    )
    assert seen["width"] == 3


def test_show_images_marks_only_the_misclassified_images_in_red():
    images = np.zeros((3, 8, 8))
    figure = show_images(images, labels=[1, 2, 3], predictions=[1, 5, 3], ncols=3)
    titles = [(ax.get_title(), ax.title.get_color()) for ax in figure.axes]
    assert titles == [("1 → 1", "black"), ("2 → 5", "red"), ("3 → 3", "black")]


def test_show_images_uses_class_names_and_hides_empty_cells():
    figure = show_images(np.zeros((3, 4, 4)), labels=[0, 1, 0], class_names=["no", "yes"], ncols=2)
    assert [ax.get_title() for ax in figure.axes][:3] == ["no", "yes", "no"]
    assert not figure.axes[3].axison


def test_plot_predictions_draws_points_and_the_perfect_diagonal():
    ax = plot_predictions([1.0, 2.0, 3.0], [1.5, 2.0, 2.5])
    diagonal = ax.get_lines()[0]
    assert list(diagonal.get_xdata()) == list(diagonal.get_ydata()) == [1.0, 3.0]
    np.testing.assert_allclose(ax.collections[0].get_offsets(), [[1, 1.5], [2, 2], [3, 2.5]])
