"""kernel_metrics: one resample's metrics from its table grouped by score (as a cluster computes
it) equal resampled_metrics on the same resample's row counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from champion.evaluation import bootstrap as boot
from champion.evaluation.counts import BinaryCounts, count_by_threshold, counts_from_groups

from .problems import make_problem


def _grouped(y: np.ndarray, score: np.ndarray, weight: np.ndarray) -> BinaryCounts:
    """The kernel of the rows drawn (weight > 0) only, grouped by score in a shuffled order."""
    drawn = weight > 0
    distinct, group = np.unique(score[drawn], return_inverse=True)
    positive = np.bincount(group, weights=np.where(y[drawn], weight[drawn], 0.0))
    negative = np.bincount(group, weights=np.where(y[drawn], 0.0, weight[drawn]))
    order = np.random.default_rng(0).permutation(distinct.size)
    return counts_from_groups(distinct[order], positive[order], negative[order], weighted=True)


@pytest.mark.parametrize("ties", ["none", "rounded", "few", "extremes"])
@pytest.mark.parametrize("probabilities", [True, False])
def test_equals_resampled_metrics(ties: str, probabilities: bool) -> None:
    p = make_problem(300, seed=11, pos_rate=0.3, ties=ties, weighted=True)
    counts = count_by_threshold(p.y, p.score, p.weight)
    model = boot.prepare(counts, p.y, p.score, p.threshold, probabilities)
    chunk = next(boot.resample_chunks(p.y.size, 8, random_state=3, weight=p.weight))
    expected = boot.resampled_metrics(model, p.y.astype(float), chunk)
    for row in range(chunk.shape[0]):
        got = boot.kernel_metrics(_grouped(p.y, p.score, chunk[row]), p.threshold, probabilities)
        assert list(got) == list(expected)
        for name, values in expected.items():
            assert got[name] == pytest.approx(values[row], rel=1e-12, abs=1e-12, nan_ok=True)


def test_an_empty_resample_leaves_every_metric_undefined() -> None:
    empty = counts_from_groups(np.zeros(0), np.zeros(0), np.zeros(0), weighted=True)
    values = boot.kernel_metrics(empty, 0.5, probabilities=True)
    assert all(math.isnan(v) for v in values.values())


def test_one_class_leaves_ranking_undefined() -> None:
    only = counts_from_groups(np.array([0.2, 0.7]), np.array([1.5, 2.0]), np.zeros(2), True)
    values = boot.kernel_metrics(only, 0.5, probabilities=True)
    assert math.isnan(values["roc_auc"])
    assert values["recall"] == pytest.approx(2.0 / 3.5)
