"""Validation of a multiclass problem: labels, the class order, probabilities and weights.

The class order is the model's ``classes_``: column j of the probabilities is the probability of
``classes[j]``, and every result (the confusion matrix, the per-class block) follows that order.
Bad input raises :class:`champion.errors.DataError` naming the problem, the offending rows
(0-based positions) and what to do, as :mod:`champion.evaluation.inputs` does for binary input.

Probabilities are used as given, never rescaled: a row whose sum is off 1 by more than
scikit-learn's own ``roc_auc_score`` tolerance (``|1 - sum| <= 1e-8 + 1e-5 |sum|``) is refused.
scikit-learn's ``log_loss`` (1.9) does not renormalise such rows either (it warns and uses
them as they are) and its multiclass ``roc_auc_score`` refuses them; rescaling silently would
also hide a subset or reordered set of columns, or decision scores passed as probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from champion.errors import DataError
from champion.evaluation.inputs import (
    BoolArray,
    FloatArray,
    _as_1d,
    _is_missing,
    _label_text,
    _rows,
    weights,
)

IntArray = npt.NDArray[np.intp]

# scikit-learn's roc_auc_score accepts rows with np.allclose(1, row sums): the same bounds here
SUM_RTOL = 1e-5
SUM_ATOL = 1e-8
_MAX_LABELS_SHOWN = 10


@dataclass(frozen=True)
class MulticlassInput:
    """One model's probabilities on one labelled test set, checked and aligned.

    y:       (n,) intp, the index in ``classes`` of each row's true class;
    proba:   (n, K) float64, column j the probability of ``classes[j]``;
    weight:  (n,) float64, or None for unit weights;
    classes: (K,) the class labels in column order, K >= 3.
    """

    y: IntArray
    proba: FloatArray
    weight: FloatArray | None
    classes: npt.NDArray[Any]

    @property
    def n(self) -> int:
        return int(self.y.size)

    @property
    def k(self) -> int:
        return int(self.classes.size)

    @property
    def weighted(self) -> bool:
        return self.weight is not None

    @cached_property
    def support(self) -> FloatArray:
        """Weight of the rows of each class, (K,) (row counts without weights)."""
        counts = np.bincount(self.y, weights=self.weight, minlength=self.k)
        return np.asarray(counts, dtype=np.float64)

    @cached_property
    def label_rank(self) -> IntArray:
        """Place of each class among the sorted labels, (K,): scikit-learn's class order."""
        rank = np.empty(self.k, dtype=np.intp)
        rank[np.argsort(label_keys(self.classes), kind="stable")] = np.arange(self.k)
        return rank

    @property
    def total(self) -> float:
        return float(self.support.sum())

    def labels(self, codes: IntArray) -> list[Any]:
        """The class labels of class indices, as Python values."""
        return [python_label(self.classes[c]) for c in codes]


def python_label(label: Any) -> Any:
    """A label as a Python value (numpy scalars become Python scalars, for JSON)."""
    return label.item() if isinstance(label, np.generic) else label


def _listed(labels: npt.NDArray[Any]) -> str:
    shown = ", ".join(_label_text(v) for v in labels[:_MAX_LABELS_SHOWN])
    more = labels.size - _MAX_LABELS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def class_order(classes: Any) -> npt.NDArray[Any]:
    """The class labels (K,) in column order, checked: distinct, none missing, K >= 3."""
    order = _as_1d(classes, "classes")
    missing = _is_missing(order)
    if missing.any():
        raise DataError(
            f"classes has a missing label at position {_rows(missing)}; pass the model's "
            "classes_ unchanged (one label per probability column)."
        )
    distinct, counts = np.unique(label_keys(order), return_counts=True)
    if distinct.size < order.size:
        raise DataError(
            f"classes lists {_listed(distinct[counts > 1])} more than once; each probability "
            "column belongs to one class: pass the model's classes_ unchanged."
        )
    if order.size == 2:
        raise DataError(
            f"classes has 2 labels ({_listed(order)}): that is a binary problem. Use the binary "
            f"engine, champion.evaluate(y_true, y_proba[:, 1], pos_label={_label_text(order[1])})"
            ", whose threshold, curves and Brier score are the binary ones; the multiclass "
            "metrics need at least 3 classes."
        )
    if order.size < 2:
        raise DataError(
            f"classes has {order.size} label: a classifier needs at least 2 classes, and the "
            "multiclass metrics at least 3."
        )
    return order


def label_keys(labels: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Labels (n,) in a form that compares and sorts as scikit-learn's np.unique does: numbers
    as numbers, anything else as text (as the binary engine matches pos_label)."""
    if labels.dtype.kind == "O":
        # an object column (pandas) of numbers holds numbers: let numpy find their type
        labels = np.array(labels.tolist())
    if labels.dtype.kind in "biuf":
        return labels
    return labels.astype(str)


def _comparable(
    y_true: npt.NDArray[Any], classes: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    keys, class_keys = label_keys(y_true), label_keys(classes)
    if keys.dtype.kind in "biuf" and class_keys.dtype.kind in "biuf":
        common = np.result_type(keys.dtype, class_keys.dtype)
        return keys.astype(common, copy=False), class_keys.astype(common, copy=False)
    return keys.astype(str), class_keys.astype(str)


def class_codes(y_true: Any, classes: npt.NDArray[Any]) -> IntArray:
    """Index in classes (K,) of each row's label, (n,); every label must be one of classes."""
    labels = _as_1d(y_true, "y_true")
    missing = _is_missing(labels)
    if missing.any():
        raise DataError(
            f"y_true has {int(missing.sum())} missing labels (rows {_rows(missing)}); "
            "drop those rows or fill them before evaluating."
        )
    keys, class_keys = _comparable(labels, classes)
    sorter = np.argsort(class_keys, kind="stable")
    ordered = class_keys[sorter]
    position = np.minimum(np.searchsorted(ordered, keys), ordered.size - 1)
    unknown = ordered[position] != keys
    if unknown.any():
        _refuse_unknown(labels, keys, unknown, classes)
    return np.asarray(sorter[position], dtype=np.intp)


def _refuse_unknown(
    labels: npt.NDArray[Any], keys: npt.NDArray[Any], unknown: BoolArray, classes: npt.NDArray[Any]
) -> None:
    # each distinct unknown label once, as given (the keys may be their text)
    _, first = np.unique(keys[unknown], return_index=True)
    numbers = [label_keys(a).dtype.kind in "biuf" for a in (labels, classes)]
    hint = ""
    if numbers[0] != numbers[1]:
        hint = (
            f" y_true holds {'numbers' if numbers[0] else 'text'} and classes "
            f"{'numbers' if numbers[1] else 'text'}: are they the same labels?"
        )
    raise DataError(
        f"y_true has {int(unknown.sum())} rows whose label is not one of classes "
        f"({_listed(labels[unknown][first])}; rows {_rows(unknown)}). classes must list every "
        "label, in the order of the probability columns (the model's classes_): drop rows of "
        f"classes the model does not know, or pass its full list of classes.{hint}"
    )


def probability_matrix(y_proba: Any, n: int, k: int) -> FloatArray:
    """Probabilities as float64 (n, K), each in [0, 1], each row summing to 1."""
    array = np.asarray(y_proba)
    if array.ndim != 2:
        raise DataError(
            "y_proba must be two-dimensional (one row per label, one column per class, as "
            f"predict_proba returns); got an array of shape {array.shape}."
        )
    if array.shape[0] != n:
        raise DataError(
            f"y_proba has {array.shape[0]} rows but y_true has {n}: probabilities and labels "
            "must describe the same rows, in the same order."
        )
    if array.shape[1] != k:
        raise DataError(
            f"y_proba has {array.shape[1]} columns but classes lists {k} labels: column j must "
            "hold the probability of classes[j] (pass predict_proba's output with classes_)."
        )
    try:
        values = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"y_proba must be numeric probabilities; could not read it ({exc})."
        ) from exc
    _require_unit_rows(values)
    return values


def _require_unit_rows(values: FloatArray) -> None:
    bad: BoolArray = ~np.all(np.isfinite(values), axis=1)
    if bad.any():
        raise DataError(
            f"y_proba has NaN or infinite probabilities in {int(bad.sum())} rows (rows "
            f"{_rows(bad)}); every row needs finite probabilities. Fix the scoring or drop "
            "those rows."
        )
    bad = np.any((values < 0.0) | (values > 1.0), axis=1)
    if bad.any():
        raise DataError(
            f"y_proba has probabilities outside [0, 1] in {int(bad.sum())} rows (rows "
            f"{_rows(bad)}). Pass predicted probabilities (predict_proba), not decision scores "
            "or logits."
        )
    sums = values.sum(axis=1)
    gap = np.abs(1.0 - sums)
    bad = gap > SUM_ATOL + SUM_RTOL * np.abs(sums)
    if bad.any():
        raise DataError(
            f"y_proba has {int(bad.sum())} rows whose probabilities do not sum to 1 (rows "
            f"{_rows(bad)}; the largest gap is {float(gap.max()):.3g}). champion does not "
            "rescale them: pass predict_proba's full output, one column per class of classes."
        )


def multiclass_input(
    y_true: Any, y_proba: Any, classes: Any, sample_weight: Any = None
) -> MulticlassInput:
    """Check and align y_true (n,), y_proba (n, K) and sample_weight (n,) to classes (K,)."""
    order = class_order(classes)
    y = class_codes(y_true, order)
    proba = probability_matrix(y_proba, y.size, order.size)
    return MulticlassInput(y, proba, weights(sample_weight, y.size), order)
