"""Cut a test set into slices by one column: its categories, or quantile bins of a number."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from champion.data.dataset import EvalDataset
from champion.errors import DataError

MISSING = "(missing)"
OTHER = "(other)"


@dataclass(frozen=True)
class Slicing:
    """codes (n,): each row's slice, an index into labels; kind: "category" or "quantile"."""

    column: str
    kind: str
    codes: npt.NDArray[np.intp]
    labels: tuple[str, ...]


def _number(value: float) -> str:
    return f"{value:.4g}"


def numeric_slices(values: pd.Series, bins: int) -> tuple[npt.NDArray[np.intp], list[str]]:
    """Quantile bins [q_i, q_i+1) (the last one closed); ties can merge bins, so there may be
    fewer than asked. Missing values form their own slice, last."""
    data = values.to_numpy(dtype=np.float64, na_value=np.nan)
    present = ~np.isnan(data)
    if not present.any():
        return np.zeros(data.size, dtype=np.intp), [MISSING]
    edges = np.unique(np.quantile(data[present], np.linspace(0.0, 1.0, bins + 1)))
    if edges.size == 1:
        labels = [f"= {_number(edges[0])}"]
        codes = np.zeros(data.size, dtype=np.intp)
    else:
        # inner edges only: searchsorted puts each value in [edge_i, edge_i+1)
        codes = np.searchsorted(edges[1:-1], data, side="right").astype(np.intp)
        labels = [
            f"[{_number(lo)}, {_number(hi)}{']' if i == edges.size - 2 else ')'}"
            for i, (lo, hi) in enumerate(itertools.pairwise(edges))
        ]
    if not present.all():
        codes[~present] = len(labels)
        labels.append(MISSING)
    return codes, labels


def category_slices(
    values: pd.Series, max_categories: int
) -> tuple[npt.NDArray[np.intp], list[str]]:
    """One slice per value, most frequent first; beyond max_categories the rest are pooled
    as "(other)"; missing values form their own slice, last."""
    text = values.astype("string")
    counts = text.value_counts(dropna=True)
    kept = [str(v) for v in counts.index[:max_categories]]
    labels = list(kept)
    # values outside kept become missing first (pandas will refuse them in a Categorical)
    known = text.where(text.isin(kept))
    codes = np.asarray(pd.Categorical(known, categories=kept).codes, dtype=np.intp)
    missing = text.isna().to_numpy(dtype=bool)
    pooled = (codes == -1) & ~missing
    if pooled.any():
        codes[pooled] = len(labels)
        labels.append(OTHER)
    if missing.any():
        codes[missing] = len(labels)
        labels.append(MISSING)
    return codes, labels


def slice_dataset(
    dataset: EvalDataset, column: str, bins: int = 4, max_categories: int = 12
) -> Slicing:
    """Slices of dataset's rows by one feature column: numbers with more distinct values than
    max_categories are cut into bins quantile bins, anything else is sliced by value."""
    if column not in dataset.frame.columns:
        raise DataError(
            f"no column {column!r} in the test set; slice by one of: "
            f"{', '.join(map(str, dataset.frame.columns))}."
        )
    if bins < 1:
        raise DataError(f"bins must be at least 1; got {bins}.")
    values = dataset.frame[column]
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and values.nunique(dropna=True) > max_categories:
        codes, labels = numeric_slices(values, bins)
        return Slicing(column, "quantile", codes, tuple(labels))
    codes, labels = category_slices(values, max_categories)
    return Slicing(column, "category", codes, tuple(labels))
