"""Multiclass input that cannot be used as given is refused with a DataError that says what is
wrong and what to do: one case per error."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from champion.errors import DataError
from champion.evaluation.multiclass import evaluate_multiclass, top_k_accuracy

Y = ["a", "b", "c", "a"]
P = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.25, 0.25]]
C = ["a", "b", "c"]


def refused(message: str, y: Any = Y, proba: Any = P, classes: Any = C, **kwargs: Any) -> None:
    with pytest.raises(DataError, match=message):
        evaluate_multiclass(y, proba, classes, **kwargs)


def test_two_classes_point_to_the_binary_engine() -> None:
    refused(
        r"classes has 2 labels \('no', 'yes'\): that is a binary problem.*"
        r"champion.evaluate\(y_true, y_proba\[:, 1\], pos_label='yes'\)",
        y=["no", "yes"],
        proba=[[0.8, 0.2], [0.3, 0.7]],
        classes=["no", "yes"],
    )


def test_one_class_is_refused() -> None:
    refused("classes has 1 label", y=["a"], proba=[[1.0]], classes=["a"])


def test_empty_classes_are_refused() -> None:
    refused("classes is empty", classes=[])


def test_classes_must_be_one_dimensional() -> None:
    refused("classes must be one-dimensional", classes=[["a", "b"], ["c", "d"]])


def test_duplicated_classes_are_refused() -> None:
    refused(r"classes lists 'a' more than once", classes=["a", "b", "a"])


def test_a_missing_class_label_is_refused() -> None:
    refused(r"classes has a missing label at position 1", classes=np.array(["a", None, "c"]))


def test_labels_not_in_classes_are_named() -> None:
    refused(
        r"y_true has 2 rows whose label is not one of classes \('d', 'e'; rows 1, 3\).*"
        r"pass its full list of classes",
        y=["a", "d", "c", "e"],
    )


def test_integer_labels_are_not_string_classes() -> None:
    refused(r"not one of classes \(0, 1, 2; .* holds numbers and classes text", y=[0, 1, 2, 0])


def test_missing_labels_are_refused() -> None:
    refused(r"y_true has 1 missing labels \(rows 2\)", y=np.array(["a", "b", None, "a"]))


def test_empty_labels_are_refused() -> None:
    refused("y_true is empty", y=[], proba=np.zeros((0, 3)))


def test_labels_must_be_one_dimensional() -> None:
    refused("y_true must be one-dimensional", y=[["a", "b"], ["c", "a"]])


def test_probabilities_must_be_a_matrix() -> None:
    refused(r"y_proba must be two-dimensional .* shape \(4,\)", proba=[0.7, 0.8, 0.6, 0.5])


def test_probability_rows_must_match_the_labels() -> None:
    refused("y_proba has 3 rows but y_true has 4", proba=P[:3])


def test_probability_columns_must_match_the_classes() -> None:
    refused(
        r"y_proba has 3 columns but classes lists 4 labels: column j must hold the probability "
        r"of classes\[j\]",
        classes=["a", "b", "c", "d"],
    )


def test_probabilities_must_be_numbers() -> None:
    refused("y_proba must be numeric probabilities", proba=[["x", "y", "z"]] * 4)


def test_nan_and_infinite_probabilities_are_refused() -> None:
    proba = np.array(P)
    proba[1, 0], proba[3, 2] = np.nan, np.inf
    refused(r"NaN or infinite probabilities in 2 rows \(rows 1, 3\)", proba=proba)


def test_probabilities_outside_the_unit_interval_are_refused() -> None:
    proba = np.array(P)
    proba[2] = [1.5, -0.3, -0.2]  # sums to 1, but no probabilities: logits or scores
    refused(r"outside \[0, 1\] in 1 rows \(rows 2\).*not decision scores", proba=proba)


def test_rows_that_do_not_sum_to_one_are_refused_not_rescaled() -> None:
    proba = np.array(P)
    proba[0] = [0.7, 0.2, 0.0]
    refused(
        r"1 rows whose probabilities do not sum to 1 \(rows 0; the largest gap is 0.1\)",
        proba=proba,
    )


def test_rows_within_sklearns_tolerance_are_accepted() -> None:
    # float32 predict_proba output sums to 1 within ~1e-7: accepted, as roc_auc_score does
    proba = np.array(P, dtype=np.float32) * np.float32(1 + 3e-7)
    report = evaluate_multiclass(Y, proba, C)
    assert report.metrics["accuracy"] == 1.0


def test_negative_weights_are_refused() -> None:
    refused(r"sample_weight has 1 negative weights \(rows 3\)", sample_weight=[1, 2, 1, -1])


def test_weights_summing_to_zero_are_refused() -> None:
    refused("sample_weight sums to zero", sample_weight=[0, 0, 0, 0])


def test_weights_must_match_the_rows() -> None:
    refused("sample_weight has 3 rows but y_true has 4", sample_weight=[1, 2, 3])


def test_nan_weights_are_refused() -> None:
    refused(
        r"sample_weight has 1 NaN or infinite scores \(rows 0\)", sample_weight=[np.nan, 1, 1, 1]
    )


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_top_k_needs_a_whole_k(k: Any) -> None:
    with pytest.raises(DataError, match="k must be a whole number >= 1"):
        top_k_accuracy(Y, P, C, k=k)


def test_calibration_bins_must_be_at_least_one() -> None:
    refused("n_bins must be at least 1", n_bins=0)


def test_confidence_must_be_between_zero_and_one() -> None:
    refused("confidence must be between 0 and 1", confidence=95)
