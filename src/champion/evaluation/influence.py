"""Analytic standard errors from per-row influence values (the delta method), in O(n log n).

Every metric here is a smooth function of means over the rows (a ratio of counts, a mean loss,
a sum of precisions over the positives). For such a statistic T, the first-order (von Mises)
expansion T - T_true ~ (1/n) sum_i psi_i holds, where psi_i, the empirical influence of row i,
has mean zero; so Var(T) ~ sum_i psi_i^2 / n^2, and a paired difference of two models on the
same rows has the influence psi_challenger - psi_baseline. At thousands of rows this gives what
a bootstrap of thousands of resamples gives, in one pass.

ROC AUC is left to DeLong (champion.evaluation.delong: the same idea, exact for the U-statistic).
Unweighted rows only: sample weights change the sampling design these formulas assume.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from champion.evaluation.counts import BinaryCounts, count_by_threshold
from champion.evaluation.inputs import BoolArray, FloatArray
from champion.evaluation.metrics import clipped_log_losses
from champion.evaluation.stats import two_sided_normal_p, z_quantile

# the range each metric lives in: a normal interval is clipped to it
_RANGE = {"mcc": (-1.0, 1.0), "log_loss": (0.0, math.inf)}


@dataclass(frozen=True)
class Influences:
    """Per-row influence values of every defined metric of one model: name -> psi (n,); group
    (n,): each row's index among the distinct scores, highest first (BinaryCounts.group_of)."""

    values: dict[str, float]
    psi: dict[str, FloatArray]
    group: npt.NDArray[np.intp]


def _ratio(numerator: FloatArray, denominator: FloatArray) -> tuple[float, FloatArray]:
    """mean(numerator) / mean(denominator) and its influence values, per row (n,)."""
    scale = float(np.mean(denominator))
    if scale <= 0.0:
        return math.nan, np.full(numerator.size, np.nan)
    value = float(np.mean(numerator)) / scale
    return value, (numerator - value * denominator) / scale


def _mcc(cells: tuple[FloatArray, FloatArray, FloatArray, FloatArray]) -> tuple[float, FloatArray]:
    """MCC of the 0/1 cell indicators (tp, fp, fn, tn), each (n,), and its influence values."""
    tp, fp, fn, tn = (float(np.mean(c)) for c in cells)
    factors = (tp + fp, tp + fn, tn + fp, tn + fn)
    if min(factors) <= 0.0:
        return math.nan, np.full(cells[0].size, np.nan)
    root = math.sqrt(math.prod(factors))
    value = (tp * tn - fp * fn) / root
    f1, f2, f3, f4 = factors
    # d MCC / d p_c for each cell c: the numerator's derivative over the root, minus half the
    # value times the derivative of the log of the product of the four margins
    gradient = (
        tn / root - 0.5 * value * (1 / f1 + 1 / f2),
        -fn / root - 0.5 * value * (1 / f1 + 1 / f3),
        -fp / root - 0.5 * value * (1 / f2 + 1 / f4),
        tp / root - 0.5 * value * (1 / f3 + 1 / f4),
    )
    psi = sum(g * c for g, c in zip(gradient, cells, strict=True))
    # MCC does not change when every cell is scaled alike, so the gradient is orthogonal to the
    # cell proportions: psi has mean zero as it is
    return value, np.asarray(psi, dtype=np.float64)


def _average_precision(
    y: BoolArray, counts: BinaryCounts, group: npt.NDArray[np.intp]
) -> tuple[float, FloatArray]:
    """Average precision (precision at each positive's score, averaged over the positives, ties
    counted at their threshold as scikit-learn does) and its influence values (n,), from the
    kernel's counts per distinct score and each row's group (no sort of the rows).

    With A_k, B_k the positives and the rows scoring >= s_k and T_k = A_k / B_k, AP = U / pi,
    U = (1/n) sum_k y_k T_k, pi = (1/n) sum_k y_k. Row i moves its own term, and the precision of
    every positive k scoring at most s_i: IF_U(i) = y_i T_i - U + sum_{k: y_k, s_k <= s_i}
    (y_i - T_k) / B_k, and IF_AP(i) = (IF_U(i) - AP (y_i - pi)) / pi.
    """
    n, positives = counts.total, counts.positives
    if positives == 0 or positives == n:
        return math.nan, np.full(y.size, np.nan)
    above = counts.tps[1:] + counts.fps[1:]  # B_k, (D,)
    precision = counts.tps[1:] / above  # T_k, (D,)
    weight = counts.group_tps  # positives scoring exactly s_k, (D,)
    ap = float(np.dot(weight, precision)) / positives
    u, pi = ap * positives / n, positives / n
    # sums over the groups scoring at most s_k (k itself included): suffix sums, (D,)
    suffix_inv = np.cumsum((weight / above)[::-1])[::-1]
    suffix_weighted = np.cumsum((weight * precision / above)[::-1])[::-1]
    # IF_AP of a row depends only on its group and its label: tabulate both cases per group,
    # (2, D) flattened, and gather once (random access into the table is the costly part)
    negative = (-suffix_weighted - u + ap * pi) / pi
    positive = (precision + suffix_inv - suffix_weighted - u - ap * (1.0 - pi)) / pi
    table = np.concatenate((negative, positive))
    return ap, table[group + y * precision.size]


def influences(
    y: BoolArray,
    score: FloatArray,
    threshold: float,
    probabilities: bool,
    counts: BinaryCounts | None = None,
) -> Influences:
    """Influence values of every metric of one model, for labels y (n,) and scores (n,) (counts:
    the kernel of these rows, built when not given); also each row's score group (n,), which
    the paired DeLong test reuses."""
    counts = counts if counts is not None else count_by_threshold(y, score, None)
    group = counts.group_of(score)
    predicted = score >= threshold
    yf, pf = y.astype(np.float64), predicted.astype(np.float64)
    tp, fp = yf * pf, (1.0 - yf) * pf
    fn, tn = yf * (1.0 - pf), (1.0 - yf) * (1.0 - pf)
    values: dict[str, float] = {}
    psi: dict[str, FloatArray] = {}
    values["accuracy"], psi["accuracy"] = _ratio(tp + tn, np.ones_like(yf))
    values["precision"], psi["precision"] = _ratio(tp, pf)
    values["recall"], psi["recall"] = _ratio(tp, yf)
    values["specificity"], psi["specificity"] = _ratio(tn, 1.0 - yf)
    values["f1"], psi["f1"] = _ratio(2.0 * tp, pf + yf)
    values["balanced_accuracy"] = 0.5 * (values["recall"] + values["specificity"])
    psi["balanced_accuracy"] = 0.5 * (psi["recall"] + psi["specificity"])
    values["mcc"], psi["mcc"] = _mcc((tp, fp, fn, tn))
    values["average_precision"], psi["average_precision"] = _average_precision(y, counts, group)
    if probabilities:
        positive_loss, negative_loss = clipped_log_losses(score)
        for name, loss in (
            ("log_loss", np.where(y, positive_loss, negative_loss)),
            ("brier", (yf - score) ** 2),
        ):
            values[name] = float(np.mean(loss))
            psi[name] = loss - values[name]
    return Influences(values, psi, group)


def standard_error(psi: FloatArray) -> float:
    """The delta-method standard error sqrt(sum psi_i^2) / n of a statistic with influences psi."""
    if psi.size < 2:
        return math.nan
    # one pass: a NaN or infinite influence makes the sum of squares NaN or infinite
    squares = float(np.dot(psi, psi))
    return math.sqrt(squares) / psi.size if math.isfinite(squares) else math.nan


def normal_interval(
    value: float, se: float, confidence: float, metric: str = ""
) -> tuple[float, float]:
    """value -/+ z * se, clipped to the metric's range ([0, 1] unless stated); NaN when se is."""
    if not (math.isfinite(value) and math.isfinite(se)):
        return math.nan, math.nan
    z = z_quantile(confidence)
    low, high = _RANGE.get(metric, (0.0, 1.0))
    return max(low, value - z * se), min(high, value + z * se)


def paired_difference(
    base: FloatArray, challenger: FloatArray, delta: float, confidence: float
) -> tuple[float, float, float]:
    """(low, high, two-sided p) of the paired difference challenger - base from the rows'
    influence values (each (n,)): the difference of influences is the difference's influence."""
    return paired_interval(delta, standard_error(challenger - base), confidence)


def paired_interval(delta: float, se: float, confidence: float) -> tuple[float, float, float]:
    """(low, high, two-sided p) of a paired difference delta with standard error se (normal;
    p = 1 when both are 0)."""
    if not (math.isfinite(delta) and math.isfinite(se)) or se == 0.0:
        return math.nan, math.nan, (1.0 if se == 0.0 and delta == 0.0 else math.nan)
    z = z_quantile(confidence)
    return delta - z * se, delta + z * se, two_sided_normal_p(delta / se)
