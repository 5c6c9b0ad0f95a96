"""``multiclass_slice_metrics``: one multiclass metric of every model on each slice of the test
set, with intervals, each challenger's paired difference per slice and its worst slice; the
same ``SliceTable`` as the binary slices, so pages and tables draw both alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from champion.errors import DataError
from champion.evaluation.multiclass.align import align_classes
from champion.evaluation.multiclass.compare import compare_multiclass
from champion.evaluation.multiclass.report import MULTICLASS_METRICS
from champion.evaluation.slices import (
    MIN_SLICE_ROWS,
    SliceRow,
    SliceTable,
    adjust_slices,
    slice_masks,
    worst_slice,
)

SPECS = {spec.name: spec for spec in MULTICLASS_METRICS}


def multiclass_slice_metrics(
    y_true: Any,
    versions: Mapping[str, tuple[Any, Sequence[Any]]],
    codes: npt.NDArray[np.intp],
    labels: Sequence[str],
    *,
    metric: str,
    baseline: str,
    labels_only: Sequence[str] = (),
    confidence: float = 0.95,
    n_boot: int = 200,
    random_state: int | None = 0,
    ci: str = "auto",
) -> SliceTable:
    """Compare the models on each slice: versions maps a model to its probabilities (n, K_v)
    and their classes (K_v,), lined up here on the union of the classes and the labels (as
    ``align_classes``); codes (n,)
    gives each row's slice, an index into labels; metric is a MULTICLASS_METRICS name. Each
    slice is a paired comparison of its own (``compare_multiclass``), every class of the test
    set kept even where the slice has none of its rows. A row's positives counts the classes
    present in the slice; slices under MIN_SLICE_ROWS rows are shown but never judged; a
    challenger's worst slice is judged on p-values adjusted by Holm across the slices."""
    if metric not in SPECS:
        raise DataError(f"unknown multiclass metric {metric!r}; choose from {', '.join(SPECS)}.")
    if baseline not in versions:
        raise DataError(f"baseline {baseline!r} is not among the models: {', '.join(versions)}.")
    y = np.asarray(y_true, dtype=object)
    aligned = align_classes(list(y), versions)
    probas, classes = aligned.probabilities, list(aligned.classes)
    rows = []
    for label, mask in slice_masks(codes, labels, y.size):
        n = int(np.count_nonzero(mask))
        result = compare_multiclass(
            y[mask],
            {name: np.asarray(p)[mask] for name, p in probas.items()},
            list(classes),
            baseline=baseline,
            confidence=confidence,
            n_boot=n_boot,
            random_state=random_state,
            ci=ci,
            labels_only=[name for name in probas if name in labels_only],
        )
        estimates = {name: e.estimates[metric] for name, e in result.models.items()}
        deltas = {name: c.deltas[metric] for name, c in result.comparisons.items()}
        rows.append(
            SliceRow(
                label,
                n,
                len(set(y[mask].tolist())),
                {name: estimates[name].value for name in probas},
                {name: d.delta for name, d in deltas.items()},
                {name: (e.ci_low, e.ci_high) for name, e in estimates.items()},
                {name: (d.ci_low, d.ci_high) for name, d in deltas.items()},
                {name: d.p_value for name, d in deltas.items()},
                {},
                n < MIN_SLICE_ROWS,
            )
        )
    rows = adjust_slices(rows, [name for name in probas if name != baseline])
    alpha = 1.0 - confidence
    worst = {
        name: worst_slice(name, rows, SPECS[metric], alpha) for name in probas if name != baseline
    }
    return SliceTable(
        metric, baseline, float("nan"), tuple(rows), worst, confidence, multiclass=True
    )
