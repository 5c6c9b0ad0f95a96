"""Predicted classes and the K x K confusion matrix.

The predicted class of a row is the argmax of its probabilities. When several classes share the
highest probability the first of them in ``classes`` order wins: numpy's argmax keeps the first
maximum, and so does scikit-learn's ``predict`` (``classes_[argmax(predict_proba)]``). Top-k
accuracy breaks ties the other way, as scikit-learn does (see
:func:`champion.evaluation.multiclass.probability.top_k_hits`).

O(n K) for the argmax and O(n + K^2) for the matrix (one weighted bincount).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from champion.evaluation.inputs import FloatArray
from champion.evaluation.multiclass.inputs import IntArray, MulticlassInput, python_label


def predicted_classes(proba: FloatArray) -> IntArray:
    """Index of each row's predicted class, (n,), from probabilities (n, K); ties go to the
    first of the tied classes."""
    return np.asarray(np.argmax(proba, axis=1), dtype=np.intp)


def argmax_ties(proba: FloatArray, predicted: IntArray) -> int:
    """Number of rows whose highest probability (n, K) is shared by two classes or more."""
    top = proba[np.arange(predicted.size), predicted]
    # the predicted column always equals the maximum: a second equal column means a tie
    return int(np.count_nonzero(np.count_nonzero(proba == top[:, None], axis=1) > 1))


@dataclass(frozen=True)
class ConfusionMatrix:
    """Weighted counts (K, K): matrix[i, j] is the weight of the rows of class classes[i]
    predicted as classes[j] (rows true, columns predicted, both in ``classes`` order).

    Without sample weights the entries are row counts (held as float64).
    """

    classes: tuple[Any, ...]
    matrix: FloatArray
    weighted: bool

    @property
    def support(self) -> FloatArray:
        """Weight of the rows of each true class, (K,)."""
        return np.asarray(self.matrix.sum(axis=1), dtype=np.float64)

    @property
    def predicted(self) -> FloatArray:
        """Weight of the rows predicted as each class, (K,)."""
        return np.asarray(self.matrix.sum(axis=0), dtype=np.float64)

    @property
    def correct(self) -> FloatArray:
        """Weight of the rows of each class predicted as that class, (K,)."""
        return np.asarray(np.diagonal(self.matrix), dtype=np.float64)

    @property
    def total(self) -> float:
        return float(self.matrix.sum())

    def to_dict(self) -> dict[str, Any]:
        """{"classes", "matrix" (rows true, columns predicted), "weighted"}; counts are integers
        without sample weights."""
        cells: list[list[Any]] = (
            self.matrix.tolist() if self.weighted else self.matrix.astype(np.int64).tolist()
        )
        return {"classes": list(self.classes), "matrix": cells, "weighted": self.weighted}


def confusion_matrix(data: MulticlassInput, predicted: IntArray) -> ConfusionMatrix:
    """The K x K matrix of true (rows) against predicted (columns) classes, weighted."""
    k = data.k
    cells = np.bincount(data.y * k + predicted, weights=data.weight, minlength=k * k)
    matrix = np.asarray(cells, dtype=np.float64).reshape(k, k)
    classes = tuple(python_label(c) for c in data.classes)
    return ConfusionMatrix(classes, matrix, data.weighted)
