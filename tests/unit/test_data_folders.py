"""A folder of Parquet files (a partitioned dataset) as a test set, and sources read through
MLflow without a tracking server to read them from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from champion.data import Limits, load_dataset, read_table
from champion.data.remote import is_object_uri
from champion.errors import DataError
from champion.models.datasets import artifact_fetcher

FRAME = pd.DataFrame({"x": [0.1, 0.9, 0.4, 0.7, 0.3, 0.8], "y": [0, 1, 0, 1, 0, 1]})


def partitioned(root: Path) -> Path:
    for index, rows in enumerate((FRAME.iloc[:2], FRAME.iloc[2:5], FRAME.iloc[5:])):
        folder = root / "set" / f"part={index}"
        folder.mkdir(parents=True)
        rows.to_parquet(folder / "rows.parquet", index=False)
    (root / "set" / "_SUCCESS").write_text("")
    (root / "set" / ".rows.parquet.crc").write_text("")
    return root / "set"


def test_a_folder_reads_its_files_in_order_with_hive_columns(tmp_path: Path) -> None:
    frame = read_table(partitioned(tmp_path))
    assert frame["x"].tolist() == FRAME["x"].tolist()
    assert [str(v) for v in frame["part"]] == ["0", "0", "1", "1", "1", "2"]
    single = tmp_path / "single.csv"
    FRAME.to_csv(single, index=False)
    folder = load_dataset(partitioned(tmp_path / "again"), target="y", features=["x"])
    assert folder.fingerprint == load_dataset(single, target="y").fingerprint


def test_a_folder_has_the_limits_of_a_file(tmp_path: Path) -> None:
    folder = partitioned(tmp_path)
    with pytest.raises(DataError, match=r"\(3 Parquet files\) is .* over the limit of 10 bytes"):
        read_table(folder, Limits(max_bytes=10))
    with pytest.raises(DataError, match="has 6 rows, over the limit of 5 rows"):
        read_table(folder, Limits(max_rows=5))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="a folder with no Parquet files in it"):
        read_table(tmp_path / "empty")


def test_files_that_disagree_are_one_clear_error(tmp_path: Path) -> None:
    folder = partitioned(tmp_path)
    pd.DataFrame({"x": ["text"], "y": [1]}).to_parquet(folder / "part=9.parquet", index=False)
    with pytest.raises(DataError, match=r"cannot read the Parquet files in .* as one table"):
        read_table(folder)


def test_an_mlflow_artifact_needs_the_tracking_server(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DataError, match=r"read through the tracking server.*--tracking-uri"):
        load_dataset("runs:/0123/eval/test.csv", target="y")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    fetch = artifact_fetcher(None)
    with pytest.raises(DataError, match=r"read through the tracking server: pass --tracking-uri"):
        load_dataset("runs:/0123/eval/test.csv", target="y", fetch=fetch)


@pytest.mark.parametrize(
    ("source", "remote"),
    [
        ("s3://bucket/key.csv", True),
        ("GS://bucket/key.parquet", True),
        ("abfs://container@account.dfs.core.windows.net/t.parquet", True),
        ("https://host/t.csv", False),
        ("data/s3://odd.csv", False),
        ("runs:/0123/t.csv", False),
    ],
)
def test_object_store_uris_are_recognised(source: str, remote: bool) -> None:
    assert is_object_uri(source) is remote
