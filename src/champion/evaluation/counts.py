"""The counting kernel: sort once, count once, derive everything else.

With the scores sorted and grouped by distinct value, the weighted number of positives and
negatives scoring at or above each distinct value gives, by indexing alone: ROC and PR curves,
AUC, average precision, every threshold metric at every threshold, calibration bins, log loss
and Brier score. Ties are grouped exactly as scikit-learn's ``confusion_matrix_at_thresholds``.

The arrays start with the "nothing predicted positive" row (threshold +inf, no counts), so the
ROC curve, the threshold sweep and the gain curve share them without copying.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

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
    """Cumulative counts at each candidate threshold, highest first.

    thresholds: (D+1,) float64, +inf then the D distinct scores, strictly decreasing.
    tps, fps:   (D+1,) float64, weight of positives / negatives with score >= thresholds[k]
                (0 at +inf, non-decreasing; tps[-1] and fps[-1] are the class totals).
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

    @property
    def scores(self) -> FloatArray:
        """The D distinct scores, decreasing (a view)."""
        return self.thresholds[1:]

    @cached_property
    def ascending(self) -> FloatArray:
        """The D distinct scores, increasing (a view, for searchsorted)."""
        return self.thresholds[:0:-1]

    @cached_property
    def group_tps(self) -> FloatArray:
        """Weight of positives scoring exactly scores[k], shape (D,)."""
        return np.diff(self.tps)

    @cached_property
    def group_fps(self) -> FloatArray:
        """Weight of negatives scoring exactly scores[k], shape (D,)."""
        return np.diff(self.fps)

    def index_at(self, threshold: float) -> int:
        """Row k of the arrays that holds the counts for "score >= threshold"."""
        return int(self.ascending.size - np.searchsorted(self.ascending, threshold, side="left"))

    def confusion_at(self, threshold: float) -> Confusion:
        """Confusion counts when rows with score >= threshold are predicted positive."""
        k = self.index_at(threshold)
        tp, fp = float(self.tps[k]), float(self.fps[k])
        return Confusion(tn=self.negatives - fp, fp=fp, fn=self.positives - tp, tp=tp)

    def group_of(self, score: FloatArray) -> npt.NDArray[np.intp]:
        """Index k of scores[k] == score for each score of the evaluated rows, shape (n,)."""
        d = self.ascending.size
        if score.size == 0:
            return np.zeros(0, dtype=np.intp)
        # ranking the rows' scores among themselves is a sort, several times faster at a million
        # rows than a binary search of each score in random order (cache misses dominate);
        # the ranks are the groups when the rows are those the kernel was built from; tied rows
        # share a group whatever their order, so the (several times faster) unstable sort does
        order = np.argsort(score)
        ordered = score[order]
        new = np.empty(score.size, dtype=bool)
        new[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
        rank = np.cumsum(new) - 1
        if rank[-1] != d - 1 or ordered[0] != self.ascending[0]:
            return d - 1 - np.searchsorted(self.ascending, score, side="left")
        group = np.empty(score.size, dtype=np.intp)
        group[order] = d - 1 - rank
        return group


def count_by_threshold(y: BoolArray, score: FloatArray, weight: FloatArray | None) -> BinaryCounts:
    """Build the kernel from labels (n,) bool, scores (n,) float64 and optional weights (n,).

    Without weights only plain sorts are needed (much cheaper than an argsort); with weights the
    rows are argsorted once so each weight travels with its score.
    """
    if weight is None:
        return _count_unweighted(y, score)
    return _count_weighted(y, score, weight)


def counts_from_groups(
    scores: FloatArray, positive: FloatArray, negative: FloatArray, weighted: bool = False
) -> BinaryCounts:
    """Build the kernel from a table already grouped by distinct score (as a database or a
    cluster computes it: GROUP BY score, summing the weight of positives and of negatives).

    scores: (D,) float64, the distinct scores, in any order (each at most once);
    positive, negative: (D,) float64, the weight (the row count, unweighted) of positives and of
    negatives scoring exactly scores[k]; weighted: whether those are non-unit sample weights.
    The result equals count_by_threshold on the rows the table was grouped from (up to the order
    in which weighted sums were added). Raises ValueError on mismatched shapes, repeated or
    non-finite scores, or negative weights.
    """
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=np.float64)
    negative = np.asarray(negative, dtype=np.float64)
    if scores.ndim != 1 or positive.shape != scores.shape or negative.shape != scores.shape:
        raise ValueError("scores, positive and negative must be (D,) arrays of the same length")
    if not np.all(np.isfinite(scores)):
        raise ValueError("every distinct score must be finite")
    if np.any(positive < 0) or np.any(negative < 0):
        raise ValueError("the weight of a group cannot be negative")
    order = np.argsort(scores, kind="stable")[::-1]
    ordered = scores[order]
    if ordered.size > 1 and np.any(ordered[1:] == ordered[:-1]):
        raise ValueError("each distinct score must appear once")
    return BinaryCounts(
        thresholds=_with_start(np.inf, ordered),
        tps=_with_start(0.0, np.cumsum(positive[order])),
        fps=_with_start(0.0, np.cumsum(negative[order])),
        weighted=weighted,
    )


def _with_start(first: float, values: FloatArray) -> FloatArray:
    out = np.empty(values.size + 1)
    out[0] = first
    out[1:] = values
    return out


def _count_unweighted(y: BoolArray, score: FloatArray) -> BinaryCounts:
    everything = np.sort(score)
    last_of_run = np.empty(everything.size, dtype=bool)
    np.not_equal(everything[1:], everything[:-1], out=last_of_run[:-1])
    last_of_run[-1] = True
    ends = np.flatnonzero(last_of_run)
    distinct = everything[ends]
    # the smaller class is placed among the distinct scores; the other follows by subtraction
    minority = bool(np.count_nonzero(y) * 2 <= y.size)
    members = np.sort(score[y] if minority else score[~y])
    per_score = np.bincount(np.searchsorted(distinct, members), minlength=distinct.size)
    at_or_above = np.empty(distinct.size + 1)
    at_or_above[0] = 0.0
    np.cumsum(per_score[::-1], out=at_or_above[1:])
    # rows scoring >= distinct[j] = n - (index where distinct[j]'s run starts)
    rows = np.empty(distinct.size + 1)
    rows[0] = 0.0
    np.subtract(everything.size - 1, np.concatenate(([-1], ends[:-1]))[::-1], out=rows[1:])
    other = rows - at_or_above
    tps, fps = (at_or_above, other) if minority else (other, at_or_above)
    return BinaryCounts(thresholds=_with_start(np.inf, distinct[::-1]), tps=tps, fps=fps)


def _count_weighted(y: BoolArray, score: FloatArray, weight: FloatArray) -> BinaryCounts:
    order = np.argsort(score, kind="stable")[::-1]
    sorted_score = score[order]
    sorted_weight = weight[order]
    sorted_y = y[order]
    ends = np.flatnonzero(np.r_[sorted_score[1:] != sorted_score[:-1], True])
    tps = np.cumsum(np.where(sorted_y, sorted_weight, 0.0))[ends]
    fps = np.cumsum(np.where(sorted_y, 0.0, sorted_weight))[ends]
    return BinaryCounts(
        thresholds=_with_start(np.inf, sorted_score[ends]),
        tps=_with_start(0.0, tps),
        fps=_with_start(0.0, fps),
        weighted=True,
    )
