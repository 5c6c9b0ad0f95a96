"""Reliability (calibration) bins and expected calibration error, from the counting kernel."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from champion.errors import DataError
from champion.evaluation.counts import BinaryCounts
from champion.evaluation.inputs import FloatArray, require_probabilities
from champion.evaluation.metrics import dot
from champion.evaluation.stats import z_quantile


@dataclass(frozen=True)
class Calibration:
    """Reliability diagram data over bins of predicted probability.

    edges (B+1,): bin edges over [0, 1]; count (B,): weight of rows per bin; mean_predicted (B,)
    and fraction_positive (B,): NaN for empty bins. ece: sum over bins of
    count / total * |fraction_positive - mean_predicted|. A score equal to an inner edge falls in
    the lower bin, as in scikit-learn's ``calibration_curve``. ci_low (B,), ci_high (B,): the
    Wilson interval of each bin's fraction of positives at ``confidence`` (NaN for empty bins,
    and for weighted rows, whose bins are not binomial counts).
    """

    edges: FloatArray
    count: FloatArray
    mean_predicted: FloatArray
    fraction_positive: FloatArray
    ece: float
    strategy: str
    ci_low: FloatArray
    ci_high: FloatArray
    confidence: float = 0.95

    def to_dict(self) -> dict[str, object]:
        def clean(values: FloatArray) -> list[float | None]:
            return [None if np.isnan(v) else float(v) for v in values]

        return {
            "strategy": self.strategy,
            "edges": self.edges.tolist(),
            "count": self.count.tolist(),
            "mean_predicted": clean(self.mean_predicted),
            "fraction_positive": clean(self.fraction_positive),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
            "confidence": self.confidence,
            "ece": self.ece,
        }


def wilson_bounds(
    successes: FloatArray, trials: FloatArray, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Wilson score intervals (low (B,), high (B,)) of successes / trials per bin, as
    :func:`~champion.evaluation.stats.wilson_interval` computes one; NaN where trials == 0."""
    z = z_quantile(confidence)
    low = np.full(trials.shape, np.nan)
    high = np.full(trials.shape, np.nan)
    some = trials > 0
    n, p = trials[some], successes[some] / trials[some]
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denominator
    low[some] = np.maximum(0.0, centre - half)
    high[some] = np.minimum(1.0, centre + half)
    return low, high


def calibration(
    counts: BinaryCounts, n_bins: int = 10, strategy: str = "uniform", confidence: float = 0.95
) -> Calibration:
    """Bin rows by predicted probability; strategy "uniform" (equal width) or "quantile"; each
    bin's fraction of positives with its Wilson interval at confidence (unweighted rows).

    Raises DataError when the scores are not probabilities in [0, 1].
    """
    if n_bins < 1:
        raise DataError(f"n_bins must be at least 1; got {n_bins}.")
    scores = counts.scores
    if scores[-1] < 0.0 or scores[0] > 1.0:  # sorted: the extremes tell
        require_probabilities(scores, "Calibration")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = _weighted_quantile_edges(counts, n_bins)
    else:
        raise DataError(f"strategy must be 'uniform' or 'quantile'; got {strategy!r}.")
    n_bins = edges.size - 1  # quantile edges may merge on ties
    # bins are (lo, hi], the first [0, hi]: sum what scores above each edge, then difference
    # row k of the kernel counts the scores >= thresholds[k]; pick, per edge, the row of "> edge"
    above = scores.size - np.searchsorted(counts.ascending, edges, side="right")
    above[0] = scores.size  # every probability is >= 0: the first bin is closed on the left
    count = counts.tps[above] + counts.fps[above]
    count = count[:-1] - count[1:]
    positive = counts.tps[above]
    positive = positive[:-1] - positive[1:]
    # each bin is a contiguous run of the sorted distinct scores
    group_tps, group_fps = counts.group_tps, counts.group_fps
    predicted = np.array(
        [
            dot(scores[hi:lo], group_tps[hi:lo]) + dot(scores[hi:lo], group_fps[hi:lo])
            for lo, hi in itertools.pairwise(above)
        ]
    )
    mean_predicted = np.full(n_bins, np.nan)
    fraction_positive = np.full(n_bins, np.nan)
    filled = count > 1e-12 * counts.total  # differences of weighted sums may leave dust
    mean_predicted[filled] = predicted[filled] / count[filled]
    fraction_positive[filled] = positive[filled] / count[filled]
    gaps = np.abs(fraction_positive[filled] - mean_predicted[filled])
    ece = float(dot(count[filled], gaps) / counts.total)
    if counts.weighted:  # weighted sums are not counts of trials: no binomial interval
        low = high = np.full(n_bins, np.nan)
    else:
        low, high = wilson_bounds(
            np.round(positive), np.where(filled, np.round(count), 0.0), confidence
        )
    return Calibration(
        edges, count, mean_predicted, fraction_positive, ece, strategy, low, high, confidence
    )


def _weighted_quantile_edges(counts: BinaryCounts, n_bins: int) -> FloatArray:
    """Edges at the weighted score quantiles (duplicates merged), spanning [0, 1]."""
    ascending = counts.ascending
    weight = (counts.group_tps + counts.group_fps)[::-1]
    cumulative = np.cumsum(weight) / counts.total
    picks = np.searchsorted(cumulative, np.linspace(0, 1, n_bins + 1)[1:-1], side="left")
    inner = np.unique(ascending[np.clip(picks, 0, ascending.size - 1)])
    return np.concatenate(([0.0], inner[(inner > 0.0) & (inner < 1.0)], [1.0]))
