"""Matched operating points from counted cells (label x each model's prediction) equal
matched_points on the rows themselves, for every criterion."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from champion.evaluation.counts import count_by_threshold
from champion.evaluation.criteria import parse_criterion
from champion.evaluation.operating import matched_points
from champion.evaluation.operating_cells import chosen_points, matched_points_from_cells

CRITERIA = ["min_cost:1:5", "recall_at_precision:0.6", "fpr_at_recall:0.8", "youden", "max_f1"]


def _rows(n: int, seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.35
    signal = y + rng.normal(size=n)
    scores = {
        "old": np.round(1 / (1 + np.exp(-0.7 * signal)), 2),  # ties
        "new": 1 / (1 + np.exp(-(signal + 0.4 * rng.normal(size=n)))),
        "other": np.round(rng.random(n), 3),
    }
    return y, scores


def _counts(y: np.ndarray, scores: dict[str, np.ndarray]) -> dict[str, Any]:
    return {m: count_by_threshold(y, s, None) for m, s in scores.items()}


def _same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) or a == b, (where, a, b)
    else:
        assert a == b, (where, a, b)


def _from_cells(y: np.ndarray, scores: dict[str, np.ndarray], text: str) -> Any:
    """matched_points_from_cells on the cells of the rows (label x each prediction)."""
    criterion = parse_criterion(text)
    chosen = chosen_points(_counts(y, scores), criterion)
    named = [m for m, p in chosen.items() if p.threshold is not None]
    columns = [y] + [scores[m] >= chosen[m].threshold for m in named]
    keys, rows = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    assert keys.shape[0] <= 2 ** (len(named) + 1)
    predicted = {m: keys[:, i + 1] for i, m in enumerate(named)}
    return matched_points_from_cells(
        keys[:, 0], predicted, rows.astype(float), chosen, criterion, baseline="old"
    )


@pytest.mark.parametrize("text", CRITERIA)
def test_cells_give_the_rows_numbers(text: str) -> None:
    y, scores = _rows(4000, seed=3)
    expected = matched_points(y, scores, parse_criterion(text), baseline="old")
    _same(_from_cells(y, scores, text).to_dict(), expected.to_dict(), text)


def test_a_model_without_a_threshold_has_no_value() -> None:
    y, scores = _rows(500, seed=4)
    text = "recall_at_precision:0.999"
    expected = matched_points(y, scores, parse_criterion(text), baseline="old")
    found = _from_cells(y, scores, text)
    assert any(p.chosen.threshold is None for p in found.points.values())
    _same(found.to_dict(), expected.to_dict(), text)
