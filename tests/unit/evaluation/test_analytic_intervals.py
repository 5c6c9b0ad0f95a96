"""Analytic (delta-method) intervals: their standard errors agree with the bootstrap's, "auto"
picks them for large unweighted test sets, and 95% intervals of values and paired differences
cover the population's truth 93-97% of the time (two populations, 1,000 test sets each)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from champion import compare, evaluate
from champion.evaluation.influence import influences, standard_error
from champion.evaluation.report import AUTO_ANALYTIC_ROWS, evaluate_models, settings

DELTA_METRICS = ("f1", "balanced_accuracy", "mcc", "average_precision", "log_loss", "brier")
Population = Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray, np.ndarray]]


def binormal(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """35% positives; logits N(0, 1) for negatives, N(1.2, 1) (baseline) or N(1.4, 1)
    (challenger, sharing the noise partly) for positives."""
    y = rng.random(n) < 0.35
    noise = rng.normal(0.0, 1.0, n)
    base = 1.0 / (1.0 + np.exp(-(noise + 1.2 * y)))
    other = 0.7 * noise + 0.71 * rng.normal(0.0, 1.0, n)
    challenger = 1.0 / (1.0 + np.exp(-(other + 1.4 * y)))
    return y, base, challenger


def imbalanced(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """8% positives; beta-shaped scores: negatives Beta(2, 6), positives Beta(4, 3) (baseline)
    or Beta(5, 3) (challenger)."""
    y = rng.random(n) < 0.08
    base = np.where(y, rng.beta(4, 3, n), rng.beta(2, 6, n))
    challenger = np.where(y, rng.beta(5, 3, n), np.clip(base + rng.normal(0, 0.05, n), 0, 1))
    return y, base, challenger


def test_standard_errors_agree_with_the_bootstrap() -> None:
    rng = np.random.default_rng(12)
    y, base, challenger = binormal(rng, 5000)
    config = settings(0.5, 0.95, 5000, 3, True, ci="bootstrap")
    resampled = evaluate_models(y, {"a": base, "b": challenger}, None, config).distributions
    assert resampled is not None
    effects = [influences(y, s, 0.5, True) for s in (base, challenger)]
    for name in DELTA_METRICS:
        alone = standard_error(effects[0].psi[name]) / np.std(resampled[0][name], ddof=1)
        paired = standard_error(effects[1].psi[name] - effects[0].psi[name]) / np.std(
            resampled[1][name] - resampled[0][name], ddof=1
        )
        assert alone == pytest.approx(1.0, abs=0.05), name
        assert paired == pytest.approx(1.0, abs=0.05), name


def test_auto_is_analytic_for_large_unweighted_test_sets() -> None:
    rng = np.random.default_rng(1)
    y, base, challenger = binormal(rng, AUTO_ANALYTIC_ROWS)
    large = compare(y, {"a": base, "b": challenger}, n_boot=1000)
    assert large.baseline_report.ci == "analytic"
    methods = {m: e.method for m, e in large.baseline_report.metrics.items()}
    assert methods["roc_auc"] == "delong"
    assert methods["recall"] == "wilson"
    assert all(methods[m] == "delta" for m in DELTA_METRICS)
    deltas = large.comparisons["b"].deltas
    assert deltas["roc_auc"].method == "delong"
    assert deltas["accuracy"].method == "mcnemar"
    for name in DELTA_METRICS:
        d = deltas[name]
        assert d.method == "delta"
        assert d.ci_low is not None
        assert d.ci_high is not None
        assert d.p_value is not None
        assert d.ci_low <= d.delta <= d.ci_high
    assert large.to_dict()["ci"] == "analytic"
    small = evaluate(y[:500], base[:500], n_boot=100)
    assert small.ci == "bootstrap"
    assert small.metrics["f1"].method == "bootstrap"
    weighted = evaluate(y, base, sample_weight=np.ones(y.size) * 2, n_boot=50, ci="analytic")
    assert weighted.ci == "bootstrap"  # the influence formulas assume plain rows
    forced = evaluate(y[:500], base[:500], n_boot=0, ci="analytic")
    assert forced.metrics["mcc"].ci_low is not None  # no resampling needed
    assert not any("bootstrap off" in note for note in forced.notes)


def truth(population: Population) -> dict[str, float]:
    """Population values of each metric of both models and of their differences, from one very
    large sample (4 million rows)."""
    y, base, challenger = population(np.random.default_rng(99), 4_000_000)
    a, b = (influences(y, s, 0.5, True).values for s in (base, challenger))
    found = {f"base {m}": a[m] for m in DELTA_METRICS}
    found.update({f"delta {m}": b[m] - a[m] for m in DELTA_METRICS})
    return found


@pytest.mark.slow
@pytest.mark.parametrize("population", [binormal, imbalanced], ids=["binormal", "imbalanced"])
def test_95_percent_analytic_intervals_cover_the_truth(population: Population) -> None:
    expected = truth(population)
    rng = np.random.default_rng(2026)
    hits = dict.fromkeys(expected, 0)
    sets = 1000
    for _ in range(sets):
        y, base, challenger = population(rng, 2000)
        result = compare(y, {"a": base, "b": challenger}, ci="analytic", n_boot=0)
        for name in DELTA_METRICS:
            value = result.baseline_report.metrics[name]
            delta = result.comparisons["b"].deltas[name]
            assert value.ci_low is not None
            assert value.ci_high is not None
            assert delta.ci_low is not None
            assert delta.ci_high is not None
            hits[f"base {name}"] += value.ci_low <= expected[f"base {name}"] <= value.ci_high
            hits[f"delta {name}"] += delta.ci_low <= expected[f"delta {name}"] <= delta.ci_high
    coverage = {name: count / sets for name, count in hits.items()}
    print(f"{population.__name__}: coverage of 95% analytic intervals over {sets} test sets "
          f"of 2,000 rows: {coverage}")  # fmt: skip
    for name, share in coverage.items():
        assert 0.93 <= share <= 0.97, f"{name}: {share:.3f}"
