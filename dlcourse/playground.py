"""The TensorFlow Playground (playground.tensorflow.org) inside a notebook.

- :func:`make_playground_data` draws the Playground's five datasets: the classification
  sets ``"blobs"``, ``"circle"``, ``"xor"`` and ``"spiral"`` and the regression set ``"plane"``.
- :func:`make_features` maps the raw points (x1, x2) to the Playground's input features.
- :func:`playground` returns a :class:`PlaygroundWidget`: the Playground's controls, a train
  button, live losses and the decision boundary. It is a Keras model underneath; everything
  the buttons do is also a method (``set``, ``reset``, ``train``), so code can drive it too.

All points lie in the Playground's square [-6, 6] x [-6, 6]. Classification labels are 0 and
1 (the Playground shows them as orange and blue); the plane's targets lie in about [-1, 1].
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: The Playground's datasets; "plane" is the regression one.
DATASETS: tuple[str, ...] = ("blobs", "circle", "xor", "spiral", "plane")
CLASSIFICATION: tuple[str, ...] = ("blobs", "circle", "xor", "spiral")

#: Input features, by name, as functions of x1 and x2.
FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1**2,
    "x2^2": lambda x1, x2: x2**2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}
FEATURE_LABELS: dict[str, str] = {
    "x1": "X₁",
    "x2": "X₂",
    "x1^2": "X₁²",
    "x2^2": "X₂²",
    "x1*x2": "X₁X₂",
    "sin(x1)": "sin(X₁)",
    "sin(x2)": "sin(X₂)",
}

#: The choices the Playground's drop-down menus offer.
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "linear")
LEARNING_RATES: tuple[float, ...] = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATIONS: tuple[str | None, ...] = (None, "L1", "L2")
REGULARIZATION_RATES: tuple[float, ...] = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
EPOCH_CHOICES: tuple[int, ...] = (1, 10, 50, 100, 200, 500)

#: Half the side of the Playground's square.
DOMAIN = 6.0


def _default_samples(name: str) -> int:
    """The Playground uses 500 points for classification and 1200 for regression."""
    return 1200 if name == "plane" else 500


def make_playground_data(
    name: str, n: int | None = None, noise: float = 0.0, seed: int | None = 42
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one of the Playground's datasets: ``(X, y)``.

    ``X`` is float32 of shape (n, 2). For ``"blobs"``, ``"circle"``, ``"xor"`` and
    ``"spiral"``, ``y`` holds int64 labels 0/1 (half of each for blobs and spiral);
    for ``"plane"``, float32 targets (x1 + x2) / 10 measured at a noisy position.
    ``noise`` runs from 0 to 0.5, like the Playground's 0-50 % slider; ``n`` defaults
    to the Playground's 500 points (1200 for the plane). The same ``seed`` always gives
    the same points.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise runs from 0 to 0.5 (the Playground's 0-50 %), got {noise}")
    n = _default_samples(name) if n is None else int(n)
    if n < 2:
        raise ValueError(f"need at least 2 points, got n={n}")
    rng = np.random.default_rng(seed)
    X, y = _GENERATORS[name](rng, n, noise)
    if name in CLASSIFICATION:
        return X.astype(np.float32), y.astype(np.int64)
    return X.astype(np.float32), y.astype(np.float32)


def _blobs(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    # Two Gaussian clouds around (2, 2) and (-2, -2); their spread grows from 0.5 to 4 with noise.
    variance = 0.5 + 7.0 * noise
    sizes = (n - n // 2, n // 2)
    centres = np.concatenate([np.full((sizes[0], 2), 2.0), np.full((sizes[1], 2), -2.0)])
    X = centres + rng.normal(0.0, math.sqrt(variance), size=(n, 2))
    y = np.concatenate([np.ones(sizes[0]), np.zeros(sizes[1])])
    return X, y


def _circle(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    # Class 1 inside radius 2.5, class 0 in the ring from 3.5 to 5. Noise labels each point
    # by a jittered copy of its position, so points near the gap can land in the other class.
    radius = 5.0
    inner = np.arange(n) < n // 2
    r = np.where(inner, rng.uniform(0.0, 0.5 * radius, n), rng.uniform(0.7 * radius, radius, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    jitter = rng.uniform(-radius, radius, size=(n, 2)) * noise
    y = np.hypot(*(X + jitter).T) < 0.5 * radius
    return X, y


def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    # Four squares: class 1 where x1 and x2 have the same sign. A 0.3 gap separates the squares.
    X = rng.uniform(-5.0, 5.0, size=(n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    jitter = rng.uniform(-5.0, 5.0, size=(n, 2)) * noise
    shifted = X + jitter
    y = shifted[:, 0] * shifted[:, 1] >= 0
    return X, y


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    # Two interleaved spirals, half a turn apart; each winds 1.75 turns out to radius 5.
    parts_X, parts_y = [], []
    for label, size, offset in ((1, n - n // 2, 0.0), (0, n // 2, np.pi)):
        i = np.arange(size) / size
        r = 5.0 * i
        t = 1.75 * i * 2 * np.pi + offset
        points = np.column_stack([r * np.sin(t), r * np.cos(t)])
        parts_X.append(points + rng.uniform(-1.0, 1.0, size=(size, 2)) * noise)
        parts_y.append(np.full(size, label))
    return np.concatenate(parts_X), np.concatenate(parts_y)


def _plane(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    # Regression: the target is (x1 + x2) / 10, a tilted plane, read at a jittered position.
    X = rng.uniform(-DOMAIN, DOMAIN, size=(n, 2))
    jitter = rng.uniform(-DOMAIN, DOMAIN, size=(n, 2)) * noise
    y = (X + jitter).sum(axis=1) / 10.0
    return X, y


_GENERATORS = {"blobs": _blobs, "circle": _circle, "xor": _xor, "spiral": _spiral, "plane": _plane}


def make_features(X: np.ndarray, features: Iterable[str] = ("x1", "x2")) -> np.ndarray:
    """The chosen input features of points ``X`` (shape (n, 2)): float32 of shape (n, k).

    Feature names are keys of :data:`FEATURES`: ``"x1"``, ``"x2"``, ``"x1^2"``, ``"x2^2"``,
    ``"x1*x2"``, ``"sin(x1)"`` and ``"sin(x2)"``; columns come in the order given.
    """
    features = list(features)
    unknown = [name for name in features if name not in FEATURES]
    if unknown:
        raise ValueError(f"unknown features {unknown}; choose from {', '.join(FEATURES)}")
    if not features:
        raise ValueError("choose at least one input feature")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {X.shape}")
    x1, x2 = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[name](x1, x2) for name in features]).astype(np.float32)


def build_model(
    n_features: int,
    hidden_layers: int | Sequence[int] = 1,
    neurons: int = 4,
    activation: str = "tanh",
    regularization: str | None = None,
    regularization_rate: float = 0.0,
    task: str = "classification",
    learning_rate: float = 0.03,
) -> Any:
    """The Keras model the Playground trains: dense layers, one output, plain SGD.

    ``hidden_layers`` is a number of layers of ``neurons`` units each, or a list of unit
    counts, one per layer. Classification ends in a sigmoid unit trained with binary
    cross-entropy; regression in a linear unit trained with mean squared error.
    """
    import keras

    if task not in ("classification", "regression"):
        raise ValueError(f"task is 'classification' or 'regression', got {task!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    units = [int(neurons)] * int(hidden_layers) if isinstance(hidden_layers, (int, np.integer)) else list(hidden_layers)
    penalty = _regularizer(regularization, regularization_rate)

    model = keras.Sequential([keras.Input(shape=(n_features,))])
    for count in units:
        model.add(keras.layers.Dense(count, activation=activation, kernel_regularizer=penalty))
    if task == "classification":
        model.add(keras.layers.Dense(1, activation="sigmoid", kernel_regularizer=penalty))
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
            loss="binary_crossentropy",
            metrics=["accuracy"],
        )
    else:
        model.add(keras.layers.Dense(1, kernel_regularizer=penalty))
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mean_squared_error")
    return model


def _regularizer(kind: str | None, rate: float) -> Any:
    import keras

    if kind is None or rate == 0:
        return None
    if kind == "L1":
        return keras.regularizers.L1(rate)
    if kind == "L2":
        return keras.regularizers.L2(rate)
    raise ValueError(f"regularization is None, 'L1' or 'L2', got {kind!r}")


def _choice_list(values: Sequence[Any], fmt: Callable[[Any], str]) -> list[tuple[str, Any]]:
    return [(fmt(value), value) for value in values]


def _rate_label(value: float) -> str:
    return f"{value:g}"


class PlaygroundWidget(widgets.VBox):
    """The TensorFlow Playground as a Jupyter widget.

    Change a control and the Playground starts over: new data, fresh weights. *Train*
    runs the chosen number of epochs and redraws the picture: the model's output over the
    square (for classification the decision boundary at 0.5), training points (white
    edge) and test points (black edge), and the training and test loss per epoch.

    Code can do everything the buttons do::

        pg = playground(dataset="xor", features=["x1*x2"], hidden_layers=0)
        pg.train(50)
        pg.test_loss, pg.accuracy("test")

    Every reset reseeds Keras with ``seed``, so the same settings always train the same way.
    """

    def __init__(
        self,
        dataset: str = "circle",
        noise: float = 0.0,
        train_ratio: float = 0.5,
        features: Iterable[str] = ("x1", "x2"),
        hidden_layers: int = 1,
        neurons: int = 4,
        activation: str = "tanh",
        learning_rate: float = 0.03,
        regularization: str | None = None,
        regularization_rate: float = 0.0,
        batch_size: int = 10,
        epochs: int = 10,
        n_samples: int | None = None,
        seed: int = 42,
    ):
        self.seed = int(seed)
        self.n_samples = n_samples
        self.history: dict[str, list[float]] = {"loss": [], "test_loss": []}
        self.model: Any = None
        self._trainer: Callable[[Any, Any], Any] | None = None
        self._figure: Figure | None = None
        self._shown = False
        self._updating = False

        style = {"description_width": "initial"}
        self.dataset_control = widgets.Dropdown(options=list(DATASETS), description="Data", style=style)
        self.noise_control = widgets.FloatSlider(
            min=0.0, max=0.5, step=0.05, readout_format=".0%", description="Noise", style=style
        )
        self.ratio_control = widgets.FloatSlider(
            min=0.1, max=0.9, step=0.1, readout_format=".0%", description="Training data", style=style
        )
        self.batch_control = widgets.IntSlider(min=1, max=30, description="Batch size", style=style)
        self.feature_controls = {
            name: widgets.Checkbox(description=FEATURE_LABELS[name], indent=False, layout=widgets.Layout(width="auto"))
            for name in FEATURES
        }
        self.layers_control = widgets.IntSlider(min=0, max=6, description="Hidden layers", style=style)
        self.neurons_control = widgets.IntSlider(min=1, max=8, description="Neurons per layer", style=style)
        self.activation_control = widgets.Dropdown(options=list(ACTIVATIONS), description="Activation", style=style)
        self.learning_rate_control = widgets.Dropdown(
            options=_choice_list(LEARNING_RATES, _rate_label), description="Learning rate", style=style
        )
        self.regularization_control = widgets.Dropdown(
            options=[("None", None), ("L1", "L1"), ("L2", "L2")], description="Regularization", style=style
        )
        self.regularization_rate_control = widgets.Dropdown(
            options=_choice_list(REGULARIZATION_RATES, _rate_label), description="Regularization rate", style=style
        )
        self.epochs_control = widgets.Dropdown(options=list(EPOCH_CHOICES), description="Epochs per click", style=style)
        self.train_button = widgets.Button(description="Train", button_style="primary", icon="play")
        self.reset_button = widgets.Button(description="Reset", icon="refresh")
        self.status = widgets.HTML()
        self.output = widgets.Output()

        self._controls = {
            "dataset": self.dataset_control,
            "noise": self.noise_control,
            "train_ratio": self.ratio_control,
            "batch_size": self.batch_control,
            "hidden_layers": self.layers_control,
            "neurons": self.neurons_control,
            "activation": self.activation_control,
            "learning_rate": self.learning_rate_control,
            "regularization": self.regularization_control,
            "regularization_rate": self.regularization_rate_control,
            "epochs": self.epochs_control,
        }
        self.set(
            dataset=dataset,
            noise=noise,
            train_ratio=train_ratio,
            features=features,
            hidden_layers=hidden_layers,
            neurons=neurons,
            activation=activation,
            learning_rate=learning_rate,
            regularization=regularization,
            regularization_rate=regularization_rate,
            batch_size=batch_size,
            epochs=epochs,
            reset=False,
        )

        for name, control in self._controls.items():
            if name != "epochs":
                control.observe(self._on_change, names="value")
        for control in self.feature_controls.values():
            control.observe(self._on_change, names="value")
        self.train_button.on_click(self._on_train_click)
        self.reset_button.on_click(lambda _: self.reset())

        data_box = widgets.VBox(
            [
                widgets.HTML("<b>Data</b>"),
                self.dataset_control,
                self.noise_control,
                self.ratio_control,
                self.batch_control,
            ]
        )
        feature_box = widgets.VBox([widgets.HTML("<b>Features</b>"), *self.feature_controls.values()])
        network_box = widgets.VBox(
            [
                widgets.HTML("<b>Network</b>"),
                self.layers_control,
                self.neurons_control,
                self.activation_control,
                self.learning_rate_control,
                self.regularization_control,
                self.regularization_rate_control,
            ]
        )
        run_box = widgets.HBox([self.train_button, self.epochs_control, self.reset_button, self.status])
        super().__init__([widgets.HBox([data_box, feature_box, network_box]), run_box, self.output])
        self.reset()

    def __repr__(self) -> str:
        return f"PlaygroundWidget(dataset={self.dataset!r}, features={self.features}, epoch={self.epoch})"

    def __grader_state__(self) -> dict[str, Any]:
        """What the course's grader may check, as data: settings, data, model, results.

        The grader's examiner reads a widget through this (it never sees the widget itself);
        the methods here run in the notebook when a test calls them.
        """
        names = ("dataset", "task", "features", "settings", "seed", "epoch", "history", "model")
        state = {name: getattr(self, name) for name in names}
        state.update(X_train=self.X_train, y_train=self.y_train, X_test=self.X_test, y_test=self.y_test)
        state.update(train_loss=self.train_loss, test_loss=self.test_loss)
        state.update(accuracy=self.accuracy, predict=self.predict, transform=self.transform)
        return state

    # ----- settings ---------------------------------------------------------------------

    @property
    def dataset(self) -> str:
        return self.dataset_control.value

    @property
    def task(self) -> str:
        return "regression" if self.dataset == "plane" else "classification"

    @property
    def features(self) -> tuple[str, ...]:
        """The selected input features, in the order of :data:`FEATURES`."""
        return tuple(name for name, box in self.feature_controls.items() if box.value)

    @property
    def settings(self) -> dict[str, Any]:
        """Every control's current value, under the names :meth:`set` accepts."""
        values = {name: control.value for name, control in self._controls.items()}
        values["features"] = self.features
        return values

    def set(self, reset: bool = True, **settings: Any) -> PlaygroundWidget:
        """Change controls by name (the keyword arguments of the constructor), then reset once."""
        unknown = set(settings) - set(self._controls) - {"features"}
        if unknown:
            raise TypeError(f"unknown settings {sorted(unknown)}; known: {sorted([*self._controls, 'features'])}")
        self._updating = True
        try:
            for name, value in settings.items():
                if name == "features":
                    chosen = [value] if isinstance(value, str) else list(value)
                    unknown = [name for name in chosen if name not in FEATURES]
                    if unknown:
                        raise ValueError(f"unknown features {unknown}; choose from {', '.join(FEATURES)}")
                    for feature, box in self.feature_controls.items():
                        box.value = feature in chosen
                else:
                    self._set_control(name, value)
        finally:
            self._updating = False
        if reset:
            self.reset()
        return self

    def _set_control(self, name: str, value: Any) -> None:
        control = self._controls[name]
        if isinstance(control, widgets.Dropdown):
            values = [option[1] if isinstance(option, tuple) else option for option in control.options]
            if value not in values:
                if name not in ("learning_rate", "regularization_rate", "epochs"):
                    raise ValueError(f"{name} must be one of {values}, got {value!r}")
                number = float(value) if name != "epochs" else int(value)
                if number <= 0 and name != "regularization_rate":
                    raise ValueError(f"{name} must be positive, got {value!r}")
                options = sorted({*values, number})
                control.options = options if name == "epochs" else _choice_list(options, _rate_label)
                value = number
        elif isinstance(control, widgets.IntSlider):
            value = int(value)
            if not control.min <= value <= control.max:
                raise ValueError(f"{name} must be between {control.min} and {control.max}, got {value}")
        else:
            value = float(value)
            if not control.min - 1e-9 <= value <= control.max + 1e-9:
                raise ValueError(f"{name} must be between {control.min} and {control.max}, got {value}")
        control.value = value

    def _on_change(self, change: Mapping[str, Any]) -> None:
        if not self._updating:
            self.reset()

    def _on_train_click(self, button: widgets.Button) -> None:
        # Without a feature there is no model; the status line already says so.
        if self.model is not None:
            self.train()

    # ----- data, model and training -----------------------------------------------------

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Raw points (x1, x2) -> the model's inputs, the selected features."""
        return make_features(X, self.features)

    def reset(self) -> PlaygroundWidget:
        """New data and fresh weights for the current settings; the loss history starts over."""
        import keras

        settings = self.settings
        if not settings["features"]:
            self.model = None
            self.status.value = "<span style='color:#b00'>Choose at least one input feature.</span>"
            return self
        X, y = make_playground_data(self.dataset, self.n_samples, settings["noise"], self.seed)
        order = np.random.default_rng(self.seed).permutation(len(X))
        cut = min(max(1, int(round(settings["train_ratio"] * len(X)))), len(X) - 1)
        train, test = order[:cut], order[cut:]
        self.X_train, self.y_train, self.X_test, self.y_test = X[train], y[train], X[test], y[test]

        keras.utils.set_random_seed(self.seed)
        self.model = build_model(
            len(settings["features"]),
            settings["hidden_layers"],
            settings["neurons"],
            settings["activation"],
            settings["regularization"],
            settings["regularization_rate"],
            self.task,
            settings["learning_rate"],
        )
        self._trainer = None
        self.history = {
            "loss": [self._loss(self.X_train, self.y_train)],
            "test_loss": [self._loss(self.X_test, self.y_test)],
        }
        self._show_status()
        self.redraw()
        return self

    def _loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """The model's loss on (X, y), without the regularisation penalty."""
        prediction = np.asarray(self.model(self.transform(X), training=False), dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64)
        with np.errstate(all="ignore"):
            if self.task == "regression":
                return float(np.mean((prediction - y) ** 2))
            p = np.clip(prediction, 1e-7, 1 - 1e-7)
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    def _make_trainer(self) -> Callable[[Any, Any], Any]:
        """A TensorFlow graph that runs whole epochs of mini-batch SGD and returns the losses.

        Keras' ``fit`` pays a few milliseconds of Python per batch; the Playground's tiny
        batches make that the whole cost, so the loop runs inside one ``tf.function``.
        Each epoch shuffles with a seed made of the widget's seed and the epoch number.
        """
        import keras
        import tensorflow as tf

        model, optimizer = self.model, self.model.optimizer
        regression = self.task == "regression"
        x_train = tf.constant(self.transform(self.X_train))
        y_train = tf.constant(np.asarray(self.y_train, dtype=np.float32).reshape(-1, 1))
        x_test = tf.constant(self.transform(self.X_test))
        y_test = tf.constant(np.asarray(self.y_test, dtype=np.float32).reshape(-1, 1))
        size, batch = len(self.X_train), min(int(self.batch_control.value), len(self.X_train))
        batches = math.ceil(size / batch)
        seed = self.seed

        def data_loss(y_true: Any, y_pred: Any) -> Any:
            if regression:
                return tf.reduce_mean(tf.square(y_true - y_pred))
            return tf.reduce_mean(keras.losses.binary_crossentropy(y_true, y_pred))

        @tf.function
        def run(epochs: Any, first_epoch: Any) -> tuple[Any, Any]:
            train_losses = tf.TensorArray(tf.float32, size=epochs)
            test_losses = tf.TensorArray(tf.float32, size=epochs)
            for step in tf.range(epochs):
                order = tf.random.experimental.stateless_shuffle(
                    tf.range(size), seed=tf.stack([tf.constant(seed, tf.int32), first_epoch + step])
                )
                for index in tf.range(batches):
                    rows = order[index * batch : tf.minimum((index + 1) * batch, size)]
                    with tf.GradientTape() as tape:
                        loss = data_loss(tf.gather(y_train, rows), model(tf.gather(x_train, rows), training=True))
                        if model.losses:
                            loss += tf.add_n(model.losses)
                    gradients = tape.gradient(loss, model.trainable_variables)
                    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
                train_losses = train_losses.write(step, data_loss(y_train, model(x_train, training=False)))
                test_losses = test_losses.write(step, data_loss(y_test, model(x_test, training=False)))
            return train_losses.stack(), test_losses.stack()

        return run

    def train(self, epochs: int | None = None) -> PlaygroundWidget:
        """Train ``epochs`` more epochs (default: the *Epochs per click* control), then redraw.

        An epoch is one pass over the training points in mini-batches of *Batch size*.
        After every epoch the training and test loss (without the regularisation penalty)
        are appended to :attr:`history` as ``"loss"`` and ``"test_loss"``; the numbers next
        to the button follow along about ten times per call.
        """
        import tensorflow as tf

        if self.model is None:
            raise RuntimeError("choose at least one input feature before training")
        epochs = int(self.epochs_control.value if epochs is None else epochs)
        if epochs < 1:
            raise ValueError(f"train at least one epoch, got {epochs}")
        if self._trainer is None:
            self._trainer = self._make_trainer()
        chunk = max(1, math.ceil(epochs / 10))
        self.train_button.disabled = True
        try:
            done = 0
            while done < epochs:
                count = min(chunk, epochs - done)
                train_losses, test_losses = self._trainer(
                    tf.constant(count, tf.int32), tf.constant(self.epoch, tf.int32)
                )
                self.history["loss"].extend(float(value) for value in train_losses.numpy())
                self.history["test_loss"].extend(float(value) for value in test_losses.numpy())
                done += count
                self._show_status()
        finally:
            self.train_button.disabled = False
        self.redraw()
        return self

    @property
    def epoch(self) -> int:
        """Epochs trained since the last reset."""
        return len(self.history["loss"]) - 1

    @property
    def train_loss(self) -> float:
        return self.history["loss"][-1]

    @property
    def test_loss(self) -> float:
        return self.history["test_loss"][-1]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The model's output for raw points ``X`` (shape (n, 2)): probabilities of class 1, or targets."""
        return np.asarray(self.model(self.transform(X), training=False)).ravel()

    def accuracy(self, split: str = "test") -> float:
        """Share of ``"test"`` (or ``"train"``) points classified correctly (threshold 0.5)."""
        if self.task != "classification":
            raise ValueError("accuracy is for the classification datasets; the plane is regression")
        if split not in ("test", "train"):
            raise ValueError(f"split is 'test' or 'train', got {split!r}")
        X, y = (self.X_test, self.y_test) if split == "test" else (self.X_train, self.y_train)
        return float(np.mean((self.predict(X) > 0.5) == (y == 1)))

    # ----- display ------------------------------------------------------------------------

    def _show_status(self) -> None:
        self.status.value = (
            f"epoch {self.epoch} &nbsp;|&nbsp; test loss <b>{self.test_loss:.3f}</b>"
            f" &nbsp;|&nbsp; training loss <b>{self.train_loss:.3f}</b>"
        )

    def plot(self, resolution: int = 80) -> Figure:
        """A new figure: the model's output over the square with the data, and the loss curves."""
        figure = Figure(figsize=(10, 4.2))
        FigureCanvasAgg(figure)
        left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})

        grid = np.linspace(-DOMAIN, DOMAIN, resolution)
        g1, g2 = np.meshgrid(grid, grid)
        points = np.column_stack([g1.ravel(), g2.ravel()])
        with np.errstate(all="ignore"):
            surface = np.nan_to_num(self.predict(points).reshape(g1.shape), nan=0.0, posinf=1.0, neginf=-1.0)
        if self.task == "classification":
            levels, labels = np.linspace(0, 1, 11), "P(class 1)"
            left.contour(g1, g2, surface, levels=[0.5], colors="k", linewidths=1)
            colour_y, vmin, vmax = self.y_train, 0, 1
        else:
            levels, labels = np.linspace(-1.2, 1.2, 13), "prediction"
            colour_y, vmin, vmax = self.y_train, -1.2, 1.2
        shading = left.contourf(g1, g2, np.clip(surface, levels[0], levels[-1]), levels=levels, cmap="RdBu", alpha=0.6)
        figure.colorbar(shading, ax=left, label=labels)
        for points, colours, edge, label in (
            (self.X_train, colour_y, "white", "training"),
            (self.X_test, self.y_test, "black", "test"),
        ):
            left.scatter(
                *points.T,
                c=colours,
                cmap="RdBu",
                vmin=vmin,
                vmax=vmax,
                s=14,
                edgecolors=edge,
                linewidths=0.6,
                label=label,
            )
        left.set(
            xlim=(-DOMAIN, DOMAIN),
            ylim=(-DOMAIN, DOMAIN),
            xlabel="x1",
            ylabel="x2",
            aspect="equal",
            title=f"{self.dataset}: model output",
        )
        left.legend(loc="upper right", fontsize=8)

        epochs = np.arange(len(self.history["loss"]))
        right.plot(epochs, self.history["loss"], label="training")
        right.plot(epochs, self.history["test_loss"], label="test")
        loss_name = "binary cross-entropy" if self.task == "classification" else "mean squared error"
        right.set(
            xlabel="epoch",
            ylabel=loss_name,
            title=f"Loss after {self.epoch} epochs: test {self.test_loss:.3f}, training {self.train_loss:.3f}",
        )
        right.legend()
        figure.tight_layout()
        return figure

    @property
    def figure(self) -> Figure:
        """The current picture (:meth:`plot`), kept until the next change or training run."""
        if self._figure is None:
            self._figure = self.plot()
        return self._figure

    def redraw(self) -> None:
        """Draw the picture into the widget's output area.

        Drawing takes a noticeable fraction of a second, so a widget that has never been
        shown (a Playground used only from code) skips it; showing the widget draws it.
        """
        self._figure = None
        if not self._shown:
            return
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=80)
        image = base64.b64encode(buffer.getvalue()).decode("ascii")
        self.output.outputs = (
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"image/png": image, "text/plain": f"<Playground: {self.dataset}, epoch {self.epoch}>"},
            },
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if not self._shown:
            self._shown = True
            self.redraw()
        return super()._repr_mimebundle_(**kwargs)


def playground(**settings: Any) -> PlaygroundWidget:
    """A new :class:`PlaygroundWidget`; keyword arguments set its controls (see the class)."""
    return PlaygroundWidget(**settings)
