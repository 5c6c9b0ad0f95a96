"""Bootstrap distributions of every metric without re-sorting.

A resample only changes how often each row counts, never the order of the scores. Each model is
prepared once (the index of every row's distinct score, its prediction at the threshold, its
per-row losses); a chunk of resamples is then a (b, n) matrix of row counts, and every metric of
every resample follows from matrix-vector products and per-score sums in O(n) per resample.
Paired comparisons use the very same count matrix for all models.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from champion.evaluation.counts import BinaryCounts
from champion.evaluation.inputs import BoolArray, FloatArray
from champion.evaluation.metrics import (
    brier,
    clipped_log_losses,
    log_loss,
    ranking_metrics_from_cumulative,
    threshold_metrics,
)

# cells per (b, n) block: about 32 MB of float64, so a chunk of resamples stays in memory
_BLOCK_CELLS = 4_000_000


@dataclass(frozen=True)
class ResampleModel:
    """One model's per-row data for resampling.

    order: (n,) intp, rows by decreasing score; y_sorted: (n,) float64 labels in that order;
    ends: (D,) intp, where each distinct score's run ends in that order, or None when every
    score is distinct; predicted: (n,) float64, 1.0 where score >= threshold (row order);
    log_loss, squared_error: (n,) float64 per-row losses, or None when the scores are not
    probabilities.
    """

    order: npt.NDArray[np.intp]
    y_sorted: FloatArray
    ends: npt.NDArray[np.intp] | None
    predicted: FloatArray
    log_loss: FloatArray | None
    squared_error: FloatArray | None


def prepare(
    counts: BinaryCounts, y: BoolArray, score: FloatArray, threshold: float, probabilities: bool
) -> ResampleModel:
    """Per-row data of one model, for labels y (n,) and scores (n,)."""
    order = np.argsort(score)[::-1]
    sorted_score = score[order]
    ends = None
    if counts.scores.size < score.size:
        ends = np.flatnonzero(np.r_[sorted_score[1:] != sorted_score[:-1], True])
    log_loss = squared = None
    if probabilities:
        positive_loss, negative_loss = clipped_log_losses(score)
        log_loss = np.where(y, positive_loss, negative_loss)
        squared = (y - score) ** 2
    predicted = (score >= threshold).astype(np.float64)
    y_sorted = y[order].astype(np.float64)
    return ResampleModel(order, y_sorted, ends, predicted, log_loss, squared)


def resample_chunks(
    n: int, n_boot: int, random_state: int, weight: FloatArray | None
) -> Iterator[FloatArray]:
    """Yield (b, n) row-count matrices of ordinary (multinomial) bootstrap resamples, B in all.

    Row j holds how often each row of the data is drawn in resample j (times its weight).
    The stream of random draws does not depend on the chunk size, so the same random_state gives
    the same resamples for one model alone and for that model inside a comparison.
    """
    rng = np.random.default_rng(random_state)
    per_chunk = max(1, min(n_boot, _BLOCK_CELLS // max(n, 1)))
    done = 0
    while done < n_boot:
        b = min(per_chunk, n_boot - done)
        picks = rng.integers(0, n, size=(b, n))
        picks += (np.arange(b) * n)[:, None]
        counts = np.bincount(picks.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)
        if weight is not None:
            counts *= weight
        done += b
        yield counts


def resampled_metrics(
    model: ResampleModel, y: FloatArray, counts: FloatArray
) -> dict[str, FloatArray]:
    """Every metric of one model under each resample: y (n,) 0/1 floats, counts (b, n) -> (b,)."""
    positives = counts @ y
    total = counts.sum(axis=1)
    tp = counts @ (y * model.predicted)
    fp = counts @ model.predicted - tp
    values = threshold_metrics(tp, fp, positives, total - positives)
    if model.log_loss is not None and model.squared_error is not None:
        values["log_loss"] = (counts @ model.log_loss) / total
        values["brier"] = (counts @ model.squared_error) / total
    # cumulative counts down the sorted rows, read at the end of each run of tied scores
    cum_all = np.take(counts, model.order, axis=1)
    cum_tps = cum_all * model.y_sorted
    np.cumsum(cum_tps, axis=1, out=cum_tps)
    np.cumsum(cum_all, axis=1, out=cum_all)
    if model.ends is not None:
        cum_tps = cum_tps[:, model.ends]
        cum_all = cum_all[:, model.ends]
    cum_all -= cum_tps
    values["roc_auc"], values["average_precision"] = ranking_metrics_from_cumulative(
        cum_tps, cum_all
    )
    return values


def kernel_metrics(counts: BinaryCounts, threshold: float, probabilities: bool) -> dict[str, float]:
    """Every metric resampled_metrics gives (the same names, in the same order) for one resample
    held as a kernel rather than as row counts: its rows grouped by distinct score, each
    weighing its weight times how often the resample drew it (as a cluster computes it; see
    champion.evaluation.counts.counts_from_groups). Equal to resampled_metrics on the same
    resample up to the order of floating-point sums; scores no drawn row carries may be
    missing from the kernel, which changes nothing. NaN where undefined: a resample that drew
    no weight leaves every metric undefined. probabilities: whether log loss and Brier score
    apply (as prepare's)."""
    k = counts.index_at(threshold)
    tp, fp = counts.tps[k], counts.fps[k]
    values = {
        name: float(value)
        for name, value in threshold_metrics(tp, fp, counts.positives, counts.negatives).items()
    }
    if probabilities:
        drawn = counts.total > 0.0
        values["log_loss"] = log_loss(counts) if drawn else float("nan")
        values["brier"] = brier(counts) if drawn else float("nan")
    # the leading "nothing predicted" entry adds a group of no weight: the sums are unchanged
    auc, average_precision = ranking_metrics_from_cumulative(counts.tps.copy(), counts.fps.copy())
    values["roc_auc"], values["average_precision"] = float(auc), float(average_precision)
    return values


def bootstrap(
    y: BoolArray,
    models: Sequence[ResampleModel],
    weight: FloatArray | None,
    n_boot: int,
    random_state: int,
) -> list[dict[str, FloatArray]]:
    """Resampled values of every metric for each model, (n_boot,) each, on shared resamples."""
    y_float = y.astype(np.float64)
    parts: list[dict[str, list[FloatArray]]] = [{} for _ in models]
    for counts in resample_chunks(y.size, n_boot, random_state, weight):
        for part, model in zip(parts, models, strict=True):
            for name, values in resampled_metrics(model, y_float, counts).items():
                part.setdefault(name, []).append(values)
    return [{name: np.concatenate(chunks) for name, chunks in part.items()} for part in parts]


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    undefined: int  # resamples where the value was undefined and left out


def percentile_interval(values: FloatArray, confidence: float) -> Interval:
    """Percentile bootstrap interval of values (B,), ignoring undefined (NaN) resamples."""
    finite = values[~np.isnan(values)]
    undefined = values.size - finite.size
    if finite.size == 0:
        return Interval(float("nan"), float("nan"), undefined)
    alpha = 1.0 - confidence
    low, high = np.quantile(finite, [alpha / 2.0, 1.0 - alpha / 2.0])
    return Interval(float(low), float(high), undefined)


def two_sided_p(deltas: FloatArray) -> float:
    """Bootstrap p-value for "no difference": twice the smaller tail beyond zero, (k+1)/(B+1)."""
    finite = deltas[~np.isnan(deltas)]
    if finite.size == 0:
        return float("nan")
    if np.all(finite == 0):
        return 1.0
    below = (np.count_nonzero(finite <= 0) + 1) / (finite.size + 1)
    above = (np.count_nonzero(finite >= 0) + 1) / (finite.size + 1)
    return float(min(1.0, 2.0 * min(below, above)))
