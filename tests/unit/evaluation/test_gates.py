"""Promotion gates: rule parsing, each rule kind in both metric directions, and real comparisons."""

from __future__ import annotations

import json

import numpy as np
import pytest

from champion.errors import DataError
from champion.evaluation import (
    DEFAULT_RULES,
    METRIC_NAMES,
    GateRule,
    MetricDelta,
    compare,
    evaluate_gate,
    parse_rule,
    parse_rules,
)


def delta(metric: str, value: float | None, low: float | None, high: float | None) -> MetricDelta:
    return MetricDelta(metric, value, low, high, 0.5, "test", "no significant difference", "x")


# -- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("roc_auc:not-worse", GateRule("roc_auc", "not-worse")),
        ("roc_auc:superior", GateRule("roc_auc", "superior")),
        ("roc_auc:non-inferior:0.01", GateRule("roc_auc", "non-inferior", 0.01)),
        ("recall:non-inferior:0.02", GateRule("recall", "non-inferior", 0.02)),
        (" Brier : Superior ", GateRule("brier", "superior")),
        ("log_loss:non-inferior:0", GateRule("log_loss", "non-inferior", 0.0)),
    ],
)
def test_parse_rule_accepts_the_three_forms(text: str, rule: GateRule) -> None:
    assert parse_rule(text) == rule
    assert parse_rule(rule.text) == rule  # the written form reads back


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("roc_auc", "METRIC:KIND"),
        ("auc:superior", "'auc' is not a metric"),
        ("roc_auc:better", "'better' is not a rule kind"),
        ("roc_auc:non-inferior", "needs a margin"),
        ("roc_auc:non-inferior:abc", "is not a number"),
        ("roc_auc:non-inferior:-0.01", ">= 0"),
        ("roc_auc:non-inferior:nan", ">= 0"),
        ("roc_auc:superior:0.01", "takes no margin"),
        ("roc_auc::0.01", "METRIC:KIND"),
    ],
)
def test_parse_rule_errors_name_the_valid_forms(text: str, why: str) -> None:
    with pytest.raises(DataError) as info:
        parse_rule(text)
    message = str(info.value)
    assert why in message
    assert "roc_auc:non-inferior:0.01" in message
    assert all(name in message for name in METRIC_NAMES)


def test_parse_rules_defaults_and_drops_duplicates() -> None:
    assert parse_rules([]) == DEFAULT_RULES == (GateRule("roc_auc", "not-worse"),)
    rules = parse_rules(["recall:superior", "roc_auc:not-worse", "recall:superior"])
    assert [r.text for r in rules] == ["recall:superior", "roc_auc:not-worse"]


# -- the rules on given numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "low", "high", "passed"),
    [
        # greater is better (ROC AUC): not-worse fails only when the whole CI is below 0
        ("roc_auc:not-worse", -0.05, 0.01, True),
        ("roc_auc:not-worse", -0.05, 0.0, True),
        ("roc_auc:not-worse", -0.05, -0.001, False),
        ("roc_auc:superior", 0.001, 0.05, True),
        ("roc_auc:superior", 0.0, 0.05, False),
        ("roc_auc:non-inferior:0.01", -0.0099, 0.02, True),
        ("roc_auc:non-inferior:0.01", -0.01, 0.02, False),
        ("roc_auc:non-inferior:0.01", -0.03, 0.02, False),
        # lower is better (Brier score, log loss): the bounds swap roles
        ("brier:not-worse", -0.01, 0.02, True),
        ("brier:not-worse", 0.001, 0.02, False),
        ("brier:superior", -0.02, -0.001, True),
        ("brier:superior", -0.02, 0.001, False),
        ("log_loss:non-inferior:0.05", -0.1, 0.049, True),
        ("log_loss:non-inferior:0.05", -0.1, 0.05, False),
    ],
)
def test_rules_judge_the_interval_by_the_metric_direction(
    rule: str, low: float, high: float, passed: bool
) -> None:
    parsed = parse_rule(rule)
    value = (low + high) / 2
    verdict = evaluate_gate({parsed.metric: delta(parsed.metric, value, low, high)}, [parsed])
    outcome = verdict.rules[0]
    assert outcome.passed is passed
    assert verdict.passed is passed
    assert (outcome.delta, outcome.ci_low, outcome.ci_high) == (value, low, high)
    assert outcome.margin == parsed.margin
    assert outcome.reason.startswith("passed" if passed else "failed")
    # the reason quotes the numbers it judged
    assert f"{low:+.4f}" in outcome.reason
    assert f"{high:+.4f}" in outcome.reason
    if parsed.kind == "non-inferior":
        assert "(margin)" in outcome.reason


def test_every_rule_must_pass_and_each_has_its_reason() -> None:
    deltas = {
        "roc_auc": delta("roc_auc", 0.02, -0.01, 0.05),
        "recall": delta("recall", -0.04, -0.08, 0.0),
    }
    rules = parse_rules(["roc_auc:not-worse", "recall:non-inferior:0.02"])
    verdict = evaluate_gate(deltas, rules, confidence=0.9)
    assert [r.passed for r in verdict.rules] == [True, False]
    assert not verdict.passed
    assert "90% CI" in verdict.rules[0].reason
    assert "lower bound -0.0800 is not > -0.0200 (margin)" in verdict.rules[1].reason
    assert verdict.summary == ("failed (roc_auc:not-worse ok, recall:non-inferior:0.02 FAILED)")
    data = verdict.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["rules"][1]["rule"] == "recall:non-inferior:0.02"


def test_an_unknown_difference_fails_its_rule() -> None:
    verdict = evaluate_gate(
        {"roc_auc": delta("roc_auc", None, None, None), "recall": delta("recall", 0.1, None, None)},
        parse_rules(["roc_auc:not-worse", "recall:not-worse", "mcc:not-worse"]),
    )
    assert [r.passed for r in verdict.rules] == [False, False, False]
    assert all("no 95% interval" in r.reason for r in verdict.rules)
    assert "has no such metric" in verdict.rules[2].reason


def test_a_gate_needs_a_rule() -> None:
    with pytest.raises(DataError, match="at least one rule"):
        evaluate_gate({}, [])


# -- on real comparisons ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def scores() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    n = 400
    y = rng.integers(0, 2, n)
    signal = y + rng.normal(0, 0.8, n)
    good = 1 / (1 + np.exp(-2 * (signal - 0.5)))
    same = np.clip(good + rng.normal(0, 0.02, n), 0, 1)
    noise = rng.random(n)
    return y, {"champion": good, "same": same, "noise": noise}


def test_default_gate_uses_the_paired_delong_interval(
    scores: tuple[np.ndarray, dict[str, np.ndarray]],
) -> None:
    y, s = scores
    result = compare(y, s, baseline="champion", n_boot=200)
    for name, passed in (("same", True), ("noise", False)):
        comparison = result.comparisons[name]
        verdict = evaluate_gate(comparison.deltas)
        outcome = verdict.rules[0]
        assert verdict.passed is passed
        # exactly the paired DeLong test's interval of the AUC difference
        assert outcome.ci_low == pytest.approx(comparison.delong.ci_low, abs=1e-15)
        assert outcome.ci_high == pytest.approx(comparison.delong.ci_high, abs=1e-15)
        assert outcome.delta == pytest.approx(comparison.delong.delta, abs=1e-15)
    noise = result.comparisons["noise"]
    # "significantly worse" agrees with compare's own verdict at the same level
    assert noise.deltas["roc_auc"].verdict == "worse"
    assert not evaluate_gate(noise.deltas).passed
    # a tiny jitter of the champion is non-inferior with a margin of 0.01 but not superior
    same = result.comparisons["same"].deltas
    assert evaluate_gate(same, parse_rules(["roc_auc:non-inferior:0.01"])).passed
    assert not evaluate_gate(same, parse_rules(["roc_auc:superior"])).passed
    reverse = compare(y, s, baseline="noise", n_boot=200).comparisons["champion"].deltas
    assert evaluate_gate(reverse, parse_rules(["roc_auc:superior", "brier:superior"])).passed
