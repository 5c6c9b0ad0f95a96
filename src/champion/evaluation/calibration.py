"""Reliability (calibration) bins and expected calibration error, from the counting kernel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from champion.errors import DataError
from champion.evaluation.counts import BinaryCounts
from champion.evaluation.inputs import FloatArray, require_probabilities


@dataclass(frozen=True)
class Calibration:
    """Reliability diagram data over bins of predicted probability.

    edges (B+1,): bin edges over [0, 1]; count (B,): weight of rows per bin; mean_predicted (B,)
    and fraction_positive (B,): NaN for empty bins. ece: sum over bins of
    count / total * |fraction_positive - mean_predicted|. A score equal to an inner edge falls in
    the lower bin, as in scikit-learn's ``calibration_curve``.
    """

    edges: FloatArray
    count: FloatArray
    mean_predicted: FloatArray
    fraction_positive: FloatArray
    ece: float
    strategy: str

    def to_dict(self) -> dict[str, object]:
        def clean(values: FloatArray) -> list[float | None]:
            return [None if np.isnan(v) else float(v) for v in values]

        return {
            "strategy": self.strategy,
            "edges": self.edges.tolist(),
            "count": self.count.tolist(),
            "mean_predicted": clean(self.mean_predicted),
            "fraction_positive": clean(self.fraction_positive),
            "ece": self.ece,
        }


def calibration(counts: BinaryCounts, n_bins: int = 10, strategy: str = "uniform") -> Calibration:
    """Bin rows by predicted probability; strategy "uniform" (equal width) or "quantile".

    Raises DataError when the scores are not probabilities in [0, 1].
    """
    if n_bins < 1:
        raise DataError(f"n_bins must be at least 1; got {n_bins}.")
    scores = counts.thresholds
    require_probabilities(scores, "Calibration")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = _weighted_quantile_edges(counts, n_bins)
    else:
        raise DataError(f"strategy must be 'uniform' or 'quantile'; got {strategy!r}.")
    n_bins = edges.size - 1  # quantile edges may merge on ties
    bins = np.searchsorted(edges[1:-1], scores, side="left")
    weight = counts.group_tps + counts.group_fps
    count = np.bincount(bins, weights=weight, minlength=n_bins).astype(np.float64)
    positive = np.bincount(bins, weights=counts.group_tps, minlength=n_bins)
    predicted = np.bincount(bins, weights=weight * scores, minlength=n_bins)
    mean_predicted = np.full(n_bins, np.nan)
    fraction_positive = np.full(n_bins, np.nan)
    filled = count > 0
    mean_predicted[filled] = predicted[filled] / count[filled]
    fraction_positive[filled] = positive[filled] / count[filled]
    gaps = np.abs(fraction_positive[filled] - mean_predicted[filled])
    ece = float(np.dot(count[filled], gaps) / counts.total)
    return Calibration(edges, count, mean_predicted, fraction_positive, ece, strategy)


def _weighted_quantile_edges(counts: BinaryCounts, n_bins: int) -> FloatArray:
    """Edges at the weighted score quantiles (duplicates merged), spanning [0, 1]."""
    ascending = counts.ascending
    weight = (counts.group_tps + counts.group_fps)[::-1]
    cumulative = np.cumsum(weight) / counts.total
    picks = np.searchsorted(cumulative, np.linspace(0, 1, n_bins + 1)[1:-1], side="left")
    inner = np.unique(ascending[np.clip(picks, 0, ascending.size - 1)])
    return np.concatenate(([0.0], inner[(inner > 0.0) & (inner < 1.0)], [1.0]))
