"""Build the base CNN of lab 10 (transfer learning): a small CNN pretrained on the digits 0-4.

Usage (from the repository root)::

    python datasets/pretrained/build_base_cnn.py      # or: make base-model

It trains on the 28x28 MNIST images of the digits 0-4 in ``datasets/mnist-10k.csv.gz``
(80 % of them, a stratified split with ``random_state=42``; the other 20 % measure the
accuracy it prints) and writes ``datasets/pretrained/mnist-0-4-cnn.keras``. The digits 5-9
are never seen: they are the new task of lab 10.

The build is deterministic: fixed seeds and TensorFlow's op determinism give the same
weights on every run with the pinned packages on the same kind of CPU. A ``.keras`` file is
a zip archive that records when and where it was saved (the date of the weights member,
``date_saved`` in ``metadata.json``, and shared objects numbered by memory address in
``config.json``); this script rewrites the archive with fixed values, so a rebuild on the
same machine is byte-identical. Another CPU (other vector instructions in oneDNN) can change
the last bits of some weights, and so the sha256.
After a deliberate change, copy the printed sha256 into ``dlcourse/pretrained.py`` and
``datasets/README.md`` (``tests/test_pretrained.py`` checks that they agree).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import zipfile
from pathlib import Path

OUT_PATH = Path(__file__).resolve().parent / "mnist-0-4-cnn.keras"
SEED = 42
EPOCHS = 8
#: Label smoothing: the targets are 0.76 for the right digit and 0.06 for each other one
#: instead of 1 and 0. The base is then less sure of itself on the digits 0-4 and keeps
#: features that transfer better to the digits 5-9 (lab 10, 2 labelled images per digit and a
#: frozen base: about 0.84 test accuracy instead of 0.80 without smoothing).
LABEL_SMOOTHING = 0.3
#: Zip timestamps and ``date_saved`` are fixed to this value so that rebuilds are identical.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_DATE_SAVED = "1980-01-01@00:00:00"


def build_model():
    """The architecture: three convolution blocks, a flattened feature vector and a 5-way softmax.

    Layer names follow the convention of ``keras.applications`` (``block1_conv1``, ...),
    so that lab 10 can pick "the top block" by name. The feature vector is the flattened
    output of the last block: a Dense layer there would be specialised to the digits 0-4
    and transfers worse.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)  # pixel values 0-255 -> 0-1
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="block1_conv1")(x)
    x = layers.MaxPooling2D(name="block1_pool")(x)  # 14x14
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="block2_conv1")(x)
    x = layers.MaxPooling2D(name="block2_pool")(x)  # 7x7
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="block3_conv1")(x)
    x = layers.MaxPooling2D(name="block3_pool")(x)  # 3x3
    x = layers.Flatten(name="features")(x)  # 3 * 3 * 64 = 576 numbers per image
    x = layers.Dropout(0.3, name="dropout")(x)
    outputs = layers.Dense(5, activation="softmax", name="digits_0_4")(x)
    return keras.Model(inputs, outputs, name="mnist_0_4_cnn")


def _renumber_shared_objects(config, numbers: dict[int, int]):
    """Replace each ``shared_object_id`` (a memory address) by its order of appearance."""
    if isinstance(config, dict):
        for key, value in config.items():
            if key == "shared_object_id":
                config[key] = numbers.setdefault(value, len(numbers) + 1)
            else:
                _renumber_shared_objects(value, numbers)
    elif isinstance(config, list):
        for value in config:
            _renumber_shared_objects(value, numbers)
    return config


def normalise_keras_zip(path: Path) -> None:
    """Rewrite a ``.keras`` archive so that it no longer depends on when or where it was saved.

    Keras stamps the weights member with the time of saving, writes ``date_saved`` into
    ``metadata.json`` and numbers shared objects in ``config.json`` by their memory address.
    """
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in members:
            if info.filename == "metadata.json":
                metadata = json.loads(data)
                metadata["date_saved"] = FIXED_DATE_SAVED
                data = json.dumps(metadata).encode()
            elif info.filename == "config.json":
                data = json.dumps(_renumber_shared_objects(json.loads(data), {})).encode()
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE_TIME)
            fixed.compress_type = info.compress_type
            fixed.external_attr = 0o644 << 16
            archive.writestr(fixed, data)


def main() -> None:
    import keras
    import numpy as np
    from sklearn.model_selection import train_test_split

    from dlcourse import set_seed
    from dlcourse.datasets import load_mnist_10k

    set_seed(SEED)
    images, labels = load_mnist_10k()
    keep = labels < 5
    x, y = images[keep][..., np.newaxis], labels[keep]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=SEED)

    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=LABEL_SMOOTHING),
        metrics=["accuracy"],
    )
    model.fit(x_train, keras.utils.to_categorical(y_train, 5), epochs=EPOCHS, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x_test, keras.utils.to_categorical(y_test, 5), verbose=0)

    # Ship the architecture and weights only: a fresh, uncompiled copy carries no optimizer
    # state (which would triple the file) and no training configuration.
    shipped = build_model()
    shipped.set_weights(model.get_weights())
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / OUT_PATH.name
        shipped.save(staging)
        normalise_keras_zip(staging)
        OUT_PATH.write_bytes(staging.read_bytes())

    digest = hashlib.sha256(OUT_PATH.read_bytes()).hexdigest()
    print(
        f"trained on {len(x_train)} images of the digits 0-4, test accuracy "
        f"{accuracy:.4f} on {len(x_test)} held-out images"
    )
    print(f"{OUT_PATH.name}  {model.count_params()} parameters  {OUT_PATH.stat().st_size} bytes  sha256 {digest}")


if __name__ == "__main__":
    sys.exit(main())
