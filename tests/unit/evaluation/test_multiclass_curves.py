"""Each class's one-vs-rest curves equal scikit-learn's roc_curve / precision_recall_curve."""

from __future__ import annotations

import json

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from champion.evaluation.multiclass.curves import class_curves


def test_one_vs_rest_curves_equal_scikit_learn_and_skip_absent_classes() -> None:
    rng = np.random.default_rng(4)
    classes = ["a", "b", "c", "d"]
    y = rng.choice(classes[:3], 300)  # "d" never occurs
    proba = np.round(rng.dirichlet([1, 1, 1, 1], 300), 2)  # ties
    curves = class_curves(y, proba, classes, max_points=10_000)
    assert list(curves) == ["a", "b", "c"]
    for k, label in enumerate(classes[:3]):
        fpr, tpr, _ = roc_curve(y == label, proba[:, k], drop_intermediate=False)
        np.testing.assert_allclose(curves[label]["roc"]["x"], fpr, atol=1e-12)
        np.testing.assert_allclose(curves[label]["roc"]["y"], tpr, atol=1e-12)
        precision, recall, _ = precision_recall_curve(y == label, proba[:, k])
        np.testing.assert_allclose(curves[label]["pr"]["x"], recall, atol=1e-12)
        np.testing.assert_allclose(curves[label]["pr"]["y"], precision, atol=1e-12)
    small = class_curves(y, proba, classes, max_points=20)
    assert all(len(c["roc"]["x"]) <= 20 for c in small.values())
    assert json.loads(json.dumps(small)) == small
