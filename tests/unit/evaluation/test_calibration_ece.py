"""The debiased expected calibration error and its interval: exact small cases, an independent
recomputation from the rows (scipy's folded normal and root finder), the bias bracket, clipping,
weighted rows, empty bins, and a slow simulation of the interval's coverage of the population's
binned ECE (perfectly calibrated, mildly miscalibrated and imbalanced populations, equal-width
and quantile bins, 2,000 and 20,000 rows, 1,000 test sets each)."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from champion import evaluate
from champion.evaluation.calibration import Calibration, calibration
from champion.evaluation.calibration_error import (
    bracket_critical_value,
    calibration_error,
    folded_mean,
)
from champion.evaluation.counts import count_by_threshold
from champion.presentation import calibration_figure


def ten_bins(y: np.ndarray, score: np.ndarray) -> Calibration:
    return calibration(count_by_threshold(y.astype(bool), score.astype(float), None))


def reference(y: np.ndarray, score: np.ndarray, n_bins: int) -> tuple[float, float, float]:
    """(debiased, low, high) from the rows, by the formulas in calibration_error's docstring,
    with scipy's folded normal and a root finder for the critical value."""
    n = y.size
    bins = np.searchsorted(np.linspace(0, 1, n_bins + 1)[1:-1], score, side="left")
    d = y - score
    gap = np.array([d[bins == b].sum() / n for b in range(n_bins)])
    second = np.array([(d[bins == b] ** 2).sum() / n for b in range(n_bins)])
    var = (second - gap**2) / (n - 1)

    def folded(mean: float, v: float) -> float:
        if v == 0:
            return abs(mean)
        return float(stats.foldnorm(abs(mean) / math.sqrt(v), scale=math.sqrt(v)).mean())

    plug = float(np.abs(gap).sum())
    debiased = sum(2 * abs(g) - folded(g, v) for g, v in zip(gap, var, strict=True))
    lower = sum(2 * abs(g) - folded(g, 3 * v) for g, v in zip(gap, var, strict=True))
    se = math.sqrt((second.sum() - max(lower, 0) ** 2) / (n - 1))
    width = (plug - lower) / se
    c = optimize.brentq(
        lambda c: stats.norm.cdf(c + width) - stats.norm.cdf(-c) - 0.95, 1.0, 2.5, xtol=1e-14
    )
    return max(debiased, 0.0), max(lower - c * se, 0.0), plug + c * se


def test_one_bin_without_spread_is_exact() -> None:
    # every row scores 0.5 and is positive: the gap 0.5 has no sampling noise at all
    calib = ten_bins(np.ones(8), np.full(8, 0.5))
    assert calib.ece == 0.5
    assert (calib.ece_debiased, calib.ece_ci_low, calib.ece_ci_high) == (0.5, 0.5, 0.5)
    assert calib.ece_method == "bias-bracket"


def test_perfect_predictions_give_zero() -> None:
    y = np.array([0, 1, 0, 1, 1])
    calib = ten_bins(y, y.astype(float))
    assert (calib.ece, calib.ece_debiased, calib.ece_ci_low, calib.ece_ci_high) == (0, 0, 0, 0)


def test_a_four_row_bin_by_hand() -> None:
    # y - s = 0.75, 0.75, -0.25, -0.25 in one bin: gap 0.25, mean square 0.3125,
    # variance of the gap (0.3125 - 0.0625) / 3 = 1 / 12
    calib = ten_bins(np.array([1, 1, 0, 0]), np.full(4, 0.25))
    v = 1 / 12
    folded = stats.foldnorm(0.25 / math.sqrt(v), scale=math.sqrt(v)).mean()
    assert calib.ece == pytest.approx(0.25, abs=1e-15)
    assert calib.ece_debiased == pytest.approx(max(0.5 - folded, 0.0), abs=1e-12)
    wide = stats.foldnorm(0.25 / math.sqrt(3 * v), scale=math.sqrt(3 * v)).mean()
    se = math.sqrt((0.3125 - max(0.5 - wide, 0) ** 2) / 3)
    c = optimize.brentq(
        lambda c: stats.norm.cdf(c + (0.25 - (0.5 - wide)) / se) - stats.norm.cdf(-c) - 0.95, 1, 3
    )
    assert calib.ece_ci_low == pytest.approx(max(0.5 - wide - c * se, 0.0), abs=1e-12)
    assert calib.ece_ci_high == pytest.approx(0.25 + c * se, abs=1e-12)


@pytest.mark.parametrize("n_bins", [5, 10, 40])
@pytest.mark.parametrize("power", [1.0, 1.4])
def test_matches_an_independent_computation_from_the_rows(n_bins: int, power: float) -> None:
    rng = np.random.default_rng(n_bins)
    score = np.round(rng.beta(2, 3, 3000), 3)  # ties, and edges hit exactly
    y = (rng.random(3000) < score**power).astype(float)
    calib = calibration(count_by_threshold(y.astype(bool), score, None), n_bins)
    expected = reference(y, score, n_bins)
    got = (calib.ece_debiased, calib.ece_ci_low, calib.ece_ci_high)
    assert got == pytest.approx(expected, abs=1e-10)


def test_folded_mean_and_critical_value_agree_with_scipy() -> None:
    means = np.array([0.0, 0.3, -1.0, 2.5, -8.0, 0.7])
    variances = np.array([1.0, 0.04, 2.0, 0.5, 1.0, 0.0])
    expected = [
        abs(m) if v == 0 else stats.foldnorm(abs(m) / math.sqrt(v), scale=math.sqrt(v)).mean()
        for m, v in zip(means, variances, strict=True)
    ]
    np.testing.assert_allclose(folded_mean(means, variances), expected, rtol=1e-12, atol=1e-15)
    assert bracket_critical_value(0.0, 0.95) == pytest.approx(stats.norm.ppf(0.975), abs=1e-12)
    assert bracket_critical_value(math.inf, 0.95) == pytest.approx(stats.norm.ppf(0.95), abs=1e-12)
    for width in (0.1, 0.8, 2.0):
        c = bracket_critical_value(width, 0.9)
        assert stats.norm.cdf(c + width) - stats.norm.cdf(-c) == pytest.approx(0.9, abs=1e-12)


def test_the_two_sides_bracket_the_truth_in_expectation() -> None:
    # per bin, in standard errors: E|x| >= |t| >= E[2|x| - E|N(x, 3)|] for x ~ N(t, 1), and the
    # reported estimate lies between them; both sides are exact at t = 0 and far from it
    t = np.linspace(0.0, 20.0, 4001)
    one, two, four = (folded_mean(t, np.full_like(t, v)) for v in (1.0, 2.0, 4.0))
    upper, lower, kumar = one - t, 2 * one - four - t, 2 * one - two - t
    assert upper.min() >= -1e-12
    assert lower.max() <= 1e-12
    assert abs(lower[0]) < 1e-12
    assert abs(lower[-1]) < 1e-12
    assert np.all((lower <= kumar + 1e-12) & (kumar <= upper + 1e-12))


def test_clipped_at_zero_and_ordered() -> None:
    rng = np.random.default_rng(3)
    clipped = 0
    for _ in range(50):
        score = rng.random(400)
        y = rng.random(400) < score  # calibrated: the lower side is often below 0
        c = calibration(count_by_threshold(y, score, None))
        assert 0.0 <= c.ece_ci_low <= c.ece_debiased <= c.ece <= c.ece_ci_high
        clipped += c.ece_ci_low == 0.0
    assert clipped >= 40


def test_empty_bins_change_nothing() -> None:
    rng = np.random.default_rng(5)
    score = rng.uniform(0.3, 0.5, 300)  # 2 of 10 bins hold rows; 80 of 100 finer ones are empty
    y = rng.random(300) < score
    coarse = calibration(count_by_threshold(y, score, None), 10)
    fine = calibration(count_by_threshold(y, score, None), 100)
    filled = np.flatnonzero(coarse.count)
    assert filled.size == 2
    # the two filled bins alone, from the rows
    d = y - score
    rows = [(score > coarse.edges[b]) & (score <= coarse.edges[b + 1]) for b in filled]
    signed = np.array([d[r].sum() for r in rows])
    squares = np.array([(d[r] ** 2).sum() for r in rows])
    alone = calibration_error(signed, squares, 300, 0.95)
    assert (coarse.ece_debiased, coarse.ece_ci_low, coarse.ece_ci_high) == pytest.approx(
        (alone.debiased, alone.low, alone.high), abs=1e-12
    )
    assert math.isfinite(fine.ece_ci_high)
    assert fine.ece_ci_low <= fine.ece_debiased <= fine.ece_ci_high


def test_weighted_rows_and_tiny_inputs_have_no_interval() -> None:
    rng = np.random.default_rng(7)
    score = rng.random(200)
    y = rng.random(200) < score
    weighted = evaluate(y, score, sample_weight=rng.uniform(0.5, 2, 200), n_boot=0).calibration
    assert weighted is not None
    assert math.isfinite(weighted.ece)  # the plug-in ECE stays
    assert math.isnan(weighted.ece_debiased)
    assert math.isnan(weighted.ece_ci_low)
    assert math.isnan(weighted.ece_ci_high)
    assert weighted.ece_method == "none: weighted rows"
    entry = weighted.to_dict()
    assert (entry["ece_debiased"], entry["ece_ci_low"], entry["ece_ci_high"]) == (None,) * 3
    single = calibration(count_by_threshold(np.array([True]), np.array([0.4]), None))
    assert math.isnan(single.ece_debiased)
    assert single.ece_method == "none: fewer than 2 rows"


def test_json_carries_the_estimate_and_its_interval() -> None:
    rng = np.random.default_rng(9)
    score = rng.random(500)
    y = rng.random(500) < score**1.5
    report = evaluate(y, score, n_boot=0)
    entry = json.loads(json.dumps(report.to_dict(curves=True)))
    calib = entry["models"]["model"]["curves"]["calibration"]
    assert calib["ece_method"] == "bias-bracket"
    assert calib["ece_ci_low"] <= calib["ece_debiased"] <= calib["ece_ci_high"]
    assert report.calibration is not None
    assert calib["ece"] == report.calibration.ece


# ---- coverage of the population's binned ECE -------------------------------------------------


@dataclass(frozen=True)
class Population:
    """Scores with density ``density`` and positives with density ``positive`` (P(y = 1 | s)
    times the score density), and a sampler of (labels, scores)."""

    name: str
    density: Callable[[float], float]
    positive: Callable[[float], float]
    draw: Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]

    def ece(self, edges: np.ndarray) -> float:
        """sum over bins of |P(bin) (E[y | bin] - E[s | bin])|, by quadrature."""

        def gap(x: float) -> float:
            return self.positive(x) - x * self.density(x)

        return sum(
            abs(integrate.quad(gap, lo, hi, epsabs=1e-13, limit=200)[0])
            for lo, hi in itertools.pairwise(edges)
        )

    def deciles(self) -> np.ndarray:
        """The population's quantile edges (what quantile bins estimate)."""

        def cdf(x: float) -> float:
            return float(integrate.quad(self.density, 0, x, limit=200)[0])

        def decile(q: float) -> float:
            return float(optimize.brentq(lambda x: cdf(x) - q, 1e-9, 1 - 1e-9))

        inner = [decile(q) for q in np.arange(1, 10) / 10]
        return np.array([0.0, *inner, 1.0])


def beta_scores(power: float, name: str) -> Population:
    """Scores Beta(2, 3); y ~ Bernoulli(s ** power)."""

    def draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        s = rng.beta(2, 3, n)
        return rng.random(n) < s**power, s

    return Population(
        name, lambda x: stats.beta.pdf(x, 2, 3), lambda x: x**power * stats.beta.pdf(x, 2, 3), draw
    )


def imbalanced() -> Population:
    """8% positives; scores Beta(4, 3) for positives, Beta(2, 6) for negatives."""

    def draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.random(n) < 0.08
        return y, np.where(y, rng.beta(4, 3, n), rng.beta(2, 6, n))

    return Population(
        "imbalanced",
        lambda x: 0.08 * stats.beta.pdf(x, 4, 3) + 0.92 * stats.beta.pdf(x, 2, 6),
        lambda x: 0.08 * stats.beta.pdf(x, 4, 3),
        draw,
    )


POPULATIONS = {
    "calibrated": beta_scores(1.0, "calibrated"),
    "mild": beta_scores(1.3, "mild"),
    "imbalanced": imbalanced(),
}


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("name", list(POPULATIONS))
def test_95_percent_ece_intervals_cover_the_population_ece(name: str, strategy: str) -> None:
    population = POPULATIONS[name]
    edges = np.linspace(0, 1, 11) if strategy == "uniform" else population.deciles()
    truth = population.ece(edges)
    sets = 1000
    for n in (2000, 20_000):
        rng = np.random.default_rng(2026)
        inside = above = below = 0
        for _ in range(sets):
            y, s = population.draw(rng, n)
            c = calibration(count_by_threshold(y, s, None), 10, strategy)
            assert 0.0 <= c.ece_ci_low <= c.ece_debiased <= c.ece_ci_high
            inside += c.ece_ci_low <= truth <= c.ece_ci_high
            above += c.ece_ci_low > truth
            below += c.ece_ci_high < truth
        coverage = inside / sets
        print(f"{name} ({strategy} bins, ECE {truth:.4f}), n = {n:,}: 95% interval covers "
              f"{coverage:.1%} of {sets} test sets (low above the ECE {above / sets:.1%}, "
              f"high below it {below / sets:.1%})")  # fmt: skip
        assert 0.93 <= coverage <= 0.97, f"{name} {strategy} n={n}: {coverage:.3f}"
        if name == "calibrated":  # the ECE is 0: only the lower bound can miss
            assert below == 0


def test_the_reliability_diagram_legend_shows_the_interval() -> None:
    rng = np.random.default_rng(11)
    score = rng.random(800)
    y = rng.random(800) < score**1.5
    plain = evaluate(y, score, n_boot=0)
    weighted = evaluate(y, score, sample_weight=np.full(800, 2.0), n_boot=0)
    calib, other = plain.calibration, weighted.calibration
    assert calib is not None
    assert other is not None
    [trace] = calibration_figure({"a": plain}).data[1:]
    low, high = calib.ece_ci_low, calib.ece_ci_high
    assert trace.name == f"a — ECE {calib.ece_debiased:.3f} [{low:.3f}, {high:.3f}]"
    [trace] = calibration_figure({"b": weighted}).data[1:]
    assert trace.name == f"b — ECE {other.ece:.3f}"  # no interval for weighted rows
