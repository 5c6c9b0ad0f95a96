"""champion.data.load_dataset: held-out test sets from files, URLs and recipes, with DataErrors."""

from __future__ import annotations

import dataclasses
import functools
import socket
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from champion.data import (
    RECIPES,
    EvalDataset,
    Limits,
    Recipe,
    fingerprint,
    load_dataset,
    split_test_rows,
)
from champion.errors import DataError
from support.titanic import titanic_frame, write_titanic_csv

SHARED_TITANIC = Path("/work/shared/data/titanic.csv")


@pytest.fixture
def titanic_csv(tmp_path: Path) -> Path:
    return write_titanic_csv(tmp_path / "titanic.csv")


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, 40),
            "income": rng.random(40).round(6),
            "city": rng.choice(["Oslo", "Lima", "Pune"], 40),
            "churn": rng.integers(0, 2, 40),
        }
    )


def write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix in (".parquet", ".pq"):
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path


def seed_preprocessing(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """The seed's Titanic code, verbatim in spirit: the oracle for the recipe."""
    df = pd.read_csv(path)
    df = df[["Survived", "Pclass", "Sex", "Age", "Fare"]]
    df["Sex"] = df["Sex"].map({"male": 0, "female": 1})
    df = df.dropna()
    X = df.drop(columns="Survived")
    y = df["Survived"]
    _, X_test, _, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    return X_test, y_test


# --- the titanic recipe -------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "seed"), [(891, 0), (891, 1), (500, 2), (37, 3), (12, 4)])
def test_titanic_recipe_is_the_seed_split(tmp_path: Path, n: int, seed: int) -> None:
    path = write_titanic_csv(tmp_path / "t.csv", n=n, seed=seed)
    data = load_dataset(path, recipe="titanic")
    X_test, y_test = seed_preprocessing(path)
    pd.testing.assert_frame_equal(data.frame, X_test.reset_index(drop=True))
    np.testing.assert_array_equal(data.labels, y_test.to_numpy())
    np.testing.assert_array_equal(data.y, y_test.to_numpy() == 1)
    assert data.target == "Survived"
    assert data.features == ("Pclass", "Sex", "Age", "Fare")
    assert data.recipe == "titanic"
    assert data.n == len(X_test)
    assert data.positives == int(y_test.sum())


@pytest.mark.parametrize("test_size", [0.2, 0.25, 0.1, 0.5])
def test_split_is_sklearn_shuffle_split(test_size: float) -> None:
    for n in range(2, 260):
        if n - int(np.ceil(test_size * n)) < 1:
            continue
        _, expected = train_test_split(np.arange(n), test_size=test_size, random_state=42)
        np.testing.assert_array_equal(split_test_rows(n, test_size, 42), expected)


def test_split_refuses_too_few_rows() -> None:
    with pytest.raises(DataError, match="cannot split 1 rows"):
        split_test_rows(1, 0.2, 42)


@pytest.mark.skipif(
    not SHARED_TITANIC.exists(), reason=f"{SHARED_TITANIC} (Kaggle Titanic train set) not present"
)
def test_titanic_recipe_on_kaggle_file() -> None:
    data = load_dataset(SHARED_TITANIC, recipe="titanic")
    assert data.n == 143
    X_test, y_test = seed_preprocessing(SHARED_TITANIC)
    pd.testing.assert_frame_equal(data.frame, X_test.reset_index(drop=True))
    np.testing.assert_array_equal(data.labels, y_test.to_numpy())


def test_recipe_registry_and_unknown_recipe(titanic_csv: Path) -> None:
    assert isinstance(RECIPES["titanic"], Recipe)
    assert load_dataset(titanic_csv, recipe="Titanic").recipe == "titanic"
    with pytest.raises(DataError, match=r"unknown recipe 'iris'.*titanic"):
        load_dataset(titanic_csv, recipe="iris")


def test_recipe_needs_its_columns(tmp_path: Path) -> None:
    path = write(titanic_frame(50).drop(columns=["Age", "Fare"]), tmp_path / "t.csv")
    with pytest.raises(DataError, match=r"needs the columns 'Age', 'Fare'.*PassengerId"):
        load_dataset(path, recipe="titanic")


def test_empty_after_recipe(tmp_path: Path) -> None:
    frame = titanic_frame(30)
    frame["Age"] = np.nan
    with pytest.raises(DataError, match=r"no rows .* left after recipe 'titanic'"):
        load_dataset(write(frame, tmp_path / "t.csv"), recipe="titanic")


# --- files and columns --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["d.csv", "d.csv.gz", "d.parquet", "d.pq"])
def test_loads_csv_and_parquet(tmp_path: Path, table: pd.DataFrame, name: str) -> None:
    path = tmp_path / name
    if ".csv" in name:
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path)
    data = load_dataset(path, target="churn")
    assert isinstance(data, EvalDataset)
    assert data.features == ("age", "income", "city")
    assert data.frame.shape == (40, 3)
    assert isinstance(data.frame.index, pd.RangeIndex)
    pd.testing.assert_frame_equal(
        data.frame, table[["age", "income", "city"]], check_dtype=False, check_exact=True
    )
    np.testing.assert_array_equal(data.labels, table["churn"].to_numpy())
    assert data.y.dtype == np.bool_
    assert data.y.shape == (40,)
    np.testing.assert_array_equal(data.y, table["churn"].to_numpy() == 1)
    assert data.positives == int(table["churn"].sum())
    assert data.source == str(path)
    assert data.recipe is None
    assert len(data.fingerprint) == 64


def test_dataset_is_frozen(tmp_path: Path, table: pd.DataFrame) -> None:
    data = load_dataset(write(table, tmp_path / "d.csv"), target="churn")
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.target = "age"  # type: ignore[misc]


def test_features_are_chosen_in_order(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write(table, tmp_path / "d.csv")
    data = load_dataset(path, target="churn", features=["income", "age"])
    assert data.features == ("income", "age")
    assert list(data.frame.columns) == ["income", "age"]
    assert load_dataset(path, target="churn", features="city").features == ("city",)


def test_unknown_feature_is_named(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write(table, tmp_path / "d.csv")
    with pytest.raises(DataError, match=r"'incme' not found.*age, income, city, churn.*'income'"):
        load_dataset(path, target="churn", features=["age", "incme"])
    with pytest.raises(DataError, match="also listed as a feature"):
        load_dataset(path, target="churn", features=["age", "churn"])
    with pytest.raises(DataError, match="'age' more than once"):
        load_dataset(path, target="churn", features=["age", "age"])


def test_target_only_has_no_features(tmp_path: Path, table: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="no feature columns"):
        load_dataset(write(table[["churn"]], tmp_path / "d.csv"), target="churn")


def test_missing_target_suggests_close_match(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write(table, tmp_path / "d.csv")
    with pytest.raises(DataError, match=r"target column 'chrn' not found.*did you mean 'churn'"):
        load_dataset(path, target="chrn")
    with pytest.raises(DataError, match=r"no target column given.*age, income, city, churn"):
        load_dataset(path)


def test_a_target_of_three_labels_makes_a_multiclass_test_set(
    tmp_path: Path, table: pd.DataFrame
) -> None:
    table["churn"] = np.arange(40) % 3
    data = load_dataset(write(table, tmp_path / "d.csv"), target="churn")
    assert data.classes == (0, 1, 2)
    assert data.pos_label is None
    assert not data.y.any()
    assert data.summary()["classes"] == [0, 1, 2]
    binary = load_dataset(write(table.assign(churn=table["churn"] % 2), tmp_path / "b.csv"),
                          target="churn")  # fmt: skip
    assert binary.classes is None
    assert "classes" not in binary.summary()
    assert binary.fingerprint != data.fingerprint


def test_pos_label_must_occur(tmp_path: Path, table: pd.DataFrame) -> None:
    table["churn"] = np.where(table["churn"] == 1, "yes", "no")
    path = write(table, tmp_path / "d.csv")
    with pytest.raises(DataError, match=r"positive label 1 does not occur.*'no', 'yes'"):
        load_dataset(path, target="churn")
    data = load_dataset(path, target="churn", pos_label="yes")
    np.testing.assert_array_equal(data.y, table["churn"].to_numpy() == "yes")
    assert list(data.labels) == list(table["churn"])


def test_pos_label_text_takes_the_target_type(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write(table, tmp_path / "d.csv")
    data = load_dataset(path, target="churn", pos_label="0")
    assert data.pos_label == 0
    np.testing.assert_array_equal(data.y, table["churn"].to_numpy() == 0)
    assert load_dataset(path, target="churn", pos_label=np.int64(1)).pos_label == 1
    with pytest.raises(DataError, match="not a number"):
        load_dataset(path, target="churn", pos_label="yes")
    with pytest.raises(DataError, match="positive label 2 does not occur"):
        load_dataset(path, target="churn", pos_label=2)


def test_only_negatives_are_accepted_as_the_engine_does(
    tmp_path: Path, table: pd.DataFrame
) -> None:
    table["churn"] = 0
    data = load_dataset(write(table, tmp_path / "d.csv"), target="churn")
    assert data.positives == 0


def test_missing_target_values_are_counted(tmp_path: Path, table: pd.DataFrame) -> None:
    labels = table["churn"].astype(float)
    labels[[3, 7, 8, 20, 21, 30, 39]] = np.nan
    table["churn"] = labels
    with pytest.raises(DataError, match=r"7 missing values \(rows 3, 7, 8, 20, 21 and 2 more"):
        load_dataset(write(table, tmp_path / "d.csv"), target="churn")


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        load_dataset(tmp_path / "absent.csv", target="y")
    (tmp_path / "d.xlsx").write_text("y,x\n1,2\n")
    with pytest.raises(DataError, match="unsupported file type"):
        load_dataset(tmp_path / "d.xlsx", target="y")
    (tmp_path / "dup.csv").write_text("y,x,x\n1,2,3\n0,1,1\n")
    with pytest.raises(DataError, match="duplicate column names: 'x'"):
        load_dataset(tmp_path / "dup.csv", target="y")
    (tmp_path / "empty.csv").write_text("y,x\n")
    with pytest.raises(DataError, match="no rows"):
        load_dataset(tmp_path / "empty.csv", target="y")


# --- URLs ---------------------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/elsewhere"):  # a redirect to another scheme
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/t.csv")
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 (free port) serving a folder: (base URL, folder)."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    root = tmp_path / "www"
    root.mkdir()
    httpd = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.mark.parametrize("name", ["t.csv", "t.parquet"])
def test_loads_from_url(server: tuple[str, Path], name: str) -> None:
    base, root = server
    frame = pd.read_csv(write_titanic_csv(root / "raw.csv"))
    write(frame, root / name)
    url = f"{base}/{name}?download=1"
    data = load_dataset(url, recipe="titanic", timeout=5)
    local = load_dataset(root / name, recipe="titanic")
    assert data.source == url
    assert data.fingerprint == local.fingerprint
    pd.testing.assert_frame_equal(data.frame, local.frame)


def test_url_problems_name_the_url(server: tuple[str, Path]) -> None:
    base, root = server
    with pytest.raises(DataError, match=r"could not fetch .*/absent\.csv.*within 5 s.*HTTP 404"):
        load_dataset(f"{base}/absent.csv", target="y", timeout=5)
    (root / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"cannot read 'http://127\.0\.0\.1:\d+/bad\.parquet'"):
        load_dataset(f"{base}/bad.parquet", target="y", timeout=5)
    with pytest.raises(DataError, match="unsupported file type"):
        load_dataset(f"{base}/data.xlsx", target="y", timeout=5)
    with pytest.raises(DataError, match="timeout must be a positive"):
        load_dataset(f"{base}/t.csv", target="y", timeout=0)


def test_a_download_stops_at_the_byte_limit(server: tuple[str, Path], table: pd.DataFrame) -> None:
    base, root = server
    write(pd.concat([table] * 2000), root / "t.csv")
    with pytest.raises(DataError, match=r"\(downloading\) is .* over the limit of 100,000 bytes"):
        load_dataset(f"{base}/t.csv", target="churn", limits=Limits(max_bytes=100_000), timeout=5)


def test_a_redirect_to_another_scheme_is_not_followed(server: tuple[str, Path]) -> None:
    base, _ = server
    with pytest.raises(DataError, match=r"redirected to 'ftp://127\.0\.0\.1/t\.csv'.*not http"):
        load_dataset(f"{base}/elsewhere/t.csv", target="churn", timeout=5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.timeout(30)
def test_unreachable_url_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    url = f"http://127.0.0.1:{_free_port()}/t.csv"
    with pytest.raises(DataError, match=r"could not fetch .* within 2 s.*check the address"):
        load_dataset(url, target="Survived", timeout=2)


@pytest.mark.timeout(30)
def test_silent_server_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/t.csv"
        with pytest.raises(DataError, match=r"within 0\.3 s \(timed out\)"):
            load_dataset(url, target="Survived", timeout=0.3)


# --- fingerprints -------------------------------------------------------------------------------


def test_fingerprint_is_stable_across_loads_and_formats(tmp_path: Path, titanic_csv: Path) -> None:
    first = load_dataset(titanic_csv, recipe="titanic")
    assert load_dataset(str(titanic_csv), recipe="titanic").fingerprint == first.fingerprint
    parquet = write(pd.read_csv(titanic_csv), tmp_path / "t.parquet")
    assert load_dataset(parquet, recipe="titanic").fingerprint == first.fingerprint
    # the raw columns the recipe drops do not count
    kept = ["Fare", "Survived", "Age", "Pclass", "Sex"]
    slim = write(pd.read_csv(titanic_csv)[kept], tmp_path / "s.csv")
    assert load_dataset(slim, recipe="titanic").fingerprint == first.fingerprint


def test_fingerprint_changes_with_content(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write(table, tmp_path / "d.csv")
    base = load_dataset(path, target="churn").fingerprint
    changed = table.copy()
    income = changed["income"].to_numpy().copy()
    income[5] += 1e-6
    changed["income"] = income
    variants = {
        "value": load_dataset(write(changed, tmp_path / "v.csv"), target="churn"),
        "row order": load_dataset(write(table.iloc[::-1], tmp_path / "r.csv"), target="churn"),
        "one row less": load_dataset(write(table.iloc[1:], tmp_path / "l.csv"), target="churn"),
        "column order": load_dataset(path, target="churn", features=["income", "age", "city"]),
        "column subset": load_dataset(path, target="churn", features=["age", "income"]),
        "column name": load_dataset(
            write(table.rename(columns={"age": "years"}), tmp_path / "n.csv"), target="churn"
        ),
        "dtype": load_dataset(
            write(table.astype({"age": "float64"}), tmp_path / "f.parquet"), target="churn"
        ),
        "pos_label": load_dataset(path, target="churn", pos_label=0),
    }
    prints = {name: data.fingerprint for name, data in variants.items()}
    assert base not in prints.values(), prints
    assert len(set(prints.values())) == len(prints)


def test_fingerprint_includes_recipe_and_target(tmp_path: Path, titanic_csv: Path) -> None:
    data = load_dataset(titanic_csv, recipe="titanic")
    prepared = data.frame.assign(Survived=data.labels)
    plain = load_dataset(write(prepared, tmp_path / "p.csv"), target="Survived")
    pd.testing.assert_frame_equal(plain.frame, data.frame)
    assert plain.fingerprint != data.fingerprint
    assert plain.fingerprint == fingerprint(prepared, target="Survived", pos_label=1)
    assert fingerprint(prepared, target="Survived", pos_label=1.0) != plain.fingerprint
    assert fingerprint(prepared, target="Survived", pos_label=np.int64(1)) == plain.fingerprint
    moved = prepared.set_axis(range(100, 100 + len(prepared)))
    assert fingerprint(moved, target="Survived", pos_label=1) == plain.fingerprint
