"""dlcourse.playground: the Playground's datasets, input features and the widget, driven from code."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from matplotlib.figure import Figure

from dlcourse.playground import (
    DATASETS,
    FEATURES,
    PlaygroundWidget,
    build_model,
    make_features,
    make_playground_data,
    playground,
)

CLASSIFICATION = ("blobs", "circle", "xor", "spiral")


# ----- datasets ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", DATASETS)
def test_data_shapes_dtypes_and_range(name):
    X, y = make_playground_data(name, n=101, noise=0.2, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float32
    assert y.shape == (101,)
    assert np.all(np.abs(X) <= 6.0 + 1.0), "points stay in (about) the Playground's square"
    if name in CLASSIFICATION:
        assert y.dtype == np.int64 and set(np.unique(y)) <= {0, 1}
    else:
        assert y.dtype == np.float32


@pytest.mark.parametrize("name", DATASETS)
def test_default_sizes_follow_the_playground(name):
    X, _ = make_playground_data(name)
    assert len(X) == (1200 if name == "plane" else 500)


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_same_data_other_seed_other_data(name):
    X1, y1 = make_playground_data(name, n=200, noise=0.1, seed=7)
    X2, y2 = make_playground_data(name, n=200, noise=0.1, seed=7)
    X3, _ = make_playground_data(name, n=200, noise=0.1, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("name", ["blobs", "spiral"])
def test_balanced_classes(name):
    _, y = make_playground_data(name, n=301, seed=1)
    assert abs(int(y.sum()) - 150) <= 1


def test_noise_free_labels_follow_each_rule():
    X, y = make_playground_data("xor", n=400, noise=0.0, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(int))
    assert np.all(np.abs(X) >= 0.3), "the four squares are separated by a gap"

    X, y = make_playground_data("circle", n=400, noise=0.0, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_array_equal(y, (radius < 2.5).astype(int))
    assert not np.any((radius > 2.5) & (radius < 3.5)), "a ring-shaped gap separates the classes"

    X, y = make_playground_data("blobs", n=400, noise=0.0, seed=0)
    assert X[y == 1].mean(axis=0) == pytest.approx([2, 2], abs=0.2)
    assert X[y == 0].mean(axis=0) == pytest.approx([-2, -2], abs=0.2)

    X, y = make_playground_data("plane", n=400, noise=0.0, seed=0)
    np.testing.assert_allclose(y, X.sum(axis=1) / 10, atol=1e-6)

    X, y = make_playground_data("spiral", n=400, noise=0.0, seed=0)
    np.testing.assert_allclose(X[y == 1], -X[y == 0], atol=1e-5)  # two arms, half a turn apart


def test_noise_blurs_the_classes():
    X, y = make_playground_data("xor", n=2000, noise=0.5, seed=0)
    rule = (X[:, 0] * X[:, 1] >= 0).astype(int)
    wrong = np.mean(y != rule)
    assert 0.05 < wrong < 0.5, "with noise some labels disagree with the quadrant rule"

    X, y = make_playground_data("plane", n=2000, noise=0.3, seed=0)
    assert np.std(y - X.sum(axis=1) / 10) > 0.1

    clean, _ = make_playground_data("blobs", n=2000, noise=0.0, seed=0)
    noisy, _ = make_playground_data("blobs", n=2000, noise=0.5, seed=0)
    assert np.std(noisy) > np.std(clean)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="unknown dataset"):
        make_playground_data("moons")
    with pytest.raises(ValueError, match="noise"):
        make_playground_data("xor", noise=5)


# ----- features ---------------------------------------------------------------------------


def test_every_feature():
    X = np.array([[1.0, 2.0], [-3.0, 0.5]], dtype=np.float32)
    F = make_features(X, list(FEATURES))
    assert F.shape == (2, 7) and F.dtype == np.float32
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_allclose(F, expected, rtol=1e-6)


def test_features_come_in_the_order_asked():
    X = np.array([[2.0, 3.0]])
    np.testing.assert_allclose(make_features(X, ["x1*x2", "x1"]), [[6.0, 2.0]])
    np.testing.assert_allclose(make_features(X), [[2.0, 3.0]])


def test_feature_errors():
    with pytest.raises(ValueError, match="unknown features"):
        make_features(np.zeros((3, 2)), ["x3"])
    with pytest.raises(ValueError, match="at least one"):
        make_features(np.zeros((3, 2)), [])
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        make_features(np.zeros((3, 3)))


def test_build_model_layers_and_heads():
    model = build_model(3, hidden_layers=2, neurons=5, activation="relu", regularization="L2", regularization_rate=0.01)
    dense = model.layers
    assert [layer.units for layer in dense] == [5, 5, 1]
    assert dense[-1].activation.__name__ == "sigmoid"
    assert dense[0].kernel_regularizer is not None
    assert [layer.units for layer in build_model(2, hidden_layers=[3, 2]).layers] == [3, 2, 1]
    regression = build_model(2, hidden_layers=0, task="regression")
    assert len(regression.layers) == 1 and regression.layers[0].activation.__name__ == "linear"


# ----- the widget, driven from code -----------------------------------------------------------


@pytest.fixture(scope="module")
def xor_playground():
    widget = playground(dataset="xor", features=["x1*x2"], hidden_layers=0, n_samples=200)
    widget.train(15)
    return widget


def _descendants(widget) -> list:
    """Every widget shown inside ``widget``, at any depth."""
    found = []
    for child in getattr(widget, "children", ()):
        found += [child, *_descendants(child)]
    return found


def test_widget_shows_every_control_set_to_what_was_asked():
    asked = {
        "dataset": "xor",
        "noise": 0.25,
        "train_ratio": 0.3,
        "batch_size": 5,
        "hidden_layers": 2,
        "neurons": 3,
        "activation": "relu",
        "learning_rate": 0.1,
        "regularization": "L2",
        "regularization_rate": 0.01,
        "epochs": 20,
        "features": ("x1", "x1*x2"),
    }
    widget = PlaygroundWidget(n_samples=40, **asked)
    assert widget.settings == asked
    shown = _descendants(widget)
    controls = [
        widget.dataset_control,
        widget.noise_control,
        widget.ratio_control,
        widget.layers_control,
        widget.neurons_control,
        widget.activation_control,
        widget.learning_rate_control,
        widget.regularization_control,
        widget.regularization_rate_control,
        widget.batch_control,
        widget.epochs_control,
        widget.train_button,
        widget.reset_button,
        widget.output,
        *widget.feature_controls.values(),
    ]
    hidden = [
        control.description or type(control).__name__ for control in controls if not any(control is s for s in shown)
    ]
    assert not hidden, f"controls missing from the widget: {hidden}"
    assert set(widget.feature_controls) == set(FEATURES)
    assert widget.epoch == 0 and len(widget.history["loss"]) == 1


def test_settings_split_the_data(xor_playground):
    widget = xor_playground
    assert widget.settings["dataset"] == "xor" and widget.features == ("x1*x2",)
    assert len(widget.X_train) == 100 and len(widget.X_test) == 100
    assert widget.model.count_params() == 2, "no hidden layer: one weight and one bias"


def test_training_records_decreasing_losses(xor_playground):
    widget = xor_playground
    assert widget.epoch == 15
    assert len(widget.history["loss"]) == len(widget.history["test_loss"]) == 16
    assert widget.history["loss"][-1] < widget.history["loss"][0]
    assert np.all(np.diff(widget.history["loss"][-5:]) < 0), "the loss keeps falling"
    assert widget.test_loss < widget.history["test_loss"][0]
    assert widget.accuracy("test") >= 0.95
    assert "test loss" in widget.status.value


def test_training_draws_the_boundary(xor_playground):
    widget = xor_playground
    assert isinstance(widget.figure, Figure)
    heatmap, curves = widget.figure.axes[:2]
    assert heatmap.get_xlabel() == "x1" and curves.get_xlabel() == "epoch"
    assert len(curves.lines[0].get_ydata()) == 16


def test_showing_the_widget_draws_it_and_training_redraws():
    widget = playground(dataset="blobs", n_samples=40)
    assert widget.output.outputs == (), "a widget nobody has seen is not drawn"
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "blobs" in bundle["text/plain"]
    (shown,) = widget.output.outputs
    assert "epoch 0" in shown["data"]["text/plain"]
    widget.train(2)
    (shown,) = widget.output.outputs
    assert "epoch 2" in shown["data"]["text/plain"]
    assert base64.b64decode(shown["data"]["image/png"]).startswith(b"\x89PNG")


def test_changing_a_control_starts_over():
    widget = playground(dataset="blobs", n_samples=60)
    first_weights = widget.model.get_weights()
    widget.train(3)
    widget.noise_control.value = 0.3  # as if the student moved the slider
    assert widget.epoch == 0
    widget.set(dataset="circle", features=["x1^2", "x2^2"], hidden_layers=0)
    assert widget.dataset == "circle" and widget.model.count_params() == 3
    widget.set(dataset="blobs", features=["x1", "x2"], hidden_layers=1, noise=0.0)
    np.testing.assert_allclose(widget.model.get_weights()[0], first_weights[0])  # same seed, same start


def test_same_settings_train_the_same_way():
    runs = [
        playground(dataset="circle", hidden_layers=1, neurons=3, n_samples=80).train(5).history["loss"]
        for _ in range(2)
    ]
    assert runs[0] == runs[1]


def test_too_large_a_learning_rate_diverges():
    widget = playground(dataset="plane", features=["x1", "x2"], hidden_layers=0, learning_rate=3, n_samples=100)
    widget.train(5)
    assert not np.isfinite(widget.train_loss)
    assert isinstance(widget.figure, Figure), "a diverged model still draws"
    widget.set(learning_rate=0.01)
    widget.train(5)
    assert widget.train_loss < widget.history["loss"][0]


def test_regularisation_and_custom_learning_rate():
    widget = playground(
        dataset="circle",
        hidden_layers=1,
        neurons=2,
        regularization="L1",
        regularization_rate=0.01,
        learning_rate=0.05,
        n_samples=60,
    )
    assert widget.settings["learning_rate"] == 0.05
    widget.train(2)
    assert np.isfinite(widget.train_loss)


def test_the_train_button_trains():
    widget = playground(dataset="blobs", n_samples=40, epochs=3)
    widget.train_button.click()
    assert widget.epoch == 3
    widget.reset_button.click()
    assert widget.epoch == 0


def test_widget_errors_are_explained():
    widget = playground(dataset="blobs", n_samples=40)
    with pytest.raises(TypeError, match="unknown settings"):
        widget.set(colour="red")
    with pytest.raises(ValueError, match="hidden_layers"):
        widget.set(hidden_layers=9)
    with pytest.raises(ValueError, match="accuracy"):
        playground(dataset="plane", n_samples=40).accuracy()
    widget.set(features=[])
    assert "feature" in widget.status.value
    widget.train_button.click()  # the button does nothing without features; code gets an error
    with pytest.raises(RuntimeError, match="feature"):
        widget.train(1)
