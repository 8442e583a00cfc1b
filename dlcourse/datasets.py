"""Loaders for the small datasets committed in ``datasets/`` (no network needed).

Every file is checked against its sha256 in :data:`CATALOGUE` when it is loaded, so a
lab never trains on a file that was edited or damaged by accident. The folder is
``datasets/`` next to this package; set the environment variable ``DLCOURSE_DATA_DIR``
to read the files from somewhere else.

Every file is plain CSV except ``mnist-10k.csv.gz``, which is gzip-compressed (18 MB
uncompressed); its sha256 is that of the compressed bytes.

CSV cells that are empty are missing values; every other cell is read as written (so
the first name "nan" and the Ames category "None" stay text).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR_ENV = "DLCOURSE_DATA_DIR"

#: File name -> sha256 of the committed file. datasets/build.py prints these values.
CATALOGUE: dict[str, str] = {
    "iris.csv": "258e39bd12045430364404308c3a008973bc5a6ed0a5cfac4e989c3b9172cce8",
    "digits.csv": "4faf08295f17d77e9a147ed5ea842ec501bd089cc6e61627f36ef15c1b48ea5b",
    "tips.csv": "22415aaf1e56e675b9a0983cb0d321697dad51f6060a44fb8ecaad7a00de9a09",
    "ames.csv": "c282c96a9a6257d1a8ecc5020f86339866c45e76b2048da8dcc350d07c82b943",
    "credit.csv": "43c83a4630f1995f00b456becc4a84219616a2f2bae445e86c706264cc9050a4",
    "sunspots.csv": "12f26541f7ce421ed5a209e0c40d79c1399deb18dc8dcaa5228d724d02ae3369",
    "names.csv": "c159e9541e739964cd316db9cad98f7488a65ec7df46b1b011543245a71bbb01",
    "mnist-10k.csv.gz": "cab955ab50b4e6a35f351923d40c2ce895ed29c0bd3f49c631ddc68cf1b70168",
    "spam.csv": "df244f7bb3a25ce82f17f9ebc28f63e074486a60655bc8349f2aba733caa1403",
    "cmudict.csv": "aeb340720105e9ab056b08745362f94596847fb7a15b81d2d130de7093214060",
    "concrete.csv": "1402a31cc234ff03f7c9b68dc8a0fd49fad44b4b46dff2538e3d3f3ee925e816",
    "concrete-test.csv": "fb057b7ccfa67b86fce449fe68ea6637da046f05311499203fa273d0405ee263",
}


class DatasetFileError(RuntimeError):
    """A committed data file is missing or does not match its sha256."""


def data_dir() -> Path:
    """The folder the loaders read: ``$DLCOURSE_DATA_DIR``, else the repository's ``datasets/``."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parents[1] / "datasets"


def _restore_hint(fname: str) -> str:
    return f"restore it with `git checkout -- datasets/{fname}` or rebuild with `make datasets`"


def read_verified(fname: str) -> bytes:
    """The bytes of ``fname`` from :func:`data_dir`, after checking its sha256."""
    if fname not in CATALOGUE:
        raise KeyError(f"{fname!r} is not a course dataset; known files: {', '.join(CATALOGUE)}")
    path = data_dir() / fname
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DatasetFileError(f"{path} is missing: {_restore_hint(fname)}.") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != CATALOGUE[fname]:
        raise DatasetFileError(
            f"{path} has been modified or damaged (sha256 {digest[:12]}..., "
            f"expected {CATALOGUE[fname][:12]}...): {_restore_hint(fname)}."
        )
    return data


def read_csv(fname: str) -> pd.DataFrame:
    """A verified course CSV as a DataFrame; only empty cells become missing values.

    A file whose name ends in ``.gz`` is decompressed after its sha256 is checked.
    """
    data = read_verified(fname)
    if fname.endswith(".gz"):
        data = gzip.decompress(data)
    return pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])


def load_iris() -> pd.DataFrame:
    """Fisher's iris: 150 rows.

    Columns ``sepal_length``, ``sepal_width``, ``petal_length``, ``petal_width`` (cm),
    ``species`` (setosa, versicolor, virginica) and ``label`` (0, 1, 2).
    """
    return read_csv("iris.csv")


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits: ``(images, labels)``.

    ``images`` is float32 of shape (1797, 8, 8) with values 0-16; ``labels`` is int64
    of shape (1797,) with values 0-9.
    """
    df = read_csv("digits.csv")
    images = df.drop(columns="label").to_numpy(dtype=np.float32).reshape(-1, 8, 8)
    labels = df["label"].to_numpy(dtype=np.int64)
    return images, labels


def load_mnist_10k() -> tuple[np.ndarray, np.ndarray]:
    """10,000 MNIST handwritten digits, 28x28: ``(images, labels)``, sorted by digit.

    ``images`` is float32 of shape (10000, 28, 28) with values 0-255 (0 = background);
    ``labels`` is int64 of shape (10000,) with values 0-9 (1001, 1127, 991, 1032, 980, 863,
    1014, 1070, 944 and 978 of the digits 0-9). They appear to be the first 10,000 images of
    MNIST's training set. For the full dataset use :func:`dlcourse.online.load_mnist`.
    """
    df = read_csv("mnist-10k.csv.gz")
    images = df.drop(columns="label").to_numpy(dtype=np.float32).reshape(-1, 28, 28)
    labels = df["label"].to_numpy(dtype=np.int64)
    return images, labels


def load_tips() -> pd.DataFrame:
    """Restaurant tips: 244 rows; ``total_bill`` and ``tip`` in dollars, sex, smoker, day, time, size."""
    return read_csv("tips.csv")


def load_ames() -> pd.DataFrame:
    """Ames, Iowa house sales (De Cock 2011): 2930 rows, 74 columns.

    ``Sale_Price`` is in US dollars. There are no missing values: absent features are
    categories such as ``No_Garage`` or ``None``.
    """
    return read_csv("ames.csv")


def load_credit() -> pd.DataFrame:
    """Credit scoring: 4454 rows, 14 columns; ``Status`` is ``good`` or ``bad`` (about 28% bad).

    Some values are missing (NaN): Income 381, Assets 47, Debt 18, Home 6, Job 2, Marital 1.
    """
    return read_csv("credit.csv")


def load_sunspots() -> pd.DataFrame:
    """Monthly mean sunspot numbers, January 1749 to September 2013: 3177 rows.

    ``date`` is the first day of the month (datetime64); ``sunspots`` is a float.
    """
    df = read_csv("sunspots.csv")
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m")
    return df


def load_names() -> pd.DataFrame:
    """US first names from the 1990 Census: 5494 rows (4275 female, 1219 male).

    Columns ``name`` (lowercase), ``gender`` (``female``/``male``), ``percent`` (share of
    that gender's population), ``cumulative_percent`` and ``rank``. A name on both lists
    appears twice, once per gender.
    """
    return read_csv("names.csv")


def load_spam() -> pd.DataFrame:
    """2,000 emails of the SpamAssassin public corpus: 1,400 ham and 600 spam, shuffled.

    Columns ``text`` (subject and body as one line of plain text, headers and HTML removed,
    at most 1,000 characters), ``label`` (``ham``/``spam``), ``group`` (the corpus folder:
    ``easy-ham-1``, ``easy-ham-2``, ``hard-ham-1``, ``spam-1``, ``spam-2``) and ``id``.
    """
    return read_csv("spam.csv")


def load_cmudict() -> pd.DataFrame:
    """6,000 words of the CMU Pronouncing Dictionary, 3-8 letters, in alphabetical order.

    Columns ``word`` (lowercase letters a-z) and ``phonemes`` (the word's first pronunciation
    as space-separated ARPAbet phonemes without stress marks, 39 different ones).
    """
    return read_csv("cmudict.csv")


def load_concrete() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concrete compressive strength (Yeh 1998), the workshop's data: ``(train, test)``.

    ``train`` has 794 mixes: ``id``, seven ingredients in kg per m³ of concrete (``cement``,
    ``blast_furnace_slag``, ``fly_ash``, ``water``, ``superplasticizer``, ``coarse_aggregate``,
    ``fine_aggregate``), ``age`` in days (1-365) and ``strength`` in MPa. ``test`` has 198 more
    mixes with the same columns but no ``strength``: their labels are the grader's alone.
    """
    return read_csv("concrete.csv"), read_csv("concrete-test.csv")
