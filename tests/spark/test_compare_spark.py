"""compare_frame: several models' scores in a Spark DataFrame compared exactly as in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from champion.errors import DataError
from champion.evaluation import Comparison, compare
from champion.spark.paired import compare_frame

from .support import _close, assert_same_report, frame

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark


def _data(n: int, seed: int) -> dict[str, np.ndarray]:
    """Labels and four models: continuous, rounded (ties), a weaker one, and labels only."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.35
    signal = y * 1.2 + rng.normal(size=n)
    good = 1.0 / (1.0 + np.exp(-signal))
    close = np.round(1.0 / (1.0 + np.exp(-(signal + rng.normal(scale=0.6, size=n)))), 2)
    weak = 1.0 / (1.0 + np.exp(-(0.3 * signal + rng.normal(size=n))))
    labels = (good >= 0.55).astype(np.float64)
    return {"y": y.astype(np.int64), "good": good, "close": close, "weak": weak, "lab": labels}


def assert_same_comparison(spark: Comparison, memory: Comparison) -> None:
    """Reports, deltas (with their standard errors), DeLong, McNemar, agreement and the Holm
    adjustment agree to 1e-9."""
    assert spark.baseline == memory.baseline
    assert list(spark.models) == list(memory.models)
    for name in memory.models:
        assert_same_report(spark.models[name], memory.models[name])
    _close(spark.to_dict(), memory.to_dict(), "comparison")
    for name, pair in memory.comparisons.items():
        for metric, delta in pair.deltas.items():
            got = spark.comparisons[name].deltas[metric]
            _close(got.se, delta.se, f"{name}.{metric}.se")
            assert got.method == delta.method


@pytest.mark.parametrize("seed", [0, 1])
def test_equals_in_memory_compare(spark: SparkSession, seed: int) -> None:
    data = _data(3000, seed)
    df = frame(spark, **data).cache()
    models = {"good": "good", "close": "close", "weak": "weak", "lab": "lab"}
    got = compare_frame(df, "y", models, baseline="close", labels_only={"lab"})
    want = compare(
        data["y"],
        {name: data[col] for name, col in models.items()},
        baseline="close",
        labels_only={"lab"},
        ci="analytic",
    )
    assert_same_comparison(got, want)
    assert got.comparisons["good"].deltas["roc_auc"].method == "delong"
    assert got.comparisons["good"].deltas["f1"].method == "delta"


def test_string_labels_and_threshold(spark: SparkSession) -> None:
    data = _data(1500, 3)
    text = np.where(data["y"] == 1, "died", "survived")
    df = frame(spark, y=text, good=data["good"], weak=data["weak"])
    got = compare_frame(df, "y", {"a": "good", "b": "weak"}, pos_label="died", threshold=0.3)
    want = compare(
        text, {"a": data["good"], "b": data["weak"]}, pos_label="died", threshold=0.3,
        ci="analytic",
    )  # fmt: skip
    assert_same_comparison(got, want)


def test_identical_models_have_no_difference(spark: SparkSession) -> None:
    data = _data(800, 4)
    df = frame(spark, y=data["y"], a=data["good"], b=data["good"])
    got = compare_frame(df, "y", {"a": "a", "b": "b"})
    pair = got.comparisons["b"]
    assert pair.delong.p_value == 1.0
    assert pair.delong.delta == 0.0
    assert pair.agreement.disagreeing == 0
    assert all(d.verdict == "no significant difference" for d in pair.deltas.values())


def test_weighted_rows_exact_points_null_intervals(spark: SparkSession) -> None:
    data = _data(1200, 5)
    weight = np.random.default_rng(5).gamma(2.0, size=1200)
    weight[:10] = 0.0  # rows of no weight still join their cells
    df = frame(spark, y=data["y"], a=data["good"], b=data["weak"], w=weight)
    got = compare_frame(df, "y", {"a": "a", "b": "b"}, weight_col="w", n_boot=0)
    want = compare(
        data["y"], {"a": data["good"], "b": data["weak"]}, sample_weight=weight, n_boot=0
    )
    for name in ("a", "b"):
        for metric, estimate in want.models[name].metrics.items():
            _close(got.models[name].metrics[metric].value, estimate.value, f"{name}.{metric}")
    pair, memory = got.comparisons["b"], want.comparisons["b"]
    assert pair.agreement == memory.agreement
    _close(pair.delong.delta, memory.delong.delta, "delong")
    for metric, delta in memory.deltas.items():
        _close(pair.deltas[metric].delta, delta.delta, metric)
        assert pair.deltas[metric].ci_low is None
        assert delta.ci_low is None


def test_bad_input_is_refused(spark: SparkSession) -> None:
    data = _data(200, 6)
    df = frame(spark, y=data["y"], a=data["good"], b=data["weak"])
    with pytest.raises(DataError, match="baseline 'c' is not among the models"):
        compare_frame(df, "y", {"a": "a", "b": "b"}, baseline="c")
    with pytest.raises(DataError, match="labels-only"):
        compare_frame(df, "y", {"a": "a", "b": "b"}, labels_only={"b"})
    with pytest.raises(DataError, match="'nope' is not in the DataFrame"):
        compare_frame(df, "y", {"a": "a", "b": "nope"})


def test_weighted_rows_get_paired_bootstrap_intervals(spark: SparkSession) -> None:
    data = _data(1500, 7)
    weight = np.random.default_rng(7).gamma(2.0, size=1500)
    df = frame(spark, y=data["y"], a=data["good"], b=data["weak"], c=data["good"], w=weight)
    got = compare_frame(df, "y", {"a": "a", "b": "b", "c": "c"}, weight_col="w", n_boot=100)
    worse = got.comparisons["b"].deltas["roc_auc"]
    assert worse.method == "bootstrap"
    assert worse.ci_high is not None
    assert worse.ci_high < 0  # the weak model is clearly worse on every resample's rows
    assert worse.verdict == "worse"
    same = got.comparisons["c"].deltas  # the same scores on the same resamples: no difference
    for metric in ("roc_auc", "accuracy", "f1", "brier"):
        assert same[metric].ci_low == 0.0
        assert same[metric].ci_high == 0.0
