"""Every threshold metric at every distinct threshold, and the operating points found on it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from champion.errors import DataError
from champion.evaluation.counts import BinaryCounts, Confusion
from champion.evaluation.inputs import FloatArray
from champion.evaluation.metrics import threshold_metrics


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@dataclass(frozen=True)
class OperatingPoint:
    """A threshold chosen by a criterion, with its confusion counts and threshold metrics.

    threshold is +inf when predicting nothing positive is best; None (with reason) when no
    threshold meets the constraint.
    """

    criterion: str
    threshold: float | None
    objective: float | None
    confusion: Confusion | None
    metrics: dict[str, float | None]
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        infinite = self.threshold is not None and math.isinf(self.threshold)
        return {
            "criterion": self.criterion,
            "threshold": "inf" if infinite else self.threshold,
            "objective": self.objective,
            "confusion": None if self.confusion is None else self.confusion.to_dict(),
            "metrics": self.metrics,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ThresholdSweep:
    """Confusion counts and threshold metrics at every candidate threshold.

    thresholds (D+1,): +inf (nothing predicted positive) then every distinct score, decreasing.
    tp, fp (D+1,): weight of positives / negatives predicted positive; fn, tn likewise;
    metrics[name] (D+1,): every threshold metric, NaN where undefined.
    """

    thresholds: FloatArray
    tp: FloatArray
    fp: FloatArray
    positives: float
    negatives: float

    @cached_property
    def fn(self) -> FloatArray:
        return self.positives - self.tp

    @cached_property
    def tn(self) -> FloatArray:
        return self.negatives - self.fp

    @cached_property
    def metrics(self) -> dict[str, FloatArray]:
        return threshold_metrics(self.tp, self.fp, self.positives, self.negatives)

    @cached_property
    def fpr(self) -> FloatArray:
        return 1.0 - self.metrics["specificity"]

    def point(self, index: int, criterion: str, objective: float | None) -> OperatingPoint:
        tp, fp = float(self.tp[index]), float(self.fp[index])
        confusion = Confusion(tn=self.negatives - fp, fp=fp, fn=self.positives - tp, tp=tp)
        metrics = {name: _number(values[index]) for name, values in self.metrics.items()}
        return OperatingPoint(
            criterion, float(self.thresholds[index]), objective, confusion, metrics
        )

    def _best(self, objective: FloatArray, criterion: str, maximise: bool) -> OperatingPoint:
        if np.all(np.isnan(objective)):
            return _infeasible(criterion, "undefined: the test set needs both classes")
        # ties go to the highest threshold (the first index): the most conservative choice
        index = int(np.nanargmax(objective) if maximise else np.nanargmin(objective))
        return self.point(index, criterion, float(objective[index]))

    def youden(self) -> OperatingPoint:
        """Threshold maximising Youden's J = recall + specificity - 1."""
        j = self.metrics["recall"] + self.metrics["specificity"] - 1.0
        return self._best(j, "max_youden_j", maximise=True)

    def max_f1(self) -> OperatingPoint:
        """Threshold maximising F1."""
        return self._best(self.metrics["f1"], "max_f1", maximise=True)

    def min_cost(self, cost_fp: float, cost_fn: float) -> OperatingPoint:
        """Threshold minimising the mean cost (cost_fp * FP + cost_fn * FN) / rows."""
        if cost_fp < 0 or cost_fn < 0:
            raise DataError(f"costs must be >= 0; got cost_fp={cost_fp}, cost_fn={cost_fn}.")
        cost = (cost_fp * self.fp + cost_fn * self.fn) / (self.positives + self.negatives)
        return self._best(cost, f"min_cost(fp={cost_fp:g},fn={cost_fn:g})", maximise=False)

    def max_recall_at_precision(self, min_precision: float) -> OperatingPoint:
        """Highest recall among thresholds with precision >= min_precision."""
        criterion = f"max_recall(precision>={min_precision:g})"
        feasible = self.metrics["precision"] >= min_precision
        if not feasible.any():
            return _infeasible(criterion, f"no threshold reaches precision {min_precision:g}")
        recall = np.where(feasible, self.metrics["recall"], np.nan)
        return self._best(recall, criterion, maximise=True)

    def min_fpr_at_recall(self, min_recall: float) -> OperatingPoint:
        """Lowest false-positive rate among thresholds with recall >= min_recall."""
        criterion = f"min_fpr(recall>={min_recall:g})"
        feasible = self.metrics["recall"] >= min_recall
        if not feasible.any():
            return _infeasible(criterion, f"no threshold reaches recall {min_recall:g}")
        fpr = np.where(feasible, self.fpr, np.nan)
        # among equal FPRs prefer the higher recall, found at the lowest such threshold
        best = np.nanmin(fpr)
        index = int(np.flatnonzero(fpr == best)[-1])
        return self.point(index, criterion, float(best))


def _infeasible(criterion: str, reason: str) -> OperatingPoint:
    return OperatingPoint(criterion, None, None, None, {}, reason)


def threshold_sweep(counts: BinaryCounts) -> ThresholdSweep:
    """Counts at +inf and at every distinct score: the kernel's own arrays, shared."""
    return ThresholdSweep(
        thresholds=counts.thresholds,
        tp=counts.tps,
        fp=counts.fps,
        positives=counts.positives,
        negatives=counts.negatives,
    )
