"""One-vs-rest curves of every class, from the binary counting kernel: what ``evaluate --log``
keeps as curve data and a page draws for a class picker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from champion.evaluation.curves import pr_curve, roc_curve
from champion.evaluation.inputs import FloatArray
from champion.evaluation.multiclass.ranking import counts_of


def class_curves(
    y_true: Sequence[Any],
    proba: FloatArray,
    classes: Sequence[Any],
    sample_weight: FloatArray | None = None,
    max_points: int = 1000,
) -> dict[str, dict[str, Any]]:
    """For each class (label as text) with rows of both kinds: its one-vs-rest ROC and PR
    curves (this class's probability, column k of proba (n, K), against y_true == class),
    downsampled to max_points, JSON-ready; a class absent from y_true (or the only one) has no
    curve and is left out."""
    labels = np.asarray(y_true, dtype=object)
    found: dict[str, dict[str, Any]] = {}
    for k, label in enumerate(classes):
        y = np.asarray(labels == label, dtype=bool)
        if not y.any() or y.all():
            continue
        counts = counts_of(y, np.ascontiguousarray(proba[:, k], dtype=np.float64), sample_weight)
        roc = roc_curve(counts)
        found[str(label)] = {
            "roc": roc.downsample(max_points).to_dict(),
            "pr": pr_curve(counts, roc).downsample(max_points).to_dict(),
        }
    return found
