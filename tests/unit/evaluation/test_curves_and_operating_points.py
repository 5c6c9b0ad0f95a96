"""Downsampled views, operating points and the gain curve."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from champion import evaluate
from champion.errors import DataError
from champion.evaluation.curves import downsample

from .problems import Problem, make_problem, problems


def brute_force_deviation(x: np.ndarray, y: np.ndarray, keep: list[int]) -> float:
    """Vertical distance of each full-curve point from the kept segment spanning its index."""
    worst = 0.0
    for i in range(x.size):
        s = max(k for k in range(len(keep) - 1) if keep[k] <= i)
        j, k = keep[s], keep[s + 1]
        if x[k] == x[j]:  # a vertical segment covers every y between its ends
            gap = max(min(y[j], y[k]) - y[i], y[i] - max(y[j], y[k]), 0.0)
        else:
            gap = abs(y[i] - (y[j] + (x[i] - x[j]) / (x[k] - x[j]) * (y[k] - y[j])))
        worst = max(worst, gap)
    return worst


@given(problems(max_n=20_000))
@settings(max_examples=40)
def test_downsampled_views_keep_endpoints_and_report_their_deviation(p: Problem) -> None:
    report = evaluate(p.y, p.score, sample_weight=p.weight, n_boot=0)
    pr_thresholds = np.concatenate((report.pr.thresholds, [np.inf]))
    for curve, x, y, thresholds in (
        (report.roc, report.roc.fpr, report.roc.tpr, report.roc.thresholds),
        (report.pr, report.pr.recall, report.pr.precision, pr_thresholds),
        (report.gain, report.gain.fraction, report.gain.gain, report.gain.thresholds),
    ):
        view = curve.downsample(max_points=50)
        assert view.x.size <= 50
        assert view.n_full == x.size
        assert (view.x[0], view.y[0], view.x[-1], view.y[-1]) == (x[0], y[0], x[-1], y[-1])
        if x.size <= 50:
            np.testing.assert_array_equal(view.x, x)
            assert view.max_deviation == 0.0
        elif x.size <= 3000:
            position = {t: i for i, t in enumerate(thresholds)}
            keep = [position[t] for t in view.thresholds]  # thresholds are distinct
            assert keep == sorted(keep)
            expected = brute_force_deviation(x, y, keep)
            assert view.max_deviation == pytest.approx(expected, abs=1e-12)
        assert view.thresholds.size == view.x.size


def test_downsampling_a_large_roc_stays_close() -> None:
    p = make_problem(200_000, seed=3, pos_rate=0.3, ties="none", weighted=False)
    view = evaluate(p.y, p.score, n_boot=0).roc.downsample(1000)
    assert view.x.size <= 1000
    assert view.max_deviation < 0.01


def test_downsample_refuses_too_few_points() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        downsample(np.arange(10.0), np.arange(10.0), np.arange(10.0), 3)


def brute_force_points(p: Problem) -> dict[str, float]:
    """Scan every candidate threshold by hand."""
    best: dict[str, tuple[float, float]] = {}
    candidates = [np.inf, *sorted(set(p.score), reverse=True)]
    positives, negatives = p.y.sum(), (~p.y).sum()
    for t in candidates:
        pred = p.score >= t
        tp, fp = np.sum(pred & p.y), np.sum(pred & ~p.y)
        fn = positives - tp
        tpr, fpr = tp / positives, fp / negatives
        f1 = 2 * tp / (2 * tp + fp + fn)
        cost = (1.0 * fp + 5.0 * fn) / p.y.size
        for key, value in (("youden", tpr - fpr), ("f1", f1), ("cost", -cost)):
            if key not in best or value > best[key][0]:
                best[key] = (value, t)
        precision = tp / (tp + fp) if tp + fp else np.nan
        if precision >= 0.7 and ("recall" not in best or tpr > best["recall"][0]):
            best["recall"] = (tpr, t)
        if tpr >= 0.8 and ("fpr" not in best or -fpr >= best["fpr"][0]):
            best["fpr"] = (-fpr, t)
    return {key: value for key, (value, _t) in best.items()}


@pytest.mark.parametrize("seed", range(5))
def test_operating_points_match_a_brute_force_scan(seed: int) -> None:
    p = make_problem(300, seed=seed, pos_rate=0.3, ties="rounded", weighted=False)
    report = evaluate(p.y, p.score, n_boot=0)
    expected = brute_force_points(p)
    assert report.youden().objective == pytest.approx(expected["youden"])
    assert report.max_f1().objective == pytest.approx(expected["f1"])
    assert report.min_cost(cost_fp=1.0, cost_fn=5.0).objective == pytest.approx(-expected["cost"])
    point = report.max_recall_at_precision(0.7)
    assert point.metrics["recall"] == pytest.approx(expected["recall"])
    assert point.metrics["precision"] >= 0.7
    point = report.min_fpr_at_recall(0.8)
    assert point.objective == pytest.approx(-expected["fpr"])
    assert point.metrics["recall"] >= 0.8
    # the point's own numbers are what evaluating at its threshold gives
    again = report.at(point.threshold)
    assert again.confusion == point.confusion


def test_infeasible_constraint_is_explained() -> None:
    report = evaluate([0, 1, 0, 1], [0.9, 0.1, 0.8, 0.2], n_boot=0)
    point = report.max_recall_at_precision(0.99)
    assert point.threshold is None
    assert point.reason == "no threshold reaches precision 0.99"


def test_predicting_nothing_can_be_the_cheapest() -> None:
    report = evaluate([0, 0, 0, 1], [0.9, 0.8, 0.7, 0.1], n_boot=0)
    point = report.min_cost(cost_fp=10.0, cost_fn=1.0)
    assert point.threshold == np.inf
    assert point.to_dict()["threshold"] == "inf"
    with pytest.raises(DataError, match="costs must be >= 0"):
        report.min_cost(-1.0, 1.0)


def test_gain_and_lift() -> None:
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    s = np.linspace(0.9, 0.2, 8)
    gain = evaluate(y, s, n_boot=0).gain
    np.testing.assert_allclose(gain.gain[:5], [0, 1 / 3, 2 / 3, 2 / 3, 1])
    np.testing.assert_allclose(gain.lift[1:3], [(1 / 3) / (1 / 8), (2 / 3) / (2 / 8)])
    assert np.isnan(gain.lift[0])
