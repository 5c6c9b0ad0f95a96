"""Top-k accuracy table and the accuracy-coverage curve of multiclass decisions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, top_k_accuracy_score

from champion.errors import DataError
from champion.evaluation.multiclass.decision import coverage_curve, decision_table
from champion.evaluation.stats import mcnemar, wilson_interval


def _problem(seed: int, n: int = 300, k: int = 4) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    probas = {}
    for name, signal in (("a", 1.0), ("b", 2.0)):
        logits = rng.normal(size=(n, k)) + signal * np.eye(k)[y]
        p = np.exp(logits)
        probas[name] = p / p.sum(axis=1, keepdims=True)
    return np.array(["w", "x", "y", "z"])[y], probas


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_top_k_equals_scikit_learn_and_pairs_with_mcnemar(seed: int) -> None:
    y, probas = _problem(seed)
    classes = ["w", "x", "y", "z"]
    table = decision_table(y, probas, classes, baseline="a")
    assert [row.k for row in table.rows] == [1, 2, 3]
    for row in table.rows:
        for name, p in probas.items():
            expected = top_k_accuracy_score(y, p, k=row.k, labels=classes)
            assert row.values[name] == pytest.approx(expected, abs=1e-12)
            hits = round(expected * len(y))
            assert row.intervals[name] == pytest.approx(wilson_interval(hits, len(y), 0.95))
        assert row.deltas["b"] == pytest.approx(row.values["b"] - row.values["a"], abs=1e-12)
        low, high = row.delta_intervals["b"]
        assert low is not None
        assert high is not None
        assert low < row.deltas["b"] < high
    first = table.rows[0]
    pred = {name: np.array(classes)[p.argmax(axis=1)] for name, p in probas.items()}
    assert first.values["a"] == pytest.approx(accuracy_score(y, pred["a"]))
    b = int(np.sum((pred["a"] == y) & (pred["b"] != y)))
    c = int(np.sum((pred["b"] == y) & (pred["a"] != y)))
    assert first.p_values["b"] == pytest.approx(mcnemar(b, c).p_value)


def test_weighted_rows_use_weighted_shares() -> None:
    y, probas = _problem(3)
    w = np.random.default_rng(3).uniform(0.2, 3.0, len(y))
    table = decision_table(y, probas, ["w", "x", "y", "z"], baseline="a", sample_weight=w)
    assert table.weighted
    for row in table.rows:
        expected = top_k_accuracy_score(
            y, probas["a"], k=row.k, labels=["w", "x", "y", "z"], sample_weight=w
        )
        assert row.values["a"] == pytest.approx(expected, abs=1e-12)
        low, high = row.intervals["a"]
        assert low is not None
        assert high is not None
        assert low <= row.values["a"] <= high


def test_unknown_baseline_is_refused() -> None:
    y, probas = _problem(0)
    with pytest.raises(DataError, match="baseline 'c'"):
        decision_table(y, probas, ["w", "x", "y", "z"], baseline="c")


def test_coverage_curve_is_the_accuracy_of_the_rows_kept() -> None:
    y, probas = _problem(4)
    p = np.round(probas["b"], 2)  # ties in the top probability
    p = p / p.sum(axis=1, keepdims=True)
    classes = np.array(["w", "x", "y", "z"])
    curve = coverage_curve(y, p, list(classes))
    top, pred = p.max(axis=1), classes[p.argmax(axis=1)]
    assert np.all(np.diff(curve.threshold) < 0)
    assert curve.coverage[-1] == pytest.approx(1.0)
    assert curve.accuracy[-1] == pytest.approx(accuracy_score(y, pred))
    for t, cov, acc in zip(curve.threshold, curve.coverage, curve.accuracy, strict=True):
        kept = top >= t
        assert cov == pytest.approx(kept.mean())
        assert acc == pytest.approx(np.mean(pred[kept] == y[kept]))
