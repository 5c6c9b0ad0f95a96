"""How a multiclass model's probabilities become a decision, and what each rule is worth.

A binary model has one threshold to move; K classes have none: the predicted class is the
argmax, and the alternatives are to act on the k most probable classes (top-k: a shortlist a
person picks from) or to abstain when the top probability is low (selective prediction: the
rows below a confidence go to a person). ``decision_table`` gives top-k accuracy for every k
with intervals and each challenger's paired difference (McNemar on the rows only one model gets
right, as for accuracy); ``coverage_curve`` gives the accuracy of the rows kept at each
confidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from champion.errors import DataError
from champion.evaluation.inputs import FloatArray
from champion.evaluation.multiclass.inputs import MulticlassInput, multiclass_input
from champion.evaluation.multiclass.probability import top_k_hits
from champion.evaluation.stats import mcnemar, wilson_interval, z_quantile

Interval = tuple[float | None, float | None]


@dataclass(frozen=True)
class TopKRow:
    """Top-k accuracy at one k: each model's value and interval; each challenger's difference
    to the baseline with its interval and McNemar p-value (None when both models get the same
    rows right: nothing to test)."""

    k: int
    values: Mapping[str, float]
    intervals: Mapping[str, Interval]
    deltas: Mapping[str, float]
    delta_intervals: Mapping[str, Interval]
    p_values: Mapping[str, float | None]


@dataclass(frozen=True)
class DecisionTable:
    """Top-k accuracy of every model for k = 1 .. K - 1 (k = 1 is accuracy: the argmax); rows
    in k order; intervals at confidence (Wilson for unweighted rows, else normal)."""

    baseline: str
    classes: tuple[Any, ...]
    rows: tuple[TopKRow, ...]
    confidence: float
    weighted: bool


def _mean_interval(
    hits: FloatArray, weight: FloatArray | None, confidence: float
) -> tuple[float, Interval]:
    """The weighted share of hits (n,) with its interval: Wilson without weights, else the
    normal interval with the weighted rows' standard error."""
    if weight is None:
        low, high = wilson_interval(float(hits.sum()), float(hits.size), confidence)
        return float(hits.mean()), (low, high)
    total = float(weight.sum())
    value = float(np.dot(weight, hits) / total)
    se = math.sqrt(float(np.dot(weight**2, (hits - value) ** 2))) / total
    z = z_quantile(confidence)
    return value, (max(0.0, value - z * se), min(1.0, value + z * se))


def _paired(
    base: FloatArray, chal: FloatArray, weight: FloatArray | None, confidence: float
) -> tuple[float, Interval, float | None]:
    """challenger - baseline of the weighted hit shares (n,), its normal interval from the
    paired differences, and McNemar's p on the discordant rows (unweighted counts)."""
    diff = chal - base
    w = np.ones_like(diff) if weight is None else weight
    total = float(w.sum())
    delta = float(np.dot(w, diff) / total)
    se = math.sqrt(float(np.dot(w**2, (diff - delta) ** 2))) / total
    z = z_quantile(confidence)
    b = int(np.count_nonzero((base > 0) & (chal == 0)))
    c = int(np.count_nonzero((chal > 0) & (base == 0)))
    p = None if b + c == 0 else mcnemar(b, c).p_value
    return delta, (delta - z * se, delta + z * se), p


def decision_table(
    y_true: Any,
    probas: Mapping[str, Any],
    classes: Sequence[Any],
    *,
    baseline: str,
    sample_weight: Any = None,
    confidence: float = 0.95,
) -> DecisionTable:
    """Top-k accuracy of each model of probas (name -> (n, K), columns in classes order, the
    same for every model: line them up with ``align_classes`` first) for k = 1 .. K - 1, with
    intervals and each challenger's paired difference to baseline."""
    if baseline not in probas:
        raise DataError(f"baseline {baseline!r} is not among the models: {', '.join(probas)}.")
    inputs = {
        name: multiclass_input(y_true, p, classes, sample_weight) for name, p in probas.items()
    }
    first = inputs[baseline]
    rows = []
    for k in range(1, first.k):
        hits = {name: top_k_hits(data, k).astype(np.float64) for name, data in inputs.items()}
        found = {name: _mean_interval(h, first.weight, confidence) for name, h in hits.items()}
        paired = {
            name: _paired(hits[baseline], h, first.weight, confidence)
            for name, h in hits.items()
            if name != baseline
        }
        rows.append(
            TopKRow(
                k,
                {name: v for name, (v, _) in found.items()},
                {name: i for name, (_, i) in found.items()},
                {name: d for name, (d, _, _) in paired.items()},
                {name: i for name, (_, i, _) in paired.items()},
                {name: p for name, (_, _, p) in paired.items()},
            )
        )
    return DecisionTable(
        baseline, tuple(first.classes.tolist()), tuple(rows), confidence, first.weighted
    )


@dataclass(frozen=True)
class CoverageCurve:
    """Selective prediction: keeping the rows whose top probability is >= threshold[i] keeps
    the share coverage[i] of the rows (weighted), whose accuracy is accuracy[i]; arrays (m,),
    thresholds descending (one point per distinct top probability)."""

    threshold: FloatArray
    coverage: FloatArray
    accuracy: FloatArray


def coverage_of(data: MulticlassInput) -> CoverageCurve:
    """The accuracy-coverage curve of one model's validated input."""
    top = data.proba.max(axis=1)
    # the predicted class as everywhere else (argmax, ties to the first column), not top-1
    # accuracy's tie rule
    correct = (data.proba.argmax(axis=1) == data.y).astype(np.float64)
    w = np.ones(data.n) if data.weight is None else data.weight
    order = np.argsort(-top, kind="stable")
    top, correct, w = top[order], correct[order], w[order]
    kept = np.cumsum(w)
    right = np.cumsum(w * correct)
    # one point per distinct confidence: the last row of each run of equal top probabilities
    last = np.r_[np.flatnonzero(np.diff(top)), top.size - 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(kept[last] > 0, right[last] / kept[last], np.nan)
    return CoverageCurve(top[last], kept[last] / kept[-1], accuracy)


def coverage_curve(
    y_true: Any, proba: Any, classes: Sequence[Any], sample_weight: Any = None
) -> CoverageCurve:
    """The accuracy-coverage curve of probabilities proba (n, K) in classes order."""
    return coverage_of(multiclass_input(y_true, proba, classes, sample_weight))
