"""Multiclass slice tables: each slice a paired multiclass comparison, the worst slice judged
after Holm across the slices."""

from __future__ import annotations

import numpy as np
import pytest

from champion.errors import DataError
from champion.evaluation.multiclass import compare_multiclass
from champion.evaluation.multiclass.slices import multiclass_slice_metrics

CLASSES = ["a", "b", "c"]


def _models(n: int = 600, seed: int = 0) -> tuple[np.ndarray, dict, np.ndarray]:
    """Labels (n,), two models whose probabilities agree except on slice 1, where the
    challenger's are noise, and slice codes (n,) of three slices."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    codes = rng.integers(0, 3, n)
    good = np.full((n, 3), 0.1)
    good[np.arange(n), y] = 0.8
    bad = good.copy()
    noisy = codes == 1
    bad[noisy] = rng.dirichlet(np.ones(3), int(noisy.sum()))
    labels = np.array(CLASSES, dtype=object)[y]
    # the challenger's columns in another order: lined up by class, not by position
    versions = {"base": (good, CLASSES), "chal": (bad[:, [2, 0, 1]], ["c", "a", "b"])}
    return labels, versions, codes


def test_each_slice_equals_its_own_multiclass_comparison() -> None:
    y, versions, codes = _models()
    table = multiclass_slice_metrics(
        y, versions, codes, ["s0", "s1", "s2"], metric="accuracy", baseline="base", n_boot=50
    )
    assert table.multiclass
    assert [row.label for row in table.rows] == ["s0", "s1", "s2"]
    mask = codes == 1
    alone = compare_multiclass(
        y[mask],
        {"base": versions["base"][0][mask], "chal": versions["chal"][0][mask][:, [1, 2, 0]]},
        CLASSES,
        baseline="base",
        n_boot=50,
    )
    row = table.rows[1]
    assert row.n == int(mask.sum())
    assert row.positives == 3  # classes present
    assert row.values["chal"] == pytest.approx(alone.models["chal"].estimates["accuracy"].value)
    assert row.deltas["chal"] == pytest.approx(alone.comparisons["chal"].deltas["accuracy"].delta)
    worst = table.worst["chal"]
    assert worst.label == "s1"
    assert worst.delta is not None
    assert worst.delta < 0
    assert table.rows[0].deltas["chal"] == pytest.approx(0.0)


def test_small_slices_are_shown_not_judged_and_bad_input_is_refused() -> None:
    y, versions, codes = _models(n=60)
    table = multiclass_slice_metrics(
        y, versions, codes, ["s0", "s1", "s2"], metric="f1_macro", baseline="base", n_boot=20
    )
    assert all(row.small for row in table.rows)
    assert table.worst["chal"].label is None
    assert table.worst["chal"].judged == 0
    with pytest.raises(DataError, match="unknown multiclass metric 'roc_auc'"):
        multiclass_slice_metrics(y, versions, codes, ["s0"], metric="roc_auc", baseline="base")
    with pytest.raises(DataError, match="baseline 'x'"):
        multiclass_slice_metrics(y, versions, codes, ["s0"], metric="accuracy", baseline="x")


def test_the_sentences_name_the_rule_of_multiclass_slices() -> None:
    from champion.presentation.slice_text import slice_sentences

    y, versions, codes = _models(n=60)
    table = multiclass_slice_metrics(
        y, versions, codes, ["s0", "s1", "s2"], metric="accuracy", baseline="base", n_boot=20
    )
    (sentence,) = slice_sentences(table, "en")
    assert "slices under 30 rows are not judged" in sentence
    assert "of a class" not in sentence  # the binary rule does not apply
    (ja,) = slice_sentences(table, "ja")
    assert "30 行未満のスライスは判定しません" in ja
