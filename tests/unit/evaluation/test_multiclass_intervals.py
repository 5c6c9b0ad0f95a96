"""Multiclass intervals: the analytic standard errors (delta method, DeLong placements) agree
with a large bootstrap, the bootstrap kernel reproduces every metric at unit counts, and the
interval methods are chosen as documented."""

from __future__ import annotations

import numpy as np
import pytest

from champion.evaluation.influence import standard_error
from champion.evaluation.multiclass import evaluate_multiclass, multiclass_input
from champion.evaluation.multiclass.influence import multiclass_influences
from champion.evaluation.multiclass.intervals import evaluate_multiclass_intervals
from champion.evaluation.multiclass.report import MULTICLASS_METRIC_NAMES
from champion.evaluation.multiclass.resample import bootstrap, prepare, resampled_metrics
from champion.evaluation.report import AUTO_ANALYTIC_ROWS

from .multiclass_problems import make_multiclass

ANALYTIC = [m for m in MULTICLASS_METRIC_NAMES if m != "ece"]


def two_models(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels (n,) in 0..k-1 and two correlated models' probabilities (n, k) each: class
    logits shifted up by 1.5 (baseline) or 1.7 (challenger) on the true class, noise shared
    in part."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    noise = rng.normal(0.0, 1.0, (n, k))
    base = noise + 1.5 * np.eye(k)[y]
    other = 0.7 * noise + 0.71 * rng.normal(0.0, 1.0, (n, k)) + 1.7 * np.eye(k)[y]
    return y, softmax(base), softmax(other)


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("k", [3, 10])
def test_standard_errors_agree_with_a_large_bootstrap(k: int) -> None:
    y, base, challenger = two_models(3000, k, 11 + k)
    classes = np.arange(k)
    inputs = [multiclass_input(y, p, classes) for p in (base, challenger)]
    resampled = bootstrap([prepare(d) for d in inputs], y.size, None, 2000, 5)
    effects = [multiclass_influences(d) for d in inputs]
    ratios = {}
    for name in ANALYTIC:
        alone = standard_error(effects[0].psi[name]) / np.std(resampled[0][name], ddof=1)
        paired = standard_error(effects[1].psi[name] - effects[0].psi[name]) / np.std(
            resampled[1][name] - resampled[0][name], ddof=1
        )
        ratios[name] = (round(float(alone), 3), round(float(paired), 3))
    print(f"K = {k}: analytic / bootstrap standard error (value, paired difference): {ratios}")
    for name, (alone, paired) in ratios.items():
        assert alone == pytest.approx(1.0, abs=0.05), name
        assert paired == pytest.approx(1.0, abs=0.05), name
    for c in range(k):  # per-class F1 and one-vs-rest AUC, paired
        for name, psi in (("class_f1", "class_f1_psi"), ("class_roc_auc", "class_auc_psi")):
            se = standard_error(getattr(effects[1], psi)[c] - getattr(effects[0], psi)[c])
            spread = np.std(resampled[1][name][:, c] - resampled[0][name][:, c], ddof=1)
            assert se / spread == pytest.approx(1.0, abs=0.05), (name, c)


@pytest.mark.parametrize(
    ("k", "ties", "weighted", "absent"),
    [
        (3, "none", False, 0),
        (10, "coarse", True, 0),
        (5, "uniform_rows", True, 1),
        (4, "one_hot_rows", False, 0),
    ],
)
def test_every_resampled_metric_at_unit_counts_is_the_point_value(
    k: int, ties: str, weighted: bool, absent: int
) -> None:
    problem = make_multiclass(1500, k, 3, ties=ties, weighted=weighted, absent=absent)
    report = evaluate_multiclass(problem.y, problem.proba, problem.classes, problem.weight)
    data = multiclass_input(problem.y, problem.proba, problem.classes, problem.weight)
    counts = np.ones((1, data.n)) * (1.0 if data.weight is None else data.weight)
    values = resampled_metrics(prepare(data), counts)
    for name, value in report.metrics.items():
        if value is None:
            assert np.isnan(values[name][0]), name
        else:
            assert values[name][0] == pytest.approx(value, abs=1e-10), name
    f1 = [np.nan if c.f1 is None else c.f1 for c in report.per_class]
    np.testing.assert_allclose(values["class_f1"][0], f1, atol=1e-10)


def test_influence_values_reproduce_the_report() -> None:
    problem = make_multiclass(2000, 6, 8, ties="coarse")
    report = evaluate_multiclass(problem.y, problem.proba, problem.classes)
    effects = multiclass_influences(multiclass_input(problem.y, problem.proba, problem.classes))
    for name in ANALYTIC:
        assert effects.values[name] == pytest.approx(report.metrics[name], abs=1e-12), name
        assert abs(float(np.mean(effects.psi[name]))) < 1e-9, name  # influences have mean 0


def test_methods_follow_the_rows_and_the_weights() -> None:
    y, base, _ = two_models(AUTO_ANALYTIC_ROWS, 4, 1)
    classes = np.arange(4)
    large = evaluate_multiclass_intervals(y, base, classes, n_boot=0)
    assert large.ci == "analytic"
    methods = {name: e.method for name, e in large.estimates.items()}
    assert methods["accuracy"] == methods["top_2_accuracy"] == "wilson"
    assert methods["roc_auc_ovr_macro"] == methods["roc_auc_ovo_macro"] == "delong"
    assert methods["f1_macro"] == methods["mcc"] == methods["log_loss"] == "delta"
    for estimate in large.estimates.values():
        assert estimate.ci_low is not None
        assert estimate.ci_high is not None
        assert estimate.value is not None
        assert estimate.ci_low <= estimate.value <= estimate.ci_high, estimate.name
    small = evaluate_multiclass_intervals(y[:400], base[:400], classes, n_boot=200)
    assert small.ci == "bootstrap"
    assert {e.method for e in small.estimates.values()} == {"bootstrap"}
    weighted = evaluate_multiclass_intervals(
        y[:400], base[:400], classes, np.full(400, 2.0), n_boot=50, ci="analytic"
    )
    assert weighted.ci == "bootstrap"  # the influence formulas assume plain rows
    entry = small.to_dict()["models"]["model"]["metrics"]["f1_macro"]
    assert set(entry) == {"value", "note", "ci_low", "ci_high", "method"}
    off = evaluate_multiclass_intervals(y[:400], base[:400], classes, n_boot=0)
    assert off.estimates["f1_macro"].ci_low is None
