"""champion.data: reading prediction tables and picking their columns, with clear DataErrors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from champion.data import SUPPORTED_SUFFIXES, column, parse_label, read_table, values_of
from champion.errors import ChampionError, DataError


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 50)
    return pd.DataFrame({"Survived": y, "lr": rng.random(50), "gb": rng.random(50)})


@pytest.mark.parametrize("name", ["p.csv", "p.CSV", "p.csv.gz", "p.parquet", "p.pq"])
def test_read_table_round_trips(tmp_path: Path, frame: pd.DataFrame, name: str) -> None:
    path = tmp_path / name
    if ".csv" in name.lower():
        frame.to_csv(path, index=False, compression="gzip" if name.endswith(".gz") else None)
    else:
        frame.to_parquet(path)
    read = read_table(path)
    assert list(read.columns) == ["Survived", "lr", "gb"]
    np.testing.assert_array_equal(read["Survived"].to_numpy(), frame["Survived"].to_numpy())
    np.testing.assert_allclose(read["lr"].to_numpy(), frame["lr"].to_numpy(), rtol=1e-15)
    assert read_table(str(path)).shape == (50, 3)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "preds.csv"
    with pytest.raises(DataError, match="not found") as info:
        read_table(path)
    assert str(path) in str(info.value)
    assert info.value.exit_code == 2
    assert isinstance(info.value, ChampionError)


def test_unsupported_extension_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "preds.xlsx"
    path.write_text("y,s\n1,0.5\n")
    with pytest.raises(DataError, match="unsupported") as info:
        read_table(path)
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in str(info.value)


def test_folder_without_parquet_files_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    (folder / "notes.txt").write_text("not data")
    with pytest.raises(DataError, match="folder with no Parquet files") as info:
        read_table(folder)
    assert "partitioned dataset" in str(info.value)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bad.parquet", b"this is not parquet at all"),
        ("bad.pq", b"PAR1 garbage PAR1"),
        ("bad.csv.gz", b"not gzip"),
        ("bad.csv", b'y,s\n1,"unterminated\n'),
        ("bad.csv", b"y,s\n\xff\xfe\xfa,0.5\n"),
    ],
)
def test_corrupt_files_are_data_errors(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match="cannot read") as info:
        read_table(path)
    assert name in str(info.value)


def test_truncated_gzip_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv.gz"
    data = gzip.compress(b"y,s\n" + b"1,0.5\n" * 1000)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cannot read"):
        read_table(path)


def test_duplicate_csv_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("y,score,other,score\n1,0.2,3,0.4\n0,0.1,3,0.3\n")
    with pytest.raises(DataError, match="duplicate column names: 'score'"):
        read_table(path)


def test_duplicate_parquet_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "dup.parquet"
    table = pa.Table.from_arrays([pa.array([1, 0]), pa.array([0.1, 0.2])], names=["s", "s"])
    pq.write_table(table, path)
    with pytest.raises(DataError, match="duplicate column names: 's'"):
        read_table(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match="empty"):
        read_table(path)


@pytest.mark.parametrize("name", ["header.csv", "header.parquet"])
def test_table_without_rows(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    empty = pd.DataFrame({"y": pd.Series([], dtype="int64"), "s": pd.Series([], dtype=float)})
    if name.endswith(".csv"):
        empty.to_csv(path, index=False)
    else:
        empty.to_parquet(path)
    with pytest.raises(DataError, match="no rows"):
        read_table(path)


def test_column_returns_the_series(frame: pd.DataFrame) -> None:
    pd.testing.assert_series_equal(column(frame, "lr", "score"), frame["lr"])


def test_missing_column_suggests_the_closest(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError) as info:
        column(frame, "Survivd", "target")
    message = str(info.value)
    assert message.startswith("target column 'Survivd' not found; columns are: Survived, lr, gb")
    assert "did you mean 'Survived'?" in message


def test_missing_column_matches_case(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="did you mean 'Survived'"):
        column(frame, "survived", "target")


def test_missing_column_without_suggestion(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="score column 'zzz' not found") as info:
        column(frame, "zzz", "score")
    assert "did you mean" not in str(info.value)


def test_many_columns_are_listed_briefly() -> None:
    wide = pd.DataFrame({f"c{i}": [0] for i in range(30)})
    with pytest.raises(DataError, match=r"and 10 more"):
        column(wide, "target", "target")


@pytest.mark.parametrize(
    ("values", "text", "expected"),
    [
        (pd.Series([0, 1]), "1", 1),
        (pd.Series([0, 1]), "1.0", 1),
        (pd.Series([0.0, 2.5]), "2.5", 2.5),
        (pd.Series([True, False]), "true", True),
        (pd.Series([True, False]), "0", False),
        (pd.Series([True, False]), "Yes", True),
        (pd.Series(["yes", "no"]), "yes", "yes"),
        (pd.Series(["1", "x"], dtype=object), "1", "1"),
    ],
)
def test_parse_label_follows_the_column_type(
    values: pd.Series, text: str, expected: object
) -> None:
    label = parse_label(values, text)
    assert label == expected
    assert type(label) is type(expected)


def test_parse_label_refuses_text_for_numbers() -> None:
    with pytest.raises(DataError, match=r"'yes' is not a number.*column 'y'.*values 0, 1"):
        parse_label(pd.Series([0, 1, 1], name="y"), "yes")


def test_parse_label_refuses_non_booleans() -> None:
    with pytest.raises(DataError, match="not a boolean"):
        parse_label(pd.Series([True, False], name="y"), "maybe")


def test_values_of_turns_pandas_missing_into_numpy_missing() -> None:
    ints = values_of(pd.Series([1, None, 0], dtype="Int64"))
    assert ints.dtype == np.float64
    assert np.isnan(ints[1])
    texts = values_of(pd.Series(["a", None, "b"]))
    assert texts.dtype == object
    assert texts[1] is None
    assert list(values_of(pd.Series([0, 1]))) == [0, 1]
