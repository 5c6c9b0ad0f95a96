"""Matched operating points on Spark equal the in-memory engine's on the same rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pyspark.sql import SparkSession

from champion.errors import DataError
from champion.evaluation.operating import matched_points
from champion.spark.operating import matched_frame

from .support import _close, frame

pytestmark = pytest.mark.spark

CRITERIA = ["min_cost:1:5", "recall_at_precision:0.6", "fpr_at_recall:0.8", "youden", "max_f1"]


def _rows(n: int, seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(np.int64)
    signal = y + rng.normal(size=n)
    return y, {
        "old": np.round(1 / (1 + np.exp(-0.7 * signal)), 2),
        "new": 1 / (1 + np.exp(-(signal + 0.4 * rng.normal(size=n)))),
    }


@pytest.fixture(scope="module")
def rows(spark: SparkSession) -> tuple[Any, np.ndarray, dict[str, np.ndarray]]:
    y, scores = _rows(20_000, seed=8)
    return frame(spark, y=y, old=scores["old"], new=scores["new"]), y, scores


@pytest.mark.parametrize("text", CRITERIA)
def test_matched_points_on_spark_equal_memory(rows: Any, text: str) -> None:
    df, y, scores = rows
    found = matched_frame(df, "y", {"old": "old", "new": "new"}, text)
    expected = matched_points(y, scores, text)
    _close(found.to_dict(), expected.to_dict(), text)


def test_reduced_tables_choose_youden_exactly_and_refuse_a_cost(rows: Any) -> None:
    df, y, scores = rows
    # "new" has about 20,000 distinct scores: past a limit of 5,000 it is reduced on the cluster
    found = matched_frame(df, "y", {"old": "old", "new": "new"}, "youden", max_driver_scores=5000)
    _close(found.to_dict(), matched_points(y, scores, "youden").to_dict(), "reduced youden")
    with pytest.raises(DataError, match=r"new has 20,000.*youden and max_f1 are exact"):
        matched_frame(df, "y", {"old": "old", "new": "new"}, "min_cost:1:5", max_driver_scores=5000)
