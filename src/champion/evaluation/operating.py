"""Matched operating points: each model at the threshold it chooses for itself, the quantity the
threshold was chosen for with its interval, and each challenger's paired difference.

A criterion (see ``champion.evaluation.criteria``) picks each model's threshold with the
threshold sweep on the *choose* rows; the compared quantity (mean cost per row, recall, false
positive rate, Youden's J, F1) is then read at that fixed threshold on the *report* rows with an
interval, and challenger - baseline (each model at its own threshold, the same report rows) with
a paired interval and a two-sided p-value.

Intervals come from the rows' influence values at the fixed threshold (the delta method; see
``champion.evaluation.influence``): recall has psi_i = (y_i pred_i - recall y_i) / p with p the
share of positives, the FPR the same over the negatives, J their difference, the mean cost
c_i - mean, F1 the influence of the ratio 2 TP / (predicted + positives). A plain proportion
(recall, FPR, the precision or recall reached) alone gets Wilson's interval; a paired difference
subtracts the two models' influence values row by row. With sample weights the values are
weighted and no interval is given (the influence formulas assume plain rows; the reason says so).

Choosing and reporting on the same rows is optimistic. The chosen threshold is the best of every
candidate threshold *on these rows*, so part of what makes it look best is these rows' noise:
the reported value leans the criterion's way (recall, J and F1 too high; cost and FPR too low),
and an interval that treats the threshold as fixed covers the value the threshold really has
less often than it says. A holdout split (``holdout=0.5``: stratified by class, the same rows
for the same seed) chooses on one part and reports on the other: the threshold is then fixed
before the report rows are seen and the intervals keep their level, on fewer rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from champion.errors import DataError
from champion.evaluation.counts import Confusion, count_by_threshold
from champion.evaluation.criteria import Criterion, parse_criterion
from champion.evaluation.estimates import optional
from champion.evaluation.holdout import Split, choose_and_report
from champion.evaluation.influence import paired_difference, paired_interval, standard_error
from champion.evaluation.inputs import BoolArray, FloatArray, binary_labels, confidence_level
from champion.evaluation.inputs import scores as validated_scores
from champion.evaluation.inputs import weights as validated_weights
from champion.evaluation.operating_results import (
    MatchedPoint,
    MatchedPoints,
    PointDifference,
    PointEstimate,
)
from champion.evaluation.stats import wilson_interval, z_quantile
from champion.evaluation.sweep import OperatingPoint, threshold_sweep

__all__ = [
    "MatchedPoint",
    "MatchedPoints",
    "PointDifference",
    "PointEstimate",
    "matched_points",
]

WEIGHTED_REASON = (
    "sample weights: the influence-value intervals assume unweighted rows (each row one "
    "independent draw), so no interval is given"
)
# a quantity: terms (sign, numerator (n,), denominator (n,)), its value sum(sign * mean(num) /
# mean(den)) over the terms
Term = tuple[float, FloatArray, FloatArray]


def _cells(y: BoolArray, predicted: BoolArray) -> dict[str, FloatArray]:
    """0/1 indicators per row (n,): tp, fp, fn, positive, negative, predicted."""
    yf, pf = y.astype(np.float64), predicted.astype(np.float64)
    return {
        "tp": yf * pf,
        "fp": (1.0 - yf) * pf,
        "fn": yf * (1.0 - pf),
        "positive": yf,
        "negative": 1.0 - yf,
        "predicted": pf,
    }


def _terms(criterion: Criterion, c: dict[str, FloatArray]) -> list[Term]:
    """The compared quantity as terms over the report rows' indicators."""
    name = criterion.name
    if name == "min_cost":
        cost = criterion.cost_fp * c["fp"] + criterion.cost_fn * c["fn"]
        return [(1.0, cost, np.ones_like(cost))]
    if name == "recall_at_precision":
        return [(1.0, c["tp"], c["positive"])]
    if name == "fpr_at_recall":
        return [(1.0, c["fp"], c["negative"])]
    if name == "youden":
        return [(1.0, c["tp"], c["positive"]), (-1.0, c["fp"], c["negative"])]
    return [(1.0, 2.0 * c["tp"], c["predicted"] + c["positive"])]


def _reached_terms(criterion: Criterion, c: dict[str, FloatArray]) -> list[Term] | None:
    """The constrained metric reached: precision (recall_at_precision) or recall
    (fpr_at_recall); None for criteria without a constraint."""
    if criterion.name == "recall_at_precision":
        return [(1.0, c["tp"], c["predicted"])]
    if criterion.name == "fpr_at_recall":
        return [(1.0, c["tp"], c["positive"])]
    return None


def _mean(values: FloatArray, freq: FloatArray | None) -> float:
    """The mean over rows: of values (n,), or of cells (c,) holding freq (c,) rows each."""
    return float(np.mean(values)) if freq is None else float(np.dot(freq, values) / freq.sum())


def _total(values: FloatArray, freq: FloatArray | None) -> float:
    """The sum over rows (see _mean)."""
    return float(values.sum()) if freq is None else float(np.dot(freq, values))


def _se(psi: FloatArray, freq: FloatArray | None) -> float:
    """standard_error of the influence values psi of rows (n,), or of cells (c,) holding freq
    (c,) rows each: sqrt(sum of squares) / rows either way."""
    if freq is None:
        return standard_error(psi)
    rows = float(freq.sum())
    squares = float(np.dot(freq, psi * psi))
    if rows < 2 or not math.isfinite(squares):
        return math.nan
    return math.sqrt(squares) / rows


def _value(
    terms: list[Term], weight: FloatArray | None, freq: FloatArray | None = None
) -> tuple[float, FloatArray | None]:
    """The quantity (NaN when a denominator is zero) and, unweighted, its influence values
    (n,): for a ratio R = mean(num) / mean(den), psi_i = (num_i - R den_i) / mean(den).
    freq: the rows are cells of identical rows, freq (n,) of each (unweighted only)."""
    total = 0.0
    psi = np.zeros(terms[0][1].size)
    for sign, num, den in terms:
        w_num, w_den = (num, den) if weight is None else (weight * num, weight * den)
        scale = _mean(w_den, freq)
        if scale <= 0.0:
            return math.nan, None
        ratio = _mean(w_num, freq) / scale
        total += sign * ratio
        psi += sign * (num - ratio * den) / scale
    return total, None if weight is not None else psi


def _estimate(
    terms: list[Term],
    weight: FloatArray | None,
    confidence: float,
    bounds: tuple[float, float],
    proportion: bool,
    freq: FloatArray | None = None,
) -> tuple[PointEstimate, FloatArray | None]:
    """The quantity with its interval (Wilson for a plain proportion, else the delta method
    clipped to bounds), and its influence values (n,) (None when weighted or undefined);
    freq as for _value."""
    value, psi = _value(terms, weight, freq)
    if not math.isfinite(value):
        reason = "undefined: no report row is predicted positive at this threshold"
        return PointEstimate(None, None, None, None, reason), None
    if psi is None:
        return PointEstimate(value, None, None, None, WEIGHTED_REASON), None
    if proportion:
        _, num, den = terms[0]
        low, high = wilson_interval(_total(num, freq), _total(den, freq), confidence)
        return PointEstimate(value, low, high, "wilson"), psi
    se = _se(psi, freq)
    half = z_quantile(confidence) * se
    if not math.isfinite(half):
        return PointEstimate(value, None, None, None, "too few report rows for an interval"), psi
    low, high = max(bounds[0], value - half), min(bounds[1], value + half)
    return PointEstimate(value, low, high, "delta"), psi


def _bounds(criterion: Criterion) -> tuple[float, float]:
    """The range the quantity lives in: an interval is clipped to it."""
    if criterion.name == "min_cost":
        return 0.0, max(criterion.cost_fp, criterion.cost_fn)
    return (-1.0, 1.0) if criterion.name == "youden" else (0.0, 1.0)


@dataclass(frozen=True)
class _Rows:
    """One model's rows: labels, scores and weights (each (n,)) of the choose and report parts."""

    y_choose: BoolArray
    s_choose: FloatArray
    w_choose: FloatArray | None
    y_report: BoolArray
    s_report: FloatArray
    w_report: FloatArray | None


def _measure(
    name: str, rows: _Rows, criterion: Criterion, confidence: float
) -> tuple[MatchedPoint, FloatArray | None]:
    """The model's threshold chosen on the choose rows, its quantity at that threshold on the
    report rows, and the quantity's influence values there (n_report,)."""
    counts = count_by_threshold(rows.y_choose, rows.s_choose, rows.w_choose)
    chosen = criterion.choose(threshold_sweep(counts))
    predicted = None if chosen.threshold is None else rows.s_report >= chosen.threshold
    w = rows.w_report
    return _measured_at(name, chosen, rows.y_report, predicted, w, None, criterion, confidence)


def _measured_at(
    name: str,
    chosen: OperatingPoint,
    y: BoolArray,
    predicted: BoolArray | None,
    w: FloatArray | None,
    freq: FloatArray | None,
    criterion: Criterion,
    confidence: float,
) -> tuple[MatchedPoint, FloatArray | None]:
    """The model at its chosen threshold: its quantity on the report rows (labels y, the
    predictions there, weights w, each (n,); or cells holding freq (n,) rows each) with its
    influence values; undefined when no threshold was chosen (predicted None)."""
    if chosen.threshold is None or predicted is None:
        missing = PointEstimate(None, None, None, None, chosen.reason)
        return MatchedPoint(name, chosen, missing, None, None), None
    c = _cells(y, predicted)
    quantity, psi = _estimate(
        _terms(criterion, c), w, confidence, _bounds(criterion), criterion.proportion, freq
    )
    reached_terms = _reached_terms(criterion, c)
    reached = None
    if reached_terms is not None:
        reached, _ = _estimate(reached_terms, w, confidence, (0.0, 1.0), True, freq)
    scale = w if freq is None else freq
    sums = {k: float(v.sum() if scale is None else np.dot(scale, v)) for k, v in c.items()}
    confusion = Confusion(
        tn=sums["negative"] - sums["fp"], fp=sums["fp"], fn=sums["fn"], tp=sums["tp"]
    )
    return MatchedPoint(name, chosen, quantity, reached, confusion), psi


def _difference(
    base: tuple[MatchedPoint, FloatArray | None],
    other: tuple[MatchedPoint, FloatArray | None],
    criterion: Criterion,
    confidence: float,
    freq: FloatArray | None = None,
) -> PointDifference:
    """other - base of the quantity, paired through the rows' influence values (or cells'
    holding freq rows each)."""
    (b, b_psi), (c, c_psi) = base, other
    if b.quantity.value is None or c.quantity.value is None:
        lacking = b if b.quantity.value is None else c
        reason = f"undefined: {lacking.model} has no value ({lacking.quantity.reason})"
        return PointDifference(c.model, b.model, None, None, None, None, None, "undefined", reason)
    delta = c.quantity.value - b.quantity.value
    if b_psi is None or c_psi is None:
        return PointDifference(
            c.model, b.model, delta, None, None, None, None, "undefined", WEIGHTED_REASON
        )
    if freq is None:
        low, high, p = paired_difference(b_psi, c_psi, delta, confidence)
    else:
        low, high, p = paired_interval(delta, _se(c_psi - b_psi, freq), confidence)
    rows = f"{b_psi.size if freq is None else int(freq.sum()):,} report rows"
    if not math.isfinite(p):
        reason = f"undefined: no paired interval on {rows}"
        return PointDifference(c.model, b.model, delta, None, None, None, None, "undefined", reason)
    verdict = "no significant difference"
    if p < 1.0 - confidence:
        improves = delta < 0 if criterion.lower_is_better else delta > 0
        verdict = "better" if improves else "worse"
    reason = f"paired delta method on {rows}, each model at its own threshold"
    if not (math.isfinite(low) and math.isfinite(high)):
        reason = f"the two models classify the {rows} alike: no difference to estimate"
    return PointDifference(
        c.model, b.model, delta, optional(low), optional(high), p, "delta", verdict, reason
    )


def _part(values: Any, mask: BoolArray | None) -> Any:
    return values if mask is None or values is None else values[mask]


def matched_points(
    y_true: Any,
    scores: Mapping[str, Any],
    criterion: Criterion | str,
    *,
    baseline: str | None = None,
    pos_label: Any = 1,
    sample_weight: Any = None,
    confidence: float = 0.95,
    holdout: float | None = None,
    seed: int = 0,
    split: Split | None = None,
) -> MatchedPoints:
    """Each model of scores (name -> scores (n,)) at the threshold the criterion (a Criterion
    or its text, e.g. "min_cost:1:5") chooses for it, compared with baseline (default: the
    first model) on labels y_true (n,).

    holdout (a fraction in (0, 1)) chooses on that share of the rows (stratified by class,
    drawn with seed) and reports on the rest; split gives the two parts as masks instead.
    Without either, the threshold is chosen and reported on the same rows, which is optimistic
    (see the module). Bad input raises DataError.
    """
    y = binary_labels(y_true, pos_label)
    if not scores:
        raise DataError("give at least one model's scores to find its operating point.")
    values = {
        name: validated_scores(s, y.size, f"scores of {name!r}") for name, s in scores.items()
    }
    weight = validated_weights(sample_weight, y.size)
    chosen = parse_criterion(criterion) if isinstance(criterion, str) else criterion
    base = next(iter(values)) if baseline is None else baseline
    if base not in values:
        raise DataError(f"baseline {base!r} is none of the models: {', '.join(values)}.")
    level = confidence_level(confidence)
    parts = choose_and_report(y, holdout, seed, split)
    choose, report = (None, None) if parts is None else (parts.choose, parts.report)
    measured = {
        name: _measure(
            name,
            _Rows(
                _part(y, choose), _part(s, choose), _part(weight, choose),
                _part(y, report), _part(s, report), _part(weight, report),
            ),
            chosen,
            level,
        )
        for name, s in values.items()
    }  # fmt: skip
    differences = {
        name: _difference(measured[base], found, chosen, level)
        for name, found in measured.items()
        if name != base
    }
    return MatchedPoints(
        criterion=chosen,
        baseline=base,
        confidence=level,
        points={name: found[0] for name, found in measured.items()},
        differences=differences,
        chosen_on="same rows" if parts is None else "holdout",
        choose_rows=int(y.size if choose is None else np.count_nonzero(choose)),
        report_rows=int(y.size if report is None else np.count_nonzero(report)),
        fraction=None if parts is None else parts.fraction,
        seed=None if parts is None else parts.seed,
        weighted=weight is not None,
    )
