"""compare_multiclass: paired differences with McNemar for accuracy (equal to statsmodels), Holm
across classes (equal to statsmodels), gates on multiclass metrics, and 95% intervals of values
and paired differences that cover the population's truth 93-97% of the time."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests

from champion.errors import DataError
from champion.evaluation.gates import evaluate_gate, parse_rule, parse_rules
from champion.evaluation.multiclass.compare import compare_multiclass
from champion.evaluation.multiclass.report import MULTICLASS_METRIC_NAMES

from .multiclass_problems import COVERED, truth
from .test_multiclass_intervals import two_models


def test_accuracy_p_value_is_mcnemar_as_statsmodels() -> None:
    y, base, challenger = two_models(600, 4, 3)
    result = compare_multiclass(y, {"a": base, "b": challenger}, np.arange(4), n_boot=200)
    right_a = base.argmax(axis=1) == y
    right_b = challenger.argmax(axis=1) == y
    table = [
        [np.sum(right_a & right_b), np.sum(right_a & ~right_b)],
        [np.sum(~right_a & right_b), np.sum(~right_a & ~right_b)],
    ]
    exact = table[0][1] + table[1][0] < 25
    expected = sm_mcnemar(table, exact=exact, correction=True).pvalue
    delta = result.comparisons["b"].deltas["accuracy"]
    assert delta.method == "mcnemar"
    assert delta.p_value == pytest.approx(expected, rel=1e-12)
    assert result.comparisons["b"].mcnemar.b == table[0][1]


@pytest.mark.parametrize("ci", ["analytic", "bootstrap"])
def test_every_metric_has_a_paired_delta_and_holm_across_classes(ci: str) -> None:
    y, base, challenger = two_models(3000, 5, 4)
    result = compare_multiclass(
        y, {"a": base, "b": challenger, "c": base}, np.arange(5), n_boot=300, ci=ci
    )
    comparison = result.comparisons["b"]
    assert set(comparison.deltas) == set(MULTICLASS_METRIC_NAMES)
    for name, d in comparison.deltas.items():
        assert d.delta is not None, name
        assert d.ci_low is not None, name
        assert d.ci_high is not None, name
        assert d.p_value is not None, name
        assert d.ci_low <= d.delta <= d.ci_high or name == "ece", name
    assert comparison.deltas["f1_macro"].method == ("delta" if ci == "analytic" else "bootstrap")
    assert comparison.deltas["f1_macro"].verdict == "better"  # a clearly stronger challenger
    for metric, block in comparison.per_class.items():
        raw = [d.p_value for d in block.deltas]
        expected = multipletests(raw, method="holm")[1]
        np.testing.assert_allclose(block.p_holm, expected, rtol=1e-12, err_msg=metric)
    assert comparison.per_class["f1"].worst is None  # the challenger loses no class
    assert "no class is significantly worse" in comparison.per_class["f1"].worst_reason
    same = result.comparisons["c"].deltas["log_loss"]
    assert same.delta == 0.0
    assert same.verdict == "no significant difference"
    as_json = result.to_dict()
    entry = as_json["comparisons"]["b"]["f1_macro"]
    raw = [result.comparisons[n].deltas["f1_macro"].p_value for n in ("b", "c")]
    assert entry["p_holm"] == pytest.approx(multipletests(raw, method="holm")[1][0], rel=1e-12)
    assert as_json["models"]["a"]["metrics"]["f1_macro"]["method"] in ("delta", "bootstrap")


def test_the_class_that_loses_most_is_named_when_significant_after_holm() -> None:
    y, base, _ = two_models(4000, 4, 5)
    spoiled = base.copy()
    # the challenger sends most rows of class 2 to class 3
    rows = np.flatnonzero(y == 2)[:700]
    spoiled[rows, 3] += spoiled[rows, 2]
    spoiled[rows, 2] = 0.0
    result = compare_multiclass(y, {"a": base, "b": spoiled}, np.arange(4), ci="analytic")
    block = result.comparisons["b"].per_class["f1"]
    assert block.worst == 2
    assert "loses most" in block.worst_reason
    assert block.deltas[2].verdict == "worse"


def test_a_gate_on_f1_macro_judges_a_real_comparison() -> None:
    y, base, challenger = two_models(3000, 3, 6)
    result = compare_multiclass(y, {"a": base, "b": challenger}, np.arange(3), ci="analytic")
    verdict = evaluate_gate(
        result.comparisons["b"].deltas, parse_rules(["f1_macro:non-inferior:0.01"])
    )
    assert verdict.passed
    assert "F1 (macro) difference" in verdict.rules[0].reason
    backwards = compare_multiclass(y, {"b": challenger, "a": base}, np.arange(3), ci="analytic")
    assert not evaluate_gate(
        backwards.comparisons["a"].deltas, parse_rules(["f1_macro:non-inferior:0.01"])
    ).passed
    assert parse_rule("brier:superior").limit() == (0.0, False)  # lower is better, as binary
    with pytest.raises(DataError, match="multiclass metrics: accuracy, balanced_accuracy"):
        parse_rule("f2_macro:superior")


def test_bad_input_is_refused() -> None:
    y, base, _ = two_models(100, 3, 1)
    with pytest.raises(DataError, match="baseline 'x'"):
        compare_multiclass(y, {"a": base}, np.arange(3), baseline="x")
    with pytest.raises(DataError, match="at least one"):
        compare_multiclass(y, {}, np.arange(3))
    off = compare_multiclass(y, {"a": base, "b": base[:, [1, 2, 0]]}, np.arange(3), n_boot=0)
    assert off.comparisons["b"].deltas["f1_macro"].verdict == "undefined"
    assert "bootstrap is off" in off.comparisons["b"].deltas["f1_macro"].reason
    with pytest.raises(DataError, match="ci must be one of"):
        compare_multiclass(y, {"a": base}, np.arange(3), ci="exact")


@pytest.mark.slow
def test_95_percent_analytic_intervals_cover_the_truth() -> None:
    k, sets = 3, 1000
    expected = truth(k)
    hits = dict.fromkeys(expected, 0)
    for seed in range(sets):
        y, base, challenger = two_models(1500, k, 10_000 + seed)
        result = compare_multiclass(
            y, {"a": base, "b": challenger}, np.arange(k), ci="analytic", n_boot=0
        )
        for name in COVERED:
            value = result.baseline_evaluation.estimates[name]
            delta = result.comparisons["b"].deltas[name]
            assert value.ci_low is not None
            assert value.ci_high is not None
            assert delta.ci_low is not None
            assert delta.ci_high is not None
            hits[f"base {name}"] += value.ci_low <= expected[f"base {name}"] <= value.ci_high
            hits[f"delta {name}"] += delta.ci_low <= expected[f"delta {name}"] <= delta.ci_high
    coverage = {name: count / sets for name, count in hits.items()}
    print(f"K = {k}: coverage of 95% analytic intervals over {sets} test sets of 1,500 rows: "
          f"{coverage}")  # fmt: skip
    for name, share in coverage.items():
        assert 0.93 <= share <= 0.97, f"{name}: {share:.3f}"
