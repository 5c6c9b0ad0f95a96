"""Point values of every metric with their confidence intervals and notes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from champion.evaluation.bootstrap import percentile_interval
from champion.evaluation.counts import BinaryCounts, Confusion
from champion.evaluation.curves import PrCurve, RocCurve
from champion.evaluation.delong import auc_and_variance, delong_interval
from champion.evaluation.influence import Influences, normal_interval, standard_error
from champion.evaluation.inputs import FloatArray
from champion.evaluation.metrics import (
    METRICS,
    brier,
    log_loss,
    threshold_metric_notes,
    threshold_metrics,
)
from champion.evaluation.stats import wilson_interval

WILSON_METRICS = ("accuracy", "precision", "recall", "specificity")


def optional(value: float) -> float | None:
    """NaN and infinities -> None (JSON has neither), anything else -> float."""
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class MetricEstimate:
    """A metric's value with its confidence interval.

    method: "delong", "wilson", "delta" (the delta method: a normal interval from the rows'
    influence values) or "bootstrap" (how ci_low/ci_high were found); value is None with
    a note when the metric is undefined on this test set; bounds are None when the interval is
    unavailable (bootstrap off, too few rows of a class).
    """

    name: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    method: str
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "method": self.method,
            "note": self.note,
        }


LABELS_ONLY_NOTE = (
    "unavailable: the model gives labels only, not scores, so ranking metrics, curves, "
    "log loss and Brier score cannot be computed"
)


def point_values(
    counts: BinaryCounts,
    confusion: Confusion,
    roc: RocCurve,
    pr: PrCurve,
    probabilities: bool,
    labels_only: bool = False,
) -> tuple[dict[str, float], dict[str, str]]:
    """Every metric's value (NaN when undefined) and the reason for each undefined one."""
    c = confusion
    totals = (c.tp, c.fp, counts.positives, counts.negatives)
    values = {k: float(v) for k, v in threshold_metrics(*totals).items()}
    notes = threshold_metric_notes(*totals)
    if counts.positives > 0 and counts.negatives > 0:
        values["roc_auc"] = roc.auc()
        values["average_precision"] = pr.average_precision()
    else:
        missing = "positive" if counts.positives == 0 else "negative"
        for name in ("roc_auc", "average_precision"):
            values[name] = math.nan
            notes[name] = f"undefined: the test set has no {missing} rows (one class only)"
    if probabilities:
        values["log_loss"] = log_loss(counts)
        values["brier"] = brier(counts)
    else:
        for name in ("log_loss", "brier"):
            values[name] = math.nan
            notes[name] = "undefined: scores outside [0, 1] are not probabilities"
    if labels_only:
        for name in ("roc_auc", "average_precision", "log_loss", "brier"):
            values[name] = math.nan
            notes[name] = LABELS_ONLY_NOTE
    return values, notes


def estimate_metrics(
    counts: BinaryCounts,
    confusion: Confusion,
    values: dict[str, float],
    notes: dict[str, str],
    confidence: float,
    distribution: dict[str, FloatArray] | None,
    influence: Influences | None = None,
) -> tuple[dict[str, MetricEstimate], list[str]]:
    """Attach an interval to every value: DeLong (ROC AUC) and Wilson (proportions) on plain
    rows, else the delta method when influence values are given, else the bootstrap
    distribution's percentiles; also return report-level remarks about the intervals."""
    remarks: list[str] = []
    estimates: dict[str, MetricEstimate] = {}
    wilson_counts = {
        "accuracy": (confusion.tp + confusion.tn, counts.total),
        "precision": (confusion.tp, confusion.tp + confusion.fp),
        "recall": (confusion.tp, confusion.tp + confusion.fn),
        "specificity": (confusion.tn, confusion.tn + confusion.fp),
    }
    for spec in METRICS:
        name = spec.name
        value = values[name]
        low = high = math.nan
        if name == "roc_auc" and not counts.weighted:
            method = "delong"
            auc, variance = auc_and_variance(counts)
            low, high = delong_interval(variance, auc, confidence)
            if math.isnan(variance) and not math.isnan(value):
                remarks.append("roc_auc: no DeLong interval with fewer than two rows of a class")
        elif name in WILSON_METRICS and not counts.weighted:
            method = "wilson"
            low, high = wilson_interval(*wilson_counts[name], confidence)
        elif influence is not None:
            method = "delta"
            if name in influence.psi:
                se = standard_error(influence.psi[name])
                low, high = normal_interval(value, se, confidence, name)
        else:
            method = "bootstrap"
            if distribution is not None and name in distribution:
                interval = percentile_interval(distribution[name], confidence)
                low, high = interval.low, interval.high
                if interval.undefined and not math.isnan(value):
                    remarks.append(
                        f"{name}: {interval.undefined} of {distribution[name].size} resamples "
                        "left it undefined (a class missing from the resample) and were skipped"
                    )
        if math.isnan(value):
            low = high = math.nan
        estimates[name] = MetricEstimate(
            name, optional(value), optional(low), optional(high), method, notes.get(name)
        )
    return estimates, remarks
