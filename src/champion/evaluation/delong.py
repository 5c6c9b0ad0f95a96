"""DeLong's variance of the ROC AUC and the paired DeLong test, as R's pROC computes them.

Placements: for a positive row, the share of negatives it outscores (ties count one half); for a
negative row, the share of positives that outscore it. Rows sharing a score share a placement,
so the kernel's per-score counts give every placement without another sort.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from champion.evaluation.counts import BinaryCounts
from champion.evaluation.inputs import BoolArray, FloatArray
from champion.evaluation.metrics import dot
from champion.evaluation.stats import two_sided_normal_p, z_quantile


def group_placements(counts: BinaryCounts) -> tuple[FloatArray, FloatArray]:
    """Placement of a positive (V10) and of a negative (V01) scoring scores[k]; (D,) each."""
    # negatives strictly below scores[k] = N - fps[k + 1]; ties count one half
    v10 = counts.negatives - counts.fps[1:]
    v10 += 0.5 * counts.group_fps
    v10 /= counts.negatives
    v01 = counts.tps[1:] - 0.5 * counts.group_tps
    v01 /= counts.positives
    return v10, v01


def auc_and_variance(counts: BinaryCounts) -> tuple[float, float]:
    """AUC (mean placement) and DeLong's variance s10^2 / P + s01^2 / N (sample variances).

    NaN variance when a class has fewer than two rows (pROC returns NA there too).
    """
    positives, negatives = counts.positives, counts.negatives
    if positives < 1 or negatives < 1:
        return math.nan, math.nan
    v10, v01 = group_placements(counts)
    auc = float(dot(counts.group_tps, v10) / positives)
    if positives < 2 or negatives < 2:
        return auc, math.nan
    v10 -= auc
    v01 -= auc
    s10 = float(dot(counts.group_tps, v10 * v10)) / (positives - 1)
    s01 = float(dot(counts.group_fps, v01 * v01)) / (negatives - 1)
    return auc, s10 / positives + s01 / negatives


def delong_interval(variance: float, auc: float, confidence: float) -> tuple[float, float]:
    """Normal interval auc +/- z * sqrt(variance), clipped to [0, 1] as pROC's ci.auc."""
    if math.isnan(variance):
        return math.nan, math.nan
    half = z_quantile(confidence) * math.sqrt(variance)
    return max(0.0, auc - half), min(1.0, auc + half)


def row_placements(
    counts: BinaryCounts,
    y: BoolArray,
    score: FloatArray,
    group: npt.NDArray[np.intp] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Placements in row order: V10 of each positive row (P,), V01 of each negative row (N,);
    group: each row's score group when already known (counts.group_of(score))."""
    v10, v01 = group_placements(counts)
    group = counts.group_of(score) if group is None else group
    return v10[group[y]], v01[group[~y]]


@dataclass(frozen=True)
class DelongTest:
    """Paired DeLong test of AUC(challenger) - AUC(baseline) on the same rows."""

    delta: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    se: float
    note: str | None = None


def undefined_delong() -> DelongTest:
    """The paired DeLong test where a class has fewer than two rows."""
    note = "undefined: the paired DeLong test needs at least two rows of each class"
    return DelongTest(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, note)


def paired_delong(
    baseline: tuple[BinaryCounts, FloatArray],
    challenger: tuple[BinaryCounts, FloatArray],
    y: BoolArray,
    confidence: float,
    groups: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] | None = None,
) -> DelongTest:
    """Paired test of two correlated AUCs (DeLong et al. 1988), for (counts, scores (n,)) pairs
    (groups: each row's score group in either model, when already known).

    z = delta / sqrt(var_1 + var_2 - 2 cov); the interval delta +/- z_crit * se is not clipped.
    """
    positives, negatives = int(np.count_nonzero(y)), int(np.count_nonzero(~y))
    if positives < 2 or negatives < 2:
        return undefined_delong()
    known = groups or (None, None)
    b10, b01 = row_placements(baseline[0], y, baseline[1], known[0])
    c10, c01 = row_placements(challenger[0], y, challenger[1], known[1])
    d10, d01 = c10 - b10, c01 - b01
    delta = float(d10.mean())
    # var(c - b) = var_c + var_b - 2 cov(c, b), from the differences of placements directly
    variance = float(d10.var(ddof=1)) / positives + float(d01.var(ddof=1)) / negatives
    return delong_test(delta, variance, confidence)


def delong_test(delta: float, variance: float, confidence: float) -> DelongTest:
    """The paired DeLong test of a difference of AUCs delta with the variance of the mean
    difference of placements (var(d10) / P + var(d01) / N); see paired_delong."""
    se = math.sqrt(max(variance, 0.0))
    if se == 0.0:
        if delta == 0.0:
            note = "the two models rank every pair of rows alike: no difference to test"
            return DelongTest(0.0, 0.0, 1.0, 0.0, 0.0, 0.0, note)
        return DelongTest(delta, math.copysign(math.inf, delta), 0.0, delta, delta, 0.0)
    z = delta / se
    half = z_quantile(confidence) * se
    return DelongTest(delta, z, two_sided_normal_p(z), delta - half, delta + half, se)
