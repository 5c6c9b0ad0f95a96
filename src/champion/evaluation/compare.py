"""``compare``: several models on the same rows, each against a baseline, with paired tests."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from champion.errors import DataError
from champion.evaluation.agreement import Agreement, paired_agreement
from champion.evaluation.bootstrap import percentile_interval, two_sided_p
from champion.evaluation.delong import DelongTest, paired_delong
from champion.evaluation.estimates import optional
from champion.evaluation.influence import Influences, paired_interval, standard_error
from champion.evaluation.inputs import (
    BoolArray,
    FloatArray,
    binary_labels,
    names_in_order,
)
from champion.evaluation.inputs import (
    scores as validated_scores,
)
from champion.evaluation.inputs import (
    weights as validated_weights,
)
from champion.evaluation.metrics import METRICS, MetricSpec
from champion.evaluation.multiplicity import holm
from champion.evaluation.report import EvaluationReport, evaluate_models, settings
from champion.evaluation.stats import McNemarTest, mcnemar, z_quantile

BETTER, WORSE, NO_DIFFERENCE, UNDEFINED = (
    "better",
    "worse",
    "no significant difference",
    "undefined",
)


@dataclass(frozen=True)
class MetricDelta:
    """challenger - baseline for one metric, with a paired interval, a p-value and a verdict.

    method: "delong" (roc_auc), "mcnemar" (accuracy: p from McNemar, interval from the paired
    bootstrap or the delta method), "delta" (interval and p from the difference of the rows'
    influence values) or "bootstrap". verdict is "better" / "worse" when p < 1 - confidence,
    judged by the metric's direction (lower log loss and Brier are better), else "no
    significant difference"; "undefined" when a value or the test is missing. reason says why
    in words. The sampling distribution of the difference, for one-sided tests (gates): ``se``,
    the standard error of a normal interval (DeLong, delta method), or ``resampled`` (B,), the
    paired bootstrap's differences, for a percentile interval.
    """

    metric: str
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    method: str
    verdict: str
    reason: str
    se: float | None = None
    resampled: FloatArray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "delta": self.delta,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "method": self.method,
            "verdict": self.verdict,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ModelComparison:
    """One challenger against the baseline on the same rows."""

    name: str
    baseline: str
    deltas: Mapping[str, MetricDelta]
    agreement: Agreement
    delong: DelongTest
    mcnemar: McNemarTest

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {name: d.to_dict() for name, d in self.deltas.items()}
        entry["agreement"] = self.agreement.to_dict()
        entry["delong"] = {
            "delta": optional(self.delong.delta),
            "z": optional(self.delong.z),
            "p_value": optional(self.delong.p_value),
            "ci_low": optional(self.delong.ci_low),
            "ci_high": optional(self.delong.ci_high),
            "note": self.delong.note,
        }
        entry["mcnemar"] = self.mcnemar.to_dict()
        return entry


@dataclass(frozen=True)
class Comparison:
    """Reports of every model and, for each non-baseline model, its paired comparison."""

    baseline: str
    models: Mapping[str, EvaluationReport]
    comparisons: Mapping[str, ModelComparison]

    @property
    def baseline_report(self) -> EvaluationReport:
        return self.models[self.baseline]

    def to_dict(self, curves: bool = False, max_points: int = 1000) -> dict[str, Any]:
        """JSON-ready: header, "models", "baseline", "comparisons" (see EvaluationReport);
        each metric's delta also carries "p_holm", its p-value adjusted (Holm) across the
        challengers judged on that metric (equal to "p_value" with one challenger), and
        "verdict_holm", its verdict on that adjusted p-value."""
        comparisons = {n: c.to_dict() for n, c in self.comparisons.items()}
        alpha = 1.0 - self.baseline_report.confidence
        add_holm(comparisons, self.holm_adjusted(), alpha)
        return {
            **self.baseline_report.header_dict(),
            "models": {n: r.model_dict(curves, max_points) for n, r in self.models.items()},
            "baseline": self.baseline,
            "comparisons": comparisons,
            "adjustment": {"method": "holm", "family": "the challengers, for each metric"},
        }

    def holm_adjusted(self) -> dict[str, dict[str, float | None]]:
        """metric -> challenger -> its p-value adjusted by Holm's procedure over the
        challengers compared on that metric (None where the test is undefined)."""
        deltas = {name: c.deltas for name, c in self.comparisons.items()}
        return holm_by_metric(deltas, sorted({m for d in deltas.values() for m in d}))


def holm_by_metric(
    deltas: Mapping[str, Mapping[str, MetricDelta]], metrics: Iterable[str]
) -> dict[str, dict[str, float | None]]:
    """metric -> challenger -> its p-value adjusted by Holm's procedure over the challengers
    (deltas: challenger -> metric -> its difference) compared on that metric; None where the
    test is undefined or the challenger has no such metric."""
    names = list(deltas)
    adjusted: dict[str, dict[str, float | None]] = {}
    for metric in metrics:
        raw = [None if (d := deltas[n].get(metric)) is None else d.p_value for n in names]
        adjusted[metric] = dict(zip(names, holm(raw), strict=True))
    return adjusted


def add_holm(
    entries: Mapping[str, dict[str, Any]],
    adjusted: Mapping[str, Mapping[str, float | None]],
    alpha: float,
) -> None:
    """Give each challenger's JSON entry of each metric (entries: challenger -> metric ->
    the delta's dict) its "p_holm" and its "verdict_holm" on it."""
    for metric, by_name in adjusted.items():
        for name, value in by_name.items():
            entry = entries[name][metric]
            entry["p_holm"] = value
            entry["verdict_holm"] = adjusted_verdict(entry["verdict"], value, alpha)


def adjusted_verdict(verdict: str, p_adjusted: float | None, alpha: float) -> str:
    """The verdict of a difference judged on its adjusted p-value: "better" / "worse" only
    when the adjusted p-value is below alpha too."""
    if verdict in (BETTER, WORSE) and (p_adjusted is None or p_adjusted >= alpha):
        return NO_DIFFERENCE
    return verdict


def _verdict(spec: MetricSpec, delta: float, p_value: float, alpha: float) -> tuple[str, str]:
    if math.isnan(delta) or math.isnan(p_value):
        return UNDEFINED, f"{spec.label}: no paired test is possible here"
    if p_value >= alpha:
        return (
            NO_DIFFERENCE,
            f"{spec.label}: difference {delta:+.4f}, p = {p_value:.3g} >= {alpha:g}",
        )
    improved = (delta > 0) == spec.greater_is_better
    verdict = BETTER if improved else WORSE
    return verdict, f"{spec.label}: {verdict} by {abs(delta):.4f}, p = {p_value:.3g} < {alpha:g}"


@dataclass(frozen=True)
class PairedTests:
    """What one challenger's differences from the baseline are judged with, besides the two
    reports: the agreement table, the paired DeLong and McNemar tests, and either the paired
    bootstrap's differences (metric -> (B,)) or the standard error of each difference from the
    rows' influence values (metric -> se), or neither (no intervals)."""

    agreement: Agreement
    delong: DelongTest
    mcnemar: McNemarTest
    weighted: bool
    resampled: Mapping[str, FloatArray] | None = None
    standard_errors: Mapping[str, float] | None = None


def model_comparison(
    name: str,
    baseline: str,
    reports: Mapping[str, EvaluationReport],
    tests: PairedTests,
    confidence: float,
) -> ModelComparison:
    """The challenger name against baseline: every metric's difference with its interval,
    p-value and verdict (DeLong for ROC AUC and McNemar's p for accuracy on unweighted rows)."""
    base, chal = reports[baseline], reports[name]
    alpha = 1.0 - confidence
    deltas: dict[str, MetricDelta] = {}
    for spec in METRICS:
        b_value, c_value = base.metrics[spec.name].value, chal.metrics[spec.name].value
        delta = math.nan if b_value is None or c_value is None else c_value - b_value
        low = high = p_value = se = math.nan
        resampled: FloatArray | None = None
        # a model whose scores are not probabilities has no log loss / Brier resamples
        method = "bootstrap"
        if tests.resampled is not None and spec.name in tests.resampled:
            resampled = tests.resampled[spec.name]
            interval = percentile_interval(resampled, confidence)
            low, high, p_value = interval.low, interval.high, two_sided_p(resampled)
        elif tests.standard_errors is not None:
            method = "delta"
            if spec.name in tests.standard_errors:
                error = tests.standard_errors[spec.name]
                low, high, p_value = paired_interval(delta, error, confidence)
                se = (high - low) / (2.0 * z_quantile(confidence))
        if spec.name == "roc_auc" and not tests.weighted:
            method, resampled, se = "delong", None, tests.delong.se
            low, high, p_value = tests.delong.ci_low, tests.delong.ci_high, tests.delong.p_value
        elif spec.name == "accuracy" and not tests.weighted:
            method, p_value = "mcnemar", tests.mcnemar.p_value
        if math.isnan(delta):
            low = high = p_value = se = math.nan
            resampled = None
        verdict, reason = _verdict(spec, delta, p_value, alpha)
        deltas[spec.name] = MetricDelta(
            spec.name,
            optional(delta),
            optional(low),
            optional(high),
            optional(p_value),
            method,
            verdict,
            reason,
            optional(se),
            resampled,
        )
    return ModelComparison(name, baseline, deltas, tests.agreement, tests.delong, tests.mcnemar)


def _compare_one(
    name: str,
    baseline: str,
    reports: Mapping[str, EvaluationReport],
    data: tuple[BoolArray, Mapping[str, FloatArray], bool],
    distributions: tuple[dict[str, FloatArray], dict[str, FloatArray]] | None,
    confidence: float,
    influences: tuple[Influences, Influences] | None = None,
) -> ModelComparison:
    y, scores, weighted = data
    base = reports[baseline]
    agreement, _ = paired_agreement(y, scores[baseline], scores[name], base.threshold)
    groups = None if influences is None else (influences[0].group, influences[1].group)
    test_delong = paired_delong(
        (base.counts, scores[baseline]), (reports[name].counts, scores[name]), y, confidence, groups
    )
    resampled = None
    if distributions is not None:
        common = set(distributions[0]) & set(distributions[1])
        resampled = {m: distributions[1][m] - distributions[0][m] for m in common}
    errors = None
    if influences is not None:
        psi_base, psi_chal = influences[0].psi, influences[1].psi
        errors = {m: standard_error(psi_chal[m] - psi_base[m]) for m in psi_base.keys() & psi_chal}
    test_mcnemar = mcnemar(agreement.baseline_only, agreement.challenger_only)
    tests = PairedTests(agreement, test_delong, test_mcnemar, weighted, resampled, errors)
    return model_comparison(name, baseline, reports, tests, confidence)


def compare(
    y_true: Any,
    scores: Mapping[str, Any],
    *,
    baseline: str | None = None,
    pos_label: Any = 1,
    threshold: float = 0.5,
    sample_weight: Any = None,
    confidence: float = 0.95,
    n_boot: int = 1000,
    random_state: int | None = 0,
    labels_only: Collection[str] = (),
    ci: str = "auto",
) -> Comparison:
    """Evaluate several models' scores on the same rows and compare each with the baseline.

    scores maps a model name to its scores (n,); baseline defaults to the first name. Deltas are
    challenger - baseline with a paired bootstrap interval and p-value (the same resamples for
    every model), the paired DeLong test for ROC AUC and McNemar's test for accuracy.
    labels_only names the models whose scores are predicted labels (1.0 / 0.0).
    """
    if not scores:
        raise DataError("compare needs at least one model's scores.")
    names = [str(name) for name in scores]
    if len(set(names)) != len(names):
        raise DataError(f"model names must be unique; got {names}.")
    chosen = names[0] if baseline is None else str(baseline)
    if chosen not in names:
        raise DataError(f"baseline {chosen!r} is not among the models: {', '.join(names)}.")
    y = binary_labels(y_true, pos_label)
    by_name = {
        str(n): validated_scores(s, y.size, name=f"scores of {n!r}") for n, s in scores.items()
    }
    ordered = {name: by_name[name] for name in names_in_order(names, chosen)}
    weight = validated_weights(sample_weight, y.size)
    unknown = set(labels_only) - set(names)
    if unknown:
        raise DataError(f"labels_only names unknown models: {', '.join(sorted(unknown))}.")
    config = settings(
        threshold, confidence, n_boot, random_state, pos_label, frozenset(labels_only), ci
    )
    evaluated = evaluate_models(y, ordered, weight, config)
    reports, distributions, effects = (
        evaluated.reports,
        evaluated.distributions,
        evaluated.influences,
    )
    position = {name: i for i, name in enumerate(ordered)}
    comparisons = {}
    for name in ordered:
        if name == chosen:
            continue
        pair = None
        if distributions is not None:
            pair = (distributions[position[chosen]], distributions[position[name]])
        paired = None
        if effects is not None:
            paired = (effects[position[chosen]], effects[position[name]])
        data = (y, ordered, weight is not None)
        comparisons[name] = _compare_one(
            name, chosen, reports, data, pair, config.confidence, paired
        )
    return Comparison(chosen, reports, comparisons)
