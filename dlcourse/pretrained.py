"""Pretrained models for the transfer-learning lab (lab 10).

Two kinds:

* the course's own **base CNN**, pretrained on the 28x28 MNIST digits 0-4 and committed as
  ``datasets/pretrained/mnist-0-4-cnn.keras`` (built by
  ``datasets/pretrained/build_base_cnn.py``, ``make base-model``). :func:`load_base_cnn`
  checks its sha256 before loading it, like the dataset loaders do, so no network is needed;
* the big **ImageNet models of** ``keras.applications`` (MobileNetV2, ResNet50, ...), whose
  weights Keras downloads on first use. :func:`load_keras_application` calls the real
  constructor and turns a failed download into :class:`WeightsUnavailableError`, whose
  message is one line saying what to do.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dlcourse.datasets import DatasetFileError, data_dir

#: The base CNN's path inside the course's ``datasets/`` folder, and its sha256.
BASE_CNN_FILE = "pretrained/mnist-0-4-cnn.keras"
BASE_CNN_SHA256 = "db268333402245b38b962e138099953a6cd3fdd2224d2b3053f52d70bbd47a90"

#: The digits the base CNN was trained to recognise (its output i means the digit i).
BASE_CNN_CLASSES = (0, 1, 2, 3, 4)


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights could not be downloaded, or arrived corrupt. ``str(err)`` is one line."""


def base_cnn_path() -> Path:
    """Where the base CNN lives: ``<data_dir()>/pretrained/mnist-0-4-cnn.keras``."""
    return data_dir() / BASE_CNN_FILE


def load_base_cnn():
    """The base CNN pretrained on the digits 0-4, as an uncompiled ``keras.Model``.

    Input: 28x28x1 images with pixel values 0-255 (as :func:`dlcourse.datasets.load_mnist_10k`
    gives them, plus a channel axis); the model rescales them itself. Output: 5
    probabilities, for the digits 0-4. The layers are named like those of
    ``keras.applications`` models: three blocks ``block1_conv1``, ``block1_pool``,
    ``block2_conv1``, ``block2_pool``, ``block3_conv1``, ``block3_pool``, then ``features``
    (the 576-number feature vector), ``dropout`` and the classifier ``digits_0_4``.

    Raises :class:`dlcourse.datasets.DatasetFileError` if the file is missing or does not
    match its sha256.
    """
    path = base_cnn_path()
    hint = f"restore it with `git checkout -- datasets/{BASE_CNN_FILE}` or rebuild with `make base-model`"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DatasetFileError(f"{path} is missing: {hint}.") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != BASE_CNN_SHA256:
        raise DatasetFileError(
            f"{path} has been modified or damaged (sha256 {digest[:12]}..., "
            f"expected {BASE_CNN_SHA256[:12]}...): {hint}."
        )
    import keras  # imported here: importing Keras loads TensorFlow

    return keras.models.load_model(path, compile=False)


def _keras_home() -> Path:
    return Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser()


def _download_reason(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, urllib.error.HTTPError):
        return f"HTTP {cause.code} {cause.reason}"
    if isinstance(cause, urllib.error.URLError):
        reason = cause.reason
        return getattr(reason, "strerror", None) or str(reason)
    return str(exc).rsplit(" -- ", 1)[-1].strip() or type(exc).__name__


def load_keras_application(constructor: Callable[..., Any], **kwargs: Any):
    """``constructor(**kwargs)``: a ``keras.applications`` model, with a clear error when offline.

    For example ``load_keras_application(keras.applications.MobileNetV2, weights="imagenet",
    include_top=False, input_shape=(160, 160, 3))``. Keras downloads the weights once into
    ``$KERAS_HOME/models`` (default ``~/.keras/models``) and reuses them afterwards.

    When the download fails, Keras raises a bare ``Exception`` ("URL fetch failure on ...")
    or, for a corrupt file, a ``ValueError``; both become :class:`WeightsUnavailableError`
    with a one-line message naming the file, the URL and the fix. Any other error (a wrong
    argument, say) is raised unchanged.
    """
    name = getattr(constructor, "__name__", "the model")
    try:
        return constructor(**kwargs)
    except ValueError as exc:
        if "Incomplete or corrupted file detected" not in str(exc):
            raise
        raise WeightsUnavailableError(
            f"{name}: the downloaded weights were corrupt (hash mismatch). To fix: delete the "
            f"file from {_keras_home() / 'models'} and try again."
        ) from None
    except Exception as exc:
        match = re.match(r"URL fetch failure on (\S+): ", str(exc))
        if type(exc) is not Exception or not match:
            raise
        url = match.group(1)
        fname = url.rsplit("/", 1)[-1]
        raise WeightsUnavailableError(
            f"{name}'s pretrained weights are unavailable: could not download {fname} from {url} "
            f"({_download_reason(exc)}). To fix: connect to the internet, or copy {fname} to "
            f"{_keras_home() / 'models' / fname}."
        ) from None
