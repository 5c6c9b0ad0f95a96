"""Bad input gets a clear champion.errors exception; degenerate input gets nulls with notes."""

from __future__ import annotations

import numpy as np
import pytest

from champion import evaluate
from champion.errors import ChampionError, DataError


@pytest.mark.parametrize(
    ("y", "s", "message"),
    [
        ([0, 1, 0], [0.1, 0.2], "y_score has 2 rows but y_true has 3"),
        ([], [], "y_true is empty"),
        ([0, 1, 0, 1], [0.1, np.nan, 0.3, np.inf], r"2 NaN or infinite scores \(rows 1, 3\)"),
        ([0, 1, 2, 1], [0.1, 0.2, 0.3, 0.4], r"not binary: it has 3 distinct labels \(0, 1, 2\)"),
        (
            ["yes", "no", "yes"],
            [0.1, 0.2, 0.3],
            r"pos_label=1 does not occur in y_true.*'no', 'yes'",
        ),
        ([0, 1, None, 1], [0.1, 0.2, 0.3, 0.4], r"1 missing labels \(rows 2\)"),
        ([[0, 1], [1, 0]], [0.1, 0.2], "one-dimensional"),
        ([0, 1, 0], ["a", "b", "c"], "must be numeric scores"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(y: list, s: list, message: str) -> None:
    with pytest.raises(DataError, match=message):
        evaluate(y, s)


def test_row_numbers_are_listed_and_capped() -> None:
    s = np.full(100, np.nan)
    with pytest.raises(
        DataError, match=r"100 NaN or infinite scores \(rows 0, 1, 2, 3, 4 and 95 more\)"
    ):
        evaluate(np.arange(100) % 2, s)


def test_errors_are_champion_errors_with_exit_code_2() -> None:
    with pytest.raises(ChampionError) as info:
        evaluate([0, 1], [0.5])
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"confidence": 1.5}, "confidence must be between 0 and 1"),
        ({"n_boot": -1}, "n_boot must be a whole number >= 0"),
        ({"threshold": "high"}, "threshold must be a number"),
        ({"sample_weight": [1, -1, 1, 1]}, r"1 negative weights \(rows 1\)"),
        ({"sample_weight": [0, 0, 0, 0]}, "sums to zero"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        evaluate([0, 1, 0, 1], [0.1, 0.9, 0.3, 0.6], **kwargs)


def test_string_labels_with_pos_label() -> None:
    report = evaluate(["yes", "no", "yes", "no"], [0.9, 0.2, 0.6, 0.4], pos_label="yes")
    assert report.positives == 2
    assert report.metrics["roc_auc"].value == 1.0


def test_scores_outside_unit_interval_keep_ranking_metrics() -> None:
    y = [0, 1, 0, 1, 1]
    margins = [-2.0, 1.5, 0.3, 2.2, -0.1]
    report = evaluate(y, margins, threshold=0.0, n_boot=50)
    assert report.metrics["roc_auc"].value == pytest.approx(5 / 6)
    assert report.metrics["average_precision"].value is not None
    for name in ("log_loss", "brier"):
        assert report.metrics[name].value is None
        assert "not probabilities" in (report.metrics[name].note or "")
    assert report.calibration is None
    assert any("outside [0, 1]" in note for note in report.notes)
    with pytest.raises(
        DataError, match=r"Calibration needs probabilities in \[0, 1\], but 4 scores"
    ):
        report.calibration_bins()


@pytest.mark.parametrize("label", [0, 1])
def test_one_class_present(label: int) -> None:
    y = [label] * 6
    report = evaluate(y, [0.1, 0.7, 0.4, 0.9, 0.2, 0.6], n_boot=100)
    missing = "positive" if label == 0 else "negative"
    for name in ("roc_auc", "average_precision"):
        metric = report.metrics[name]
        assert metric.value is None
        assert metric.ci_low is None
        assert f"no {missing} rows" in (metric.note or "")
    assert report.metrics["accuracy"].value == pytest.approx(3 / 6)
    assert report.metrics["log_loss"].value is not None
    assert report.metrics["brier"].value is not None
    if label == 0:
        assert report.metrics["recall"].value is None
        assert report.metrics["specificity"].value == pytest.approx(3 / 6)
    else:
        assert report.metrics["specificity"].value is None
        assert report.metrics["recall"].value == pytest.approx(3 / 6)


def test_no_predicted_positives_leaves_precision_undefined() -> None:
    report = evaluate([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], threshold=0.9, n_boot=0)
    precision = report.metrics["precision"]
    assert precision.value is None
    assert "no row is predicted positive" in (precision.note or "")
    assert report.metrics["recall"].value == 0.0
    assert report.metrics["f1"].value == 0.0


def test_tiny_inputs() -> None:
    report = evaluate([1, 0], [0.8, 0.3])
    assert report.metrics["roc_auc"].value == 1.0
    assert report.metrics["roc_auc"].ci_low is None  # DeLong needs two rows of each class
    single = evaluate([1], [0.8], n_boot=10)
    assert single.metrics["accuracy"].value == 1.0
