"""Helpers of the Spark tests: data frames from numpy columns, and report equality."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from champion.evaluation import EvaluationReport

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

TOLERANCE = 1e-9
# what says how intervals were found, which the two engines state differently for weighted rows
_SKIPPED = {"n_boot", "random_state", "notes"}


def frame(spark: SparkSession, partitions: int = 4, **columns: Any) -> DataFrame:
    """A DataFrame of the given numpy columns (through Arrow), spread over some partitions."""
    table = pa.table({name: pa.array(values) for name, values in columns.items()})
    return spark.createDataFrame(table).repartition(partitions)


def _close(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict), where
        assert set(a) - _SKIPPED == set(b) - _SKIPPED, where
        for key in set(a) - _SKIPPED:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, str):
        assert b is not None, where
        if math.isnan(a) or math.isinf(a):
            assert a == b or (math.isnan(a) and math.isnan(b)), where
        else:
            assert math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE), f"{where}: {a} != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _arrays(a: np.ndarray, b: np.ndarray, where: str) -> None:
    assert a.shape == b.shape, where
    np.testing.assert_allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE, err_msg=where)


def assert_same_report(spark_report: EvaluationReport, memory: EvaluationReport) -> None:
    """Every number of the two reports agrees to 1e-9: metrics with their intervals and
    methods, the confusion, operating points, the kernel, full curves, calibration, the sweep."""
    _close(spark_report.to_dict(curves=True, max_points=10**9), memory.to_dict(curves=True,
           max_points=10**9), "report")  # fmt: skip
    s, m = spark_report, memory
    assert (s.n, s.positives, s.scores_outside_unit_interval) == (
        m.n,
        m.positives,
        m.scores_outside_unit_interval,
    )
    for name in ("thresholds", "tps", "fps"):
        _arrays(getattr(s.counts, name), getattr(m.counts, name), f"counts.{name}")
    for name in ("fpr", "tpr", "thresholds"):
        _arrays(getattr(s.roc, name), getattr(m.roc, name), f"roc.{name}")
    for name in ("precision", "recall", "thresholds"):
        _arrays(getattr(s.pr, name), getattr(m.pr, name), f"pr.{name}")
    for name in ("fraction", "gain", "lift", "thresholds"):
        _arrays(getattr(s.gain, name), getattr(m.gain, name), f"gain.{name}")
    if m.calibration is not None:
        assert s.calibration is not None
        _close(s.calibration.to_dict(), m.calibration.to_dict(), "calibration")
    for threshold in (0.0, 0.25, 0.5, 0.9):
        _close(
            {"confusion": s.at(threshold).confusion.to_dict(), **s.at(threshold).metrics},
            {"confusion": m.at(threshold).confusion.to_dict(), **m.at(threshold).metrics},
            f"at({threshold})",
        )
