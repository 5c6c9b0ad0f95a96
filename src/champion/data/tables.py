"""Reading prediction tables (CSV, gzip-compressed CSV, Parquet) and picking their columns.

Every problem a user can cause (missing file, unsupported or corrupt file, duplicate or unknown
column, empty table, a label the target cannot hold) raises :class:`champion.errors.DataError`
with a message that names the file or column and says what to do.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from champion.errors import DataError

CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES

_MAX_COLUMNS_LISTED = 20
_TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y"})
_FALSE_WORDS = frozenset({"0", "false", "f", "no", "n"})


def _format(path: Path) -> str:
    """ "csv" or "parquet" from the file name (case-insensitive), else DataError."""
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    raise DataError(
        f"cannot read {str(path)!r}: unsupported file type; supported are "
        f"{', '.join(SUPPORTED_SUFFIXES)}."
    )


def _refuse_duplicates(path: Path, names: list[Any]) -> None:
    duplicated = [str(name) for name, count in Counter(names).items() if count > 1]
    if duplicated:
        raise DataError(
            f"{str(path)!r} has duplicate column names: {', '.join(map(repr, duplicated))}; "
            "rename them so every column has a unique name."
        )


@dataclass(frozen=True)
class Limits:
    """How large a test set champion reads: max_bytes of file (or download), max_rows rows.
    Past either, it stops reading and says which limit and how to raise it."""

    max_bytes: int = 2_000_000_000
    max_rows: int = 20_000_000

    def too_large(self, what: str, size: int) -> DataError:
        return DataError(
            f"{what} is {size:,} bytes, over the limit of {self.max_bytes:,} bytes; raise it "
            "with --max-bytes (CHAMPION_MAX_BYTES) if the machine has the memory, or evaluate "
            "a sample."
        )

    def too_long(self, what: str, rows: str) -> DataError:
        return DataError(
            f"{what} has {rows} rows, over the limit of {self.max_rows:,} rows; raise it with "
            "--max-rows (CHAMPION_MAX_ROWS) if the machine has the memory, or evaluate a "
            "sample."
        )


def _read_csv(path: Path, limits: Limits) -> pd.DataFrame:
    # pandas renames duplicate headers ("a", "a.1"): read the raw header row to catch them
    header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    if len(header):
        _refuse_duplicates(path, list(header.iloc[0]))
    # one row past the limit is enough to know it is exceeded: the rest is never read
    frame = pd.read_csv(path, nrows=limits.max_rows + 1)
    if len(frame) > limits.max_rows:
        raise limits.too_long(repr(str(path)), "more than " + f"{limits.max_rows:,}")
    return frame


def _read_parquet(path: Path, limits: Limits) -> pd.DataFrame:
    import pyarrow.parquet as pq  # only Parquet needs it

    with pq.ParquetFile(path) as file:
        _refuse_duplicates(path, list(file.schema_arrow.names))
        rows = file.metadata.num_rows  # known before anything is read
        if rows > limits.max_rows:
            raise limits.too_long(repr(str(path)), f"{rows:,}")
        frame: pd.DataFrame = file.read().to_pandas()
    return frame


def read_parquet_folder(folder: Path, limits: Limits) -> pd.DataFrame:
    """The rows of every Parquet file under folder (a partitioned dataset), files in path
    order; hive-style ``key=value`` folders become columns. Hidden and ``_`` files
    (``_SUCCESS``, ``_metadata``) are skipped. Raises DataError as :func:`read_table` does."""
    import pyarrow.dataset as ds

    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.name.lower().endswith(PARQUET_SUFFIXES)
        and not p.name.startswith(("_", "."))
    )
    if not files:
        raise DataError(
            f"{str(folder)!r} is a folder with no Parquet files in it; pass a CSV or Parquet "
            "file, or a folder of .parquet files (a partitioned dataset)."
        )
    size = sum(p.stat().st_size for p in files)
    if size > limits.max_bytes:
        raise limits.too_large(f"{str(folder)!r} ({len(files)} Parquet files)", size)
    try:
        dataset = ds.dataset(
            [str(p) for p in files],
            format="parquet",
            partitioning="hive",
            partition_base_dir=str(folder),
        )
        _refuse_duplicates(folder, list(dataset.schema.names))
        rows = dataset.count_rows()  # from the files' metadata
        if rows > limits.max_rows:
            raise limits.too_long(repr(str(folder)), f"{rows:,}")
        frame: pd.DataFrame = dataset.to_table().to_pandas()
    except DataError:
        raise
    except Exception as exc:  # files whose schemas disagree, corrupt files, ...
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"cannot read the Parquet files in {str(folder)!r} as one table: {reason}."
        ) from None
    if frame.shape[0] == 0:
        raise DataError(f"{str(folder)!r} has no rows: there is nothing to evaluate.")
    return frame


def read_table(path: str | Path, limits: Limits | None = None) -> pd.DataFrame:
    """Read a .csv, .csv.gz, .parquet or .pq file, or a folder of Parquet files, into a
    DataFrame (rows x named columns).

    Raises DataError when the file is missing, of an unsupported type, unreadable or corrupt,
    has duplicate column names, holds no rows, or is larger than limits allow.
    """
    limits = limits or Limits()
    file = Path(path)
    if file.is_dir():
        return read_parquet_folder(file, limits)
    kind = _format(file)
    if not file.exists():
        raise DataError(f"file not found: {str(file)!r}; check the path.")
    if not file.is_file():
        raise DataError(f"{str(file)!r} is not a file (a directory?); pass a {kind} file.")
    size = file.stat().st_size
    if size > limits.max_bytes:
        raise limits.too_large(repr(str(file)), size)
    try:
        frame = _read_csv(file, limits) if kind == "csv" else _read_parquet(file, limits)
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{str(file)!r} is empty: it has no header and no rows.") from None
    except Exception as exc:  # pandas, pyarrow, gzip and codecs raise many kinds
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"cannot read {str(file)!r} as {kind}: {reason}. Check that the file is a valid, "
            f"complete {kind} file."
        ) from None
    if frame.shape[1] == 0:
        raise DataError(f"{str(file)!r} has no columns.")
    if frame.shape[0] == 0:
        raise DataError(
            f"{str(file)!r} has no rows (only a header with columns "
            f"{_listed(list(frame.columns))}): there is nothing to evaluate."
        )
    return frame


def _listed(names: list[Any]) -> str:
    shown = ", ".join(str(name) for name in names[:_MAX_COLUMNS_LISTED])
    extra = len(names) - _MAX_COLUMNS_LISTED
    return f"{shown} (and {extra} more)" if extra > 0 else shown


def column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    """The column called name, as a Series (rows,); role ("target", "score", ...) names its use.

    Raises DataError naming the missing column, listing the available ones and suggesting the
    closest name.
    """
    if name in frame.columns:
        return frame[name]
    names = [str(c) for c in frame.columns]
    message = f"{role} column {name!r} not found; columns are: {_listed(names)}"
    close = difflib.get_close_matches(name, names, n=1)
    if not close:
        folded = {n.lower(): n for n in names}
        close = [folded[name.lower()]] if name.lower() in folded else []
    if close:
        message += f"; did you mean {close[0]!r}?"
    else:
        message += "."
    raise DataError(message)


def parse_label(values: pd.Series, text: str) -> Any:
    """The label text (e.g. from --pos-label) converted to the type of the column values.

    bool columns take true/false, yes/no, 1/0; integer columns take whole numbers; float
    columns take numbers; any other column keeps the text. Raises DataError when the text
    cannot be such a value.
    """
    kind = values.dtype.kind
    where = f"column {str(values.name)!r}" if values.name is not None else "the target"
    if kind == "b":
        word = text.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise DataError(
            f"positive label {text!r} is not a boolean, but {where} holds true/false values; "
            "pass --pos-label true or --pos-label false."
        )
    if kind in "iuf":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isnan(number):
            present = ", ".join(str(v) for v in pd.unique(values.dropna())[:10])
            raise DataError(
                f"positive label {text!r} is not a number, but {where} is numeric "
                f"(values {present}); pass one of those values to --pos-label."
            )
        return int(number) if number.is_integer() else number
    return text


def values_of(series: pd.Series) -> np.ndarray:
    """A column as a numpy array (rows,) with every missing value as NaN (numbers) or None.

    pandas' nullable types (Int64, boolean, string) hold pd.NA, which numpy code cannot see as
    missing; numeric ones become float64 with NaN, the others object arrays with None.
    """
    if not series.isna().any():
        return series.to_numpy()
    if series.dtype.kind in "iufb":
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = series.isna().to_numpy()
    return np.array([None if gone else v for v, gone in zip(series, missing, strict=True)], object)
