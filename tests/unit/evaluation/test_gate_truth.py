"""Gate truth by simulation: a challenger drawn from the same population as the champion passes
``roc_auc:superior`` at most 5% of the time (its paired DeLong interval excludes 0 on the
better side only by chance), and ``roc_auc:not-worse`` fails it at most 5% of the time. With five
equal challengers gated together, Holm keeps the chance that any passes at most 5% (judged alone,
about 1 - 0.975^5 = 12%)."""

from __future__ import annotations

import numpy as np
import pytest

from champion import compare
from champion.evaluation import evaluate_gate, evaluate_gates, parse_rules

SETS = 1000
ROWS = 500


@pytest.mark.slow
def test_an_equal_challenger_rarely_passes_superior_and_rarely_fails_not_worse() -> None:
    rng = np.random.default_rng(77)
    superior, not_worse = parse_rules(["roc_auc:superior"]), parse_rules(["roc_auc:not-worse"])
    passed_superior = failed_not_worse = 0
    for _ in range(SETS):
        y = rng.random(ROWS) < 0.35
        shared = rng.normal(0.0, 1.0, ROWS)  # the two models see the same rows, correlated
        champion = shared + rng.normal(0.0, 0.7, ROWS) + 1.0 * y
        challenger = shared + rng.normal(0.0, 0.7, ROWS) + 1.0 * y
        deltas = compare(y, {"c": champion, "x": challenger}, n_boot=0).comparisons["x"].deltas
        passed_superior += evaluate_gate(deltas, superior).passed
        failed_not_worse += not evaluate_gate(deltas, not_worse).passed
    rates = (passed_superior / SETS, failed_not_worse / SETS)
    print(f"equal challenger over {SETS} test sets of {ROWS} rows: passes roc_auc:superior "
          f"{rates[0]:.3f}, fails roc_auc:not-worse {rates[1]:.3f}")  # fmt: skip
    # a two-sided 95% interval: each side excludes 0 about 2.5% of the time
    assert rates[0] <= 0.05
    assert rates[1] <= 0.05


@pytest.mark.slow
def test_with_five_equal_challengers_and_holm_any_passes_at_most_five_percent() -> None:
    rng = np.random.default_rng(78)
    rules = parse_rules(["roc_auc:superior"])
    any_holm = any_alone = 0
    for _ in range(SETS):
        y = rng.random(ROWS) < 0.35
        shared = rng.normal(0.0, 1.0, ROWS)
        scores = {
            name: shared + rng.normal(0.0, 0.7, ROWS) + 1.0 * y
            for name in ("champion", "a", "b", "c", "d", "e")
        }
        result = compare(y, scores, n_boot=0)
        challengers = {name: c.deltas for name, c in result.comparisons.items()}
        any_holm += any(v.passed for v in evaluate_gates(challengers, rules).values())
        alone = evaluate_gates(challengers, rules, adjust="none").values()
        any_alone += any(v.passed for v in alone)
    rates = (any_holm / SETS, any_alone / SETS)
    print(f"five equal challengers over {SETS} test sets of {ROWS} rows: any passes "
          f"roc_auc:superior {rates[0]:.3f} with Holm, {rates[1]:.3f} judged alone")  # fmt: skip
    assert rates[0] <= 0.05
    # judged alone the family's error grows with the number of challengers
    assert rates[1] > rates[0]
