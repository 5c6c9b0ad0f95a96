"""``slice_metrics``: every model's metrics on each slice of the test set, and where a challenger
loses most against the baseline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from champion.errors import DataError
from champion.evaluation.inputs import FloatArray, binary_labels
from champion.evaluation.metrics import SPECS
from champion.evaluation.report import evaluate


@dataclass(frozen=True)
class SliceRow:
    """One slice: its rows and positives, each model's value of the metric (None where the
    slice leaves it undefined, e.g. ROC AUC of a one-class slice) and each challenger's
    difference to the baseline."""

    label: str
    n: int
    positives: int
    values: Mapping[str, float | None]
    deltas: Mapping[str, float | None]


@dataclass(frozen=True)
class WorstSlice:
    """The slice where a challenger loses most against the baseline (None: it loses nowhere),
    with the reason in words."""

    challenger: str
    label: str | None
    delta: float | None
    reason: str


@dataclass(frozen=True)
class SliceTable:
    """Per-slice values of one metric for every model, and each challenger's worst slice."""

    metric: str
    baseline: str
    threshold: float
    rows: tuple[SliceRow, ...]
    worst: Mapping[str, WorstSlice]


def slice_metrics(
    y_true: object,
    scores: Mapping[str, FloatArray],
    codes: npt.NDArray[np.intp],
    labels: Sequence[str],
    *,
    metric: str,
    baseline: str,
    pos_label: object = 1,
    threshold: float = 0.5,
    labels_only: Sequence[str] = (),
) -> SliceTable:
    """Evaluate each model on each slice: codes (n,) gives each row's slice, an index into
    labels; scores maps a model to its scores (n,). metric is a name from METRICS; the
    worst slice of a challenger is the one with the largest loss by the metric's direction
    (higher ROC AUC is better, lower log loss is better). Slices without rows are left out."""
    if metric not in SPECS:
        raise DataError(f"unknown metric {metric!r}; choose from {', '.join(SPECS)}.")
    if baseline not in scores:
        raise DataError(f"baseline {baseline!r} is not among the models: {', '.join(scores)}.")
    y = binary_labels(y_true, pos_label)
    index = np.asarray(codes)
    if index.shape != y.shape:
        raise DataError(f"codes has {index.size} rows, the labels {y.size}.")
    rows = []
    for code, label in enumerate(labels):
        mask = index == code
        n = int(np.count_nonzero(mask))
        if n == 0:
            continue
        values: dict[str, float | None] = {}
        for name, score in scores.items():
            report = evaluate(
                y[mask],
                np.asarray(score, dtype=np.float64)[mask],
                threshold=threshold,
                n_boot=0,
                name=name,
                labels_only=name in labels_only,
            )
            values[name] = report.metrics[metric].value
        base = values[baseline]
        deltas = {
            name: None if value is None or base is None else value - base
            for name, value in values.items()
            if name != baseline
        }
        rows.append(SliceRow(label, n, int(np.count_nonzero(y[mask])), values, deltas))
    worst = {name: _worst(name, rows, metric) for name in scores if name != baseline}
    return SliceTable(metric, baseline, threshold, tuple(rows), worst)


def _worst(challenger: str, rows: Sequence[SliceRow], metric: str) -> WorstSlice:
    spec = SPECS[metric]
    sign = 1.0 if spec.greater_is_better else -1.0
    losses = [(sign * delta, row) for row in rows if (delta := row.deltas[challenger]) is not None]
    losing = [(loss, row) for loss, row in losses if loss < 0]
    if not losing:
        reason = (
            f"{challenger} is not worse than the baseline on {spec.label} in any slice"
            if losses
            else f"{spec.label} is undefined in every slice"
        )
        return WorstSlice(challenger, None, None, reason)
    _, row = min(losing, key=lambda pair: pair[0])
    delta = row.deltas[challenger]
    return WorstSlice(
        challenger,
        row.label,
        delta,
        f"{challenger} loses most on {row.label!r}: {spec.label} {delta:+.4f} on {row.n} rows",
    )
