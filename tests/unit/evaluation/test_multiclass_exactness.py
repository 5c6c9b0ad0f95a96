"""Every multiclass metric equals scikit-learn's within 1e-12, or both call it undefined: on
generated problems (ties across and within rows, classes absent from y_true, K from 3 to 20,
string and integer labels, sample weights, sorted or shuffled class order) and on a logistic
regression of the wine data bundled with scikit-learn.

scikit-learn takes sample weights for every one of these metrics but the one-vs-one ROC AUC;
there the reference is its weighted binary AUC, pair by pair (multiclass_problems.weighted_ovo).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from sklearn import metrics as skm
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from champion.evaluation.multiclass import (
    MULTICLASS_METRIC_NAMES,
    MulticlassReport,
    evaluate_multiclass,
    top_k_accuracy,
)

from .multiclass_problems import (
    MulticlassProblem,
    make_multiclass,
    multiclass_problems,
    reference_ece,
    sklearn_metrics,
)

TOL = 1e-12


def same(ours: float | None, theirs: float, what: str) -> None:
    """ours equals theirs within TOL, or ours is None where theirs is NaN."""
    if math.isnan(theirs):
        assert ours is None, f"{what}: scikit-learn says undefined, champion {ours!r}"
        return
    assert ours is not None, f"{what}: champion says undefined, scikit-learn {theirs!r}"
    assert abs(ours - theirs) <= TOL, f"{what}: champion {ours!r} vs scikit-learn {theirs!r}"


def check_metrics(p: MulticlassProblem, report: MulticlassReport) -> None:
    sk = sklearn_metrics(p)
    for name in MULTICLASS_METRIC_NAMES:
        ours = report.metrics[name]
        if name == "ece":
            same(ours, reference_ece(p), f"ece ({p.description})")
        elif name == "mcc" and ours is None:
            # Gorodkin's R_K is 0/0 here: scikit-learn returns 0.0, champion says undefined
            assert sk["mcc"] == 0.0
            assert "undefined" in report.metric_notes["mcc"]
        else:
            same(ours, sk[name], f"{name} ({p.description})")
        if ours is None:
            assert name in report.metric_notes, f"{name} is undefined without a note"


def check_per_class(p: MulticlassProblem, report: MulticlassReport) -> None:
    w = p.weight
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        precision, recall, f1, support = skm.precision_recall_fscore_support(
            p.y, p.predicted, labels=p.classes, average=None, sample_weight=w, zero_division=np.nan
        )
        matrix = skm.confusion_matrix(p.y, p.predicted, labels=p.classes, sample_weight=w)
    np.testing.assert_allclose(report.confusion.matrix, matrix, rtol=TOL, atol=TOL)
    codes = p.codes
    for j, block in enumerate(report.per_class):
        what = f"class {p.classes[j]!r} ({p.description})"
        assert block.label == p.classes[j].item()
        assert block.rows == int(np.count_nonzero(codes == j))
        assert abs(block.support - support[j]) <= TOL * max(1.0, support[j])
        same(block.precision, precision[j], f"precision of {what}")
        same(block.recall, recall[j], f"recall of {what}")
        same(block.f1, f1[j], f"f1 of {what}")
        mine = codes == j
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            auc = skm.roc_auc_score(mine, p.proba[:, j], sample_weight=w)
            ap = skm.average_precision_score(mine, p.proba[:, j], sample_weight=w)
        same(block.roc_auc, auc, f"roc_auc of {what}")
        if mine.any():
            same(block.average_precision, ap, f"average_precision of {what}")
        else:  # scikit-learn says 0.0 (with a warning): see test_multiclass_undefined
            assert block.average_precision is None


def check(p: MulticlassProblem) -> None:
    report = evaluate_multiclass(p.y, p.proba, p.classes, p.weight)
    check_metrics(p, report)
    check_per_class(p, report)


@given(multiclass_problems())
@settings(max_examples=60, deadline=None)
def test_generated_problems_match_sklearn(p: MulticlassProblem) -> None:
    check(p)


@pytest.mark.parametrize("k", range(3, 21))
def test_every_class_count_from_3_to_20(k: int) -> None:
    ties = ("none", "coarse", "uniform_rows", "one_hot_rows")[k % 4]
    check(
        make_multiclass(
            n=400 + 37 * k,
            k=k,
            seed=k,
            ties=ties,
            weighted=k % 2 == 0,
            labels="str" if k % 3 else "int",
            shuffled=k % 5 == 0,
        )
    )


@pytest.mark.parametrize("ties", ["coarse", "uniform_rows", "one_hot_rows"])
@pytest.mark.parametrize("weighted", [False, True])
def test_ties_and_an_absent_class(ties: str, weighted: bool) -> None:
    check(make_multiclass(1500, 6, seed=11, ties=ties, weighted=weighted, absent=1))


def test_top_k_for_every_k_matches_sklearn() -> None:
    p = make_multiclass(2000, 7, seed=3, ties="coarse", weighted=True, labels="str")
    labels, proba = p.sorted_columns()
    for k in range(1, 9):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # k >= K: scikit-learn warns that 1.0 is trivial
            theirs = skm.top_k_accuracy_score(
                p.y, proba, k=k, labels=labels, sample_weight=p.weight
            )
        same(top_k_accuracy(p.y, p.proba, p.classes, k, p.weight), theirs, f"top-{k}")


@pytest.fixture(scope="module")
def wine() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Half of the wine data to fit a (strongly regularised, so imperfect) logistic regression,
    the other half to evaluate it: (X_fit, y_fit, X_test, y_test)."""
    x, y = load_wine(return_X_y=True)
    x_fit, x_test, y_fit, y_test = train_test_split(x, y, test_size=0.5, random_state=0, stratify=y)
    return x_fit, y_fit, x_test, y_test


@pytest.mark.parametrize("labels", ["int", "str"])
@pytest.mark.parametrize("weighted", [False, True])
def test_wine_logistic_regression(
    wine: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], labels: str, weighted: bool
) -> None:
    x_fit, y_fit, x_test, y_test = wine
    if labels == "str":
        names = load_wine().target_names
        y_fit, y_test = names[y_fit], names[y_test]
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=1000))
    model.fit(x_fit, y_fit)
    weight = np.random.default_rng(0).gamma(2.0, 1.0, y_test.size) if weighted else None
    p = MulticlassProblem(y_test, model.predict_proba(x_test), model.classes_, weight, "wine")
    np.testing.assert_array_equal(p.predicted, model.predict(x_test))
    check(p)
