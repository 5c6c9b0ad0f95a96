"""Calibration of the intervals: 95% intervals cover the population value about 95% of the time."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from champion import evaluate

PREVALENCE = 0.35
SHIFT = 1.2  # positives' logit ~ N(SHIFT, 1), negatives' ~ N(0, 1)
N_ROWS = 300
N_SETS = 1000


def population_values() -> dict[str, float]:
    """Exact values of the binormal population at threshold 0.5 (logit 0)."""
    phi = NormalDist().cdf
    tpr, fpr = phi(SHIFT), 0.5
    pi = PREVALENCE
    return {
        "roc_auc": phi(SHIFT / math.sqrt(2.0)),
        "accuracy": pi * tpr + (1 - pi) * (1 - fpr),
        "f1": 2 * pi * tpr / (pi + pi * tpr + (1 - pi) * fpr),
    }


@pytest.mark.slow
def test_95_percent_intervals_cover_the_truth() -> None:
    truth = population_values()
    rng = np.random.default_rng(2024)
    hits = dict.fromkeys(truth, 0)
    for i in range(N_SETS):
        y = rng.random(N_ROWS) < PREVALENCE
        score = 1.0 / (1.0 + np.exp(-(rng.normal(0.0, 1.0, N_ROWS) + SHIFT * y)))
        report = evaluate(y, score, threshold=0.5, n_boot=1000, random_state=i)
        for name, value in truth.items():
            metric = report.metrics[name]
            assert metric.ci_low is not None
            assert metric.ci_high is not None
            hits[name] += metric.ci_low <= value <= metric.ci_high
    coverage = {name: count / N_SETS for name, count in hits.items()}
    print(f"coverage of 95% intervals over {N_SETS} test sets of {N_ROWS} rows: {coverage}")
    for name, share in coverage.items():
        assert 0.93 <= share <= 0.97, f"{name}: {share:.3f}"
