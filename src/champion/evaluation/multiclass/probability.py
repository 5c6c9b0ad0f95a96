"""Metrics of the probabilities themselves: log loss, Brier score, top-k accuracy and the
top-label expected calibration error.

* ``log_loss``: scikit-learn's ``log_loss(y_true, y_proba, labels=classes)``: the weighted mean
  of -log p(true class), each probability clipped to [eps, 1 - eps] (eps of float64), rows used
  as given (checked to sum to 1, never rescaled: see :mod:`~.inputs`).
* ``brier``: the weighted mean over rows of sum_c (p_c - 1{c = true class})^2, in [0, 2]. In
  scikit-learn 1.9 (multiclass support since 1.7) this is ``brier_score_loss(y_true, y_proba,
  labels=classes)`` with its default ``scale_by_half="auto"``, which keeps the [0, 2] range from
  three classes on (it halves the sum only for two classes, which is the binary engine's Brier
  score: hence no K = 2 here).
* ``top_k_accuracy``: scikit-learn's ``top_k_accuracy_score``: the weighted share of rows whose
  true class is among the k most probable. Tied probabilities rank the class with the greater
  label first: scikit-learn ranks ties "highest index first" over its labels, which it requires
  sorted, so this gives its answer whatever the order of ``classes``. Hence k = 1 can differ
  from ``accuracy``, whose argmax sends a tie to the first class in ``classes`` order.
* ``ece``: the top-label expected calibration error (Guo et al. 2017): rows binned by their
  highest probability in equal-width bins over [0, 1] (10 by default; a value on an inner edge
  falls in the lower bin), the weighted mean over bins of |accuracy - mean confidence|. It is
  the binary reliability diagram of "the predicted class is right" against that probability,
  read off the binary counting kernel.

Each is O(n K); the calibration adds one sort of the n top probabilities, O(n log n).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from champion.errors import DataError
from champion.evaluation.calibration import Calibration, calibration
from champion.evaluation.inputs import BoolArray, FloatArray
from champion.evaluation.metrics import dot
from champion.evaluation.multiclass.inputs import IntArray, MulticlassInput, multiclass_input
from champion.evaluation.multiclass.ranking import counts_of

_EPS = float(np.finfo(np.float64).eps)
ECE_BINS = 10


def true_class_probability(data: MulticlassInput) -> FloatArray:
    """The probability each row gives its true class, (n,)."""
    return np.asarray(data.proba[np.arange(data.n), data.y], dtype=np.float64)


def weighted_mean(values: FloatArray, weight: FloatArray | None) -> float:
    """Mean of values (n,), weighted when weight (n,) is given."""
    if weight is None:
        return float(values.mean())
    return dot(weight, values) / float(weight.sum())


def log_loss(data: MulticlassInput) -> float:
    """Weighted mean of -log p(true class), probabilities clipped to [eps, 1 - eps]."""
    p = np.clip(true_class_probability(data), _EPS, 1.0 - _EPS)
    return -weighted_mean(np.log(p), data.weight)


def brier(data: MulticlassInput) -> float:
    """Weighted mean squared distance between each row's probabilities and its one-hot label."""
    # sum_c (p_c - onehot_c)^2 = sum_c p_c^2 - 2 p_true + 1, without an (n, K) temporary
    squares = np.einsum("ij,ij->i", data.proba, data.proba)
    squares -= 2.0 * true_class_probability(data)
    squares += 1.0
    return weighted_mean(squares, data.weight)


def top_k_hits(data: MulticlassInput, k: int) -> BoolArray:
    """Whether each row's true class is among its k most probable, (n,), ranking tied classes
    with the greater label first (as scikit-learn's top_k_accuracy_score), whatever the column
    order."""
    p_true = true_class_probability(data)[:, None]
    # the true class's place in the ranking: classes strictly more probable, then tied classes
    # with a greater label (scikit-learn sorts the labels and ranks ties by descending index)
    place = np.count_nonzero(data.proba > p_true, axis=1)
    rank = data.label_rank
    greater = rank[None, :] > rank[data.y][:, None]
    place += np.count_nonzero((data.proba == p_true) & greater, axis=1)
    return np.asarray(place < k, dtype=bool)


def top_k_value(data: MulticlassInput, k: int) -> float:
    """Weighted share of rows whose true class is among the k most probable."""
    return weighted_mean(top_k_hits(data, _whole(k)).astype(np.float64), data.weight)


def _whole(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise DataError(f"k must be a whole number >= 1 (top-k accuracy); got {k!r}.")
    return int(k)


def top_k_accuracy(
    y_true: Any, y_proba: Any, classes: Any, k: int = 2, sample_weight: Any = None
) -> float:
    """Top-k accuracy of probabilities y_proba (n, K) for labels y_true (n,), columns in classes
    (K,) order, optional sample_weight (n,); k >= K gives 1.0 (as scikit-learn, which warns)."""
    return top_k_value(multiclass_input(y_true, y_proba, classes, sample_weight), k)


def top_label_calibration(
    data: MulticlassInput, predicted: IntArray, n_bins: int = ECE_BINS, confidence: float = 0.95
) -> Calibration:
    """Reliability bins of the top probability (n,) against "predicted (n,) is right"; its
    ``ece`` is the top-label ECE. Equal-width bins, as the binary reliability diagram."""
    top = np.asarray(data.proba[np.arange(data.n), predicted], dtype=np.float64)
    counts = counts_of(predicted == data.y, top, data.weight)
    return calibration(counts, n_bins, "uniform", confidence)
