"""Slicing a test set by a column, and metrics per slice with the worst slice flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, roc_auc_score

from champion.data.slicing import MISSING, OTHER, category_slices, numeric_slices, slice_dataset
from champion.errors import DataError
from champion.evaluation import slice_metrics


def test_numeric_values_fall_in_quantile_bins_with_missing_last() -> None:
    codes, labels = numeric_slices(pd.Series([1, 2, 3, 4, 5, 6, 7, 8, np.nan]), 4)
    assert labels == ["[1, 2.75)", "[2.75, 4.5)", "[4.5, 6.25)", "[6.25, 8]", MISSING]
    assert codes.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4]


def test_ties_merge_bins_and_a_constant_is_one_slice() -> None:
    codes, labels = numeric_slices(pd.Series([0, 0, 0, 0, 0, 0, 1, 2]), 4)
    assert len(labels) < 4
    assert codes.max() == len(labels) - 1
    codes, labels = numeric_slices(pd.Series([3.0, 3.0]), 4)
    assert labels == ["= 3"]
    assert codes.tolist() == [0, 0]


def test_categories_keep_the_most_frequent_and_pool_the_rest() -> None:
    codes, labels = category_slices(pd.Series(["a", "b", "a", None, "c", "d", "b"]), 2)
    assert labels == ["a", "b", OTHER, MISSING]
    assert codes.tolist() == [0, 1, 0, 3, 2, 2, 1]


def test_slice_dataset_refuses_an_unknown_column_naming_the_known_ones() -> None:
    dataset = pd.DataFrame({"age": [1.0, 2.0], "sex": ["f", "m"]})

    class Dataset:
        frame = dataset

    with pytest.raises(DataError, match=r"no column 'fare'.*age, sex"):
        slice_dataset(Dataset(), "fare")  # type: ignore[arg-type]


def test_slice_metrics_equal_sklearn_on_each_slice_and_flag_the_worst() -> None:
    rng = np.random.default_rng(7)
    n = 600
    y = rng.random(n) < 0.4
    group = rng.integers(0, 3, n)
    base = np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1)
    # the challenger is good on slices 0 and 1 and poor on slice 2
    chal = np.where(group == 2, rng.random(n), np.clip(0.5 * y + 0.5 * rng.random(n), 0, 1))
    table = slice_metrics(
        y.astype(int),
        {"base": base, "chal": chal},
        group.astype(np.intp),
        ["g0", "g1", "g2"],
        metric="roc_auc",
        baseline="base",
    )
    for code, row in enumerate(table.rows):
        mask = group == code
        assert row.n == int(mask.sum())
        assert row.values["base"] == pytest.approx(roc_auc_score(y[mask], base[mask]))
        assert row.values["chal"] == pytest.approx(roc_auc_score(y[mask], chal[mask]))
        assert row.deltas["chal"] == pytest.approx(row.values["chal"] - row.values["base"])
    worst = table.worst["chal"]
    assert worst.label == "g2"
    assert "is significantly worse on 'g2'" in worst.reason
    assert worst.judged == 3
    for row in table.rows:  # DeLong per slice: the interval holds the difference
        low, high = row.delta_intervals["chal"]
        assert low is not None
        assert high is not None
        assert low <= row.deltas["chal"] <= high
        assert row.p_holm["chal"] >= row.p_values["chal"]
        value_low, value_high = row.intervals["base"]
        assert value_low is not None
        assert value_high is not None
        assert value_low <= row.values["base"] <= value_high
    accuracy = slice_metrics(
        y.astype(int),
        {"base": base, "chal": chal},
        group.astype(np.intp),
        ["g0", "g1", "g2"],
        metric="accuracy",
        baseline="base",
        threshold=0.4,
    )
    mask = group == 1
    assert accuracy.rows[1].values["chal"] == pytest.approx(
        accuracy_score(y[mask], chal[mask] >= 0.4)
    )


def test_lower_is_better_metrics_and_one_class_slices() -> None:
    rng = np.random.default_rng(5)
    n = 400
    y = rng.random(n) < 0.5
    group = (np.arange(n) >= n // 2).astype(np.intp)
    base = np.clip(0.3 * y + 0.7 * rng.random(n), 0.01, 0.99)
    # confidently wrong on slice a: a much higher log loss there
    chal = np.where(group == 0, np.where(y, 0.05, 0.95), base)
    table = slice_metrics(
        y.astype(int), {"base": base, "chal": chal}, group, ["a", "b"], metric="log_loss",
        baseline="base", n_boot=200,
    )  # fmt: skip
    assert table.worst["chal"].label == "a"  # a higher log loss is a loss
    y4 = np.array([1, 1, 0, 0, 1, 1])
    group4 = np.array([0, 0, 0, 0, 1, 1], dtype=np.intp)
    base4 = np.array([0.9, 0.8, 0.1, 0.2, 0.7, 0.8])
    chal4 = np.array([0.6, 0.6, 0.4, 0.4, 0.9, 0.9])
    auc = slice_metrics(
        y4, {"base": base4, "chal": chal4}, group4, ["a", "b"], metric="roc_auc", baseline="base"
    )
    assert auc.rows[1].values["base"] is None  # slice b holds positives only
    assert auc.rows[1].deltas["chal"] is None
    assert all(row.small for row in auc.rows)  # far too few rows to judge
    assert auc.worst["chal"].label is None
    assert "2 too small to judge" in auc.worst["chal"].reason


def test_only_slices_large_enough_are_judged_with_holm_across_them() -> None:
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(8)
    n = 1000
    y = rng.random(n) < 0.4
    group = rng.integers(0, 5, n).astype(np.intp)
    group[:12] = 5  # a slice of 12 rows
    base = np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1)
    chal = np.clip(base + rng.normal(0, 0.05, n), 0, 1)  # no real difference
    chal[:12] = 1.0 - base[:12]  # and inverted on the tiny slice: a large, unjudged loss
    table = slice_metrics(
        y.astype(int), {"base": base, "chal": chal}, group, [f"g{i}" for i in range(6)],
        metric="roc_auc", baseline="base",
    )  # fmt: skip
    tiny = table.rows[5]
    assert tiny.small
    assert tiny.p_holm["chal"] is None
    judged = [row for row in table.rows if not row.small]
    raw = [row.p_values["chal"] for row in judged]
    expected = multipletests(raw, method="holm")[1]
    assert [row.p_holm["chal"] for row in judged] == pytest.approx(list(expected))
    worst = table.worst["chal"]
    assert worst.label is None
    assert worst.reason.startswith("no slice is significantly worse for chal")
    assert "across 5 slices; 1 too small to judge" in worst.reason
