"""Validation of labels, scores and weights: every evaluation starts here.

Bad input raises :class:`champion.errors.DataError` with a message that names the problem, the
offending rows (0-based positions) and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from champion.errors import DataError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_MAX_ROWS_SHOWN = 5


def _rows(mask: npt.NDArray[np.bool_]) -> str:
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_ROWS_SHOWN])
    more = f" and {rows.size - _MAX_ROWS_SHOWN} more" if rows.size > _MAX_ROWS_SHOWN else ""
    return f"{shown}{more}"


def _as_1d(values: Any, what: str) -> npt.NDArray[Any]:
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise DataError(f"{what} must be one-dimensional; got an array of shape {array.shape}.")
    if array.size == 0:
        raise DataError(f"{what} is empty: there is nothing to evaluate.")
    return array


def _is_missing(array: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    if array.dtype.kind == "f":
        return np.asarray(np.isnan(array), dtype=bool)
    if array.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and v != v) for v in array], dtype=bool)
    return np.zeros(array.shape, dtype=bool)


def _looks_negative(label: Any) -> bool:
    """True for labels that conventionally mean the negative class (0, False, "0")."""
    if isinstance(label, (bool, np.bool_)):
        return not bool(label)
    if isinstance(label, (int, float, np.integer, np.floating)):
        return float(label) == 0.0
    return str(label).strip().lower() in {"0", "false", "no", "negative"}


def _label_text(label: Any) -> str:
    return repr(label.item() if isinstance(label, np.generic) else label)


def binary_labels(y_true: Any, pos_label: Any = 1) -> BoolArray:
    """Return ``y_true == pos_label`` as a bool array (n,), after checking it is binary."""
    labels = _as_1d(y_true, "y_true")
    missing = _is_missing(labels)
    if missing.any():
        raise DataError(
            f"y_true has {int(missing.sum())} missing labels (rows {_rows(missing)}); "
            "drop those rows or fill them before evaluating."
        )
    if labels.dtype.kind in "OUS":
        labels = labels.astype(str)
        positive: BoolArray = labels == str(pos_label)
    else:
        positive = np.asarray(labels == pos_label, dtype=bool)
    rest = labels[~positive]
    # binary means every non-positive label is one and the same value (no sort needed)
    binary = rest.size == 0 or not np.any(rest != rest[0])
    if binary and positive.any():
        return positive
    distinct = np.unique(labels)
    if distinct.size > 2:
        listed = ", ".join(_label_text(v) for v in distinct[:10])
        raise DataError(
            f"y_true is not binary: it has {distinct.size} distinct labels ({listed}). For "
            "three or more classes use champion.evaluation.multiclass (compare_multiclass, "
            "with each class's probability); for one class against the rest, map the labels "
            "to two classes and pass pos_label= (--pos-label) to say which one is positive."
        )
    if not positive.any() and (distinct.size == 2 or not _looks_negative(distinct[0])):
        listed = ", ".join(_label_text(v) for v in distinct)
        raise DataError(
            f"pos_label={pos_label!r} does not occur in y_true, whose labels are {listed}. "
            "Pass pos_label= (--pos-label) with the label of the positive class."
        )
    return positive


def scores(y_score: Any, n: int, name: str = "y_score") -> FloatArray:
    """Return scores as float64 of shape (n,), refusing NaN, infinities and length mismatches."""
    array = _as_1d(y_score, name)
    if array.shape[0] != n:
        raise DataError(
            f"{name} has {array.shape[0]} rows but y_true has {n}: scores and labels must "
            "describe the same rows, in the same order."
        )
    try:
        values = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{name} must be numeric scores; could not read it as numbers ({exc})."
        ) from exc
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataError(
            f"{name} has {int(bad.sum())} NaN or infinite scores (rows {_rows(bad)}); "
            "every row needs a finite score. Fix the scoring or drop those rows."
        )
    return values


def weights(sample_weight: Any, n: int) -> FloatArray | None:
    """Return sample weights as float64 of shape (n,), or None when not given."""
    if sample_weight is None:
        return None
    values = scores(sample_weight, n, name="sample_weight")
    negative = values < 0
    if negative.any():
        raise DataError(
            f"sample_weight has {int(negative.sum())} negative weights (rows {_rows(negative)}); "
            "weights must be >= 0."
        )
    if not values.sum() > 0:
        raise DataError("sample_weight sums to zero: at least one row must carry weight.")
    # unit weights are no weights: keep the exact unweighted methods (DeLong, Wilson)
    return None if np.all(values == 1.0) else values


def outside_unit_interval(values: FloatArray) -> int:
    """Number of scores outside [0, 1] (those cannot be read as probabilities)."""
    return int(np.count_nonzero((values < 0.0) | (values > 1.0)))


def require_probabilities(values: FloatArray, what: str) -> None:
    """Raise DataError unless every score lies in [0, 1]."""
    count = outside_unit_interval(values)
    if count:
        raise DataError(
            f"{what} needs probabilities in [0, 1], but {count} scores lie outside that range. "
            "Pass predicted probabilities (e.g. predict_proba) rather than raw decision scores; "
            "ranking metrics (ROC AUC, average precision) work with any scores."
        )


def confidence_level(confidence: float) -> float:
    if not 0.0 < float(confidence) < 1.0:
        raise DataError(f"confidence must be between 0 and 1 (e.g. 0.95); got {confidence!r}.")
    return float(confidence)


def threshold_value(threshold: float) -> float:
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        raise DataError(f"threshold must be a number; got {threshold!r}.") from None
    if np.isnan(value):
        raise DataError("threshold must be a number; got NaN.")
    return value


@dataclass(frozen=True)
class ValidatedInput:
    """Labels, scores and weights of one model on one test set, checked and aligned.

    y: (n,) bool, True for the positive class; score: (n,) float64; weight: (n,) float64 or None.
    """

    y: BoolArray
    score: FloatArray
    weight: FloatArray | None


def validated(
    y_true: Any, y_score: Any, pos_label: Any = 1, sample_weight: Any = None
) -> ValidatedInput:
    y = binary_labels(y_true, pos_label)
    return ValidatedInput(y, scores(y_score, y.size), weights(sample_weight, y.size))


def names_in_order(names: Sequence[str], baseline: str) -> list[str]:
    """Model names with the baseline first, keeping the caller's order for the rest."""
    return [baseline, *[name for name in names if name != baseline]]
