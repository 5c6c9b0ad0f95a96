"""ROC, precision-recall and cumulative-gain curves, all read off the counting kernel.

ROC and PR follow scikit-learn's ``roc_curve(drop_intermediate=False)`` and
``precision_recall_curve`` point for point. ``downsample`` gives a light view for plots that keeps
the endpoints and reports how far (vertically) it strays from the full curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from champion.evaluation.counts import BinaryCounts
from champion.evaluation.inputs import FloatArray


@dataclass(frozen=True)
class CurveView:
    """A plotted curve: x (m,), y (m,), thresholds (m,) at each point; m <= max_points.

    max_deviation is the largest vertical distance between a point of the full curve and the
    segment of this view that replaced it (0.0 when nothing was dropped).
    """

    x: FloatArray
    y: FloatArray
    thresholds: FloatArray
    max_deviation: float
    n_full: int

    def to_dict(self) -> dict[str, object]:
        return {
            "x": self.x.tolist(),
            "y": self.y.tolist(),
            "thresholds": [_json_threshold(t) for t in self.thresholds],
            "max_deviation": self.max_deviation,
            "n_full": self.n_full,
        }


def _json_threshold(value: float) -> float | str:
    # JSON has no infinity; the first ROC threshold ("nothing predicted positive") is +inf
    return "inf" if np.isposinf(value) else float(value)


@dataclass(frozen=True)
class RocCurve:
    """fpr (D+1,), tpr (D+1,), thresholds (D+1,) with thresholds[0] = +inf, as scikit-learn."""

    fpr: FloatArray
    tpr: FloatArray
    thresholds: FloatArray

    def auc(self) -> float:
        """Area under the curve by the trapezoidal rule (NaN when a class is missing)."""
        return float(np.trapezoid(self.tpr, self.fpr))

    def downsample(self, max_points: int = 1000) -> CurveView:
        return downsample(self.fpr, self.tpr, self.thresholds, max_points)


@dataclass(frozen=True)
class PrCurve:
    """precision (D+1,), recall (D+1,) ending at (1, 0); thresholds (D,) increasing, as sklearn."""

    precision: FloatArray
    recall: FloatArray
    thresholds: FloatArray

    def average_precision(self) -> float:
        """Step-wise area: sum over thresholds of (R_k - R_{k-1}) * P_k, as scikit-learn."""
        return float(max(0.0, -np.sum(np.diff(self.recall) * self.precision[:-1])))

    def downsample(self, max_points: int = 1000) -> CurveView:
        # the final (recall 0, precision 1) point has no threshold; +inf marks "predict nothing"
        thresholds = np.r_[self.thresholds, np.inf]
        return downsample(self.recall, self.precision, thresholds, max_points)


@dataclass(frozen=True)
class GainCurve:
    """Cumulative gain and lift when targeting rows from the highest score down.

    fraction (D+1,): share of rows (by weight) targeted, from 0; gain (D+1,): share of all
    positives captured; lift (D+1,): gain / fraction (NaN at fraction 0); thresholds (D+1,).
    """

    fraction: FloatArray
    gain: FloatArray
    lift: FloatArray
    thresholds: FloatArray

    def downsample(self, max_points: int = 1000) -> CurveView:
        return downsample(self.fraction, self.gain, self.thresholds, max_points)


def roc_curve(counts: BinaryCounts) -> RocCurve:
    """ROC points at every distinct threshold, plus the (0, 0) start at threshold +inf."""
    tps = np.r_[0.0, counts.tps]
    fps = np.r_[0.0, counts.fps]
    with np.errstate(invalid="ignore", divide="ignore"):
        fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
        tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return RocCurve(fpr=fpr, tpr=tpr, thresholds=np.r_[np.inf, counts.thresholds])


def pr_curve(counts: BinaryCounts) -> PrCurve:
    """Precision and recall at every distinct threshold, lowest threshold first (sklearn order)."""
    predicted = counts.tps + counts.fps
    precision = np.zeros_like(counts.tps)
    np.divide(counts.tps, predicted, out=precision, where=predicted != 0)
    recall = counts.tps / counts.positives if counts.positives > 0 else np.ones_like(counts.tps)
    return PrCurve(
        precision=np.r_[precision[::-1], 1.0],
        recall=np.r_[recall[::-1], 0.0],
        thresholds=counts.thresholds[::-1].copy(),
    )


def gain_curve(counts: BinaryCounts) -> GainCurve:
    """Cumulative gain and lift at every distinct threshold, starting from (0, 0)."""
    fraction = np.r_[0.0, (counts.tps + counts.fps) / counts.total]
    if counts.positives > 0:
        gain = np.r_[0.0, counts.tps / counts.positives]
    else:
        gain = np.full(fraction.shape, np.nan)
    lift = np.full(fraction.shape, np.nan)
    np.divide(gain, fraction, out=lift, where=fraction > 0)
    return GainCurve(fraction, gain, lift, np.r_[np.inf, counts.thresholds])


def downsample(x: FloatArray, y: FloatArray, thresholds: FloatArray, max_points: int) -> CurveView:
    """Keep at most max_points points of the curve (x, y), endpoints included.

    Points are picked evenly along the path length |dx| + |dy|, keeping both ends of every
    crossing step, so each dropped stretch is shorter than the spacing and a long single step is
    kept exactly. x must be monotone (ROC fpr, PR recall, gain fraction). NaN curves (a class is
    missing) are returned whole.
    """
    if max_points < 2:
        raise ValueError("max_points must be at least 2")
    n = x.size
    if n <= max_points or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return CurveView(x.copy(), y.copy(), thresholds.copy(), 0.0, n)
    path = np.r_[0.0, np.cumsum(np.abs(np.diff(x)) + np.abs(np.diff(y)))]
    targets = np.linspace(0.0, path[-1], max_points // 2)
    after = np.clip(np.searchsorted(path, targets, side="left"), 0, n - 1)
    keep = np.unique(np.r_[0, after, np.maximum(after - 1, 0), n - 1])
    return CurveView(x[keep], y[keep], thresholds[keep], _max_deviation(x, y, keep), n)


def _max_deviation(x: FloatArray, y: FloatArray, keep: np.ndarray) -> float:
    """Largest vertical gap between the full curve and the polyline through x[keep], y[keep]."""
    right = np.searchsorted(keep, np.arange(x.size), side="left")
    right = np.clip(right, 1, keep.size - 1)
    j, k = keep[right - 1], keep[right]
    dx = x[k] - x[j]
    flat = dx == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        along = np.where(flat, 0.0, (x - x[j]) / np.where(flat, 1.0, dx))
    line = y[j] + along * (y[k] - y[j])
    gap = np.abs(y - line)
    # over a vertical segment the polyline covers every y between its two ends
    low, high = np.minimum(y[j], y[k]), np.maximum(y[j], y[k])
    vertical_gap = np.maximum(np.maximum(low - y, y - high), 0.0)
    return float(np.max(np.where(flat, vertical_gap, gap)))
