"""``slice_metrics``: every model's metric on each slice of the test set with its interval, each
challenger's paired difference per slice, and where a challenger is significantly worse."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from champion.errors import DataError
from champion.evaluation.compare import compare
from champion.evaluation.inputs import FloatArray, binary_labels
from champion.evaluation.metrics import SPECS, MetricSpec
from champion.evaluation.multiplicity import holm

Interval = tuple[float | None, float | None]


MIN_SLICE_ROWS = 30  # smaller slices are shown but never judged
MIN_SLICE_CLASS = 5  # nor those with fewer rows of either class


@dataclass(frozen=True)
class SliceRow:
    """One slice: its rows and positives, each model's value of the metric (None where the
    slice leaves it undefined, e.g. ROC AUC of a one-class slice) with its interval, and each
    challenger's paired difference to the baseline with its interval, p-value and Holm-adjusted
    p-value (across the slices judged). small: too few rows (or of a class) to judge."""

    label: str
    n: int
    positives: int
    values: Mapping[str, float | None]
    deltas: Mapping[str, float | None]
    intervals: Mapping[str, Interval] = field(default_factory=dict)
    delta_intervals: Mapping[str, Interval] = field(default_factory=dict)
    p_values: Mapping[str, float | None] = field(default_factory=dict)
    p_holm: Mapping[str, float | None] = field(default_factory=dict)
    small: bool = False


@dataclass(frozen=True)
class WorstSlice:
    """The slice where a challenger is significantly worse than the baseline by the most (None:
    no slice is, after Holm's adjustment across the slices judged), with the reason in words.
    judged: how many slices were large enough and had a defined test."""

    challenger: str
    label: str | None
    delta: float | None
    reason: str
    p_holm: float | None = None
    judged: int = 0


@dataclass(frozen=True)
class SliceTable:
    """Per-slice values of one metric for every model, and each challenger's worst slice;
    intervals at ``confidence``."""

    metric: str
    baseline: str
    threshold: float
    rows: tuple[SliceRow, ...]
    worst: Mapping[str, WorstSlice]
    confidence: float = 0.95
    multiclass: bool = False  # then a row's positives counts the classes present in the slice


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
    confidence: float = 0.95,
    n_boot: int = 200,
    random_state: int | None = 0,
    ci: str = "auto",
) -> SliceTable:
    """Compare the models on each slice: codes (n,) gives each row's slice, an index into
    labels; scores maps a model to its scores (n,). metric is a name from METRICS. Each slice
    is a paired comparison of its own (``compare``: DeLong for ROC AUC, the paired bootstrap
    with n_boot resamples otherwise), so every value and difference has its interval. A
    challenger's worst slice is the one where it is significantly worse by the most, judged on
    p-values adjusted by Holm across the slices large enough to judge (MIN_SLICE_ROWS rows and
    MIN_SLICE_CLASS of each class); slices without rows are left out."""
    if metric not in SPECS:
        raise DataError(f"unknown metric {metric!r}; choose from {', '.join(SPECS)}.")
    if baseline not in scores:
        raise DataError(f"baseline {baseline!r} is not among the models: {', '.join(scores)}.")
    y = binary_labels(y_true, pos_label)
    rows = []
    for label, mask in slice_masks(codes, labels, y.size):
        in_slice = {m: np.asarray(s, dtype=np.float64)[mask] for m, s in scores.items()}
        rows.append(
            _slice_row(
                label, y[mask], in_slice, metric, baseline, threshold, labels_only,
                confidence, n_boot, random_state, ci,
            )
        )  # fmt: skip
    rows = adjust_slices(rows, [name for name in scores if name != baseline])
    alpha = 1.0 - confidence
    spec = SPECS[metric]
    worst = {name: worst_slice(name, rows, spec, alpha) for name in scores if name != baseline}
    return SliceTable(metric, baseline, threshold, tuple(rows), worst, confidence)


def slice_masks(
    codes: npt.NDArray[np.intp], labels: Sequence[str], n: int
) -> Iterator[tuple[str, npt.NDArray[np.bool_]]]:
    """(label, rows of the slice (n,) bool) of every slice with rows, in labels order; codes
    (n,) gives each row's slice, an index into labels. DataError when codes has not n rows."""
    index = np.asarray(codes)
    if index.shape != (n,):
        raise DataError(f"codes has {index.size} rows, the labels {n}.")
    for code, label in enumerate(labels):
        mask = index == code
        if mask.any():
            yield label, mask


def _slice_row(
    label: str,
    y: npt.NDArray[np.bool_],
    scores: Mapping[str, FloatArray],
    metric: str,
    baseline: str,
    threshold: float,
    labels_only: Sequence[str],
    confidence: float,
    n_boot: int,
    random_state: int | None,
    ci: str,
) -> SliceRow:
    """One slice's paired comparison of every model with the baseline, on metric."""
    positives = int(np.count_nonzero(y))
    small = y.size < MIN_SLICE_ROWS or min(positives, y.size - positives) < MIN_SLICE_CLASS
    result = compare(
        y, dict(scores), baseline=baseline, pos_label=True, threshold=threshold,
        confidence=confidence, n_boot=n_boot, random_state=random_state, ci=ci,
        labels_only=[name for name in scores if name in labels_only],
    )  # fmt: skip
    values = {name: r.metrics[metric].value for name, r in result.models.items()}
    intervals = {
        name: (r.metrics[metric].ci_low, r.metrics[metric].ci_high)
        for name, r in result.models.items()
    }
    deltas = {name: c.deltas[metric] for name, c in result.comparisons.items()}
    return SliceRow(
        label, y.size, positives,
        {name: values[name] for name in scores},
        {name: d.delta for name, d in deltas.items()},
        intervals,
        {name: (d.ci_low, d.ci_high) for name, d in deltas.items()},
        {name: d.p_value for name, d in deltas.items()},
        {},
        small,
    )  # fmt: skip


def adjust_slices(rows: list[SliceRow], challengers: Sequence[str]) -> list[SliceRow]:
    """rows with each challenger's p-values adjusted by Holm across the slices judged (large
    enough, test defined); None for the others."""
    judged = {
        name: holm([None if row.small else row.p_values.get(name) for row in rows])
        for name in challengers
    }
    return [
        dataclasses.replace(row, p_holm={name: judged[name][i] for name in challengers})
        for i, row in enumerate(rows)
    ]


def worst_slice(
    challenger: str, rows: Sequence[SliceRow], spec: MetricSpec, alpha: float
) -> WorstSlice:
    """The slice where challenger is significantly worse on spec's metric by the most (rows
    adjusted by ``adjust_slices``), or none, with the reason."""
    sign = 1.0 if spec.greater_is_better else -1.0
    judged = [row for row in rows if row.p_holm.get(challenger) is not None]
    small = sum(row.small for row in rows)
    losing = [
        (sign * delta, row)
        for row in judged
        if (delta := row.deltas[challenger]) is not None
        and sign * delta < 0
        and (row.p_holm[challenger] or 1.0) < alpha
    ]
    if not losing:
        skipped = f"; {small} too small to judge" if small else ""
        reason = (
            f"no slice is significantly worse for {challenger} on {spec.label} (Holm-adjusted "
            f"across {len(judged)} slices{skipped})"
        )
        return WorstSlice(challenger, None, None, reason, None, len(judged))
    _, row = min(losing, key=lambda pair: pair[0])
    delta = row.deltas[challenger]
    p = row.p_holm[challenger]
    return WorstSlice(
        challenger,
        row.label,
        delta,
        f"{challenger} is significantly worse on {row.label!r}: {spec.label} {delta:+.4f} on "
        f"{row.n} rows (Holm-adjusted p = {p:.3g} across {len(judged)} slices)",
        p,
        len(judged),
    )
