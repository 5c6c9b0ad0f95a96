"""Holm's step-down adjustment: equal to statsmodels' on random families (ties and undefined
tests included), and carried beside the raw p-values in a comparison's JSON."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from champion.evaluation import compare
from champion.evaluation.multiplicity import holm
from champion.presentation import comparison_markdown, delta_rows


@pytest.mark.parametrize("seed", range(20))
def test_holm_equals_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 12))
    p = rng.uniform(0, 0.2, m) ** rng.uniform(0.5, 2)
    if m > 2:
        p[1] = p[0]  # a tie
    expected = multipletests(p, method="holm")[1]
    assert holm(list(p)) == pytest.approx(list(expected), abs=1e-15)


def test_undefined_tests_are_left_out_of_the_family() -> None:
    adjusted = holm([0.01, None, math.nan, 0.04])
    expected = multipletests([0.01, 0.04], method="holm")[1]
    assert adjusted[0] == pytest.approx(expected[0])
    assert adjusted[3] == pytest.approx(expected[1])
    assert adjusted[1] is None
    assert adjusted[2] is None
    assert holm([]) == []


def test_a_comparison_carries_holm_adjusted_p_values_per_metric() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    scores = {name: np.clip(y * 0.3 + rng.uniform(0, 0.7, 400), 0, 1) for name in "abcd"}
    result = compare(y, scores, baseline="a", n_boot=50, random_state=1).to_dict()
    assert result["adjustment"]["method"] == "holm"
    challengers = ["b", "c", "d"]
    for metric in ("roc_auc", "accuracy", "f1"):
        raw = [result["comparisons"][c][metric]["p_value"] for c in challengers]
        adjusted = [result["comparisons"][c][metric]["p_holm"] for c in challengers]
        assert adjusted == pytest.approx(list(multipletests(raw, method="holm")[1]))
        assert all(a >= r for a, r in zip(adjusted, raw, strict=True))
    alone = compare(y, {"a": scores["a"], "b": scores["b"]}, baseline="a", n_boot=50).to_dict()
    delta = alone["comparisons"]["b"]["roc_auc"]
    assert delta["p_holm"] == delta["p_value"]


def _family() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Four challengers a little better than the baseline "a": some differences are
    significant alone but not after Holm."""
    rng = np.random.default_rng(11)
    n = 600
    y = rng.integers(0, 2, n)
    shared = rng.normal(0, 1, n)
    scores = {"a": shared + rng.normal(0, 1, n) + 0.9 * y}
    for name in "bcde":
        scores[name] = shared + rng.normal(0, 1, n) + 1.15 * y
    return y, scores


def test_verdicts_follow_the_holm_adjusted_p_value_in_json_tables_and_markdown() -> None:
    y, scores = _family()
    cmp = compare(y, scores, baseline="a", n_boot=0)
    data = cmp.to_dict()
    alpha = 0.05
    downgraded = 0
    for name in "bcde":
        for metric, delta in data["comparisons"][name].items():
            if not isinstance(delta, dict) or "p_holm" not in delta:
                continue
            if delta["verdict"] in ("better", "worse") and delta["p_holm"] >= alpha:
                assert delta["verdict_holm"] == "no significant difference"
                downgraded += 1
            elif delta["verdict"] in ("better", "worse"):
                assert delta["verdict_holm"] == delta["verdict"]
            row = next(r for r in delta_rows(cmp)[name] if r.metric == metric)
            assert row.verdict == delta["verdict_holm"]
            assert row.p_holm
    assert downgraded > 0  # the family is built so that Holm changes some verdicts
    markdown = comparison_markdown(cmp)
    assert "| p (Holm) |" in markdown
    assert "adjusted by Holm across them" in markdown
    alone = compare(y, {"a": scores["a"], "b": scores["b"]}, baseline="a", n_boot=0)
    assert "p (Holm)" not in comparison_markdown(alone)
    assert all(r.p_holm == "" for r in delta_rows(alone)["b"])
