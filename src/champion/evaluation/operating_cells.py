"""Matched operating points from counted cells instead of rows: what an engine that keeps the
rows elsewhere (Spark) gives the driver.

Each model's threshold is chosen from its own threshold counts (``count_by_threshold``, or the
counts an engine computed by distinct score), exactly as ``matched_points`` chooses it on the
same rows. Then, at those fixed thresholds, every report row is one of at most 2^(K+1) cells:
its label and each of the K models' predictions. The quantities, their intervals and the paired
differences are sums of influence values over the rows, so they are the same sums over the
cells, each counted as many times as it has rows: the numbers ``matched_points`` gives on the
rows themselves (unweighted rows, chosen and reported on the same rows).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from champion.errors import DataError
from champion.evaluation.counts import BinaryCounts
from champion.evaluation.criteria import Criterion
from champion.evaluation.inputs import BoolArray, FloatArray, confidence_level
from champion.evaluation.operating import _difference, _measured_at
from champion.evaluation.operating_results import MatchedPoints
from champion.evaluation.sweep import OperatingPoint, threshold_sweep


def chosen_points(
    counts: Mapping[str, BinaryCounts], criterion: Criterion
) -> dict[str, OperatingPoint]:
    """Each model's operating point under criterion, from its threshold counts (model ->
    counts over every distinct score)."""
    return {name: criterion.choose(threshold_sweep(found)) for name, found in counts.items()}


def matched_points_from_cells(
    labels: BoolArray,
    predicted: Mapping[str, BoolArray],
    rows: FloatArray,
    chosen: Mapping[str, OperatingPoint],
    criterion: Criterion,
    *,
    baseline: str | None = None,
    confidence: float = 0.95,
) -> MatchedPoints:
    """matched_points on cells: labels (c,) the cells' labels (True: positive), predicted
    (model -> (c,)) each model's prediction at its chosen threshold (chosen: model -> its
    operating point, see chosen_points; a model without a threshold may be left out of
    predicted), rows (c,) how many rows each cell holds. Models in chosen's order; baseline
    defaults to the first."""
    if not chosen:
        raise DataError("give at least one model's scores to find its operating point.")
    base = next(iter(chosen)) if baseline is None else baseline
    if base not in chosen:
        raise DataError(f"baseline {base!r} is none of the models: {', '.join(chosen)}.")
    level = confidence_level(confidence)
    freq = np.asarray(rows, dtype=np.float64)
    measured = {
        name: _measured_at(name, point, labels, predicted.get(name), None, freq, criterion, level)
        for name, point in chosen.items()
    }
    differences = {
        name: _difference(measured[base], found, criterion, level, freq)
        for name, found in measured.items()
        if name != base
    }
    n = int(freq.sum())
    return MatchedPoints(
        criterion=criterion,
        baseline=base,
        confidence=level,
        points={name: found[0] for name, found in measured.items()},
        differences=differences,
        chosen_on="same rows",
        choose_rows=n,
        report_rows=n,
    )
