"""DeLong against R's pROC (committed fixture), McNemar and Wilson against statsmodels."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.proportion import proportion_confint

from champion import compare, evaluate
from champion.evaluation.stats import mcnemar, wilson_interval

FIXTURE = Path(__file__).parents[2] / "fixtures" / "proc_delong.json"
CASES = json.loads(FIXTURE.read_text())["cases"]
TOL = 1e-6


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
@pytest.mark.parametrize("level", [0.95, 0.90])
def test_delong_interval_matches_proc(case: dict, level: float) -> None:
    tag = "95" if level == 0.95 else "90"
    for scores, key in ((case["s1"], "1"), (case["s2"], "2")):
        metric = evaluate(case["y"], scores, confidence=level, n_boot=0).metrics["roc_auc"]
        assert metric.method == "delong"
        assert metric.value == pytest.approx(case[f"auc{key}"], abs=1e-12)
        low, high = case[f"ci{key}_{tag}"]
        assert metric.ci_low == pytest.approx(low, abs=TOL)
        assert metric.ci_high == pytest.approx(high, abs=TOL)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
@pytest.mark.parametrize("level", [0.95, 0.90])
def test_paired_delong_matches_proc_roc_test(case: dict, level: float) -> None:
    # pROC tests roc1 - roc2: here the challenger is s1 and the baseline s2
    result = compare(
        case["y"], {"s2": case["s2"], "s1": case["s1"]}, baseline="s2", confidence=level, n_boot=0
    )
    delong = result.comparisons["s1"].delong
    test = case["test"]
    assert delong.delta == pytest.approx(case["auc1"] - case["auc2"], abs=1e-12)
    assert delong.z == pytest.approx(test["z"], abs=TOL)
    assert delong.p_value == pytest.approx(test["p_value"], abs=TOL)
    low, high = test["ci_95" if level == 0.95 else "ci_90"]
    assert delong.ci_low == pytest.approx(low, abs=TOL)
    assert delong.ci_high == pytest.approx(high, abs=TOL)
    roc_delta = result.comparisons["s1"].deltas["roc_auc"]
    assert roc_delta.method == "delong"
    assert roc_delta.p_value == pytest.approx(test["p_value"], abs=TOL)


def test_identical_models_have_no_delong_difference() -> None:
    case = CASES[1]
    result = compare(case["y"], {"a": case["s1"], "b": case["s1"]}, n_boot=0)
    delong = result.comparisons["b"].delong
    assert (delong.delta, delong.z, delong.p_value) == (0.0, 0.0, 1.0)
    assert delong.note is not None


@pytest.mark.parametrize("b", [0, 1, 3, 7, 12, 24, 30, 60])
@pytest.mark.parametrize("c", [0, 2, 5, 11, 13, 40])
def test_mcnemar_matches_statsmodels(b: int, c: int) -> None:
    ours = mcnemar(b, c)
    exact = b + c < 25
    theirs = sm_mcnemar([[10, b], [c, 10]], exact=exact, correction=True)
    assert ours.exact is exact
    assert ours.p_value == pytest.approx(theirs.pvalue, abs=1e-12)
    assert ours.statistic == pytest.approx(theirs.statistic, abs=1e-12)


def test_accuracy_delta_uses_mcnemar_on_the_discordant_rows() -> None:
    rng = np.random.default_rng(3)
    y = rng.random(400) < 0.4
    s1 = np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.25, 400), 0, 1)
    s2 = np.clip(s1 + rng.normal(0, 0.15, 400), 0, 1)
    result = compare(y, {"base": s1, "new": s2}, n_boot=0)
    comparison = result.comparisons["new"]
    base_right, new_right = (s1 >= 0.5) == y, (s2 >= 0.5) == y
    b = int(np.sum(base_right & ~new_right))
    c = int(np.sum(~base_right & new_right))
    assert (comparison.agreement.baseline_only, comparison.agreement.challenger_only) == (b, c)
    table = [[int(np.sum(base_right & new_right)), b], [c, int(np.sum(~base_right & ~new_right))]]
    theirs = sm_mcnemar(table, exact=b + c < 25, correction=True)
    assert comparison.deltas["accuracy"].method == "mcnemar"
    assert comparison.deltas["accuracy"].p_value == pytest.approx(theirs.pvalue, abs=1e-12)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (55, 143), (1, 1000)])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels(k: int, n: int, level: float) -> None:
    low, high = proportion_confint(k, n, alpha=1 - level, method="wilson")
    ours = wilson_interval(k, n, level)
    assert ours[0] == pytest.approx(low, abs=1e-12)
    assert ours[1] == pytest.approx(high, abs=1e-12)


def test_wilson_is_used_for_proportions_of_unweighted_data() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(143) < 0.38
    s = np.clip(0.35 + 0.3 * y + rng.normal(0, 0.25, 143), 0, 1)
    report = evaluate(y, s, n_boot=0)
    c = report.confusion
    expected = {
        "accuracy": (c.tp + c.tn, 143),
        "precision": (c.tp, c.tp + c.fp),
        "recall": (c.tp, c.tp + c.fn),
        "specificity": (c.tn, c.tn + c.fp),
    }
    for name, (k, n) in expected.items():
        metric = report.metrics[name]
        assert metric.method == "wilson"
        low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (metric.ci_low, metric.ci_high) == (pytest.approx(low), pytest.approx(high))
    # the bootstrap is off: bootstrap-method bounds are null, DeLong still runs
    assert report.metrics["f1"].method == "bootstrap"
    assert report.metrics["f1"].ci_low is None
    assert report.metrics["f1"].ci_high is None
    assert report.metrics["roc_auc"].ci_low is not None
    assert not math.isnan(report.metrics["roc_auc"].value or math.nan)
