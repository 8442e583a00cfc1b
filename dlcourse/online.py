"""The larger canonical datasets, downloaded on first use with ``keras.utils.get_file``.

Each file has a fixed origin and hash (:data:`FILES`), taken from Keras's own dataset
loaders and, where Keras gives no hash, from tensorflow_datasets' checksum files. The
loaders return what ``keras.datasets.*.load_data()`` returns.

Environment variables:

``DLCOURSE_MIRROR``
    Base URL of a classroom mirror. When set, every file is fetched from
    ``<mirror>/<file name>`` (for example ``http://classroom-server:8000/mnist.npz``) instead of its
    origin. A ``file://`` URL of a shared folder works too. The hash is checked either way.
``DLCOURSE_CACHE``
    Folder of the download cache. Default: Keras's own (``$KERAS_HOME`` or ``~/.keras``),
    so files that ``keras.datasets`` already downloaded are reused.

When a file cannot be fetched, or arrives corrupt (the broken file is deleted), the
loaders raise :class:`DatasetUnavailableError`, whose message is one line saying what
to do. In a notebook::

    try:
        (x_train, y_train), (x_test, y_test) = online.load_fashion_mnist()
    except online.DatasetUnavailableError as err:
        print(err)
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

MIRROR_ENV = "DLCOURSE_MIRROR"
CACHE_ENV = "DLCOURSE_CACHE"

log = logging.getLogger(__name__)
T = TypeVar("T")

_KERAS_BUCKET = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@dataclass(frozen=True)
class RemoteFile:
    """One downloadable file: where it comes from and how to recognise it."""

    dataset: str
    fname: str
    origin: str
    file_hash: str  # sha256; md5 (32 hex digits) only where upstream publishes nothing else
    subdir: str = "datasets"  # folder inside the cache, the same as keras.datasets uses


FILES: dict[str, RemoteFile] = {
    f.fname: f
    for f in [
        # keras/src/datasets/mnist.py
        RemoteFile(
            "MNIST",
            "mnist.npz",
            _KERAS_BUCKET + "mnist.npz",
            "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        ),
        # Origins from keras/src/datasets/fashion_mnist.py, which checks no hash; the sha256
        # values are those of Zalando's original files (tensorflow_datasets
        # url_checksums/fashion_mnist.txt), which Keras's bucket copies byte for byte.
        RemoteFile(
            "Fashion-MNIST",
            "train-images-idx3-ubyte.gz",
            _KERAS_BUCKET + "train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "datasets/fashion-mnist",
        ),
        RemoteFile(
            "Fashion-MNIST",
            "train-labels-idx1-ubyte.gz",
            _KERAS_BUCKET + "train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "datasets/fashion-mnist",
        ),
        RemoteFile(
            "Fashion-MNIST",
            "t10k-images-idx3-ubyte.gz",
            _KERAS_BUCKET + "t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "datasets/fashion-mnist",
        ),
        RemoteFile(
            "Fashion-MNIST",
            "t10k-labels-idx1-ubyte.gz",
            _KERAS_BUCKET + "t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            "datasets/fashion-mnist",
        ),
        # keras/src/datasets/cifar10.py
        RemoteFile(
            "CIFAR-10",
            "cifar-10-python.tar.gz",
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
            "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        ),
        # keras/src/datasets/imdb.py (Keras publishes only an md5 for the word index)
        RemoteFile(
            "IMDB",
            "imdb.npz",
            _KERAS_BUCKET + "imdb.npz",
            "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
        ),
        RemoteFile(
            "IMDB",
            "imdb_word_index.json",
            _KERAS_BUCKET + "imdb_word_index.json",
            "bfafd718b763782e994055a2d397834f",
        ),
        # tensorflow_datasets/datasets/tf_flowers/checksums.tsv
        RemoteFile(
            "tf_flowers",
            "flower_photos.tgz",
            "http://download.tensorflow.org/example_images/flower_photos.tgz",
            "4c54ace7911aaffe13a365c34f650e71dd5bf1be0a58b464e5a7183e3e595d9c",
        ),
    ]
}


class DatasetUnavailableError(RuntimeError):
    """A dataset could not be downloaded, or arrived corrupt. ``str(err)`` is one line."""


def cache_dir() -> Path:
    """The download cache: ``$DLCOURSE_CACHE``, else ``$KERAS_HOME``, else ``~/.keras``."""
    folder = os.environ.get(CACHE_ENV) or os.environ.get("KERAS_HOME") or "~/.keras"
    return Path(folder).expanduser()


def source_url(remote: RemoteFile) -> str:
    """``<DLCOURSE_MIRROR>/<fname>`` when a mirror is set, else the file's origin."""
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        return f"{mirror.rstrip('/')}/{remote.fname}"
    return remote.origin


def _hash_matches(path: Path, file_hash: str) -> bool:
    hasher = hashlib.sha256() if len(file_hash) == 64 else hashlib.md5()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest() == file_hash


def _reason(exc: BaseException) -> str:
    """A short, one-line reason for a failed download (get_file wraps urllib's errors)."""
    cause = exc.__cause__ or exc.__context__ or exc
    if isinstance(cause, urllib.error.HTTPError):
        return f"HTTP {cause.code} {cause.reason}"
    if isinstance(cause, urllib.error.URLError):
        return str(cause.reason)
    return " ".join(str(cause).split())[:200] or type(cause).__name__


def fetch(fname: str) -> Path:
    """The cached, hash-checked local copy of ``fname`` (a key of :data:`FILES`).

    Downloads it first if the cache has no valid copy. Raises
    :class:`DatasetUnavailableError` when the download fails or is corrupt; a corrupt
    file is deleted from the cache.
    """
    from keras.utils import get_file  # imported here: importing Keras loads TensorFlow

    remote = FILES[fname]
    url = source_url(remote)
    cache = cache_dir()
    target = cache / remote.subdir / fname
    # get_file silently switches to /tmp/.keras when the cache folder is missing or
    # read-only; create it, and refuse a read-only one, so files land where we say.
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # reported just below
    if not os.access(cache, os.W_OK):
        raise DatasetUnavailableError(
            f"{remote.dataset}: the cache folder {cache} is not writable; set {CACHE_ENV} to a folder you can write to."
        )
    try:
        path = get_file(
            fname,
            origin=url,
            file_hash=remote.file_hash,
            cache_subdir=remote.subdir,
            cache_dir=str(cache),
        )
    except Exception as exc:
        # get_file deletes what it fetched when the transfer fails, but leaves a file
        # whose hash does not match: a file still there means a corrupt download.
        from_mirror = url != remote.origin
        if target.exists() and not _hash_matches(target, remote.file_hash):
            target.unlink()
            advice = f"check the file on the mirror set in {MIRROR_ENV}" if from_mirror else "try again"
            raise DatasetUnavailableError(
                f"{remote.dataset}: the download of {fname} from {url} was corrupt "
                f"(hash mismatch) and has been deleted. To fix: {advice}."
            ) from None
        if from_mirror:
            advice = f"check the mirror set in {MIRROR_ENV}, unset it to use the origin"
        else:
            advice = f"connect to the internet, set {MIRROR_ENV} to a classroom mirror"
        raise DatasetUnavailableError(
            f"{remote.dataset} is unavailable: could not download {fname} from {url} "
            f"({_reason(exc)}). To fix: {advice}, or copy {fname} to {target}."
        ) from None
    return Path(path)


def try_load(loader: Callable[..., T], *args: object, **kwargs: object) -> T | None:
    """``loader(*args, **kwargs)``, or ``None`` when the dataset is unavailable.

    For optional "scale up" sections of a lab: the reason is logged as one warning
    line (shown in the notebook), and the notebook carries on.
    """
    try:
        return loader(*args, **kwargs)
    except DatasetUnavailableError as err:
        log.warning("%s", err)
        return None


def load_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST digits: ``(x_train, y_train), (x_test, y_test)``, uint8, x of shape (n, 28, 28).

    60,000 training and 10,000 test images, as ``keras.datasets.mnist.load_data()``.
    """
    with np.load(fetch("mnist.npz"), allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def _read_idx(path: Path, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_fashion_mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Fashion-MNIST: ``(x_train, y_train), (x_test, y_test)``, uint8, x of shape (n, 28, 28).

    60,000 training and 10,000 test images of 10 clothing classes, as
    ``keras.datasets.fashion_mnist.load_data()``.
    """
    y_train = _read_idx(fetch("train-labels-idx1-ubyte.gz"), offset=8)
    x_train = _read_idx(fetch("train-images-idx3-ubyte.gz"), offset=16).reshape(-1, 28, 28)
    y_test = _read_idx(fetch("t10k-labels-idx1-ubyte.gz"), offset=8)
    x_test = _read_idx(fetch("t10k-images-idx3-ubyte.gz"), offset=16).reshape(-1, 28, 28)
    return (x_train, y_train), (x_test, y_test)


def _read_cifar_batch(archive: tarfile.TarFile, member: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 32, 32, 3) and labels (n, 1), both uint8, of one pickled CIFAR batch."""
    with archive.extractfile(member) as f:
        # A pickle, as CIFAR is distributed; safe because fetch() checked the sha256.
        batch = pickle.load(f, encoding="bytes")
    images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    labels = np.asarray(batch[b"labels"], dtype=np.uint8).reshape(-1, 1)
    return images.transpose(0, 2, 3, 1), labels


def load_cifar10() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """CIFAR-10: ``(x_train, y_train), (x_test, y_test)``, uint8.

    x has shape (n, 32, 32, 3) (channels last), y has shape (n, 1); 50,000 training and
    10,000 test images, as ``keras.datasets.cifar10.load_data()``.
    """
    with tarfile.open(fetch("cifar-10-python.tar.gz"), "r:gz") as archive:
        train = [_read_cifar_batch(archive, f"cifar-10-batches-py/data_batch_{i}") for i in range(1, 6)]
        x_test, y_test = _read_cifar_batch(archive, "cifar-10-batches-py/test_batch")
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return (x_train, y_train), (x_test, y_test)


def load_imdb(
    num_words: int | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """IMDB reviews as word indices: ``(x_train, y_train), (x_test, y_test)``.

    Same result as ``keras.datasets.imdb.load_data(num_words=num_words)`` with its other
    defaults: 25,000 reviews each, shuffled with seed 113, each starting with 1, word
    indices shifted by 3, and words outside the ``num_words`` most frequent replaced by 2.
    x is an object array of lists of ints, y holds 0 (negative) or 1 (positive).
    """
    seed, start_char, oov_char, index_from = 113, 1, 2, 3
    # The sequences are ragged object arrays, stored as pickles; fetch() checked the sha256.
    with np.load(fetch("imdb.npz"), allow_pickle=True) as f:
        x_train, y_train = f["x_train"], f["y_train"]
        x_test, y_test = f["x_test"], f["y_test"]

    rng = np.random.RandomState(seed)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, y_train = x_train[order], y_train[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, y_test = x_test[order], y_test[order]

    xs = [[start_char] + [w + index_from for w in x] for x in [*x_train, *x_test]]
    if not num_words:
        num_words = max(max(x) for x in xs)
    xs = [[w if w < num_words else oov_char for w in x] for x in xs]

    n_train = len(x_train)
    return (
        (np.array(xs[:n_train], dtype="object"), y_train),
        (np.array(xs[n_train:], dtype="object"), y_test),
    )


def load_imdb_word_index() -> dict[str, int]:
    """IMDB's word -> index mapping, as ``keras.datasets.imdb.get_word_index()``.

    The indices in :func:`load_imdb`'s sequences are these plus 3.
    """
    with fetch("imdb_word_index.json").open(encoding="utf-8") as f:
        return json.load(f)


def load_tf_flowers() -> Path:
    """The folder of the 3,670 tf_flowers photos, one subfolder per class.

    Pass it to ``keras.utils.image_dataset_from_directory``. The archive is downloaded
    and extracted once; later calls return the extracted folder without any network.
    """
    folder = cache_dir() / FILES["flower_photos.tgz"].subdir / "flower_photos"
    if folder.is_dir():
        return folder
    archive_path = fetch("flower_photos.tgz")
    # Extract next to the final folder, then rename: a half-extracted folder never
    # looks complete.
    staging = Path(tempfile.mkdtemp(prefix="flower_photos.", dir=folder.parent))
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(staging, filter="data")
        (staging / "flower_photos").rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
