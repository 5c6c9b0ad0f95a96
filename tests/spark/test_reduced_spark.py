"""The two-level reduction (champion.spark.reduced): a table of more distinct scores than the
driver takes gives the in-memory engine's metrics and intervals exactly, and a reduced kernel
exact at every threshold it keeps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from champion.evaluation import compare, evaluate
from champion.spark import compare_frame, evaluate_spark, reduced
from champion.spark.reduced import GRID

from .support import _close, frame

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark


@pytest.fixture(autouse=True)
def _small_reduction(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few thousand distinct scores reduced as billions would be: several blocks, a kernel of
    a few hundred thresholds."""
    monkeypatch.setattr(reduced, "BLOCK_SCORES", 700)
    monkeypatch.setattr(reduced, "CURVE_POINTS", 200)


def _data(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    signal = 1.3 * y + rng.normal(size=n)
    good = 1.0 / (1.0 + np.exp(-signal))
    other = np.round(1.0 / (1.0 + np.exp(-(signal + rng.normal(size=n)))), 3)
    return {"y": y.astype(np.int64), "good": good, "other": other}


def _assert_same_numbers(spark_report, memory) -> None:  # type: ignore[no-untyped-def]
    """Metrics, intervals, confusion and calibration equal; the reduced kernel's thresholds are
    some of the in-memory kernel's, with the same cumulative counts."""
    want = memory.to_dict()["models"][memory.name]
    got = spark_report.to_dict()["models"][spark_report.name]
    for key in ("metrics", "confusion", "operating_points"):
        _close(got[key], want[key], key)
    _close(spark_report.calibration.to_dict(), memory.calibration.to_dict(), "calibration")
    reduced, full = spark_report.counts, memory.counts
    rows = full.index_at  # the row of "score >= threshold"
    for k, threshold in enumerate(reduced.thresholds[1:], start=1):
        j = rows(threshold)
        assert full.thresholds[j] == threshold
        assert reduced.tps[k] == full.tps[j]
        assert reduced.fps[k] == full.fps[j]
    for threshold in GRID:
        _close(
            spark_report.at(threshold).confusion.to_dict(),
            memory.at(threshold).confusion.to_dict(),
            f"at({threshold})",
        )


def test_reduced_report_equals_memory(spark: SparkSession) -> None:
    data = _data(6000, 0)
    df = frame(spark, y=data["y"], s=data["good"])
    got = evaluate_spark(df, "y", "s", threshold=0.37, max_driver_scores=500)
    want = evaluate(data["y"], data["good"], threshold=0.37, ci="analytic")
    assert got.counts.scores.size < 400  # reduced: 200 points and the grid
    _assert_same_numbers(got, want)
    assert any("distinct scores" in note for note in got.notes)


def test_reduced_comparison_equals_memory(spark: SparkSession) -> None:
    data = _data(5000, 1)
    df = frame(spark, **data)
    got = compare_frame(df, "y", {"a": "good", "b": "other"}, max_driver_scores=300)
    want = compare(data["y"], {"a": data["good"], "b": data["other"]}, ci="analytic")
    assert all(any("distinct scores" in n for n in got.models[m].notes) for m in ("a", "b"))
    _close(got.to_dict()["comparisons"], want.to_dict()["comparisons"], "comparisons")
    for name in ("a", "b"):
        _assert_same_numbers(got.models[name], want.models[name])


def test_reduced_weighted_rows_have_exact_points(spark: SparkSession) -> None:
    data = _data(3000, 2)
    weight = np.random.default_rng(2).gamma(2.0, size=3000)
    df = frame(spark, y=data["y"], s=data["good"], w=weight)
    got = evaluate_spark(df, "y", "s", weight_col="w", n_boot=0, max_driver_scores=100)
    want = evaluate(data["y"], data["good"], sample_weight=weight, n_boot=0)
    assert any("distinct scores" in note for note in got.notes)
    for metric, estimate in want.metrics.items():
        _close(got.metrics[metric].value, estimate.value, metric)
        assert got.metrics[metric].ci_low is None
    _close(got.calibration.to_dict(), want.calibration.to_dict(), "calibration")  # type: ignore[union-attr]
