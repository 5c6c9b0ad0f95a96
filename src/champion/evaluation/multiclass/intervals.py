"""Confidence intervals of every multiclass metric, each recording how it was found.

``ci="analytic"`` (or ``"auto"`` from AUTO_ANALYTIC_ROWS unweighted rows on):

* ``accuracy``, ``f1_micro`` (equal to the accuracy without weights), ``top_2_accuracy``:
  Wilson score intervals (method "wilson"): each is a share of rows;
* one-vs-rest AUC averages and Hand & Till's one-vs-one M: DeLong's placements, the averages'
  variance from the per-class (per-pair) placements of the same rows (method "delong"; see
  :mod:`.influence`);
* the other predicted-class metrics, log loss and Brier: the delta method from the rows'
  influence values, a normal interval clipped to the metric's range (method "delta"). Each is
  a smooth function of the confusion proportions or a mean of per-row losses, so the delta
  method holds once every class has some rows; the tests check its standard errors against the
  bootstrap and its coverage;
* ``ece``: the calibration's own closed-form interval (Imbens & Manski bracket, see
  :mod:`champion.evaluation.calibration_error`): the ECE is not smooth where a bin is
  calibrated, so the delta method does not apply.
  Its paired difference takes the paired bootstrap, at most ECE_RESAMPLES resamples.

Otherwise (small test sets, sample weights, ``ci="bootstrap"``): percentile intervals of the
paired bootstrap (method "bootstrap"), the same resamples for every model; none when n_boot is 0.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from champion.errors import DataError
from champion.evaluation.bootstrap import percentile_interval
from champion.evaluation.calibration_error import METHOD as ECE_METHOD
from champion.evaluation.estimates import MetricEstimate, optional
from champion.evaluation.influence import standard_error
from champion.evaluation.inputs import FloatArray
from champion.evaluation.multiclass.confusion import predicted_classes
from champion.evaluation.multiclass.influence import MulticlassInfluences, multiclass_influences
from champion.evaluation.multiclass.inputs import MulticlassInput, multiclass_input
from champion.evaluation.multiclass.probability import ECE_BINS
from champion.evaluation.multiclass.ranking import column_ranking
from champion.evaluation.multiclass.report import (
    MULTICLASS_METRIC_NAMES,
    MulticlassReport,
    multiclass_report,
)
from champion.evaluation.multiclass.resample import bootstrap, ece_bootstrap, ece_rows, prepare
from champion.evaluation.report import Settings, settings
from champion.evaluation.stats import wilson_interval, z_quantile

ECE_RESAMPLES = 200  # analytic mode: the paired bootstrap of the ECE's difference, at most
WILSON = ("accuracy", "f1_micro", "top_2_accuracy")
DELONG = ("roc_auc_ovr_macro", "roc_auc_ovr_weighted", "roc_auc_ovo_macro")
# the range a normal interval is clipped to, [0, 1] unless stated
RANGES = {
    "mcc": (-1.0, 1.0),
    "cohen_kappa": (-1.0, 1.0),
    "log_loss": (0.0, math.inf),
    "brier": (0.0, 2.0),
}


@dataclass(frozen=True)
class MulticlassEvaluation:
    """One model's report with an interval for every metric (estimates, by metric name);
    ci: "analytic" or "bootstrap", how the intervals were found (each estimate's method says
    which formula)."""

    report: MulticlassReport
    estimates: Mapping[str, MetricEstimate]
    ci: str
    confidence: float
    n_boot: int

    def model_dict(self) -> dict[str, Any]:
        """The report's model entry, each metric gaining "ci_low", "ci_high" and "method"."""
        entry = self.report.model_dict()
        for name, estimate in self.estimates.items():
            entry["metrics"][name].update(
                ci_low=estimate.ci_low, ci_high=estimate.ci_high, method=estimate.method
            )
        return entry

    def header_dict(self) -> dict[str, Any]:
        return {
            **self.report.header_dict(),
            "confidence": self.confidence,
            "ci": self.ci,
            "n_boot": self.n_boot,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.header_dict(), "models": {self.report.name: self.model_dict()}}


def normal_interval(value: float, se: float, confidence: float, metric: str) -> tuple[float, float]:
    """value -/+ z se, clipped to the metric's range; NaN when either is undefined."""
    if not (math.isfinite(value) and math.isfinite(se)):
        return math.nan, math.nan
    z = z_quantile(confidence)
    low, high = RANGES.get(metric, (0.0, 1.0))
    return max(low, value - z * se), min(high, value + z * se)


def _estimate(
    report: MulticlassReport, name: str, bounds: tuple[float, float], method: str
) -> MetricEstimate:
    value = report.metrics[name]
    low, high = (math.nan, math.nan) if value is None else bounds
    return MetricEstimate(
        name, value, optional(low), optional(high), method, report.metric_notes.get(name)
    )


def analytic_estimates(
    report: MulticlassReport, effects: MulticlassInfluences, confidence: float
) -> dict[str, MetricEstimate]:
    """Wilson, DeLong and delta-method intervals of every metric, the calibration's for ECE."""
    found: dict[str, MetricEstimate] = {}
    for name in MULTICLASS_METRIC_NAMES:
        value = report.metrics[name]
        if name == "ece":
            calib = report.calibration
            if calib is None:  # a labels-only model: no calibration, no ECE
                found[name] = _estimate(report, name, (math.nan, math.nan), ECE_METHOD)
                continue
            bounds = (calib.ece_ci_low, calib.ece_ci_high)
            found[name] = _estimate(report, name, bounds, calib.ece_method)
        elif name in WILSON:
            hits = (value or 0.0) * report.n
            found[name] = _estimate(
                report, name, wilson_interval(hits, report.n, confidence), "wilson"
            )
        else:
            se = standard_error(effects.psi[name])
            point = math.nan if value is None else value
            bounds = normal_interval(point, se, confidence, name)
            found[name] = _estimate(report, name, bounds, "delong" if name in DELONG else "delta")
    return found


def bootstrap_estimates(
    report: MulticlassReport, resampled: Mapping[str, FloatArray] | None, confidence: float
) -> dict[str, MetricEstimate]:
    """Percentile intervals of every metric from its resampled values (n_boot,); no bounds
    when the bootstrap is off (resampled None)."""
    found: dict[str, MetricEstimate] = {}
    for name in MULTICLASS_METRIC_NAMES:
        bounds = (math.nan, math.nan)
        if resampled is not None:
            interval = percentile_interval(resampled[name], confidence)
            bounds = (interval.low, interval.high)
        found[name] = _estimate(report, name, bounds, "bootstrap")
    return found


@dataclass(frozen=True)
class Evaluated:
    """Several models on the same rows: their evaluations, and what paired comparisons need:
    influences (analytic) or the shared-resample distributions (bootstrap; in analytic mode
    only the ECE's), in the order of the models; None where not computed."""

    evaluations: dict[str, MulticlassEvaluation]
    influences: list[MulticlassInfluences] | None
    distributions: list[dict[str, FloatArray]] | None


def interval_settings(
    confidence: float, n_boot: int, random_state: int | None, ci: str
) -> Settings:
    """Checked interval settings (the binary engine's rules for confidence, n_boot and ci)."""
    return settings(0.5, confidence, n_boot, random_state, None, ci=ci)


def labels_only_names(labels_only: Collection[str], names: Collection[str]) -> frozenset[str]:
    """The names of labels_only (a single name may be given as a string), checked against the
    models' names: DataError for one that names no model."""
    chosen = frozenset([labels_only] if isinstance(labels_only, str) else map(str, labels_only))
    unknown = chosen - set(names)
    if unknown:
        raise DataError(f"labels_only names unknown models: {', '.join(sorted(unknown))}.")
    return chosen


def evaluate_many(
    inputs: Mapping[str, MulticlassInput],
    config: Settings,
    n_bins: int = ECE_BINS,
    labels_only: Collection[str] = frozenset(),
) -> Evaluated:
    """Reports with intervals of several models' validated input on the same rows; the models
    named in labels_only predict labels only (one-hot rows): their ranking and probability
    metrics are None with a note, without an interval."""
    first = next(iter(inputs.values()))
    mode = config.interval_mode(first.n, first.weighted)
    effects = distributions = None
    if mode == "analytic":
        # one sort per column gives both the report's ranking and the placements' influences
        ranked = {name: column_ranking(data, influences=True) for name, data in inputs.items()}
        reports = {
            name: multiclass_report(
                data, name, n_bins, config.confidence, ranked[name][0], name in labels_only
            )
            for name, data in inputs.items()
        }
        effects = [multiclass_influences(data, ranked[name][1]) for name, data in inputs.items()]
        del ranked
        # the ECE's resampled values serve only the paired differences of a comparison, the one
        # quantity resampled here: at most ECE_RESAMPLES (each resample costs a pass over the
        # rows, and 200 percentile resamples are what the slices' differences use too)
        if config.n_boot > 0 and len(inputs) > 1:
            rows = [
                ece_rows(data, predicted_classes(data.proba), n_bins) for data in inputs.values()
            ]
            resamples = min(config.n_boot, ECE_RESAMPLES)
            distributions = ece_bootstrap(rows, first.n, resamples, config.random_state)
        estimates = [
            analytic_estimates(r, e, config.confidence)
            for r, e in zip(reports.values(), effects, strict=True)
        ]
    else:
        reports = {
            name: multiclass_report(
                data, name, n_bins, config.confidence, labels_only=name in labels_only
            )
            for name, data in inputs.items()
        }
        if config.n_boot > 0:
            prepared = [prepare(data, n_bins) for data in inputs.values()]
            distributions = bootstrap(
                prepared, first.n, first.weight, config.n_boot, config.random_state
            )
        estimates = [
            bootstrap_estimates(
                report, None if distributions is None else distributions[i], config.confidence
            )
            for i, report in enumerate(reports.values())
        ]
    evaluations = {
        name: MulticlassEvaluation(report, found, mode, config.confidence, config.n_boot)
        for (name, report), found in zip(reports.items(), estimates, strict=True)
    }
    return Evaluated(evaluations, effects, distributions)


def evaluate_multiclass_intervals(
    y_true: Any,
    y_proba: Any,
    classes: Any,
    sample_weight: Any = None,
    *,
    name: str = "model",
    n_bins: int = ECE_BINS,
    confidence: float = 0.95,
    n_boot: int = 1000,
    random_state: int | None = 0,
    ci: str = "auto",
    labels_only: Collection[str] = (),
) -> MulticlassEvaluation:
    """:func:`~.report.evaluate_multiclass` with a ``confidence`` interval for every metric.

    y_true (n,), y_proba (n, K), classes (K,), sample_weight (n,) as there; ci "auto" (analytic
    from AUTO_ANALYTIC_ROWS unweighted rows, else the bootstrap), "analytic" (the bootstrap
    still, with sample weights) or "bootstrap" (n_boot resamples drawn from random_state).
    labels_only: model names (here ``name`` or nothing) whose y_proba holds one-hot predicted
    labels: the predicted-class metrics as usual, the ranking and probability metrics None
    with a note.
    """
    config = interval_settings(confidence, n_boot, random_state, ci)
    only = labels_only_names(labels_only, [name])
    data = multiclass_input(y_true, y_proba, classes, sample_weight)
    return evaluate_many({name: data}, config, n_bins, only).evaluations[name]
