"""dlcourse.pretrained: the committed base CNN of lab 10 and keras.applications with clear offline errors."""

from __future__ import annotations

import hashlib
import http.server
import re
import shutil
import threading
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from dlcourse import pretrained
from dlcourse.datasets import DATA_DIR_ENV, DatasetFileError, load_mnist_10k

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "datasets" / pretrained.BASE_CNN_FILE


def test_sha256_matches_the_file_and_the_readme():
    digest = hashlib.sha256(MODEL.read_bytes()).hexdigest()
    assert digest == pretrained.BASE_CNN_SHA256
    readme = (ROOT / "datasets" / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `{pretrained.BASE_CNN_FILE}`"))
    assert re.search(r"`([0-9a-f]{64})` \|$", row).group(1) == digest


@pytest.fixture(scope="module")
def base_cnn():
    return pretrained.load_base_cnn()


def test_base_cnn_has_the_documented_architecture(base_cnn):
    assert base_cnn.input_shape == (None, 28, 28, 1)
    assert base_cnn.output_shape == (None, 5)
    names = [layer.name for layer in base_cnn.layers]
    assert names == [
        "image",
        "rescale",
        "block1_conv1",
        "block1_pool",
        "block2_conv1",
        "block2_pool",
        "block3_conv1",
        "block3_pool",
        "features",
        "dropout",
        "digits_0_4",
    ]
    assert base_cnn.get_layer("features").output.shape == (None, 576)
    assert base_cnn.count_params() == 58_629
    assert getattr(base_cnn, "optimizer", None) is None  # shipped uncompiled, without optimizer state


def test_base_cnn_recognises_the_digits_0_to_4_and_knows_no_others(base_cnn):
    images, labels = load_mnist_10k()
    old = labels < 5
    predicted = base_cnn.predict(images[old][..., np.newaxis], verbose=0).argmax(axis=1)
    assert (predicted == labels[old]).mean() > 0.98
    # It can only answer 0-4, so the digits 5-9 are all wrong: a new task for transfer learning.
    new_predictions = base_cnn.predict(images[~old][..., np.newaxis], verbose=0).argmax(axis=1)
    assert set(new_predictions) <= set(pretrained.BASE_CNN_CLASSES)


@pytest.fixture
def data_copy(tmp_path, monkeypatch) -> Path:
    (tmp_path / "pretrained").mkdir()
    shutil.copy(MODEL, tmp_path / pretrained.BASE_CNN_FILE)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    return tmp_path


def test_the_data_dir_override_is_used(data_copy):
    assert pretrained.base_cnn_path() == data_copy / pretrained.BASE_CNN_FILE
    assert pretrained.load_base_cnn().output_shape == (None, 5)


def test_modified_model_gives_a_clear_error(data_copy):
    path = data_copy / pretrained.BASE_CNN_FILE
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetFileError) as err:
        pretrained.load_base_cnn()
    message = str(err.value)
    assert "modified or damaged" in message and "\n" not in message
    assert f"git checkout -- datasets/{pretrained.BASE_CNN_FILE}" in message and "make base-model" in message


def test_missing_model_gives_a_clear_error(data_copy):
    (data_copy / pretrained.BASE_CNN_FILE).unlink()
    with pytest.raises(DatasetFileError, match=r"mnist-0-4-cnn\.keras is missing.*make base-model"):
        pretrained.load_base_cnn()


def _fails_like_get_file(url: str, cause: Exception):
    """A stand-in constructor that fails exactly as keras.utils.get_file does."""

    def MobileNetV2(**kwargs):  # noqa: N802 - named like the Keras constructor
        try:
            raise cause
        except urllib.error.URLError as e:
            raise Exception(f"URL fetch failure on {url}: {getattr(e, 'code', None)} -- {e.reason}")  # noqa: B904 - as Keras raises it

    return MobileNetV2


def test_offline_download_becomes_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    url = "https://storage.example/keras-applications/mobilenet_v2_no_top.h5"
    constructor = _fails_like_get_file(url, urllib.error.URLError(OSError(-2, "Name or service not known")))
    with pytest.raises(pretrained.WeightsUnavailableError) as err:
        pretrained.load_keras_application(constructor, weights="imagenet")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("MobileNetV2's pretrained weights are unavailable")
    assert url in message and "Name or service not known" in message
    assert str(tmp_path / "models" / "mobilenet_v2_no_top.h5") in message


def test_other_errors_are_not_hidden():
    def broken(**kwargs):
        raise ValueError("The `weights` argument should be either `None`, `imagenet`, or a path")

    with pytest.raises(ValueError, match="weights"):
        pretrained.load_keras_application(broken, weights="nonsense")
    with pytest.raises(TypeError):
        pretrained.load_keras_application(lambda: None, weights="imagenet")


class _NotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_error(404, "Not Found")

    def log_message(self, *args):
        pass


def test_real_keras_application_download_failure(tmp_path, monkeypatch):
    """The real keras.applications path, with its weights URL pointed at a local server that answers 404."""
    import keras
    from keras.src.applications import mobilenet_v2
    from keras.src.backend import config

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/weights/"
        monkeypatch.setattr(mobilenet_v2, "BASE_WEIGHT_PATH", base)
        monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))  # Keras reads KERAS_HOME at import
        monkeypatch.setenv("KERAS_HOME", str(tmp_path))
        with pytest.raises(pretrained.WeightsUnavailableError) as err:
            pretrained.load_keras_application(
                keras.applications.MobileNetV2,
                weights="imagenet",
                include_top=False,
                input_shape=(96, 96, 3),
                alpha=0.35,
            )
    finally:
        server.shutdown()
        server.server_close()
    message = str(err.value)
    assert "\n" not in message and "HTTP 404" in message
    assert f"{base}mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5" in message
    assert not list((tmp_path / "models").glob("*.h5"))  # nothing half-downloaded is left
