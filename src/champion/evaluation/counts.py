"""The counting kernel: sort once, count once, derive everything else.

With the scores sorted and grouped by distinct value, the weighted number of positives and
negatives scoring at or above each distinct value gives, by indexing alone: ROC and PR curves,
AUC, average precision, every threshold metric at every threshold, calibration bins, log loss
and Brier score. Ties are grouped exactly as scikit-learn's ``confusion_matrix_at_thresholds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from champion.evaluation.inputs import BoolArray, FloatArray


@dataclass(frozen=True)
class Confusion:
    """Weighted confusion counts at one threshold (a row is positive when score >= threshold)."""

    tn: float
    fp: float
    fn: float
    tp: float

    def to_dict(self) -> dict[str, float]:
        return {"tn": self.tn, "fp": self.fp, "fn": self.fn, "tp": self.tp}


@dataclass(frozen=True)
class BinaryCounts:
    """Cumulative counts at each distinct score, highest score first.

    thresholds: (D,) float64, strictly decreasing distinct scores.
    tps, fps:   (D,) float64, weight of positives / negatives with score >= thresholds[k]
                (non-decreasing; tps[-1] and fps[-1] are the class totals).
    weighted:   whether non-unit sample weights were used (DeLong and Wilson need plain counts).
    """

    thresholds: FloatArray
    tps: FloatArray
    fps: FloatArray
    weighted: bool = False

    @property
    def positives(self) -> float:
        return float(self.tps[-1])

    @property
    def negatives(self) -> float:
        return float(self.fps[-1])

    @property
    def total(self) -> float:
        return self.positives + self.negatives

    @cached_property
    def ascending(self) -> FloatArray:
        """Distinct scores in increasing order, shape (D,) (a view, for searchsorted)."""
        return self.thresholds[::-1]

    @cached_property
    def group_tps(self) -> FloatArray:
        """Weight of positives scoring exactly thresholds[k], shape (D,)."""
        return np.diff(self.tps, prepend=0.0)

    @cached_property
    def group_fps(self) -> FloatArray:
        """Weight of negatives scoring exactly thresholds[k], shape (D,)."""
        return np.diff(self.fps, prepend=0.0)

    def n_at_or_above(self, threshold: float) -> int:
        """Number of distinct scores >= threshold (so tps[k - 1] counts the predicted positives)."""
        return int(self.ascending.size - np.searchsorted(self.ascending, threshold, side="left"))

    def confusion_at(self, threshold: float) -> Confusion:
        """Confusion counts when rows with score >= threshold are predicted positive."""
        k = self.n_at_or_above(threshold)
        tp = float(self.tps[k - 1]) if k else 0.0
        fp = float(self.fps[k - 1]) if k else 0.0
        return Confusion(tn=self.negatives - fp, fp=fp, fn=self.positives - tp, tp=tp)

    def group_of(self, score: FloatArray) -> np.ndarray:
        """Index k of thresholds[k] == score for each score of the evaluated rows, shape (n,)."""
        return self.thresholds.size - 1 - np.searchsorted(self.ascending, score, side="left")


def count_by_threshold(y: BoolArray, score: FloatArray, weight: FloatArray | None) -> BinaryCounts:
    """Build the kernel from labels (n,) bool, scores (n,) float64 and optional weights (n,).

    Without weights only plain sorts are needed (much cheaper than an argsort); with weights the
    rows are argsorted once so each weight travels with its score.
    """
    if weight is None:
        return _count_unweighted(y, score)
    return _count_weighted(y, score, weight)


def _count_unweighted(y: BoolArray, score: FloatArray) -> BinaryCounts:
    positives = np.sort(score[y])
    everything = np.sort(score)
    last_of_run = np.empty(everything.size, dtype=bool)
    np.not_equal(everything[1:], everything[:-1], out=last_of_run[:-1])
    last_of_run[-1] = True
    distinct = everything[last_of_run]
    # rows scoring >= distinct[j] = n - (rows scoring < distinct[j]); likewise for positives
    at_or_above = everything.size - np.flatnonzero(np.r_[True, last_of_run[:-1]])
    pos_at_or_above = positives.size - np.searchsorted(positives, distinct, side="left")
    tps = pos_at_or_above[::-1].astype(np.float64)
    fps = at_or_above[::-1].astype(np.float64) - tps
    return BinaryCounts(thresholds=distinct[::-1].copy(), tps=tps, fps=fps)


def _count_weighted(y: BoolArray, score: FloatArray, weight: FloatArray) -> BinaryCounts:
    order = np.argsort(score, kind="stable")[::-1]
    sorted_score = score[order]
    sorted_weight = weight[order]
    sorted_y = y[order]
    ends = np.flatnonzero(np.r_[sorted_score[1:] != sorted_score[:-1], True])
    tps = np.cumsum(np.where(sorted_y, sorted_weight, 0.0))[ends]
    fps = np.cumsum(np.where(sorted_y, 0.0, sorted_weight))[ends]
    return BinaryCounts(thresholds=sorted_score[ends], tps=tps, fps=fps, weighted=True)
