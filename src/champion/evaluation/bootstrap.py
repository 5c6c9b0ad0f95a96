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
    average_precision_from_groups,
    clipped_log_losses,
    roc_auc_from_groups,
    threshold_metrics,
)

# cells per (b, n) block: about 32 MB of float64, so a chunk of resamples stays in memory
_BLOCK_CELLS = 4_000_000


@dataclass(frozen=True)
class ResampleModel:
    """One model's per-row data for resampling.

    group: (n,) intp, index k of the row's score in counts.scores (D groups);
    predicted: (n,) float64, 1.0 where score >= threshold; log_loss, squared_error: (n,) float64
    per-row losses, or None when the scores are not probabilities.
    """

    group: npt.NDArray[np.intp]
    n_groups: int
    predicted: FloatArray
    log_loss: FloatArray | None
    squared_error: FloatArray | None


def prepare(
    counts: BinaryCounts, y: BoolArray, score: FloatArray, threshold: float, probabilities: bool
) -> ResampleModel:
    """Per-row data of one model, for labels y (n,) and scores (n,)."""
    group = counts.group_of(score)
    log_loss = squared = None
    if probabilities:
        positive_loss, negative_loss = clipped_log_losses(counts.scores)
        log_loss = np.where(y, positive_loss[group], negative_loss[group])
        squared = (y - score) ** 2
    predicted = (score >= threshold).astype(np.float64)
    return ResampleModel(group, counts.scores.size, predicted, log_loss, squared)


def resample_chunks(
    n: int, n_boot: int, random_state: int, weight: FloatArray | None
) -> Iterator[FloatArray]:
    """Yield (b, n) row-count matrices of ordinary (multinomial) bootstrap resamples, B in all.

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


def _sums(keys: npt.NDArray[np.intp], weights: FloatArray, size: int) -> FloatArray:
    """Weighted counts per key (bincount with float weights returns float64)."""
    return np.asarray(np.bincount(keys, weights, size), dtype=np.float64)


def resampled_metrics(
    model: ResampleModel, y: FloatArray, counts: FloatArray
) -> dict[str, FloatArray]:
    """Every metric of one model under each resample: y (n,) 0/1 floats, counts (b, n) -> (b,)."""
    b = counts.shape[0]
    positives = counts @ y
    total = counts.sum(axis=1)
    negatives = total - positives
    tp = counts @ (y * model.predicted)
    fp = counts @ ((1.0 - y) * model.predicted)
    values = threshold_metrics(tp, fp, positives, negatives)
    if model.log_loss is not None and model.squared_error is not None:
        values["log_loss"] = (counts @ model.log_loss) / total
        values["brier"] = (counts @ model.squared_error) / total
    keys = (model.group + (np.arange(b) * model.n_groups)[:, None]).ravel()
    size = b * model.n_groups
    shape = (b, model.n_groups)
    group_tps = _sums(keys, (counts * y).ravel(), size).reshape(shape)
    group_fps = _sums(keys, (counts * (1.0 - y)).ravel(), size).reshape(shape)
    values["roc_auc"] = roc_auc_from_groups(group_tps, group_fps)
    values["average_precision"] = average_precision_from_groups(group_tps, group_fps)
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
