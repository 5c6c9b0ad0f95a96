"""``compare_multiclass``: several multiclass models on the same rows, each against a baseline.

Each challenger gets, per metric, a :class:`~champion.evaluation.compare.MetricDelta` (the binary
type, so promotion gates judge multiclass metrics unchanged): challenger - baseline with a
paired interval and p-value, from the difference of the rows' influence values (method
"delta"; "delong" for the AUC averages) when the intervals are analytic, else from the paired
percentile bootstrap (the same resamples for both models). Accuracy's p-value is McNemar's test
on the rows each model alone gets right (method "mcnemar", unweighted rows), as the binary
compare does. The ECE's difference is always resampled (no delta method for it).

A model named in ``labels_only`` gives one-hot predicted labels: its predicted-class metrics are
compared as any other's; its ranking and probability metrics (and per-class AUCs) are None,
so their differences are "undefined", the reason naming the model that predicts labels only.

Per class, the F1 and one-vs-rest AUC differences get the same paired treatment, with their
p-values adjusted by Holm's procedure across the classes: the class "that loses most" is named
only when it is significantly worse after that adjustment.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from champion.errors import DataError
from champion.evaluation.bootstrap import percentile_interval, two_sided_p
from champion.evaluation.compare import (
    WORSE,
    MetricDelta,
    _verdict,
    add_holm,
    adjusted_verdict,
    holm_by_metric,
)
from champion.evaluation.estimates import optional
from champion.evaluation.influence import paired_difference
from champion.evaluation.inputs import BoolArray, FloatArray, names_in_order
from champion.evaluation.metrics import Kind, MetricSpec
from champion.evaluation.multiclass.confusion import predicted_classes
from champion.evaluation.multiclass.influence import MulticlassInfluences
from champion.evaluation.multiclass.inputs import MulticlassInput, multiclass_input
from champion.evaluation.multiclass.intervals import (
    DELONG,
    Evaluated,
    MulticlassEvaluation,
    evaluate_many,
    interval_settings,
    labels_only_names,
)
from champion.evaluation.multiclass.probability import ECE_BINS
from champion.evaluation.multiclass.report import MULTICLASS_METRICS, SCORE_METRICS
from champion.evaluation.multiplicity import holm
from champion.evaluation.stats import McNemarTest, mcnemar, z_quantile

# per-class metric -> (influence attribute, resampled name, ClassMetrics attribute)
CLASS_METRICS = {
    "f1": ("class_f1_psi", "class_f1", "f1"),
    "roc_auc": ("class_auc_psi", "class_roc_auc", "roc_auc"),
}


@dataclass(frozen=True)
class Paired:
    """What one model pair shares for its paired differences: both models' influences
    (analytic) or resampled values (bootstrap; only "ece" in analytic mode), None where absent."""

    influences: tuple[MulticlassInfluences, MulticlassInfluences] | None
    resampled: tuple[Mapping[str, FloatArray], Mapping[str, FloatArray]] | None
    confidence: float
    labels_only: tuple[str, ...] = ()


def labels_only_reason(label: str, models: tuple[str, ...]) -> str:
    """Why a ranking or probability metric's difference is undefined: models give labels only."""
    says = "predicts" if len(models) == 1 else "predict"
    return (
        f"{label}: no paired test is possible, {' and '.join(models)} {says} labels only "
        "(no class probabilities)"
    )


def paired_delta(
    spec: MetricSpec,
    values: tuple[float | None, float | None],
    psi: tuple[FloatArray, FloatArray] | None,
    resampled: tuple[FloatArray, FloatArray] | None,
    confidence: float,
) -> MetricDelta:
    """challenger - baseline for values (baseline, challenger), from the rows' influences (n,)
    each, or else the resampled values (B,) each; undefined without either."""
    base, chal = values
    delta = math.nan if base is None or chal is None else chal - base
    low = high = p_value = se = math.nan
    draws: FloatArray | None = None
    method = "bootstrap"
    if psi is not None:
        method = "delong" if spec.name in DELONG or spec.name.endswith("roc_auc") else "delta"
        low, high, p_value = paired_difference(psi[0], psi[1], delta, confidence)
        se = (high - low) / (2.0 * z_quantile(confidence))
    elif resampled is not None:
        draws = resampled[1] - resampled[0]
        interval = percentile_interval(draws, confidence)
        low, high, p_value = interval.low, interval.high, two_sided_p(draws)
    if math.isnan(delta):
        low = high = p_value = se = math.nan
        draws = None
    verdict, reason = _verdict(spec, delta, p_value, 1.0 - confidence)
    if psi is None and resampled is None and not math.isnan(delta):
        reason = f"{spec.label}: no paired interval, the bootstrap is off (n_boot = 0)"
    return MetricDelta(
        spec.name,
        optional(delta),
        optional(low),
        optional(high),
        optional(p_value),
        method,
        verdict,
        reason,
        optional(se),
        draws,
    )


def _with_mcnemar(delta: MetricDelta, test: McNemarTest, confidence: float) -> MetricDelta:
    """Accuracy's delta with McNemar's p-value (interval kept) and the verdict it gives."""
    spec = MetricSpec("accuracy", "Accuracy", Kind.THRESHOLD)
    value = math.nan if delta.delta is None else delta.delta
    verdict, reason = _verdict(spec, value, test.p_value, 1.0 - confidence)
    p_value = None if delta.delta is None else test.p_value
    return MetricDelta(
        delta.metric,
        delta.delta,
        delta.ci_low,
        delta.ci_high,
        p_value,
        "mcnemar",
        verdict,
        reason,
        delta.se,
        delta.resampled,
    )


@dataclass(frozen=True)
class ClassDeltas:
    """Per-class paired differences of one metric ("f1" or "roc_auc"), classes order: deltas
    (K,), p_holm (K,) their p-values adjusted by Holm across the classes; worst: the label of
    the class that loses most among those significantly worse after Holm, or None, and why."""

    metric: str
    labels: tuple[Any, ...]
    deltas: tuple[MetricDelta, ...]
    p_holm: tuple[float | None, ...]
    worst: Any
    worst_reason: str

    def to_dict(self, alpha: float) -> dict[str, Any]:
        return {
            "classes": [
                {
                    "label": label,
                    **d.to_dict(),
                    "p_holm": p,
                    "verdict_holm": adjusted_verdict(d.verdict, p, alpha),
                }
                for label, d, p in zip(self.labels, self.deltas, self.p_holm, strict=True)
            ],
            "worst": self.worst,
            "worst_reason": self.worst_reason,
            "adjustment": {"method": "holm", "family": "the classes"},
        }


def worst_class(
    labels: tuple[Any, ...],
    deltas: tuple[MetricDelta, ...],
    p_holm: list[float | None],
    alpha: float,
) -> tuple[Any, str]:
    """The label of the significantly worse class (after Holm) that loses most, and why; None
    with the reason when no class is."""
    worse = [
        (abs(d.delta or 0.0), i)
        for i, (d, p) in enumerate(zip(deltas, p_holm, strict=True))
        if d.verdict == WORSE and p is not None and p < alpha
    ]
    if not worse:
        return None, (
            f"no class is significantly worse after Holm's adjustment across {len(labels)} "
            f"classes (alpha {alpha:g})"
        )
    loss, index = max(worse)
    return labels[index], (
        f"{labels[index]!r} loses most ({loss:.4f}) among the {len(worse)} classes significantly "
        f"worse after Holm's adjustment (p_holm = {p_holm[index]:.3g} < {alpha:g})"
    )


def class_deltas(
    metric: str, reports: tuple[MulticlassEvaluation, MulticlassEvaluation], paired: Paired
) -> ClassDeltas:
    """Per-class paired differences of metric, Holm-adjusted across the classes."""
    psi_name, resampled_name, attribute = CLASS_METRICS[metric]
    base, chal = (r.report.per_class for r in reports)
    labels = tuple(c.label for c in base)
    found = []
    for c, label in enumerate(labels):
        spec = MetricSpec(metric, f"{metric.upper().replace('_', ' ')} of {label!r}", Kind.RANKING)
        psi = resampled = None
        if paired.influences is not None:
            psi = (
                getattr(paired.influences[0], psi_name)[c],
                getattr(paired.influences[1], psi_name)[c],
            )
        elif paired.resampled is not None:
            resampled = (
                paired.resampled[0][resampled_name][:, c],
                paired.resampled[1][resampled_name][:, c],
            )
        values = (getattr(base[c], attribute), getattr(chal[c], attribute))
        delta = paired_delta(spec, values, psi, resampled, paired.confidence)
        if paired.labels_only and metric == "roc_auc":
            delta = replace(delta, reason=labels_only_reason(spec.label, paired.labels_only))
        found.append(delta)
    deltas = tuple(found)
    adjusted = holm([d.p_value for d in deltas])
    worst, why = worst_class(labels, deltas, adjusted, 1.0 - paired.confidence)
    return ClassDeltas(metric, labels, deltas, tuple(adjusted), worst, why)


@dataclass(frozen=True)
class MulticlassModelComparison:
    """One challenger against the baseline: a MetricDelta per metric, the per-class blocks
    ("f1", "roc_auc") and McNemar's test on the rows each model alone gets right."""

    name: str
    baseline: str
    deltas: Mapping[str, MetricDelta]
    per_class: Mapping[str, ClassDeltas]
    mcnemar: McNemarTest

    def to_dict(self, alpha: float) -> dict[str, Any]:
        entry: dict[str, Any] = {name: d.to_dict() for name, d in self.deltas.items()}
        entry["per_class"] = {m: block.to_dict(alpha) for m, block in self.per_class.items()}
        entry["mcnemar"] = self.mcnemar.to_dict()
        return entry


@dataclass(frozen=True)
class MulticlassComparison:
    """Every model's evaluation (with intervals) and each challenger's paired comparison."""

    baseline: str
    models: Mapping[str, MulticlassEvaluation]
    comparisons: Mapping[str, MulticlassModelComparison]

    @property
    def baseline_evaluation(self) -> MulticlassEvaluation:
        return self.models[self.baseline]

    def holm_adjusted(self) -> dict[str, dict[str, float | None]]:
        """metric -> challenger -> its p-value adjusted by Holm across the challengers."""
        deltas = {name: c.deltas for name, c in self.comparisons.items()}
        return holm_by_metric(deltas, (spec.name for spec in MULTICLASS_METRICS))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: header, "models", "baseline", "comparisons"; each metric's delta also
        carries "p_holm" (adjusted across the challengers) and "verdict_holm", as the binary
        Comparison.to_dict."""
        alpha = 1.0 - self.baseline_evaluation.confidence
        comparisons = {n: c.to_dict(alpha) for n, c in self.comparisons.items()}
        add_holm(comparisons, self.holm_adjusted(), alpha)
        return {
            **self.baseline_evaluation.header_dict(),
            "models": {n: e.model_dict() for n, e in self.models.items()},
            "baseline": self.baseline,
            "comparisons": comparisons,
            "adjustment": {"method": "holm", "family": "the challengers, for each metric"},
        }


def _correct(data: MulticlassInput) -> BoolArray:
    return np.asarray(predicted_classes(data.proba) == data.y, dtype=bool)


def compare_one(
    names: tuple[str, str],
    inputs: Mapping[str, MulticlassInput],
    evaluated: Evaluated,
    labels_only: Collection[str] = frozenset(),
) -> MulticlassModelComparison:
    """The challenger names[1] against the baseline names[0]; labels_only: the names of the
    models that predict labels only."""
    order = list(inputs)
    at = (order.index(names[0]), order.index(names[1]))
    evaluations = (evaluated.evaluations[names[0]], evaluated.evaluations[names[1]])
    effects = evaluated.influences
    draws = evaluated.distributions
    paired = Paired(
        None if effects is None else (effects[at[0]], effects[at[1]]),
        None if draws is None else (draws[at[0]], draws[at[1]]),
        evaluations[0].confidence,
        tuple(n for n in names if n in labels_only),
    )
    base_ok, chal_ok = (_correct(inputs[n]) for n in names)
    test = mcnemar(
        int(np.count_nonzero(base_ok & ~chal_ok)), int(np.count_nonzero(chal_ok & ~base_ok))
    )
    deltas = {}
    for spec in MULTICLASS_METRICS:
        values = (
            evaluations[0].report.metrics[spec.name],
            evaluations[1].report.metrics[spec.name],
        )
        psi = resampled = None
        if paired.influences is not None and spec.name in paired.influences[0].psi:
            psi = (paired.influences[0].psi[spec.name], paired.influences[1].psi[spec.name])
        elif paired.resampled is not None and spec.name in paired.resampled[0]:
            resampled = (paired.resampled[0][spec.name], paired.resampled[1][spec.name])
        delta = paired_delta(spec, values, psi, resampled, paired.confidence)
        if spec.name == "accuracy" and not inputs[names[0]].weighted:
            delta = _with_mcnemar(delta, test, paired.confidence)
        if paired.labels_only and spec.name in SCORE_METRICS:
            delta = replace(delta, reason=labels_only_reason(spec.label, paired.labels_only))
        deltas[spec.name] = delta
    per_class = {m: class_deltas(m, evaluations, paired) for m in CLASS_METRICS}
    return MulticlassModelComparison(names[1], names[0], deltas, per_class, test)


def compare_multiclass(
    y_true: Any,
    probas: Mapping[str, Any],
    classes: Any,
    *,
    baseline: str | None = None,
    sample_weight: Any = None,
    confidence: float = 0.95,
    n_boot: int = 1000,
    random_state: int | None = 0,
    ci: str = "auto",
    n_bins: int = ECE_BINS,
    labels_only: Collection[str] = (),
) -> MulticlassComparison:
    """Evaluate several models' probabilities (n, K) on the same rows y_true (n,), columns in
    classes (K,) order, and compare each with the baseline (default: the first name).

    ci, n_boot, random_state as :func:`~.intervals.evaluate_multiclass_intervals`: analytic
    paired differences from the rows' influences, or the paired percentile bootstrap on the
    same resamples for every model. labels_only names the models whose rows are one-hot
    predicted labels: their predicted-class metrics are compared as usual, their ranking and
    probability metrics are None with a note and their differences "undefined". DataError on
    unusable input.
    """
    if not probas:
        raise DataError("compare_multiclass needs at least one model's probabilities.")
    names = [str(name) for name in probas]
    if len(set(names)) != len(names):
        raise DataError(f"model names must be unique; got {names}.")
    chosen = names[0] if baseline is None else str(baseline)
    if chosen not in names:
        raise DataError(f"baseline {chosen!r} is not among the models: {', '.join(names)}.")
    config = interval_settings(confidence, n_boot, random_state, ci)
    only = labels_only_names(labels_only, names)
    given = {str(n): p for n, p in probas.items()}
    inputs = {
        name: multiclass_input(y_true, given[name], classes, sample_weight)
        for name in names_in_order(names, chosen)
    }
    evaluated = evaluate_many(inputs, config, n_bins, only)
    comparisons = {
        name: compare_one((chosen, name), inputs, evaluated, only)
        for name in inputs
        if name != chosen
    }
    return MulticlassComparison(chosen, evaluated.evaluations, comparisons)
