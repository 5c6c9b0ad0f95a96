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


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def threshold_metrics(
    tp: FloatArray | float, fp: FloatArray | float, fn: FloatArray | float, tn: FloatArray | float
) -> dict[str, FloatArray]:
    """Every threshold metric from confusion counts of any common shape (NaN = undefined)."""
    tp, fp, fn, tn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, fn, tn))
    recall = _ratio(tp, tp + fn)
    specificity = _ratio(tn, tn + fp)
    # like scikit-learn, a class absent from y_true drops out of the balanced mean
    balanced = np.where(
        np.isnan(recall),
        specificity,
        np.where(np.isnan(specificity), recall, 0.5 * (recall + specificity)),
    )
    mcc_den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return {
        "accuracy": _ratio(tp + tn, tp + fp + fn + tn),
        "precision": _ratio(tp, tp + fp),
        "recall": recall,
        "specificity": specificity,
        "f1": _ratio(2.0 * tp, 2.0 * tp + fp + fn),
        "balanced_accuracy": balanced,
        "mcc": _ratio(tp * tn - fp * fn, mcc_den),
    }


def threshold_metric_notes(tp: float, fp: float, fn: float, tn: float) -> dict[str, str]:
    """Why each undefined threshold metric is undefined, for the counts at one threshold."""
    notes: dict[str, str] = {}
    if tp + fp == 0:
        notes["precision"] = "undefined: no row is predicted positive at this threshold"
    if tp + fn == 0:
        notes["recall"] = "undefined: the test set has no positive rows"
    if tn + fp == 0:
        notes["specificity"] = "undefined: the test set has no negative rows"
    if 2 * tp + fp + fn == 0:
        notes["f1"] = "undefined: no positive rows and none predicted positive"
    if (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn) == 0:
        notes["mcc"] = "undefined: labels or predictions fall in a single class"
    return notes


def roc_auc_from_groups(group_tps: FloatArray, group_fps: FloatArray) -> FloatArray:
    """AUC from per-distinct-score counts of shape (..., D), highest score first.

    AUC = sum over groups of tp_g * (negatives strictly below + half the tied negatives) / (P N),
    the Mann-Whitney form of the trapezoidal area. Shape (...,).
    """
    cum_fps = np.cumsum(group_fps, axis=-1)
    negatives = cum_fps[..., -1:]
    below = negatives - cum_fps + 0.5 * group_fps
    area = np.sum(group_tps * below, axis=-1)
    return _ratio(area, np.sum(group_tps, axis=-1) * negatives[..., 0])


def average_precision_from_groups(group_tps: FloatArray, group_fps: FloatArray) -> FloatArray:
    """Average precision (scikit-learn's step-wise definition) from counts of shape (..., D)."""
    cum_tps = np.cumsum(group_tps, axis=-1)
    cum_fps = np.cumsum(group_fps, axis=-1)
    precision = _ratio(cum_tps, cum_tps + cum_fps)
    steps = np.where(group_tps > 0, group_tps * np.nan_to_num(precision), 0.0)
    return _ratio(np.sum(steps, axis=-1), cum_tps[..., -1])


def clipped_log_losses(thresholds: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per-row log loss of a positive and of a negative row at each score (clipped as sklearn)."""
    positive = -np.log(np.clip(thresholds, _EPS, 1.0 - _EPS))
    negative = -np.log(np.clip(1.0 - thresholds, _EPS, 1.0 - _EPS))
    return positive, negative


def log_loss(counts: BinaryCounts) -> float:
    """Weighted mean cross-entropy, clipped to [eps, 1 - eps] like scikit-learn's log_loss."""
    positive, negative = clipped_log_losses(counts.thresholds)
    total = np.dot(counts.group_tps, positive) + np.dot(counts.group_fps, negative)
    return float(total / counts.total)


def brier(counts: BinaryCounts) -> float:
    """Weighted mean squared difference between the score and the 0/1 label."""
    s = counts.thresholds
    total = np.dot(counts.group_tps, (1.0 - s) ** 2) + np.dot(counts.group_fps, s**2)
    return float(total / counts.total)
