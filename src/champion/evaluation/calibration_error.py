"""Expected calibration error (ECE) without its upward bias, and an interval for it.

The binned ECE of a population is ``sum_b |theta_b|`` with ``theta_b = E[(y - s) 1{s in bin b}]``
(the bin's share of rows times its gap between the fraction of positives and the mean score).
Each ``theta_b`` is estimated by a plain mean over the rows, ``theta_hat_b``, nearly normal with a
variance ``v_b`` read from the bin's sums. The plug-in ``sum_b |theta_hat_b|`` overestimates: a
bin with no gap still shows ``|noise|``, about ``0.8 sqrt(v_b)`` on average. No estimator of
``|theta|`` is unbiased for every ``theta`` (the absolute value is not differentiable at 0), so
instead of pretending the bias away the interval brackets it:

* upper side: the plug-in ``|theta_hat_b|``, never below ``|theta_b|`` on average (Jensen);
* lower side: ``2 |theta_hat_b| - E|N(theta_hat_b, 3 v_b)|``, never above ``|theta_b|`` on
  average: its mean is ``2 E|N(theta_b, v_b)| - E|N(theta_b, 4 v_b)|``, which equals
  ``|theta_b|`` for a calibrated bin (both terms are then ``sqrt(v_b)`` times the same constant)
  and for a far-off one, and is below it in between (its derivative in ``|theta_b|`` is
  ``4 Phi(t) - 2 Phi(t / 2) - 2``, t in standard errors: negative, then positive and tending to 0);
* the reported estimate: Kumar, Liang & Ma's (2019, "Verified Uncertainty Calibration")
  debiased ECE ``2 |theta_hat_b| - E|N(theta_hat_b, v_b)|`` (the plug-in minus its bias at the
  observed gap), in closed form rather than by resampling; it lies between the two.

The interval then treats the ECE as a parameter lying between the two sides' expectations and
uses Imbens & Manski's (2004) interval for such a parameter: ``[lower - c se, plug-in + c se]``,
with ``c`` between the one-sided and the two-sided normal quantile, chosen from the estimated
width of the bracket in standard errors. When every bin is clearly miscalibrated the bracket
closes and this is the usual two-sided interval; at perfect calibration the truth sits at the
lower end, where the lower side is unbiased, and ``c`` tends to the one-sided quantile, so the
interval holds 0 about ``confidence`` of the time; in between, where a bin's gap is within a
few standard errors of 0, it covers more often than nominal (the price of not knowing which end
of the bracket holds). All of this rests on each bin's mean being nearly normal, least exact for
bins with few rows (which weigh little); the coverage simulation in the tests measures it.

Everything is closed form over the bins: O(B) once the bins' sums are known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from champion.evaluation.inputs import FloatArray

METHOD = "bias-bracket"  # Kumar et al.'s debiased estimate, Imbens-Manski interval around it
_ERF = np.frompyfunc(math.erf, 1, 1)  # numpy has no erf; B bins are few


@dataclass(frozen=True)
class CalibrationError:
    """The ECE with its bias handled: ``debiased`` (Kumar et al.'s estimate, clipped at 0), its
    interval ``low``..``high`` (clipped at 0) at the calibration's confidence, and ``method``
    ("bias-bracket", or "none: <why>" with NaN numbers when no interval applies)."""

    debiased: float
    low: float
    high: float
    method: str


def unavailable(reason: str) -> CalibrationError:
    """NaN estimate and interval, the method naming the reason."""
    return CalibrationError(math.nan, math.nan, math.nan, f"none: {reason}")


def folded_mean(mean: FloatArray, variance: FloatArray) -> FloatArray:
    """E|X| for X ~ N(mean, variance), elementwise over (B,) arrays (|mean| where variance == 0)."""
    spread = np.sqrt(np.maximum(variance, 0.0))
    size = np.abs(mean)
    safe = np.where(spread > 0.0, spread, 1.0)
    ratio = np.where(spread > 0.0, size / safe, np.inf)
    erf = np.asarray(_ERF(ratio / math.sqrt(2.0)), dtype=np.float64)
    bump = spread * math.sqrt(2.0 / math.pi) * np.exp(-0.5 * np.minimum(ratio, 40.0) ** 2)
    return np.asarray(bump + size * erf, dtype=np.float64)


def bracket_critical_value(width: float, confidence: float) -> float:
    """Imbens & Manski's (2004) critical value c: Phi(c + width) - Phi(-c) = confidence, for a
    parameter between two bounds estimated ``width`` standard errors apart (c falls from the
    two-sided quantile at width 0 to the one-sided one as the width grows)."""
    normal = NormalDist()
    low, high = normal.inv_cdf(confidence), normal.inv_cdf(0.5 + confidence / 2.0)
    if not width < math.inf:
        return low
    for _ in range(60):  # bisection: the left side grows with c
        middle = 0.5 * (low + high)
        if normal.cdf(middle + width) - normal.cdf(-middle) < confidence:
            low = middle
        else:
            high = middle
    return high


def calibration_error(
    signed: FloatArray, squares: FloatArray, rows: float, confidence: float
) -> CalibrationError:
    """Debiased ECE and its interval from each bin's sums over its rows.

    signed (B,): sum of (label - score); squares (B,): sum of (label - score)^2; rows: the number
    of rows n (unweighted; at least 2, else NaN). Empty bins carry zeros.
    """
    if rows < 2:
        return unavailable("fewer than 2 rows")
    gap = signed / rows  # theta_hat_b
    second = squares / rows  # mean of (y - s)^2 1{bin b}
    variance = np.maximum(second - gap * gap, 0.0) / (rows - 1.0)  # v_b, of theta_hat_b
    size = np.abs(gap)
    plug_in = float(np.sum(size))
    debiased = float(np.sum(2.0 * size - folded_mean(gap, variance)))
    lower = float(np.sum(2.0 * size - folded_mean(gap, 3.0 * variance)))
    # every row moves the ECE by sign(theta_b) (y - s) - ECE: bins are not independent (a row
    # is in one bin only); ECE^2 is taken at its lower estimate, keeping the error on the safe side
    se = math.sqrt(max(float(np.sum(second)) - max(lower, 0.0) ** 2, 0.0) / (rows - 1.0))
    c = bracket_critical_value((plug_in - lower) / se if se > 0 else math.inf, confidence)
    return CalibrationError(
        debiased=max(debiased, 0.0),
        low=max(lower - c * se, 0.0),
        high=plug_in + c * se,
        method=METHOD,
    )
