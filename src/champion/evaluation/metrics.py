"""The metric table and the formulas behind it.

Every formula is vectorised: given counts of shape S (a scalar, the D thresholds of a sweep or the
B resamples of a bootstrap) it returns values of shape S, NaN where the metric is undefined.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from champion.evaluation.counts import BinaryCounts
from champion.evaluation.inputs import FloatArray


class Kind(Enum):
    THRESHOLD = "threshold"  # depends on the confusion counts at the threshold
    RANKING = "ranking"  # depends on the order of the scores only
    PROBABILITY = "probability"  # needs scores that are probabilities in [0, 1]


@dataclass(frozen=True)
class MetricSpec:
    name: str
    label: str
    kind: Kind
    greater_is_better: bool = True


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("accuracy", "Accuracy", Kind.THRESHOLD),
    MetricSpec("precision", "Precision", Kind.THRESHOLD),
    MetricSpec("recall", "Recall", Kind.THRESHOLD),
    MetricSpec("specificity", "Specificity", Kind.THRESHOLD),
    MetricSpec("f1", "F1", Kind.THRESHOLD),
    MetricSpec("balanced_accuracy", "Balanced accuracy", Kind.THRESHOLD),
    MetricSpec("mcc", "MCC", Kind.THRESHOLD),
    MetricSpec("roc_auc", "ROC AUC", Kind.RANKING),
    MetricSpec("average_precision", "Average precision", Kind.RANKING),
    MetricSpec("log_loss", "Log loss", Kind.PROBABILITY, greater_is_better=False),
    MetricSpec("brier", "Brier score", Kind.PROBABILITY, greater_is_better=False),
)
METRIC_NAMES: tuple[str, ...] = tuple(spec.name for spec in METRICS)
SPECS: dict[str, MetricSpec] = {spec.name: spec for spec in METRICS}
THRESHOLD_METRICS: tuple[str, ...] = tuple(s.name for s in METRICS if s.kind is Kind.THRESHOLD)

_EPS = float(np.finfo(np.float64).eps)


def dot(a: FloatArray, b: FloatArray) -> float:
    """Inner product of two (D,) arrays without BLAS.

    OpenBLAS splits even a vector dot product across threads, which stalls for milliseconds
    whenever another process holds a core; einsum's own loop does not.
    """
    return float(np.einsum("i,i->", a, b))


def _ratio(num: FloatArray, den: FloatArray | float) -> FloatArray:
    """num / den, NaN where den == 0 (every ratio here has num == 0 wherever den == 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.true_divide(num, den), dtype=np.float64)


Count = FloatArray | float


def threshold_metrics(
    tp: Count, fp: Count, positives: Count, negatives: Count
) -> dict[str, FloatArray]:
    """Every threshold metric, NaN where undefined.

    tp, fp: weight of positives / negatives predicted positive; positives, negatives: class
    totals. Any shapes that broadcast together (scalars, a sweep's (D,), a bootstrap's (B,)).
    """
    shape = np.broadcast_shapes(
        np.shape(tp), np.shape(fp), np.shape(positives), np.shape(negatives)
    )
    # at least 1-d: in-place operations need arrays, and numpy turns 0-d results into scalars
    tp, fp, positives, negatives = (
        np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in (tp, fp, positives, negatives)
    )
    total = positives + negatives
    # written with in-place operations: on a sweep every temporary is a (D,) array
    with np.errstate(divide="ignore", invalid="ignore"):
        predicted = tp + fp
        recall = tp / positives
        specificity = negatives - fp
        accuracy = tp + specificity
        accuracy /= total
        specificity /= negatives
        precision = tp / predicted
        f1 = predicted + positives
        np.divide(tp, f1, out=f1)
        f1 *= 2.0
        balanced = recall + specificity
        balanced *= 0.5
        # like scikit-learn, a class absent from y_true drops out of the balanced mean
        if np.any(positives == 0) or np.any(negatives == 0):
            balanced = np.where(
                positives == 0, specificity, np.where(negatives == 0, recall, balanced)
            )
        # tp * tn - fp * fn == tp * negatives - fp * positives
        mcc = tp * negatives
        mcc -= fp * positives
        spread = total - predicted
        spread *= predicted
        spread *= positives * negatives
        np.sqrt(spread, out=spread)
        mcc /= spread
    values = {
        "accuracy": accuracy,
        "precision": precision,
        "recall": recall,
        "specificity": specificity,
        "f1": f1,
        "balanced_accuracy": balanced,
        "mcc": mcc,
    }
    return {name: array.reshape(shape) for name, array in values.items()}


def threshold_metric_notes(
    tp: float, fp: float, positives: float, negatives: float
) -> dict[str, str]:
    """Why each undefined threshold metric is undefined, for the counts at one threshold."""
    notes: dict[str, str] = {}
    predicted = tp + fp
    if predicted == 0:
        notes["precision"] = "undefined: no row is predicted positive at this threshold"
    if positives == 0:
        notes["recall"] = "undefined: the test set has no positive rows"
    if negatives == 0:
        notes["specificity"] = "undefined: the test set has no negative rows"
    if predicted + positives == 0:
        notes["f1"] = "undefined: no positive rows and none predicted positive"
    if predicted * (positives + negatives - predicted) * positives * negatives == 0:
        notes["mcc"] = "undefined: labels or predictions fall in a single class"
    return notes


def _trapezoid_auc(group_tps: FloatArray, cum_fps: FloatArray, positives: FloatArray) -> FloatArray:
    """1 - sum_k tp_k * (F_k + F_{k-1}) / (2 P N) over the last axis (see below)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        both = cum_fps.copy()
        both[..., 1:] += cum_fps[..., :-1]
        both *= group_tps
        return np.asarray(
            1.0 - both.sum(axis=-1) / (2.0 * positives * cum_fps[..., -1]), dtype=np.float64
        )


def auc_from_cumulative(cum_tps: FloatArray, cum_fps: FloatArray) -> FloatArray:
    """ROC AUC alone from cumulative counts (..., D), as ``ranking_metrics_from_cumulative``
    (for resamples that need no average precision); the arrays are left as they are."""
    group_tps = np.diff(cum_tps, axis=-1, prepend=0.0)
    return _trapezoid_auc(group_tps, cum_fps, cum_tps[..., -1])


def ranking_metrics_from_cumulative(
    cum_tps: FloatArray, cum_fps: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """ROC AUC and average precision from cumulative counts of shape (..., D).

    cum_tps[..., k], cum_fps[..., k]: weight of positives / negatives scoring at or above the
    k-th distinct score, highest first (no leading zero). AUC is the trapezoidal area,
    1 - sum_k tp_k * (F_k + F_{k-1}) / (2 P N); average precision is scikit-learn's step-wise
    sum_k tp_k / P * precision_k. Returns two (...,) arrays, NaN where a class is absent. The
    arrays are used as scratch space: pass copies if they are still needed.
    """
    positives = cum_tps[..., -1].copy()
    group_tps = np.diff(cum_tps, axis=-1, prepend=0.0)
    auc = _trapezoid_auc(group_tps, cum_fps, positives)
    with np.errstate(divide="ignore", invalid="ignore"):
        # precision where tp_k > 0 (there cum_tps + cum_fps > 0); elsewhere 0 * anything = 0
        cum_fps += cum_tps
        np.maximum(cum_fps, np.finfo(np.float64).tiny, out=cum_fps)
        cum_tps /= cum_fps
        cum_tps *= group_tps
        average_precision = cum_tps.sum(axis=-1) / positives
    return auc, np.asarray(average_precision, dtype=np.float64)


def clipped_log_losses(scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Log loss of a positive and a negative row at each score (clipped as sklearn); (D,) each."""
    positive = np.clip(scores, _EPS, 1.0 - _EPS)
    np.log(positive, out=positive)
    positive *= -1.0
    negative = np.subtract(1.0, scores)
    np.clip(negative, _EPS, 1.0 - _EPS, out=negative)
    np.log(negative, out=negative)
    negative *= -1.0
    return positive, negative


def log_loss(counts: BinaryCounts) -> float:
    """Weighted mean cross-entropy, clipped to [eps, 1 - eps] like scikit-learn's log_loss."""
    positive, negative = clipped_log_losses(counts.scores)
    total = dot(counts.group_tps, positive) + dot(counts.group_fps, negative)
    return float(total / counts.total)


def brier(counts: BinaryCounts) -> float:
    """Weighted mean squared difference between the score and the 0/1 label."""
    s = counts.scores
    miss = 1.0 - s
    miss *= miss
    total = dot(counts.group_tps, miss) + dot(counts.group_fps, s * s)
    return float(total / counts.total)
