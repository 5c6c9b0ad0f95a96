"""Each gate rule's one-sided p-value, and several challengers gated together with Holm."""

from __future__ import annotations

import json
from statistics import NormalDist

import numpy as np
import pytest

from champion.errors import DataError
from champion.evaluation import (
    MetricDelta,
    compare,
    evaluate_gate,
    evaluate_gates,
    parse_rule,
    parse_rules,
    rule_p_value,
)
from champion.evaluation.multiplicity import holm


def normal(metric: str, value: float, se: float) -> MetricDelta:
    """A difference with a 95% normal interval value +/- 1.96 se."""
    z = NormalDist().inv_cdf(0.975)
    return MetricDelta(metric, value, value - z * se, value + z * se, None, "delta", "x", "x", se)


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        # superior on a greater-is-better metric: P(Z > value / se)
        ("roc_auc:superior", 0.02, 1.0 - NormalDist().cdf(2.0)),
        ("roc_auc:superior", -0.02, 1.0 - NormalDist().cdf(-2.0)),
        # non-inferior moves the limit to -margin
        ("roc_auc:non-inferior:0.01", 0.0, 1.0 - NormalDist().cdf(1.0)),
        # lower is better: superior shows the difference below 0
        ("brier:superior", -0.02, 1.0 - NormalDist().cdf(2.0)),
        ("brier:non-inferior:0.01", 0.0, 1.0 - NormalDist().cdf(1.0)),
        # not-worse fails by showing "worse": below 0 for ROC AUC, above 0 for Brier
        ("roc_auc:not-worse", -0.02, 1.0 - NormalDist().cdf(2.0)),
        ("brier:not-worse", 0.02, 1.0 - NormalDist().cdf(2.0)),
    ],
)
def test_rule_p_value_from_the_standard_error(rule: str, value: float, expected: float) -> None:
    parsed = parse_rule(rule)
    assert rule_p_value(parsed, normal(parsed.metric, value, 0.01)) == pytest.approx(expected)


def test_rule_p_value_from_bootstrap_differences() -> None:
    resampled = np.array([-0.02, -0.01, 0.0, 0.01, 0.02, 0.03, 0.04, np.nan])
    delta = MetricDelta("f1", 0.01, -0.02, 0.04, 0.5, "bootstrap", "x", "x", None, resampled)
    # 3 of the 7 finite differences are <= 0: (3 + 1) / (7 + 1)
    assert rule_p_value(parse_rule("f1:superior"), delta) == pytest.approx(4 / 8)
    # non-inferior by 0.015: only -0.02 is at or below the limit
    assert rule_p_value(parse_rule("f1:non-inferior:0.015"), delta) == pytest.approx(2 / 8)
    assert (
        rule_p_value(parse_rule("f1:superior"), MetricDelta(*(["f1"] + [None] * 4), "x", "x", "x"))
        is None
    )  # type: ignore[arg-type]


def test_the_p_value_agrees_with_the_interval_on_real_comparisons() -> None:
    """superior passes on the interval exactly when its one-sided p is below 0.025 (DeLong and
    the delta method are normal intervals)."""
    rng = np.random.default_rng(3)
    agreed = 0
    for _ in range(60):
        y = rng.random(300) < 0.4
        shared = rng.normal(0, 1, 300)
        logits = {
            "c": shared + rng.normal(0, 0.7, 300) + y,
            "x": shared + rng.normal(0, 0.7, 300) + (1.0 + rng.normal(0, 0.3)) * y,
        }
        scores = {name: 1.0 / (1.0 + np.exp(1.0 - value)) for name, value in logits.items()}
        deltas = compare(y, scores, n_boot=0, ci="analytic").comparisons["x"].deltas
        for text in ("roc_auc:superior", "f1:non-inferior:0.02", "brier:superior"):
            rule = parse_rule(text)
            p = rule_p_value(rule, deltas[rule.metric])
            assert p is not None
            assert evaluate_gate(deltas, [rule]).passed is (p < 0.025)
            agreed += 1
    assert agreed == 180


def _challengers() -> dict[str, dict[str, MetricDelta]]:
    # one-sided p-values of roc_auc:superior: 0.0062, 0.0228, 0.0013
    return {
        name: {"roc_auc": normal("roc_auc", value, 0.01), "recall": normal("recall", -0.05, 0.01)}
        for name, value in (("a", 0.025), ("b", 0.02), ("c", 0.03))
    }


def test_holm_adjusts_superior_and_non_inferior_rules_across_challengers() -> None:
    challengers = _challengers()
    rules = parse_rules(["roc_auc:superior"])
    alone = evaluate_gates(challengers, rules, adjust="none")
    assert all(v.passed for v in alone.values())  # each alone: p < 0.025
    together = evaluate_gates(challengers, rules)  # auto: Holm with three challengers
    raw = [rule_p_value(rules[0], challengers[n]["roc_auc"]) for n in "abc"]
    adjusted = holm(raw)
    for name, p_holm in zip("abc", adjusted, strict=True):
        outcome = together[name].rules[0]
        assert outcome.p_adjusted == pytest.approx(p_holm)
        assert outcome.passed is (p_holm is not None and p_holm < 0.025)
        assert "Holm-adjusted across 3 challengers" in outcome.reason
    # b's p of 0.0228 is the largest: Holm keeps it at 0.0228 only after a and c are rejected
    assert [together[n].passed for n in "abc"] == [True, True, True]
    assert together["a"].family == 3
    assert together["a"].adjusted


def test_holm_can_turn_a_pass_into_a_failure() -> None:
    challengers = _challengers()
    challengers["d"] = {"roc_auc": normal("roc_auc", 0.021, 0.01)}  # p 0.0179
    challengers["e"] = {"roc_auc": normal("roc_auc", 0.0, 0.01)}  # p 0.5
    rules = parse_rules(["roc_auc:superior"])
    together = evaluate_gates(challengers, rules, adjust="holm")
    alone = evaluate_gates(challengers, rules, adjust="none")
    assert [alone[n].passed for n in "abcde"] == [True, True, True, True, False]
    # sorted: c 0.0013*5, a 0.0062*4 = 0.0248 pass; d 0.0179*3 > 0.025 stops: d, b, e fail
    assert [together[n].passed for n in "abcde"] == [True, False, True, False, False]


def test_not_worse_rules_are_never_adjusted() -> None:
    challengers = _challengers()
    rules = parse_rules(["recall:not-worse", "roc_auc:superior"])
    together = evaluate_gates(challengers, rules, adjust="holm")
    for verdict in together.values():
        recall = verdict.rules[0]
        assert recall.p_adjusted is None
        assert recall.p_value == pytest.approx(1.0 - NormalDist().cdf(5.0))
        assert not recall.passed  # the interval lies wholly below 0
        assert "upper bound" in recall.reason
        assert not verdict.passed


def test_one_challenger_is_judged_on_its_interval_and_json_says_the_adjustment() -> None:
    one = {"a": _challengers()["a"]}
    rules = parse_rules(["roc_auc:superior", "recall:not-worse"])
    auto = evaluate_gates(one, rules)["a"]
    assert auto == evaluate_gate(one["a"], rules)
    assert not auto.adjusted
    data = evaluate_gates(_challengers(), rules)["a"].to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["adjustment"] == {"method": "holm", "family": 3}
    assert data["rules"][0]["p_adjusted"] is not None
    assert auto.to_dict()["adjustment"] == {"method": "none", "family": 1}


def test_bad_adjustments_and_empty_rules_are_refused() -> None:
    with pytest.raises(DataError, match="holm"):
        evaluate_gates(_challengers(), parse_rules([]), adjust="bonferroni")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="at least one rule"):
        evaluate_gates(_challengers(), [])
