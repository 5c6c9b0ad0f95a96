"""Test-set size limits: bytes of a file, rows of CSV and Parquet; each refusal names the limit
and how to raise it (downloads: test_data_loaders.py, beside its HTTP server)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from champion.cli.main import champion
from champion.data import Limits, read_table
from champion.errors import DataError


@pytest.fixture
def table(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.random(1000), "label": rng.integers(0, 2, 1000)})
    csv, parquet = tmp_path / "t.csv", tmp_path / "t.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet)
    return csv, parquet


def test_a_file_over_the_byte_limit_is_not_read(table: tuple[Path, Path]) -> None:
    csv, _ = table
    with pytest.raises(
        DataError, match=r"over the limit of 1,000 bytes; raise it with --max-bytes"
    ):
        read_table(csv, Limits(max_bytes=1000))


@pytest.mark.parametrize("which", [0, 1])
def test_rows_over_the_limit_are_refused(table: tuple[Path, Path], which: int) -> None:
    path = table[which]
    with pytest.raises(DataError, match=r"over the limit of 999 rows; raise it with --max-rows"):
        read_table(path, Limits(max_rows=999))
    assert len(read_table(path, Limits(max_rows=1000))) == 1000


def test_the_cli_takes_the_limits(table: tuple[Path, Path]) -> None:
    csv, _ = table
    args = ["compare", "--predictions", str(csv), "--target", "label", "--score", "a=x"]
    refused = CliRunner().invoke(champion, [*args, "--max-rows", "10"])
    assert refused.exit_code == 2
    assert "over the limit of 10 rows" in refused.stderr
    small = CliRunner().invoke(champion, [*args, "--max-bytes", "1KB"])
    assert small.exit_code == 2
    assert "over the limit of 1,000 bytes" in small.stderr
    fits = CliRunner().invoke(champion, [*args, "--max-rows", "1000", "--n-boot", "0"])
    assert fits.exit_code == 0, fits.output
