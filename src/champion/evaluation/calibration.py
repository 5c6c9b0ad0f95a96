"""Reliability (calibration) bins and expected calibration error, from the counting kernel."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from champion.errors import DataError
from champion.evaluation.calibration_error import (
    CalibrationError,
    calibration_error,
    unavailable,
)
from champion.evaluation.counts import BinaryCounts
from champion.evaluation.inputs import BoolArray, FloatArray, require_probabilities
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
    and for weighted rows, whose bins are not binomial counts). ece_debiased: the ECE less its
    sampling bias, with its interval ece_ci_low..ece_ci_high at ``confidence`` and ece_method
    (see :mod:`~champion.evaluation.calibration_error`; NaN with method "none: weighted rows"
    for weighted rows). The bins are taken as fixed: for quantile bins, whose edges come from
    the same scores, the target is the population's ECE over those edges.
    """

    edges: FloatArray
    count: FloatArray
    mean_predicted: FloatArray
    fraction_positive: FloatArray
    ece: float
    strategy: str
    ci_low: FloatArray
    ci_high: FloatArray
    ece_debiased: float
    ece_ci_low: float
    ece_ci_high: float
    ece_method: str
    confidence: float = 0.95

    def to_dict(self) -> dict[str, object]:
        def clean(values: FloatArray) -> list[float | None]:
            return [None if np.isnan(v) else float(v) for v in values]

        def number(value: float) -> float | None:
            return None if math.isnan(value) else value

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
            "ece_debiased": number(self.ece_debiased),
            "ece_ci_low": number(self.ece_ci_low),
            "ece_ci_high": number(self.ece_ci_high),
            "ece_method": self.ece_method,
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
    bin's fraction of positives with its Wilson interval at confidence, and the debiased ECE
    with its interval (both for unweighted rows only).

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
    sums = _score_sums(counts, above, moments=not counts.weighted)
    bins = BinSums(edges, count, positive, sums)
    return calibration_from_bins(bins, counts.total, counts.weighted, strategy, confidence)


@dataclass(frozen=True)
class BinSums:
    """What reliability bins are computed from: edges (B+1,), and per bin (B,) the weight of
    rows, of positives, and sums (3, B): of scores, of the positives' scores, of squared scores
    (zeros for weighted rows)."""

    edges: FloatArray
    count: FloatArray
    positive: FloatArray
    sums: FloatArray


def calibration_from_bins(
    bins: BinSums, total: float, weighted: bool, strategy: str, confidence: float
) -> Calibration:
    """The Calibration of bins summed elsewhere (the kernel's groups, or a cluster's rows) over
    total rows (their weight)."""
    edges, count, positive, sums = bins.edges, bins.count, bins.positive, bins.sums
    n_bins = edges.size - 1
    mean_predicted = np.full(n_bins, np.nan)
    fraction_positive = np.full(n_bins, np.nan)
    filled = count > 1e-12 * total  # differences of weighted sums may leave dust
    mean_predicted[filled] = sums[0][filled] / count[filled]
    fraction_positive[filled] = positive[filled] / count[filled]
    gaps = np.abs(fraction_positive[filled] - mean_predicted[filled])
    ece = float(dot(count[filled], gaps) / total)
    if weighted:  # weighted sums are not counts of trials: no binomial interval
        low = high = np.full(n_bins, np.nan)
        error = unavailable("weighted rows")
    else:
        low, high = wilson_bounds(
            np.round(positive), np.where(filled, np.round(count), 0.0), confidence
        )
        error = _error(positive, sums, filled, total, confidence)
    return Calibration(
        edges=edges,
        count=count,
        mean_predicted=mean_predicted,
        fraction_positive=fraction_positive,
        ece=ece,
        strategy=strategy,
        ci_low=low,
        ci_high=high,
        ece_debiased=error.debiased,
        ece_ci_low=error.low,
        ece_ci_high=error.high,
        ece_method=error.method,
        confidence=confidence,
    )


def _score_sums(counts: BinaryCounts, above: npt.NDArray[np.intp], moments: bool) -> FloatArray:
    """Per bin, (3, B): the sum of scores, the sum of the positives' scores, and (when moments,
    else zeros) the sum of squared scores. above (B+1,) indexes the kernel's rows."""
    # each bin is a contiguous run of the sorted distinct scores
    scores, group_tps, group_fps = counts.scores, counts.group_tps, counts.group_fps
    sums = np.zeros((3, above.size - 1))
    for b, (lo, hi) in enumerate(itertools.pairwise(above)):
        s, tps, fps = scores[hi:lo], group_tps[hi:lo], group_fps[hi:lo]
        sums[1, b] = dot(s, tps)
        sums[0, b] = sums[1, b] + dot(s, fps)
        if moments:
            # three-operand einsum: no temporary arrays, which cost more than the sums here
            sums[2, b] = float(np.einsum("i,i,i->", s, s, tps) + np.einsum("i,i,i->", s, s, fps))
    return sums


def _error(
    positive: FloatArray, sums: FloatArray, filled: BoolArray, rows: float, confidence: float
) -> CalibrationError:
    """Debiased ECE and its interval from the bins' counts of positives (B,) and score sums
    (3, B) of :func:`_score_sums`; only filled bins count."""
    signed = np.where(filled, positive - sums[0], 0.0)  # sum of (y - s) per bin
    # sum of (y - s)^2 = positives - 2 * (sum of the positives' scores) + sum of s^2
    squares = np.where(filled, positive - 2.0 * sums[1] + sums[2], 0.0)
    return calibration_error(signed, np.maximum(squares, 0.0), rows, confidence)


def _weighted_quantile_edges(counts: BinaryCounts, n_bins: int) -> FloatArray:
    """Edges at the weighted score quantiles (duplicates merged), spanning [0, 1]."""
    ascending = counts.ascending
    weight = (counts.group_tps + counts.group_fps)[::-1]
    cumulative = np.cumsum(weight) / counts.total
    picks = np.searchsorted(cumulative, np.linspace(0, 1, n_bins + 1)[1:-1], side="left")
    inner = np.unique(ascending[np.clip(picks, 0, ascending.size - 1)])
    return np.concatenate(([0.0], inner[(inner > 0.0) & (inner < 1.0)], [1.0]))
