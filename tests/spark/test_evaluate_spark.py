"""evaluate_spark equals the in-memory engine on the same rows, to 1e-9, for every number."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from pyspark.sql import SparkSession

from champion.errors import DataError
from champion.evaluation import evaluate
from champion.evaluation.counts import counts_from_groups
from champion.evaluation.delong import auc_and_variance
from champion.spark import evaluate_spark, score_table
from support.titanic import titanic_frame

from .support import assert_same_report, frame

pytestmark = pytest.mark.spark

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _generated(n: int, seed: int, digits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels (0/1), scores rounded to digits (many ties) and weights in [0.5, 3)."""
    rng = np.random.default_rng(seed)
    score = np.round(rng.beta(2.0, 3.0, n), digits)
    label = (rng.random(n) < score).astype(np.int64)
    weight = np.round(rng.uniform(0.5, 3.0, n), 2)
    return label, score, weight


def test_unweighted_rows_with_ties_equal_the_in_memory_engine(spark: SparkSession) -> None:
    label, score, _ = _generated(100_000, seed=1, digits=3)
    df = frame(spark, y=label, s=score)
    report = evaluate_spark(df, "y", "s", threshold=0.4)
    memory = evaluate(label, score, threshold=0.4, ci="analytic")
    assert report.ci == "analytic"
    assert report.counts.scores.size == np.unique(score).size
    assert_same_report(report, memory)
    methods = {name: m.method for name, m in report.metrics.items()}
    assert methods["roc_auc"] == "delong"
    assert methods["recall"] == "wilson"
    assert methods["average_precision"] == "delta"


def test_weighted_rows_equal_the_in_memory_engine(spark: SparkSession) -> None:
    label, score, weight = _generated(100_000, seed=2, digits=4)
    df = frame(spark, y=label, s=score, w=weight)
    report = evaluate_spark(df, "y", "s", weight_col="w", n_boot=0)
    memory = evaluate(label, score, sample_weight=weight, n_boot=0)
    assert report.counts.weighted
    assert_same_report(report, memory)
    assert all(m.ci_low is None for m in report.metrics.values())
    assert any("the bootstrap is off" in note for note in report.notes)
    resampled = evaluate_spark(df, "y", "s", weight_col="w", n_boot=50, random_state=3)
    assert (resampled.n_boot, resampled.random_state) == (50, 3)
    for metric in ("roc_auc", "accuracy", "f1", "log_loss"):
        estimate = resampled.metrics[metric]
        assert estimate.method == "bootstrap"
        assert estimate.ci_low is not None
        assert estimate.ci_high is not None
        assert estimate.ci_low <= estimate.value <= estimate.ci_high


def test_unit_weights_are_no_weights(spark: SparkSession) -> None:
    label, score, _ = _generated(2_000, seed=3, digits=2)
    df = frame(spark, y=label, s=score, w=np.ones(score.size))
    report = evaluate_spark(df, "y", "s", weight_col="w")
    assert not report.counts.weighted
    assert_same_report(report, evaluate(label, score, ci="analytic"))


def test_a_titanic_like_model_with_string_labels(spark: SparkSession) -> None:
    from sklearn.linear_model import LogisticRegression

    passengers = titanic_frame(891, seed=4)
    features = np.column_stack(
        [
            (passengers["Sex"] == "female").to_numpy(float),
            passengers["Pclass"].to_numpy(float),
            passengers["Age"].fillna(passengers["Age"].median()).to_numpy(float),
        ]
    )
    survived = passengers["Survived"].to_numpy()
    model = LogisticRegression(max_iter=1000).fit(features, survived)
    score = model.predict_proba(features)[:, 1]
    label = np.where(survived == 1, "survived", "died")
    df = frame(spark, survived=label, p=score)
    report = evaluate_spark(df, "survived", "p", pos_label="survived", name="titanic")
    memory = evaluate(label, score, pos_label="survived", name="titanic", ci="analytic")
    assert report.positives == int(survived.sum())
    assert report.pos_label == "survived"
    assert_same_report(report, memory)


def test_delong_from_the_groups_equals_proc(spark: SparkSession) -> None:
    """The variance from the grouped table is pROC's var(roc, method = "delong")."""
    cases = json.loads((FIXTURES / "proc_delong.json").read_text())["cases"]
    case = next(c for c in cases if c["name"] == "small_ties")
    df = frame(spark, 2, y=np.array(case["y"]), s=np.array(case["s1"]))
    table = score_table(df, "y", "s")
    auc, variance = auc_and_variance(table.counts)
    assert math.isclose(auc, case["auc1"], rel_tol=1e-12)
    assert math.isclose(variance, case["var1"], rel_tol=1e-9)
    report = evaluate_spark(df, "y", "s")
    assert_same_report(report, evaluate(case["y"], case["s1"], ci="analytic"))


def test_scores_outside_the_unit_interval(spark: SparkSession) -> None:
    label, score, _ = _generated(3_000, seed=5, digits=2)
    margin = (score - 0.5) * 8.0
    report = evaluate_spark(frame(spark, y=label, s=margin), "y", "s", threshold=0.0)
    memory = evaluate(label, margin, threshold=0.0, ci="analytic")
    assert report.scores_outside_unit_interval > 0
    assert report.metrics["log_loss"].value is None
    assert_same_report(report, memory)


def test_the_kernel_from_groups_equals_the_kernel_from_rows() -> None:
    rng = np.random.default_rng(6)
    score = np.round(rng.random(5_000), 2)
    y = rng.random(5_000) < score
    distinct, group = np.unique(score, return_inverse=True)
    positive = np.bincount(group, weights=y, minlength=distinct.size)
    negative = np.bincount(group, weights=~y, minlength=distinct.size)
    shuffled = rng.permutation(distinct.size)
    built = counts_from_groups(distinct[shuffled], positive[shuffled], negative[shuffled])
    memory = evaluate(y, score, ci="analytic").counts
    for name in ("thresholds", "tps", "fps"):
        assert np.array_equal(getattr(built, name), getattr(memory, name))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"y": [1, 0, 1], "s": [0.2, None, 0.9]}, "missing, NaN or infinite scores"),
        ({"y": [1, 0, 1], "s": [0.2, float("nan"), 0.9]}, "missing, NaN or infinite scores"),
        ({"y": [1, None, 1], "s": [0.2, 0.3, 0.9]}, "missing labels"),
        ({"y": [1, 0, 2], "s": [0.2, 0.3, 0.9]}, "not binary"),
        ({"y": ["a", "b", "b"], "s": [0.2, 0.3, 0.9]}, "does not occur"),
        ({"y": [1, 0, 1], "s": ["0.2", "0.3", "0.9"]}, "must be numeric"),
        ({"y": [1, 0, 1], "w": [1.0, -1.0, 2.0]}, "negative weights"),
        ({"y": [1, 0, 1], "w": [0.0, 0.0, 0.0]}, "sums to zero"),
    ],
)
def test_bad_rows_are_refused_clearly(spark: SparkSession, rows: dict, message: str) -> None:
    rows = {"s": [0.2, 0.3, 0.9], **rows}
    weight = "w" if "w" in rows else None
    df = spark.createDataFrame(list(zip(*rows.values(), strict=True)), list(rows))
    with pytest.raises(DataError, match=message):
        evaluate_spark(df, "y", "s", weight_col=weight)


def test_an_empty_frame_and_a_missing_column_are_refused(spark: SparkSession) -> None:
    empty = spark.createDataFrame([], "y int, s double")
    with pytest.raises(DataError, match="no rows"):
        evaluate_spark(empty, "y", "s")
    with pytest.raises(DataError, match="'score' is not in the DataFrame"):
        evaluate_spark(empty, "y", "score")
