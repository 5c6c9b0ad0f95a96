"""Coverage of multiclass 95% intervals beyond test_multiclass_compare's K = 3 analytic check:
ten classes, sample weights and the percentile bootstrap.

Each simulation draws test sets from test_multiclass_intervals.two_models (a baseline and a
stronger, correlated challenger), compares the two models and counts how often the interval of
the baseline's value and of the paired difference (challenger - baseline) holds the population
value of multiclass_problems.truth (2 million rows, computed once per K), for each metric of
COVERED. Each test prints its table of coverages."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pytest

from champion.evaluation.multiclass.compare import compare_multiclass

from .multiclass_problems import COVERED, truth
from .test_multiclass_intervals import two_models

CONFIDENCE = 0.95


def band(sets: int, spread: float = 3.5, floor: float = 0.90) -> tuple[float, float]:
    """Where the coverage of `sets` test sets falls if the intervals are right: 0.95 -/+ spread
    standard errors of a share of `sets` draws (sqrt(0.95 * 0.05 / sets), 0.0126 for 300 sets).
    At 3.5 SE a correct interval fails a check of 300 sets about once in 1,600 (binomial), so
    the twelve checks of a test rarely fail by chance; the price is that only a clear failure is
    caught (an interval covering 90% fails 300 sets' check six times in ten). The floor keeps a
    badly under-covering interval from passing however few the sets."""
    se = math.sqrt(CONFIDENCE * (1.0 - CONFIDENCE) / sets)
    return max(floor, CONFIDENCE - spread * se), min(1.0, CONFIDENCE + spread * se)


def simulate(
    k: int,
    rows: int,
    sets: int,
    first_seed: int,
    *,
    ci: str,
    n_boot: int = 0,
    weighted: bool = False,
    expected_ci: str | None = None,
) -> dict[str, float]:
    """The share of `sets` test sets of `rows` rows whose 95% interval holds truth(k), for
    "base <metric>" and "delta <metric>" of each metric of COVERED. weighted: each row gets a
    Gamma(2, 1) weight drawn apart from its label and probabilities. expected_ci: the interval
    mode the evaluation must report (ci unless given)."""
    expected = truth(k)
    hits = dict.fromkeys(expected, 0)
    for seed in range(first_seed, first_seed + sets):
        y, base, challenger = two_models(rows, k, seed)
        # its own stream: the weights are independent of the rows' labels and probabilities
        weight = np.random.default_rng((seed, 1)).gamma(2.0, 1.0, rows) if weighted else None
        result = compare_multiclass(
            y,
            {"a": base, "b": challenger},
            np.arange(k),
            sample_weight=weight,
            confidence=CONFIDENCE,
            ci=ci,
            n_boot=n_boot,
            random_state=seed,
        )
        assert result.baseline_evaluation.ci == (expected_ci or ci)
        for name in COVERED:
            value = result.baseline_evaluation.estimates[name]
            delta = result.comparisons["b"].deltas[name]
            assert value.ci_low is not None, name
            assert value.ci_high is not None, name
            assert delta.ci_low is not None, name
            assert delta.ci_high is not None, name
            hits[f"base {name}"] += value.ci_low <= expected[f"base {name}"] <= value.ci_high
            hits[f"delta {name}"] += delta.ci_low <= expected[f"delta {name}"] <= delta.ci_high
    return {name: count / sets for name, count in hits.items()}


def show(title: str, coverage: Mapping[str, float], limits: tuple[float, float]) -> None:
    """Print the coverage table: a row per metric, the baseline's value and the difference."""
    print(f"\n{title}; accepted {limits[0]:.3f}-{limits[1]:.3f}")
    print(f"  {'metric':<20}{'value':>8}{'difference':>12}")
    for name in COVERED:
        print(f"  {name:<20}{coverage[f'base {name}']:>8.3f}{coverage[f'delta {name}']:>12.3f}")


def check(coverage: Mapping[str, float], limits: tuple[float, float]) -> None:
    low, high = limits
    outside = {name: share for name, share in coverage.items() if not low <= share <= high}
    assert not outside, f"coverage outside {low:.3f}-{high:.3f}: {outside}"


@pytest.mark.slow
def test_95_percent_analytic_intervals_cover_the_truth_with_ten_classes() -> None:
    # 4,000 rows: about 400 per class (the smallest class of a set has some 370, at least 329
    # over the 1,000 sets), so each class's confusion counts (about 200 right, 200 wrong, and
    # as many predicted) are large enough for the delta method of the macro F1 and the MCC
    # (ratios of those counts) and for the DeLong placements of each one-vs-rest AUC. (Measured
    # once: 1,000 sets of 1,000 or 1,500 rows also covered 0.937-0.960, so 4,000 is a margin.)
    k, rows, sets = 10, 4000, 1000
    coverage = simulate(k, rows, sets, 20_000, ci="analytic")
    limits = (0.93, 0.97)  # as test_multiclass_compare's K = 3 check: 0.95 -/+ 2.9 SE
    show(f"K = {k}: 95% analytic intervals, {sets} test sets of {rows:,} rows", coverage, limits)
    check(coverage, limits)


@pytest.mark.slow
def test_95_percent_weighted_intervals_cover_the_truth() -> None:
    # Every weighted estimand of the engine is a function of ratios of weighted means: the
    # confusion matrix is the weights summed per cell over the total weight (accuracy, macro
    # F1, MCC), log loss and Brier are weighted means of per-row losses, and each one-vs-rest
    # AUC is sum w_i w_j [s_i > s_j] / (W_pos W_neg) over (positive, negative) pairs. With
    # weights independent of (y, p), E[w f(y, p)] / E[w] = E[f(y, p)], so the weighted
    # population value is the unweighted truth(k) (checked on 2 million rows: within 4e-4).
    # The influence formulas assume plain rows, so ci="analytic" with weights resamples: these
    # are percentile bootstrap intervals, hence the fewer sets and the band of `band`.
    # Gamma(2, 1) weights: an effective size of n E[w]^2 / E[w^2] = 2/3 of the 1,500 rows.
    # (K = 10 with 4,000 weighted rows takes about 1 s a set, too slow here; 250 sets measured
    # once covered 0.924-0.956.)
    k, rows, sets, n_boot = 3, 1500, 300, 200
    coverage = simulate(
        k, rows, sets, 40_000, ci="analytic", n_boot=n_boot, weighted=True, expected_ci="bootstrap"
    )
    limits = band(sets)
    show(
        f"K = {k}: 95% intervals of Gamma(2, 1)-weighted rows (percentile bootstrap, "
        f"{n_boot} resamples), {sets} test sets of {rows:,} rows",
        coverage,
        limits,
    )
    check(coverage, limits)


@pytest.mark.slow
def test_95_percent_bootstrap_intervals_cover_the_truth() -> None:
    # the analytic check's design (K = 3, 1,500 rows) with paired percentile bootstrap intervals,
    # 300 sets of 200 resamples (about 30 s on an idle 2-core machine). Measured once with 1,000
    # sets: 0.936-0.953 with 200 resamples, 0.943-0.959 with 400; K = 10 (4,000 rows, 250 sets,
    # about 1 s a set): 0.928-0.956.
    k, rows, sets, n_boot = 3, 1500, 300, 200
    coverage = simulate(k, rows, sets, 30_000, ci="bootstrap", n_boot=n_boot)
    limits = band(sets)
    show(
        f"K = {k}: 95% percentile bootstrap intervals ({n_boot} resamples), {sets} test sets "
        f"of {rows:,} rows",
        coverage,
        limits,
    )
    check(coverage, limits)
