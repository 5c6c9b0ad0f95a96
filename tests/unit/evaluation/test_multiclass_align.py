"""Versions with different classes compared on the union of theirs and the test set's labels."""

from __future__ import annotations

import numpy as np
import pytest

from champion.errors import DataError
from champion.evaluation.multiclass.align import align_classes


def test_versions_are_put_on_the_sorted_union_with_zeros_for_unknown_classes() -> None:
    labels = ["b", "a", "c", "a"]
    old = np.array([[0.7, 0.3]] * 4)  # knows a, b only, in the order b, a
    new = np.array([[0.1, 0.2, 0.3, 0.4]] * 4)  # knows a new class d
    aligned = align_classes(labels, {"v1": (old, ["b", "a"]), "v2": (new, ["a", "b", "c", "d"])})
    assert aligned.classes == ("a", "b", "c", "d")
    np.testing.assert_array_equal(aligned.probabilities["v1"][0], [0.3, 0.7, 0.0, 0.0])
    np.testing.assert_array_equal(aligned.probabilities["v2"], new)
    assert aligned.notes == ("v1 does not know class 'c', 'd': probability 0 in every row",)


def test_classes_match_the_labels_by_text_when_nothing_matches_exactly() -> None:
    values = np.array([[0.5, 0.25, 0.25]])
    aligned = align_classes(["1", "2", "3"], {"v": (values, [1, 2, 3])})
    assert aligned.classes == ("1", "2", "3")
    np.testing.assert_array_equal(aligned.probabilities["v"], values)
    assert aligned.notes == ("v's classes matched to the test set's labels by their text",)


def test_classes_sharing_nothing_with_the_labels_are_refused() -> None:
    with pytest.raises(DataError, match=r"v's classes \(0, 1, 2\) have nothing in common"):
        align_classes(["adelie", "gentoo"], {"v": (np.zeros((2, 3)), [0, 1, 2])})
    with pytest.raises(DataError, match="lists a class twice"):
        align_classes(["1", "2"], {"v": (np.zeros((2, 2)), [2, 2])})
