"""Matched operating points: thresholds chosen as the sweep chooses them, quantities and their
intervals checked by hand, scikit-learn, statsmodels and the bootstrap, the holdout split
stratified and repeatable, and every bad input refused with a message that says what to do."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, recall_score, roc_curve
from statsmodels.stats.proportion import proportion_confint

from champion import evaluate
from champion.errors import DataError
from champion.evaluation.criteria import Criterion, parse_criterion
from champion.evaluation.holdout import Split, holdout_split
from champion.evaluation.operating import WEIGHTED_REASON, matched_points
from champion.evaluation.operating_results import OPTIMISTIC_NOTE

Y = np.array([1, 1, 1, 0, 0, 0, 1, 0, 1, 0], dtype=bool)
A = np.array([0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.6, 0.4, 0.55, 0.35])
B = np.array([0.95, 0.6, 0.5, 0.3, 0.25, 0.2, 0.7, 0.65, 0.4, 0.1])


def sample(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.35
    noise = rng.normal(0.0, 1.0, n)
    return y, noise + 1.0 * y, 0.6 * noise + 0.8 * rng.normal(0.0, 1.0, n) + 1.3 * y


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max_f1", Criterion("max_f1")),
        (" youden ", Criterion("youden")),
        ("min_cost:1:5", Criterion("min_cost", cost_fp=1.0, cost_fn=5.0)),
        ("recall_at_precision:0.9", Criterion("recall_at_precision", level=0.9)),
        ("fpr_at_recall: 0.8", Criterion("fpr_at_recall", level=0.8)),
    ],
)
def test_criteria_are_read_from_their_text_and_written_back(text: str, expected: Criterion) -> None:
    found = parse_criterion(text)
    assert found == expected
    assert parse_criterion(found.text) == found


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("max_f2", "not an operating-point criterion"),
        ("min_cost:1", "min_cost:FP:FN"),
        ("youden:0.5", "recall_at_precision:P"),
        ("recall_at_precision:high", "fpr_at_recall:R"),
        ("recall_at_precision:1.5", "between 0 and 1"),
        ("min_cost:-1:5", "costs >= 0"),
        ("min_cost:0:0", "not both zero"),
        ("min_cost:nan:1", "costs >= 0"),
    ],
)
def test_bad_criteria_name_the_forms(text: str, fragment: str) -> None:
    with pytest.raises(DataError, match=fragment):
        parse_criterion(text)


def test_max_f1_on_the_same_rows_matches_scikit_learn_and_is_flagged_optimistic() -> None:
    found = matched_points(Y, {"a": A, "b": B}, "max_f1")
    for name, scores in (("a", A), ("b", B)):
        best = max(f1_score(Y, scores >= t) for t in np.unique(scores))
        point = found.points[name]
        assert point.threshold is not None
        assert point.quantity.value == pytest.approx(best)
        assert point.quantity.value == pytest.approx(f1_score(Y, scores >= point.threshold))
        assert point.threshold == evaluate(Y, scores, n_boot=0).max_f1().threshold
    assert found.optimistic
    assert found.to_dict()["note"] == OPTIMISTIC_NOTE
    delta = found.differences["b"]
    assert delta.delta == pytest.approx(
        found.points["b"].quantity.value - found.points["a"].quantity.value
    )


def test_recall_at_precision_reports_wilson_intervals_and_a_paired_difference_by_hand() -> None:
    found = matched_points(Y, {"a": A, "b": B}, "recall_at_precision:0.75")
    predicted = {}
    for name, scores in (("a", A), ("b", B)):
        point = found.points[name]
        assert point.threshold is not None
        predicted[name] = scores >= point.threshold
        tp = int(np.sum(Y & predicted[name]))
        assert point.quantity.value == pytest.approx(recall_score(Y, predicted[name]))
        low, high = proportion_confint(tp, int(Y.sum()), alpha=0.05, method="wilson")
        assert (point.quantity.ci_low, point.quantity.ci_high) == pytest.approx((low, high))
        assert point.quantity.method == "wilson"
        assert point.reached is not None
        assert point.reached.value is not None
        assert point.reached.value >= 0.75
    # paired: each positive contributes (hit_b - hit_a - delta) / positives
    hits = {name: predicted[name][Y].astype(float) for name in predicted}
    delta = float(np.mean(hits["b"]) - np.mean(hits["a"]))
    se = np.sqrt(np.sum((hits["b"] - hits["a"] - delta) ** 2)) / Y.sum()
    d = found.differences["b"]
    assert d.delta == pytest.approx(delta)
    assert (d.ci_low, d.ci_high) == pytest.approx((delta - 1.959964 * se, delta + 1.959964 * se))
    assert d.method == "delta"


def test_min_cost_and_youden_match_confusion_counts_and_the_roc_curve() -> None:
    y, a, b = sample(3000, 5)
    cost = matched_points(y, {"a": a, "b": b}, "min_cost:1:4").points["a"]
    assert cost.threshold is not None
    _, fp, fn, tp = confusion_matrix(y, a >= cost.threshold).ravel()
    assert cost.quantity.value == pytest.approx((1 * fp + 4 * fn) / y.size)
    assert cost.confusion is not None
    assert (cost.confusion.tp, cost.confusion.fp) == (tp, fp)
    assert cost.chosen.objective == pytest.approx(cost.quantity.value)  # the same rows
    per_row = np.where(y, 4.0 * (a < cost.threshold), 1.0 * (a >= cost.threshold))
    half = 1.959964 * np.std(per_row) / np.sqrt(y.size)
    assert cost.quantity.ci_low == pytest.approx(cost.quantity.value - half)
    youden = matched_points(y, {"a": a}, "youden").points["a"]
    fpr, tpr, thresholds = roc_curve(y, a, drop_intermediate=False)
    best = int(np.argmax(tpr - fpr))
    assert youden.threshold == thresholds[best]
    assert youden.quantity.value == pytest.approx(tpr[best] - fpr[best])


@pytest.mark.parametrize("criterion", ["max_f1", "youden", "min_cost:1:4"])
def test_delta_method_standard_errors_agree_with_the_bootstrap(criterion: str) -> None:
    y, a, b = sample(4000, 7)
    found = matched_points(y, {"a": a, "b": b}, criterion)
    rng = np.random.default_rng(1)
    draws = []
    # the intervals treat each threshold as fixed: so do the resamples
    thresholds = {n: p.threshold for n, p in found.points.items()}
    for _ in range(1000):
        rows = rng.integers(0, y.size, y.size)
        draws.append(
            [
                _quantity(criterion, y[rows], s[rows] >= thresholds[name])
                for name, s in (("a", a), ("b", b))
            ]
        )
    spread = np.std(np.array(draws), axis=0, ddof=1)
    paired = np.std(np.diff(np.array(draws), axis=1)[:, 0], ddof=1)
    point = found.points["a"].quantity
    diff = found.differences["b"]
    assert point.ci_low is not None
    assert point.ci_high is not None
    assert diff.ci_low is not None
    assert diff.ci_high is not None
    assert (point.ci_high - point.ci_low) / (2 * 1.959964) / spread[0] == pytest.approx(1, abs=0.08)
    assert (diff.ci_high - diff.ci_low) / (2 * 1.959964) / paired == pytest.approx(1, abs=0.08)


def _quantity(criterion: str, y: np.ndarray, predicted: np.ndarray) -> float:
    tp, fp = np.sum(y * predicted), np.sum(~y * predicted)
    fn = np.sum(y) - tp
    if criterion == "max_f1":
        return float(2 * tp / (2 * tp + fp + fn))
    if criterion == "youden":
        return float(tp / np.sum(y) - fp / np.sum(~y))
    return float((fp + 4 * fn) / y.size)


def test_the_holdout_split_is_stratified_disjoint_and_repeatable() -> None:
    y, _, _ = sample(1001, 3)
    split = holdout_split(y, 0.5, seed=4)
    assert not np.any(split.choose & split.report)
    assert np.all(split.choose | split.report)
    assert int(np.sum(split.choose & y)) == int(np.floor(0.5 * y.sum() + 0.5))
    assert int(np.sum(split.choose & ~y)) == int(np.floor(0.5 * (~y).sum() + 0.5))
    again = holdout_split(y, 0.5, seed=4)
    assert np.array_equal(split.choose, again.choose)
    assert not np.array_equal(split.choose, holdout_split(y, 0.5, seed=5).choose)
    third = holdout_split(y, 0.3, seed=4)
    assert int(np.sum(third.choose & y)) == int(np.floor(0.3 * y.sum() + 0.5))


def test_with_a_holdout_the_threshold_is_chosen_on_one_part_and_reported_on_the_other() -> None:
    y, a, b = sample(2000, 11)
    found = matched_points(y, {"a": a, "b": b}, "max_f1", holdout=0.5, seed=2)
    split = holdout_split(y, 0.5, seed=2)
    chosen = evaluate(y[split.choose], a[split.choose], n_boot=0).max_f1()
    point = found.points["a"]
    assert point.threshold == chosen.threshold
    assert point.threshold is not None
    reported = f1_score(y[split.report], a[split.report] >= point.threshold)
    assert point.quantity.value == pytest.approx(reported)
    assert not found.optimistic
    data = found.to_dict()
    assert data["holdout"] == {
        "fraction": 0.5, "seed": 2, "choose_rows": int(split.choose.sum()),
        "report_rows": int(split.report.sum()),
    }  # fmt: skip
    assert data["note"] is None
    # the same masks given explicitly give the same answer
    given = matched_points(y, {"a": a, "b": b}, "max_f1", split=Split(split.choose, split.report))
    assert given.points["a"].quantity == point.quantity
    assert given.differences == found.differences


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5, -0.2, float("nan"), "half"])
def test_a_split_fraction_outside_zero_one_is_refused(fraction: object) -> None:
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        matched_points(Y, {"a": A}, "max_f1", holdout=fraction)  # type: ignore[arg-type]


def test_a_part_without_positives_says_so_and_what_to_do() -> None:
    y = np.zeros(40, dtype=bool)
    y[0] = True
    scores = np.linspace(0, 1, 40)
    with pytest.raises(DataError, match="no positive rows") as caught:
        matched_points(y, {"a": scores}, "max_f1", holdout=0.5)
    assert "1 positive and 39 negative" in str(caught.value)
    assert "no holdout" in str(caught.value)
    with pytest.raises(DataError, match="no positive rows"):
        matched_points(np.zeros(5, dtype=bool), {"a": scores[:5]}, "max_f1")


def test_bad_masks_and_baselines_are_refused() -> None:
    half = np.arange(Y.size) < 5
    with pytest.raises(DataError, match="overlap"):
        matched_points(Y, {"a": A}, "youden", split=Split(half, np.ones(Y.size, dtype=bool)))
    with pytest.raises(DataError, match="numpy bool array of shape"):
        matched_points(Y, {"a": A}, "youden", split=Split(half[:3], ~half))
    with pytest.raises(DataError, match="not both"):
        matched_points(Y, {"a": A}, "youden", holdout=0.5, split=Split(half, ~half))
    with pytest.raises(DataError, match="baseline 'c' is none of the models: a, b"):
        matched_points(Y, {"a": A, "b": B}, "youden", baseline="c")
    with pytest.raises(DataError, match="seed must be a whole number"):
        holdout_split(Y, 0.5, seed=-1)


def test_weighted_rows_give_weighted_values_and_say_why_there_is_no_interval() -> None:
    weight = np.linspace(0.5, 2.0, Y.size)
    found = matched_points(Y, {"a": A, "b": B}, "fpr_at_recall:0.6", sample_weight=weight)
    point = found.points["a"]
    assert point.threshold is not None
    predicted = np.greater_equal(A, point.threshold)
    expected = np.sum(weight * (~Y & predicted)) / np.sum(weight * ~Y)
    assert point.quantity.value == pytest.approx(expected)
    assert point.quantity.method is None
    assert point.quantity.reason == WEIGHTED_REASON
    assert found.differences["b"].reason == WEIGHTED_REASON
    assert found.differences["b"].delta is not None
    assert found.to_dict()["weighted"] is True


def test_an_unreachable_constraint_and_identical_models_are_explained() -> None:
    top_negative = np.where(np.arange(Y.size) == 3, 0.99, A)  # row 3 is a negative
    found = matched_points(Y, {"a": A, "b": top_negative}, "recall_at_precision:1.0")
    assert found.points["a"].threshold is not None  # A's top score is a positive
    point = found.points["b"]
    assert point.threshold is None
    assert point.quantity.value is None
    assert "no threshold reaches precision 1" in str(point.quantity.reason)
    assert found.differences["b"].verdict == "undefined"
    assert "b has no value" in found.differences["b"].reason
    same = matched_points(Y, {"a": A, "copy": A.copy()}, "max_f1").differences["copy"]
    assert same.delta == 0.0
    assert same.p_value == 1.0
    assert (same.ci_low, same.ci_high) == (None, None)
    assert "alike" in same.reason


def test_the_result_is_strict_json_with_every_interval_method() -> None:
    y, a, b = sample(600, 2)
    found = matched_points(y, {"a": a, "b": b}, "fpr_at_recall:0.8", holdout=0.5)
    data = json.loads(json.dumps(found.to_dict(), allow_nan=False))
    assert data["criterion"] == "fpr_at_recall:0.8"
    assert data["quantity"] == "fpr"
    assert data["reached"] == "recall"
    assert data["models"]["a"]["method"] == "wilson"
    assert data["models"]["a"]["reached"]["method"] == "wilson"
    assert data["differences"]["b"]["method"] == "delta"
    assert set(data["differences"]["b"]) >= {"delta", "ci_low", "ci_high", "p_value", "verdict"}
    f1 = matched_points(y, {"a": a}, "max_f1").to_dict()
    assert f1["models"]["a"]["method"] == "delta"
    assert f1["differences"] == {}
