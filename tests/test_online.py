"""dlcourse.online through its real download path (keras.utils.get_file over HTTP).

A local HTTP server on 127.0.0.1 serves tiny files in each dataset's real format,
made here; DLCOURSE_MIRROR points at it and DLCOURSE_CACHE at a temporary folder.
The catalogue's hash is replaced by the tiny file's hash where a test needs a match.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import http.server
import io
import json
import logging
import pickle
import re
import socket
import tarfile
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from dlcourse import online

SITE_PACKAGES = Path(np.__file__).resolve().parents[1]


# --- Fixture files in each dataset's real format -------------------------------------


def write_mnist_npz(path: Path) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "y_train": np.array([5, 0, 4], dtype=np.uint8),
        "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "y_test": np.array([7, 2], dtype=np.uint8),
    }
    np.savez_compressed(path, **arrays)
    return arrays


def write_idx_gz(path: Path, array: np.ndarray) -> None:
    """An IDX file (big-endian header, then uint8 data), gzipped, as Fashion-MNIST ships."""
    magic = bytes([0, 0, 8, array.ndim])
    dims = b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    path.write_bytes(gzip.compress(magic + dims + array.tobytes(), mtime=0))


def write_cifar_tgz(path: Path) -> dict[str, dict]:
    """cifar-10-python.tar.gz layout: pickled dict batches in cifar-10-batches-py/."""
    rng = np.random.default_rng(1)
    batches = {}
    with tarfile.open(path, "w:gz") as archive:
        for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
            batch = {
                b"batch_label": name.encode(),
                b"labels": rng.integers(0, 10, 2).tolist(),
                b"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8),
                b"filenames": [b"a.png", b"b.png"],
            }
            batches[name] = batch
            data = pickle.dumps(batch)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return batches


def write_imdb_npz(path: Path) -> None:
    """imdb.npz layout: ragged object arrays of word-index lists, 0/1 labels."""

    def ragged(lists):
        out = np.empty(len(lists), dtype=object)
        out[:] = [list(x) for x in lists]
        return out

    np.savez(
        path,
        x_train=ragged([[1, 14, 22, 16], [43, 530], [973, 1622, 1385, 65, 458], [4468, 66]]),
        y_train=np.array([1, 0, 0, 1]),
        x_test=ragged([[1, 194, 1153], [194, 8255, 78], [228]]),
        y_test=np.array([0, 1, 1]),
    )


def write_flowers_tgz(path: Path) -> None:
    """flower_photos.tgz layout: flower_photos/<class>/<image>, plus LICENSE.txt."""
    from PIL import Image

    with tarfile.open(path, "w:gz") as archive:
        for cls, colour in [("daisy", (250, 250, 250)), ("roses", (200, 0, 0))]:
            for i in range(2):
                buffer = io.BytesIO()
                Image.new("RGB", (6, 5), colour).save(buffer, format="JPEG")
                info = tarfile.TarInfo(f"flower_photos/{cls}/{i}.jpg")
                info.size = buffer.tell()
                buffer.seek(0)
                archive.addfile(info, buffer)
        licence = b"All images are licensed under Creative Commons By-Attribution.\n"
        info = tarfile.TarInfo("flower_photos/LICENSE.txt")
        info.size = len(licence)
        archive.addfile(info, io.BytesIO(licence))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- Server and environment ----------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        self.requests.append(self.path)


@pytest.fixture
def served(tmp_path):
    """(folder served over HTTP, list of requested paths)."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    requests: list[str] = []
    handler = type("Handler", (QuietHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, requests, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(online.CACHE_ENV, str(folder))
    monkeypatch.delenv(online.MIRROR_ENV, raising=False)
    return folder


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def expect_hash(monkeypatch, fname: str, path: Path) -> None:
    """Make the catalogue expect the fixture file's sha256 for ``fname``."""
    monkeypatch.setitem(online.FILES, fname, dataclasses.replace(online.FILES[fname], file_hash=sha256(path)))


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- Catalogue --------------------------------------------------------------------------


def test_catalogue_hashes_and_origins_come_from_keras_and_tfds():
    keras_src = SITE_PACKAGES / "keras" / "src" / "datasets"
    tfds = SITE_PACKAGES / "tensorflow_datasets"
    sources = {
        "mnist.npz": keras_src / "mnist.py",
        "cifar-10-python.tar.gz": keras_src / "cifar10.py",
        "imdb.npz": keras_src / "imdb.py",
        "imdb_word_index.json": keras_src / "imdb.py",
        "flower_photos.tgz": tfds / "datasets" / "tf_flowers" / "checksums.tsv",
        "train-images-idx3-ubyte.gz": tfds / "url_checksums" / "fashion_mnist.txt",
        "train-labels-idx1-ubyte.gz": tfds / "url_checksums" / "fashion_mnist.txt",
        "t10k-images-idx3-ubyte.gz": tfds / "url_checksums" / "fashion_mnist.txt",
        "t10k-labels-idx1-ubyte.gz": tfds / "url_checksums" / "fashion_mnist.txt",
    }
    assert set(sources) == set(online.FILES)
    fashion_origins = (keras_src / "fashion_mnist.py").read_text()
    for fname, remote in online.FILES.items():
        text = sources[fname].read_text()
        assert remote.file_hash in text, fname
        assert remote.fname == fname == remote.origin.rsplit("/", 1)[1]
        if remote.dataset == "Fashion-MNIST":
            assert fname in fashion_origins and remote.origin.startswith(
                re.search(r'base = "(.+?)"', fashion_origins).group(1)
            )
        elif sources[fname].suffix == ".py":
            assert fname in text and remote.origin.rsplit("/", 1)[0].split("//")[1] in text
        else:
            assert remote.origin in text


def test_mirror_replaces_the_origin_with_mirror_slash_fname(monkeypatch):
    remote = online.FILES["mnist.npz"]
    monkeypatch.delenv(online.MIRROR_ENV, raising=False)
    assert online.source_url(remote) == remote.origin
    monkeypatch.setenv(online.MIRROR_ENV, "http://classroom:8000/data/")
    assert online.source_url(remote) == "http://classroom:8000/data/mnist.npz"


def test_cache_defaults_to_keras_home(monkeypatch, tmp_path):
    monkeypatch.delenv(online.CACHE_ENV, raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert online.cache_dir() == tmp_path / ".keras"
    monkeypatch.setenv(online.CACHE_ENV, str(tmp_path / "c"))
    assert online.cache_dir() == tmp_path / "c"


# --- Successful downloads ---------------------------------------------------------------


def test_load_mnist_downloads_from_the_mirror_into_the_cache(served, cache, monkeypatch):
    folder, requests, url = served
    arrays = write_mnist_npz(folder / "mnist.npz")
    expect_hash(monkeypatch, "mnist.npz", folder / "mnist.npz")
    monkeypatch.setenv(online.MIRROR_ENV, url)

    (x_train, y_train), (x_test, y_test) = online.load_mnist()

    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_train, arrays["y_train"])
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert requests == ["/mnist.npz"]
    assert files_in(cache) == [cache / "datasets" / "mnist.npz"]


def test_cached_valid_file_is_used_without_network(cache, closed_port_url, monkeypatch, tmp_path):
    source = tmp_path / "mnist.npz"
    arrays = write_mnist_npz(source)
    expect_hash(monkeypatch, "mnist.npz", source)
    (cache / "datasets").mkdir(parents=True)
    source.rename(cache / "datasets" / "mnist.npz")
    monkeypatch.setenv(online.MIRROR_ENV, closed_port_url)

    (x_train, _), _ = online.load_mnist()

    np.testing.assert_array_equal(x_train, arrays["x_train"])


def test_file_url_mirror_works(cache, monkeypatch, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    arrays = write_mnist_npz(shared / "mnist.npz")
    expect_hash(monkeypatch, "mnist.npz", shared / "mnist.npz")
    monkeypatch.setenv(online.MIRROR_ENV, shared.as_uri())

    _, (_, y_test) = online.load_mnist()

    np.testing.assert_array_equal(y_test, arrays["y_test"])


def test_load_fashion_mnist_parses_the_four_idx_files(served, cache, monkeypatch):
    folder, requests, url = served
    rng = np.random.default_rng(2)
    x_train = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    y_train = np.array([9, 0, 3], dtype=np.uint8)
    x_test = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    y_test = np.array([1, 8], dtype=np.uint8)
    for fname, array in [
        ("train-images-idx3-ubyte.gz", x_train),
        ("train-labels-idx1-ubyte.gz", y_train),
        ("t10k-images-idx3-ubyte.gz", x_test),
        ("t10k-labels-idx1-ubyte.gz", y_test),
    ]:
        write_idx_gz(folder / fname, array)
        expect_hash(monkeypatch, fname, folder / fname)
    monkeypatch.setenv(online.MIRROR_ENV, url)

    (xa, ya), (xb, yb) = online.load_fashion_mnist()

    for got, want in [(xa, x_train), (ya, y_train), (xb, x_test), (yb, y_test)]:
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.uint8
    assert files_in(cache / "datasets" / "fashion-mnist") and len(requests) == 4


def test_load_cifar10_reads_the_pickled_batches_channels_last(served, cache, monkeypatch):
    folder, _, url = served
    archive = folder / "cifar-10-python.tar.gz"
    batches = write_cifar_tgz(archive)
    expect_hash(monkeypatch, "cifar-10-python.tar.gz", archive)
    monkeypatch.setenv(online.MIRROR_ENV, url)

    (x_train, y_train), (x_test, y_test) = online.load_cifar10()

    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (2, 32, 32, 3) and y_test.shape == (2, 1)
    # CIFAR rows hold the red plane, then green, then blue, each 32x32 row-major.
    first = batches["data_batch_1"][b"data"][0]
    for row, col, channel in [(0, 0, 0), (0, 1, 0), (1, 0, 1), (31, 30, 2)]:
        assert x_train[0, row, col, channel] == first[channel * 1024 + row * 32 + col]
    last = batches["test_batch"][b"data"][1]
    np.testing.assert_array_equal(x_test[1], last.reshape(3, 32, 32).transpose(1, 2, 0))
    expected_train_labels = sum((batches[f"data_batch_{i}"][b"labels"] for i in range(1, 6)), [])
    assert y_train.ravel().tolist() == expected_train_labels
    assert y_test.ravel().tolist() == batches["test_batch"][b"labels"]


@pytest.mark.parametrize("num_words", [None, 100])
def test_load_imdb_matches_keras(served, cache, monkeypatch, num_words):
    import keras
    from keras.src.datasets import imdb

    folder, _, url = served
    write_imdb_npz(folder / "imdb.npz")
    expect_hash(monkeypatch, "imdb.npz", folder / "imdb.npz")
    monkeypatch.setenv(online.MIRROR_ENV, url)
    monkeypatch.setattr(imdb, "get_file", lambda *args, **kwargs: str(folder / "imdb.npz"))

    (x_train, y_train), (x_test, y_test) = online.load_imdb(num_words=num_words)
    (kx_train, ky_train), (kx_test, ky_test) = keras.datasets.imdb.load_data(num_words=num_words)

    assert x_train.dtype == object and len(x_train) == 4 and len(x_test) == 3
    assert [list(x) for x in x_train] == [list(x) for x in kx_train]
    assert [list(x) for x in x_test] == [list(x) for x in kx_test]
    np.testing.assert_array_equal(y_train, ky_train)
    np.testing.assert_array_equal(y_test, ky_test)


def test_load_imdb_word_index_accepts_an_md5_hash(served, cache, monkeypatch):
    folder, _, url = served
    path = folder / "imdb_word_index.json"
    path.write_text(json.dumps({"the": 1, "and": 2}))
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    monkeypatch.setitem(online.FILES, path.name, dataclasses.replace(online.FILES[path.name], file_hash=md5))
    monkeypatch.setenv(online.MIRROR_ENV, url)

    assert online.load_imdb_word_index() == {"the": 1, "and": 2}


def test_load_tf_flowers_extracts_once_for_image_dataset_from_directory(served, cache, monkeypatch):
    import keras

    folder, requests, url = served
    write_flowers_tgz(folder / "flower_photos.tgz")
    expect_hash(monkeypatch, "flower_photos.tgz", folder / "flower_photos.tgz")
    monkeypatch.setenv(online.MIRROR_ENV, url)

    path = online.load_tf_flowers()

    assert path == cache / "datasets" / "flower_photos"
    assert sorted(p.name for p in path.iterdir() if p.is_dir()) == ["daisy", "roses"]
    ds = keras.utils.image_dataset_from_directory(path, image_size=(5, 6), batch_size=4, verbose=False)
    assert ds.class_names == ["daisy", "roses"]
    assert sum(int(images.shape[0]) for images, _ in ds) == 4
    assert sorted(p.name for p in path.parent.iterdir()) == ["flower_photos", "flower_photos.tgz"]

    monkeypatch.setenv(online.MIRROR_ENV, "http://127.0.0.1:9/unused")
    assert online.load_tf_flowers() == path
    assert requests == ["/flower_photos.tgz"]


# --- Failures -------------------------------------------------------------------------


def assert_one_readable_line(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    assert err.value.__suppress_context__ or err.value.__cause__ is not None
    return message


def test_corrupt_download_is_deleted_and_reported(served, cache, monkeypatch):
    folder, _, url = served
    write_mnist_npz(folder / "mnist.npz")  # the catalogue still expects the real MNIST hash
    monkeypatch.setenv(online.MIRROR_ENV, url)

    with pytest.raises(online.DatasetUnavailableError) as err:
        online.load_mnist()

    message = assert_one_readable_line(err)
    assert message.startswith("MNIST:") and "corrupt" in message and "deleted" in message
    assert f"{url}/mnist.npz" in message
    assert files_in(cache) == []


def test_unreachable_mirror_names_dataset_url_and_remedies(cache, closed_port_url, monkeypatch):
    monkeypatch.setenv(online.MIRROR_ENV, closed_port_url)

    with pytest.raises(online.DatasetUnavailableError) as err:
        online.load_fashion_mnist()

    message = assert_one_readable_line(err)
    assert message.startswith("Fashion-MNIST is unavailable")
    assert f"{closed_port_url}/train-labels-idx1-ubyte.gz" in message
    assert "refused" in message.lower()
    assert online.MIRROR_ENV in message
    assert str(cache / "datasets" / "fashion-mnist" / "train-labels-idx1-ubyte.gz") in message
    assert files_in(cache) == []


def test_unreachable_origin_says_connect_or_use_a_mirror(cache, closed_port_url, monkeypatch):
    remote = online.FILES["imdb.npz"]
    monkeypatch.setitem(online.FILES, "imdb.npz", dataclasses.replace(remote, origin=f"{closed_port_url}/imdb.npz"))

    with pytest.raises(online.DatasetUnavailableError) as err:
        online.load_imdb()

    message = assert_one_readable_line(err)
    assert message.startswith("IMDB is unavailable")
    assert "connect to the internet" in message and online.MIRROR_ENV in message
    assert str(cache / "datasets" / "imdb.npz") in message


def test_missing_file_on_mirror_reports_http_404(served, cache, monkeypatch):
    _, _, url = served
    monkeypatch.setenv(online.MIRROR_ENV, url)

    with pytest.raises(online.DatasetUnavailableError, match=r"CIFAR-10 is unavailable.*HTTP 404"):
        online.load_cifar10()
    assert files_in(cache) == []


def test_broken_cached_file_is_removed_when_offline(cache, closed_port_url, monkeypatch):
    broken = cache / "datasets" / "mnist.npz"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"half a download")
    monkeypatch.setenv(online.MIRROR_ENV, closed_port_url)

    with pytest.raises(online.DatasetUnavailableError, match="MNIST is unavailable"):
        online.load_mnist()
    assert files_in(cache) == []


# --- try_load -------------------------------------------------------------------------


def test_try_load_returns_none_and_logs_one_line_when_unavailable(cache, closed_port_url, monkeypatch, caplog):
    monkeypatch.setenv(online.MIRROR_ENV, closed_port_url)

    with caplog.at_level(logging.WARNING, logger=online.__name__):
        assert online.try_load(online.load_mnist) is None

    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage().startswith("MNIST is unavailable")


def test_try_load_passes_arguments_and_returns_the_result(caplog):
    assert online.try_load(lambda a, b=0: a + b, 2, b=3) == 5
    assert caplog.records == []
