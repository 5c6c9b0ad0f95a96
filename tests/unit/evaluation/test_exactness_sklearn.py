"""champion's numbers equal scikit-learn's within 1e-12 wherever both define them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from champion import evaluate
from champion.evaluation.metrics import THRESHOLD_METRICS

from .problems import Problem, make_problem, problems

TOL = 1e-12


def sklearn_threshold_metrics(p: Problem, threshold: float) -> dict[str, float]:
    pred = p.score >= threshold
    w = p.weight
    tn, fp, _fn, tp = skm.confusion_matrix(p.y, pred, labels=[False, True], sample_weight=w).ravel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "accuracy": skm.accuracy_score(p.y, pred, sample_weight=w),
            "precision": skm.precision_score(p.y, pred, sample_weight=w, zero_division=np.nan),
            "recall": skm.recall_score(p.y, pred, sample_weight=w, zero_division=np.nan),
            "specificity": tn / (tn + fp) if tn + fp > 0 else np.nan,
            "f1": skm.f1_score(p.y, pred, sample_weight=w, zero_division=np.nan),
            "balanced_accuracy": skm.balanced_accuracy_score(p.y, pred, sample_weight=w),
            "mcc": skm.matthews_corrcoef(p.y, pred, sample_weight=w),
            "tp": tp,
            "fp": fp,
        }


def assert_close(ours: float | None, theirs: float, what: str) -> None:
    assert ours is not None, f"{what}: champion says undefined, scikit-learn says {theirs}"
    assert abs(ours - theirs) <= TOL, f"{what}: champion {ours!r} vs scikit-learn {theirs!r}"


def check_threshold_metrics(p: Problem, values: dict[str, float | None], threshold: float) -> None:
    sk = sklearn_threshold_metrics(p, threshold)
    for name in THRESHOLD_METRICS:
        ours = values[name]
        if name == "mcc" and ours is None:
            # scikit-learn returns 0.0 where MCC is 0/0; champion says undefined
            predicted = sk["tp"] + sk["fp"]
            total = float(np.sum(p.weight)) if p.weight is not None else p.y.size
            one_class_predicted = np.isclose(predicted, 0) or np.isclose(predicted, total)
            assert one_class_predicted or p.y.all() or not p.y.any()
            continue
        if np.isnan(sk[name]):
            assert ours is None, f"{name}: scikit-learn undefined, champion {ours}"
            continue
        assert_close(ours, sk[name], f"{name} at {threshold} ({p.description})")


@given(problems())
@settings(max_examples=120)
def test_metrics_match_sklearn(p: Problem) -> None:
    report = evaluate(p.y, p.score, threshold=p.threshold, sample_weight=p.weight, n_boot=0)
    values = {name: m.value for name, m in report.metrics.items()}
    check_threshold_metrics(p, values, p.threshold)
    w = p.weight
    assert_close(values["roc_auc"], skm.roc_auc_score(p.y, p.score, sample_weight=w), "roc_auc")
    assert_close(
        values["average_precision"],
        skm.average_precision_score(p.y, p.score, sample_weight=w),
        "average_precision",
    )
    assert_close(
        values["log_loss"],
        skm.log_loss(p.y, p.score, sample_weight=w, labels=[False, True]),
        "log_loss",
    )
    assert_close(values["brier"], skm.brier_score_loss(p.y, p.score, sample_weight=w), "brier")


@given(problems())
@settings(max_examples=80)
def test_curves_match_sklearn(p: Problem) -> None:
    report = evaluate(p.y, p.score, sample_weight=p.weight, n_boot=0)
    fpr, tpr, thresholds = skm.roc_curve(
        p.y, p.score, sample_weight=p.weight, drop_intermediate=False
    )
    assert report.roc.thresholds.shape == thresholds.shape
    np.testing.assert_array_equal(report.roc.thresholds, thresholds)
    np.testing.assert_allclose(report.roc.fpr, fpr, rtol=0, atol=TOL)
    np.testing.assert_allclose(report.roc.tpr, tpr, rtol=0, atol=TOL)
    precision, recall, pr_thresholds = skm.precision_recall_curve(
        p.y, p.score, sample_weight=p.weight
    )
    np.testing.assert_array_equal(report.pr.thresholds, pr_thresholds)
    np.testing.assert_allclose(report.pr.precision, precision, rtol=0, atol=TOL)
    np.testing.assert_allclose(report.pr.recall, recall, rtol=0, atol=TOL)


@given(problems(max_n=20_000))
@settings(max_examples=40)
def test_sweep_and_any_threshold_match_sklearn(p: Problem) -> None:
    report = evaluate(p.y, p.score, sample_weight=p.weight, n_boot=0)
    _tns, fps, _fns, tps, thresholds = skm.confusion_matrix_at_thresholds(
        p.y, p.score, sample_weight=p.weight
    )
    sweep = report.sweep
    np.testing.assert_array_equal(sweep.thresholds[1:], thresholds)
    np.testing.assert_allclose(sweep.tp[1:], tps, rtol=0, atol=1e-9)
    np.testing.assert_allclose(sweep.fp[1:], fps, rtol=0, atol=1e-9)
    rng = np.random.default_rng(p.y.size)
    picks = rng.choice(sweep.thresholds.size, size=min(5, sweep.thresholds.size), replace=False)
    for k in picks:
        t = float(sweep.thresholds[k])
        if np.isinf(t):
            continue
        at_sweep = {name: sweep.metrics[name][k] for name in THRESHOLD_METRICS}
        at_sweep = {n: None if np.isnan(v) else float(v) for n, v in at_sweep.items()}
        check_threshold_metrics(p, at_sweep, t)
        check_threshold_metrics(p, report.at(t).metrics, t)
    # thresholds between and beyond the distinct scores
    for t in (-1.0, 2.0, float(rng.random())):
        check_threshold_metrics(p, report.at(t).metrics, t)


@pytest.mark.parametrize("n_bins", [5, 10])
@pytest.mark.parametrize("ties", ["none", "rounded", "few", "extremes"])
def test_calibration_matches_sklearn(n_bins: int, ties: str) -> None:
    p = make_problem(3000, seed=11, pos_rate=0.3, ties=ties, weighted=False)
    calib = evaluate(p.y, p.score, n_boot=0).calibration_bins(n_bins=n_bins)
    prob_true, prob_pred = calibration_curve(p.y, p.score, n_bins=n_bins)
    filled = calib.count > 0
    np.testing.assert_allclose(calib.fraction_positive[filled], prob_true, rtol=0, atol=TOL)
    np.testing.assert_allclose(calib.mean_predicted[filled], prob_pred, rtol=0, atol=TOL)
    # ECE by its definition, from explicit bins
    bins = np.searchsorted(np.linspace(0, 1, n_bins + 1)[1:-1], p.score, side="left")
    ece = sum(
        np.mean(bins == b) * abs(p.y[bins == b].mean() - p.score[bins == b].mean())
        for b in np.unique(bins)
    )
    assert abs(calib.ece - ece) <= TOL


def test_large_input_with_ties_and_weights() -> None:
    p = make_problem(100_000, seed=5, pos_rate=0.01, ties="rounded", weighted=True)
    report = evaluate(p.y, p.score, sample_weight=p.weight, threshold=0.4, n_boot=0)
    assert_close(
        report.metrics["roc_auc"].value,
        skm.roc_auc_score(p.y, p.score, sample_weight=p.weight),
        "roc_auc",
    )
    check_threshold_metrics(p, {n: m.value for n, m in report.metrics.items()}, 0.4)


def test_each_calibration_bin_has_the_wilson_interval_of_its_fraction() -> None:
    from statsmodels.stats.proportion import proportion_confint

    rng = np.random.default_rng(11)
    score = rng.random(500)
    y = (rng.random(500) < score).astype(int)
    calib = evaluate(y, score, n_boot=0).calibration_bins(n_bins=8)
    assert calib.confidence == 0.95
    for b in range(8):
        in_bin = (score > calib.edges[b]) | ((b == 0) & (score == 0))
        in_bin &= score <= calib.edges[b + 1]
        low, high = proportion_confint(y[in_bin].sum(), in_bin.sum(), method="wilson")
        assert (calib.ci_low[b], calib.ci_high[b]) == pytest.approx((low, high), abs=1e-12)
    weighted = evaluate(y, score, sample_weight=rng.uniform(0.5, 2, 500), n_boot=0)
    bins = weighted.calibration_bins()
    assert np.all(np.isnan(bins.ci_low))
    assert np.all(np.isnan(bins.ci_high))
