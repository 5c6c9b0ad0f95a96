"""ROC, precision-recall and cumulative-gain curves, all read off the counting kernel.

ROC and PR follow scikit-learn's ``roc_curve(drop_intermediate=False)`` and
``precision_recall_curve`` point for point. ``downsample`` gives a light view for plots that keeps
the endpoints and reports how far (vertically) it strays from the full curve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

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

    _views: dict[int, CurveView] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def downsample(self, max_points: int = 1000) -> CurveView:
        """The curve in at most max_points points (computed once per max_points: O(n))."""
        view = self._views.get(max_points)
        if view is None:
            view = downsample(self.fpr, self.tpr, self.thresholds, max_points)
            self._views[max_points] = view
        return view


@dataclass(frozen=True)
class PrCurve:
    """precision (D+1,), recall (D+1,) ending at (1, 0); thresholds (D,) increasing, as sklearn.

    Arrays may be views of the kernel's: copy before writing to them.
    """

    precision: FloatArray
    recall: FloatArray
    thresholds: FloatArray

    def average_precision(self) -> float:
        """Step-wise area: sum over thresholds of (R_k - R_{k-1}) * P_k, as scikit-learn."""
        return float(max(0.0, -np.sum(np.diff(self.recall) * self.precision[:-1])))

    _views: dict[int, CurveView] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def downsample(self, max_points: int = 1000) -> CurveView:
        """The curve in at most max_points points (computed once per max_points: O(n))."""
        view = self._views.get(max_points)
        if view is None:
            # the final (recall 0, precision 1) point has no threshold; +inf: "predict nothing"
            thresholds = np.concatenate((self.thresholds, [np.inf]))
            view = downsample(self.recall, self.precision, thresholds, max_points)
            self._views[max_points] = view
        return view


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

    _views: dict[int, CurveView] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def downsample(self, max_points: int = 1000) -> CurveView:
        """The curve in at most max_points points (computed once per max_points: O(n))."""
        view = self._views.get(max_points)
        if view is None:
            view = downsample(self.fraction, self.gain, self.thresholds, max_points)
            self._views[max_points] = view
        return view


def roc_curve(counts: BinaryCounts) -> RocCurve:
    """ROC points at +inf and at every distinct threshold (the kernel's thresholds, shared)."""
    return RocCurve(
        fpr=_rate(counts.fps, counts.negatives),
        tpr=_rate(counts.tps, counts.positives),
        thresholds=counts.thresholds,
    )


def _rate(cumulative: FloatArray, total: float) -> FloatArray:
    """cumulative / total, all NaN when total is 0 (the class is missing)."""
    if total > 0:
        return cumulative / total
    return np.full(cumulative.shape, np.nan)


def pr_curve(counts: BinaryCounts, roc: RocCurve) -> PrCurve:
    """Precision and recall at every distinct threshold, lowest threshold first (sklearn order).

    recall is the ROC's tpr reversed (its leading 0 becomes the final recall 0), a view.
    """
    d = counts.scores.size
    precision = np.empty(d + 1)
    # at a distinct score at least one row is predicted positive, so tps + fps > 0
    np.add(counts.tps[:0:-1], counts.fps[:0:-1], out=precision[:d])
    np.divide(counts.tps[:0:-1], precision[:d], out=precision[:d])
    precision[d] = 1.0
    if counts.positives > 0:
        recall = roc.tpr[::-1]
    else:
        recall = np.ones(d + 1)  # as scikit-learn (which warns)
        recall[d] = 0.0
    return PrCurve(precision, recall, counts.ascending)


def gain_curve(counts: BinaryCounts, roc: RocCurve) -> GainCurve:
    """Cumulative gain (the ROC's tpr, shared) and lift at every threshold, from (0, 0)."""
    fraction = (counts.tps + counts.fps) / counts.total
    lift = np.full(fraction.shape, np.nan)
    np.divide(roc.tpr[1:], fraction[1:], out=lift[1:])
    return GainCurve(fraction, roc.tpr, lift, counts.thresholds)


def downsample(x: FloatArray, y: FloatArray, thresholds: FloatArray, max_points: int) -> CurveView:
    """Keep at most max_points points of the curve (x, y), endpoints included.

    Points are picked evenly along the path length |dx| + |dy|, keeping both ends of every
    step that crosses a pick, so each dropped stretch is shorter than the spacing and a long
    single step is kept exactly. x must be monotone (ROC fpr, PR recall, gain fraction). An
    undefined (NaN) curve, when a class is missing, is thinned evenly by index.
    """
    if max_points < 4:
        raise ValueError("max_points must be at least 4")
    n = x.size
    if n <= max_points:
        return CurveView(x.copy(), y.copy(), thresholds.copy(), 0.0, n)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        keep = np.unique(np.linspace(0, n - 1, max_points).astype(np.intp))
        return CurveView(x[keep], y[keep], thresholds[keep], float("nan"), n)
    steps = np.abs(np.diff(x))
    steps += np.abs(np.diff(y))
    path = np.empty(n)
    path[0] = 0.0
    np.cumsum(steps, out=path[1:])
    targets = np.linspace(0.0, path[-1], (max_points - 2) // 2)
    after = np.searchsorted(path, targets, side="left")
    keep = np.unique(np.concatenate(([0, n - 1], after, np.maximum(after - 1, 0))))
    return CurveView(x[keep], y[keep], thresholds[keep], _max_deviation(x, y, keep), n)


def _max_deviation(x: FloatArray, y: FloatArray, keep: npt.NDArray[np.intp]) -> float:
    """Largest vertical gap between the full curve and the polyline through x[keep], y[keep]."""
    # point i lies on segment s when keep[s] <= i < keep[s + 1]; the last point is kept itself
    segment = np.repeat(np.arange(keep.size - 1), np.diff(keep))
    j, k = keep[segment], keep[segment + 1]
    xi, yi = x[: segment.size], y[: segment.size]
    dx = x[k] - x[j]
    flat = dx == 0
    along = np.divide(xi - x[j], dx, out=np.zeros_like(dx), where=~flat)
    gap = np.abs(yi - (y[j] + along * (y[k] - y[j])))
    # over a vertical segment the polyline covers every y between its two ends
    if flat.any():
        low, high = np.minimum(y[j], y[k]), np.maximum(y[j], y[k])
        vertical_gap = np.maximum(np.maximum(low - yi, yi - high), 0.0)
        gap = np.where(flat, vertical_gap, gap)
    return float(gap.max()) if gap.size else 0.0
