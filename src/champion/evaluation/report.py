"""``evaluate``: one model on one test set, every number with its uncertainty."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from champion.errors import DataError
from champion.evaluation import bootstrap as boot
from champion.evaluation.calibration import Calibration, calibration
from champion.evaluation.counts import BinaryCounts, Confusion, count_by_threshold
from champion.evaluation.curves import GainCurve, PrCurve, RocCurve, gain_curve, pr_curve, roc_curve
from champion.evaluation.estimates import MetricEstimate, estimate_metrics, optional, point_values
from champion.evaluation.influence import Influences, influences
from champion.evaluation.inputs import (
    BoolArray,
    FloatArray,
    confidence_level,
    outside_unit_interval,
    threshold_value,
    validated,
)
from champion.evaluation.metrics import threshold_metric_notes, threshold_metrics
from champion.evaluation.sweep import OperatingPoint, ThresholdSweep, threshold_sweep


def json_label(label: Any) -> Any:
    """A label as a JSON value (numpy scalars become Python scalars)."""
    return label.item() if isinstance(label, np.generic) else label


@dataclass(frozen=True)
class ThresholdPoint:
    """Confusion counts and threshold metrics at one threshold (None = undefined, see notes)."""

    threshold: float
    confusion: Confusion
    metrics: dict[str, float | None]
    notes: dict[str, str]


@dataclass(frozen=True)
class EvaluationReport:
    """Everything champion knows about one model's scores on one test set.

    counts is the kernel every curve and metric is read from; roc, pr are full curves (use
    .downsample() for plots); sweep, gain and calibration are computed on first use.
    """

    name: str
    n: int
    positives: int
    threshold: float
    confidence: float
    pos_label: Any
    n_boot: int
    random_state: int | None
    metrics: Mapping[str, MetricEstimate]
    confusion: Confusion
    counts: BinaryCounts
    roc: RocCurve
    pr: PrCurve
    scores_outside_unit_interval: int
    notes: tuple[str, ...] = ()
    labels_only: bool = False
    ci: str = "bootstrap"  # how intervals were found: "analytic" or "bootstrap" (see CI_MODES)
    # the ten-bin calibration when counts is a reduced kernel (a subset of the thresholds, see
    # champion.spark.reduced) and the bins were summed from every score elsewhere
    summed_calibration: Calibration | None = None

    @property
    def negatives(self) -> int:
        return self.n - self.positives

    @property
    def probabilities(self) -> bool:
        """Whether the scores are probabilities (needed by log loss, Brier and calibration)."""
        return self.scores_outside_unit_interval == 0 and not self.labels_only

    @property
    def curves_available(self) -> bool:
        """False for a labels-only model: its "curves" would be two points, not a ranking."""
        return not self.labels_only

    @cached_property
    def sweep(self) -> ThresholdSweep:
        return threshold_sweep(self.counts)

    @cached_property
    def gain(self) -> GainCurve:
        return gain_curve(self.counts, self.roc)

    @cached_property
    def calibration(self) -> Calibration | None:
        """Ten equal-width reliability bins, or None when the scores are not probabilities."""
        if self.summed_calibration is not None:
            return self.summed_calibration
        return self.calibration_bins() if self.probabilities else None

    def calibration_bins(self, n_bins: int = 10, strategy: str = "uniform") -> Calibration:
        """Reliability bins; raises DataError when the scores are not probabilities."""
        return calibration(self.counts, n_bins, strategy, self.confidence)

    def at(self, threshold: float) -> ThresholdPoint:
        """Confusion counts and threshold metrics when score >= threshold is predicted positive."""
        t = threshold_value(threshold)
        c = self.counts.confusion_at(t)
        totals = (c.tp, c.fp, self.counts.positives, self.counts.negatives)
        metrics = {name: optional(float(v)) for name, v in threshold_metrics(*totals).items()}
        return ThresholdPoint(t, c, metrics, threshold_metric_notes(*totals))

    def youden(self) -> OperatingPoint:
        return self.sweep.youden()

    def max_f1(self) -> OperatingPoint:
        return self.sweep.max_f1()

    def min_cost(self, cost_fp: float, cost_fn: float) -> OperatingPoint:
        return self.sweep.min_cost(cost_fp, cost_fn)

    def max_recall_at_precision(self, min_precision: float) -> OperatingPoint:
        return self.sweep.max_recall_at_precision(min_precision)

    def min_fpr_at_recall(self, min_recall: float) -> OperatingPoint:
        return self.sweep.min_fpr_at_recall(min_recall)

    def model_dict(self, curves: bool = False, max_points: int = 1000) -> dict[str, Any]:
        """This model's entry under "models" in to_dict()."""
        entry: dict[str, Any] = {
            "metrics": {name: m.to_dict() for name, m in self.metrics.items()},
            "confusion": self.confusion.to_dict(),
            "operating_points": {
                "max_youden_j": self.youden().to_dict(),
                "max_f1": self.max_f1().to_dict(),
            },
            "notes": list(self.notes),
            "labels_only": self.labels_only,
        }
        if curves:
            calib = self.calibration
            entry["curves"] = {
                "roc": self.roc.downsample(max_points).to_dict(),
                "pr": self.pr.downsample(max_points).to_dict(),
                "gain": self.gain.downsample(max_points).to_dict(),
                "calibration": None if calib is None else calib.to_dict(),
            }
        return entry

    def header_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "positives": self.positives,
            "negatives": self.negatives,
            "threshold": self.threshold,
            "confidence": self.confidence,
            "pos_label": json_label(self.pos_label),
            "n_boot": self.n_boot,
            "random_state": self.random_state,
            "weighted": self.counts.weighted,
            "ci": self.ci,
        }

    def to_dict(self, curves: bool = False, max_points: int = 1000) -> dict[str, Any]:
        """JSON-ready summary: header, then {"models": {name: {"metrics", "confusion", ...}}}."""
        return {**self.header_dict(), "models": {self.name: self.model_dict(curves, max_points)}}


@dataclass(frozen=True)
class Settings:
    threshold: float
    confidence: float
    n_boot: int
    random_state: int | None
    pos_label: Any
    labels_only: frozenset[str] = frozenset()
    ci: str = "auto"

    def interval_mode(self, n: int, weighted: bool) -> str:
        """ "analytic" or "bootstrap" for n rows: auto is analytic from AUTO_ANALYTIC_ROWS rows
        on; weighted rows always resample (the influence formulas assume plain rows)."""
        if weighted or self.ci == "bootstrap":
            return "bootstrap"
        if self.ci == "analytic" or n >= AUTO_ANALYTIC_ROWS:
            return "analytic"
        return "bootstrap"


# ci: "auto" (analytic intervals from this many rows on, the bootstrap below), "analytic"
# (delta-method intervals from per-row influence values, see champion.evaluation.influence;
# DeLong and Wilson where they apply) or "bootstrap" (percentile intervals of n_boot resamples)
CI_MODES = ("auto", "analytic", "bootstrap")
AUTO_ANALYTIC_ROWS = 20_000


def settings(
    threshold: float,
    confidence: float,
    n_boot: int,
    random_state: int | None,
    pos_label: Any,
    labels_only: frozenset[str] = frozenset(),
    ci: str = "auto",
) -> Settings:
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise DataError(
            f"n_boot must be a whole number >= 0 (0 turns the bootstrap off); got {n_boot!r}."
        )
    if ci not in CI_MODES:
        raise DataError(f"ci must be one of {', '.join(CI_MODES)}; got {ci!r}.")
    return Settings(
        threshold_value(threshold),
        confidence_level(confidence),
        int(n_boot),
        random_state,
        pos_label,
        labels_only,
        ci,
    )


@dataclass(frozen=True)
class Evaluated:
    """Reports of several models on the same rows, and what their paired comparisons need:
    the shared-resample bootstrap distributions (None unless resampled) or the rows' influence
    values (None unless the intervals are analytic), in the order of the models."""

    reports: dict[str, EvaluationReport]
    distributions: list[dict[str, FloatArray]] | None
    influences: list[Influences] | None


def evaluate_models(
    y: BoolArray, scores: Mapping[str, FloatArray], weight: FloatArray | None, config: Settings
) -> Evaluated:
    """Reports for several models on the same validated rows, with their intervals found as
    config.interval_mode says (the bootstrap only when n_boot > 0)."""
    for name in config.labels_only & set(scores):
        _require_labels(name, scores[name])
    counts = {name: count_by_threshold(y, s, weight) for name, s in scores.items()}
    outside = {name: _outside(counts[name], s) for name, s in scores.items()}
    mode = config.interval_mode(int(y.size), weight is not None)
    distributions = None
    influenced = None
    if mode == "analytic":
        influenced = [
            influences(
                y, s, config.threshold,
                outside[name] == 0 and name not in config.labels_only, counts[name],
            )
            for name, s in scores.items()
        ]  # fmt: skip
    elif config.n_boot > 0:
        prepared = [
            boot.prepare(
                counts[name],
                y,
                s,
                config.threshold,
                outside[name] == 0 and name not in config.labels_only,
            )
            for name, s in scores.items()
        ]
        seed = fresh_seed() if config.random_state is None else config.random_state
        distributions = boot.bootstrap(y, prepared, weight, config.n_boot, seed)
    reports = {}
    for i, name in enumerate(scores):
        dist = None if distributions is None else distributions[i]
        effect = None if influenced is None else influenced[i]
        reports[name] = _report(name, y, counts[name], outside[name], config, dist, effect, mode)
    return Evaluated(reports, distributions, influenced)


def _require_labels(name: str, score: FloatArray) -> None:
    """A labels-only model's scores must be its predictions: 1.0 positive, 0.0 negative."""
    if not np.all((score == 0.0) | (score == 1.0)):
        raise DataError(
            f"{name!r} is marked labels-only, but its values are not all 0 or 1: pass 1.0 where "
            "it predicts the positive class and 0.0 elsewhere."
        )


def _outside(counts: BinaryCounts, score: FloatArray) -> int:
    """Rows whose score lies outside [0, 1]; the sorted distinct scores answer the usual case."""
    if counts.scores[-1] >= 0.0 and counts.scores[0] <= 1.0:
        return 0
    return outside_unit_interval(score)


def fresh_seed() -> int:
    """A seed for the bootstrap when the caller gave none."""
    return int(np.random.SeedSequence().generate_state(1)[0])


def _report(
    name: str,
    y: BoolArray,
    counts: BinaryCounts,
    outside: int,
    config: Settings,
    distribution: dict[str, FloatArray] | None,
    influence: Influences | None,
    mode: str,
) -> EvaluationReport:
    confusion = counts.confusion_at(config.threshold)
    roc = roc_curve(counts)
    pr = pr_curve(counts, roc)
    labels_only = name in config.labels_only
    values, notes = point_values(counts, confusion, roc, pr, outside == 0, labels_only)
    estimates, remarks = estimate_metrics(
        counts, confusion, values, notes, config.confidence, distribution, influence
    )
    if outside and not labels_only:
        remarks.append(
            f"{outside} scores lie outside [0, 1]: log loss, Brier score and calibration need "
            "probabilities; ranking metrics and curves are unaffected"
        )
    if config.n_boot == 0 and mode == "bootstrap":
        remarks.append("bootstrap off (n_boot=0): bootstrap-method intervals are null")
    positives = int(np.count_nonzero(y))
    return EvaluationReport(
        name=name,
        n=int(y.size),
        positives=positives,
        threshold=config.threshold,
        confidence=config.confidence,
        pos_label=config.pos_label,
        n_boot=config.n_boot,
        random_state=config.random_state,
        metrics=estimates,
        confusion=confusion,
        counts=counts,
        roc=roc,
        pr=pr,
        scores_outside_unit_interval=outside,
        notes=tuple(remarks),
        labels_only=labels_only,
        ci=mode,
    )


def evaluate(
    y_true: Any,
    y_score: Any,
    *,
    pos_label: Any = 1,
    threshold: float = 0.5,
    sample_weight: Any = None,
    confidence: float = 0.95,
    n_boot: int = 1000,
    random_state: int | None = 0,
    name: str = "model",
    labels_only: bool = False,
    ci: str = "auto",
) -> EvaluationReport:
    """Evaluate one model's scores y_score (n,) against labels y_true (n,).

    A row is predicted positive when its score >= threshold. Every metric carries a confidence
    interval at the given level (DeLong for ROC AUC, Wilson for proportions of unweighted data;
    the others from the rows' influence values (the delta method) when ci is "analytic", or
    "auto" with at least AUTO_ANALYTIC_ROWS unweighted rows, else a percentile bootstrap of
    n_boot resamples). labels_only says y_score holds
    predicted labels (1.0 positive, 0.0 negative) rather than scores: ranking and probability
    metrics are then null with a note. Bad input raises DataError.
    """
    data = validated(y_true, y_score, pos_label, sample_weight)
    only = frozenset({name}) if labels_only else frozenset()
    config = settings(threshold, confidence, n_boot, random_state, pos_label, only, ci)
    return evaluate_models(data.y, {name: data.score}, data.weight, config).reports[name]
