"""Matched operating points by simulation: with a holdout split, the 95% interval of each
model's quantity (at the threshold it chose on the other half) covers the population's value at
that threshold 93-97% of the time, and so does the interval of the paired difference; chosen on
the same rows, the figures printed beside them show how optimistic that is."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from champion.evaluation.criteria import Criterion, parse_criterion
from champion.evaluation.operating import MatchedPoints, matched_points

PREVALENCE = 0.3
SHIFTS = {"a": 1.0, "b": 1.3}  # positives' mean score; negatives' scores are N(0, 1)
CRITERIA = ("min_cost:1:4", "recall_at_precision:0.6", "fpr_at_recall:0.8", "youden", "max_f1")
SETS = 1000
ROWS = 2000
_NORMAL = NormalDist()


def population(rng: np.random.Generator, n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Labels (30% positive) and two models' scores: N(0, 1) for negatives, N(shift, 1) for
    positives; the challenger shares part of the baseline's noise (paired, correlated)."""
    y = rng.random(n) < PREVALENCE
    noise = rng.normal(0.0, 1.0, n)
    other = 0.6 * noise + 0.8 * rng.normal(0.0, 1.0, n)
    return y, {"a": noise + SHIFTS["a"] * y, "b": other + SHIFTS["b"] * y}


def true_value(criterion: Criterion, model: str, threshold: float) -> float:
    """The population's quantity at a fixed threshold (score >= threshold is positive), from
    the normal distributions the scores are drawn from."""
    recall = 1.0 - _NORMAL.cdf(threshold - SHIFTS[model])
    fpr = 1.0 - _NORMAL.cdf(threshold)
    p = PREVALENCE
    return {
        "mean_cost": criterion.cost_fp * (1 - p) * fpr + criterion.cost_fn * p * (1 - recall),
        "recall": recall,
        "fpr": fpr,
        "youden_j": recall - fpr,
        "f1": 2 * p * recall / (p * recall + p + (1 - p) * fpr),
    }[criterion.quantity]


def covered(found: MatchedPoints) -> tuple[bool, bool]:
    """Whether the baseline's interval covers its true value at its chosen threshold, and the
    difference's interval the true difference (each model at its own threshold)."""
    truth = {
        name: true_value(found.criterion, name, float(point.threshold or np.inf))
        for name, point in found.points.items()
    }
    value = found.points["a"].quantity
    delta = found.differences["b"]
    assert value.ci_low is not None
    assert value.ci_high is not None
    assert delta.ci_low is not None
    assert delta.ci_high is not None
    return (
        value.ci_low <= truth["a"] <= value.ci_high,
        delta.ci_low <= truth["b"] - truth["a"] <= delta.ci_high,
    )


@pytest.mark.slow
def test_holdout_intervals_cover_the_value_at_the_chosen_threshold() -> None:
    rng = np.random.default_rng(2027)
    hits = {(c, part, rows): 0 for c in CRITERIA for part in ("value", "delta")
            for rows in ("holdout", "same rows")}  # fmt: skip
    for k in range(SETS):
        y, scores = population(rng, ROWS)
        for text in CRITERIA:
            criterion = parse_criterion(text)
            for rows, holdout in (("holdout", 0.5), ("same rows", None)):
                found = matched_points(y, scores, criterion, holdout=holdout, seed=k)
                value, delta = covered(found)
                hits[(text, "value", rows)] += value
                hits[(text, "delta", rows)] += delta
    coverage = {key: count / SETS for key, count in hits.items()}
    for (text, part, rows), share in sorted(coverage.items()):
        print(f"{text:26} {part:5} {rows:9}: {share:.1%} of {SETS} sets of {ROWS:,} rows")
    for (text, part, rows), share in coverage.items():
        if rows == "holdout":
            assert 0.93 <= share <= 0.97, f"{text} {part}: {share:.3f}"
