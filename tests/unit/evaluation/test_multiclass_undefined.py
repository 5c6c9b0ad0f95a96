"""Where a multiclass value is undefined, champion says None with a note; where scikit-learn
gives a number there anyway, these tests pin what it gives and how champion differs. Also the
tie rules (argmax: first class; top-k: scikit-learn's) and the weighted one-vs-one AUC."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from champion import evaluate
from champion.evaluation.multiclass import evaluate_multiclass, top_k_accuracy

from .multiclass_problems import make_multiclass, weighted_ovo

CLASSES = np.array(["ant", "bee", "cat"])


def quiet(function, *args, **kwargs):  # scikit-learn warns about each undefined value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def test_a_class_absent_from_y_true() -> None:
    y = np.array(["ant", "bee", "ant", "bee", "ant", "bee"])
    proba = np.array(
        [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4], [0.1, 0.7, 0.2], [0.5, 0.4, 0.1],
         [0.4, 0.4, 0.2]]
    )  # fmt: skip
    report = evaluate_multiclass(y, proba, CLASSES)
    pred = CLASSES[proba.argmax(axis=1)]
    cat = report.per_class[2]
    # per class: undefined, where scikit-learn's zero_division default says 0.0
    assert cat.recall is None
    assert "no rows" in cat.notes["recall"]
    assert quiet(skm.recall_score, y, pred, labels=CLASSES, average=None)[2] == 0.0
    # F1 of a class predicted but absent is defined (0) in both
    assert cat.f1 == 0.0 == quiet(skm.f1_score, y, pred, labels=CLASSES, average=None)[2]
    # the averages count that undefined recall as 0, as scikit-learn, and say so
    assert report.metrics["recall_macro"] == pytest.approx(
        quiet(skm.recall_score, y, pred, labels=CLASSES, average="macro"), abs=1e-15
    )
    assert "counts as 0" in report.metric_notes["recall_macro"]
    # balanced accuracy leaves the class out, as scikit-learn's
    assert report.metrics["balanced_accuracy"] == pytest.approx(
        quiet(skm.balanced_accuracy_score, y, pred), abs=1e-15
    )
    # its one-vs-rest AUC is undefined (NaN in scikit-learn too), and so is the macro mean
    assert cat.roc_auc is None
    assert report.metrics["roc_auc_ovr_macro"] is None
    ovr = quiet(skm.roc_auc_score, y, proba, multi_class="ovr", labels=CLASSES)
    assert np.isnan(ovr)
    # the weighted mean and one-vs-one leave it out, as scikit-learn
    assert report.metrics["roc_auc_ovr_weighted"] == pytest.approx(
        quiet(skm.roc_auc_score, y, proba, multi_class="ovr", average="weighted", labels=CLASSES),
        abs=1e-15,
    )
    assert report.metrics["roc_auc_ovo_macro"] == pytest.approx(
        quiet(skm.roc_auc_score, y, proba, multi_class="ovo", labels=CLASSES), abs=1e-15
    )
    # average precision: undefined here; scikit-learn returns 0.0 with a warning
    assert cat.average_precision is None
    assert "0.0" in cat.notes["average_precision"]
    assert quiet(skm.average_precision_score, y == "cat", proba[:, 2]) == 0.0
    assert any("'cat'" in note for note in report.notes)


def test_a_class_never_predicted_has_no_precision() -> None:
    y = np.array([0, 1, 2, 2, 1, 0])
    proba = np.array(
        [[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.1, 0.6, 0.3], [0.5, 0.3, 0.2], [0.3, 0.6, 0.1],
         [0.8, 0.1, 0.1]]
    )  # fmt: skip
    report = evaluate_multiclass(y, proba, [0, 1, 2])
    pred = proba.argmax(axis=1)
    assert report.per_class[2].precision is None
    assert quiet(skm.precision_score, y, pred, average=None)[2] == 0.0
    for average in ("macro", "weighted"):
        assert report.metrics[f"precision_{average}"] == pytest.approx(
            quiet(skm.precision_score, y, pred, average=average), abs=1e-15
        )
        assert "never predicted" in report.metric_notes[f"precision_{average}"]


def test_mcc_is_undefined_where_sklearn_says_zero() -> None:
    y = np.array([0, 1, 2, 0, 1, 2])
    proba = np.tile([0.5, 0.3, 0.2], (6, 1))  # every row predicted as class 0
    report = evaluate_multiclass(y, proba, [0, 1, 2])
    assert report.metrics["mcc"] is None
    assert "predicted as one class" in report.metric_notes["mcc"]
    assert skm.matthews_corrcoef(y, np.zeros(6, dtype=int)) == 0.0


def test_a_single_class_in_y_true() -> None:
    y = np.zeros(4, dtype=int)
    proba = np.array([[0.6, 0.3, 0.1], [0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.9, 0.05, 0.05]])
    report = evaluate_multiclass(y, proba, [0, 1, 2])
    pred = proba.argmax(axis=1)
    for name in ("roc_auc_ovr_macro", "roc_auc_ovr_weighted", "roc_auc_ovo_macro"):
        assert report.metrics[name] is None
        assert "undefined" in report.metric_notes[name]
        average = "weighted" if "weighted" in name else "macro"
        multi = "ovo" if "ovo" in name else "ovr"
        assert np.isnan(
            quiet(skm.roc_auc_score, y, proba, multi_class=multi, average=average, labels=[0, 1, 2])
        )
    assert report.metrics["mcc"] is None
    assert skm.matthews_corrcoef(y, pred) == 0.0
    assert report.metrics["cohen_kappa"] == skm.cohen_kappa_score(y, pred) == 0.0
    # kappa with one class on both sides: undefined in both (replace_undefined_by=np.nan)
    only_first = evaluate_multiclass(y, np.tile([0.6, 0.3, 0.1], (4, 1)), [0, 1, 2])
    assert only_first.metrics["cohen_kappa"] is None
    assert "chance agreement is perfect" in only_first.metric_notes["cohen_kappa"]
    assert np.isnan(quiet(skm.cohen_kappa_score, y, np.zeros(4, dtype=int)))
    assert report.per_class[0].roc_auc is None
    assert report.per_class[0].average_precision == 1.0
    assert report.metrics["accuracy"] == 0.75


def test_argmax_ties_go_to_the_first_class_and_top_k_ties_as_sklearn() -> None:
    y = np.array([1, 2, 0, 1])
    proba = np.array([[0.4, 0.4, 0.2], [0.2, 0.4, 0.4], [0.5, 0.25, 0.25], [1 / 3, 1 / 3, 1 / 3]])
    report = evaluate_multiclass(y, proba, [0, 1, 2])
    # argmax: first of the tied classes, as numpy and scikit-learn's predict
    assert report.confusion.matrix[1].tolist() == [2.0, 0.0, 0.0]
    assert report.metrics["accuracy"] == 0.25
    assert report.argmax_ties == 3
    # top-1: scikit-learn ranks tied classes highest label first, so it differs from accuracy
    top_1 = top_k_accuracy(y, proba, [0, 1, 2], k=1)
    assert top_1 == skm.top_k_accuracy_score(y, proba, k=1) == 0.75


def test_top_k_ties_do_not_depend_on_the_column_order() -> None:
    p = make_multiclass(1000, 5, seed=8, ties="coarse", weighted=True, labels="str", shuffled=True)
    labels, proba = p.sorted_columns()
    for k in (1, 2, 3):
        ours = top_k_accuracy(p.y, p.proba, p.classes, k, p.weight)
        assert ours == top_k_accuracy(p.y, proba, labels, k, p.weight)
        theirs = skm.top_k_accuracy_score(p.y, proba, k=k, labels=labels, sample_weight=p.weight)
        assert abs(ours - theirs) <= 1e-12


def test_weighted_one_vs_one_is_each_pair_weighted() -> None:
    p = make_multiclass(3000, 5, seed=4, ties="coarse", weighted=True, absent=1)
    report = evaluate_multiclass(p.y, p.proba, p.classes, p.weight)
    assert abs(report.metrics["roc_auc_ovo_macro"] - weighted_ovo(p)) <= 1e-12
    assert "refuses sample weights" in report.metric_notes["roc_auc_ovo_macro"]
    labels, proba = p.sorted_columns()
    with pytest.raises(ValueError, match="sample_weight is not supported"):
        skm.roc_auc_score(p.y, proba, multi_class="ovo", labels=labels, sample_weight=p.weight)


def test_one_vs_rest_is_the_binary_engine() -> None:
    p = make_multiclass(2000, 4, seed=5, ties="coarse", weighted=True)
    report = evaluate_multiclass(p.y, p.proba, p.classes, p.weight)
    for j, block in enumerate(report.per_class):
        binary = evaluate(p.codes == j, p.proba[:, j], sample_weight=p.weight, n_boot=0)
        # the same kernel and curves; weighted ties may be summed in another order (last bit)
        assert block.roc_auc == pytest.approx(binary.metrics["roc_auc"].value, abs=1e-15)
        assert block.average_precision == pytest.approx(
            binary.metrics["average_precision"].value, abs=1e-15
        )


def test_brier_keeps_sklearns_multiclass_range() -> None:
    y = np.array([0, 1, 2])
    proba = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])  # all wrong
    report = evaluate_multiclass(y, proba, [0, 1, 2])
    assert report.metrics["brier"] == 2.0  # the maximum: [0, 2], not halved
    assert skm.brier_score_loss(y, proba, labels=[0, 1, 2]) == 2.0
    assert skm.brier_score_loss(y, proba, labels=[0, 1, 2], scale_by_half=False) == 2.0


def test_unit_weights_are_no_weights() -> None:
    p = make_multiclass(500, 4, seed=6, ties="coarse")
    plain = evaluate_multiclass(p.y, p.proba, p.classes)
    ones = evaluate_multiclass(p.y, p.proba, p.classes, np.ones(p.y.size))
    assert plain.to_dict() == ones.to_dict()
    assert not ones.weighted


def test_report_is_json_with_every_metric_in_order() -> None:
    p = make_multiclass(800, 4, seed=9, ties="coarse", labels="str", absent=1)
    report = evaluate_multiclass(p.y, p.proba, p.classes, name="candidate")
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["task"] == "multiclass"
    assert data["classes"] == p.classes.tolist()
    model = data["models"]["candidate"]
    assert list(model["metrics"]) == [
        "accuracy",
        "balanced_accuracy",
        "precision_macro",
        "recall_macro",
        "f1_macro",
        "precision_weighted",
        "recall_weighted",
        "f1_weighted",
        "f1_micro",
        "mcc",
        "cohen_kappa",
        "top_2_accuracy",
        "roc_auc_ovr_macro",
        "roc_auc_ovr_weighted",
        "roc_auc_ovo_macro",
        "log_loss",
        "brier",
        "ece",
    ]
    assert set(model) == {
        "metrics",
        "per_class",
        "confusion_matrix",
        "pairwise_roc_auc",
        "calibration",
        "argmax_ties",
        "notes",
    }
    assert model["metrics"]["roc_auc_ovr_macro"]["value"] is None
    assert model["metrics"]["roc_auc_ovr_macro"]["note"]
    assert [c["label"] for c in model["per_class"]] == p.classes.tolist()
    assert sum(map(sum, model["confusion_matrix"]["matrix"])) == 800
    assert len(model["calibration"]["count"]) == 10


def test_a_class_whose_rows_all_weigh_zero_counts_as_absent() -> None:
    p = make_multiclass(600, 4, seed=12, ties="coarse", weighted=True)
    weight = np.where(p.codes == 1, 0.0, p.weight)
    report = evaluate_multiclass(p.y, p.proba, p.classes, weight)
    block = report.per_class[1]
    assert block.rows > 0
    assert block.support == 0.0
    assert block.recall is None
    assert "weigh 0" in block.notes["recall"]
    labels, proba = p.sorted_columns()
    pred = p.predicted
    assert report.metrics["roc_auc_ovr_macro"] is None
    assert np.isnan(quiet(skm.roc_auc_score, p.y, proba, multi_class="ovr", sample_weight=weight))
    for name, theirs in (
        (
            "roc_auc_ovr_weighted",
            quiet(
                skm.roc_auc_score,
                p.y,
                proba,
                multi_class="ovr",
                average="weighted",
                labels=labels,
                sample_weight=weight,
            ),
        ),
        ("balanced_accuracy", quiet(skm.balanced_accuracy_score, p.y, pred, sample_weight=weight)),
        (
            "recall_macro",
            quiet(
                skm.recall_score, p.y, pred, labels=labels, average="macro", sample_weight=weight
            ),
        ),
    ):
        assert abs(report.metrics[name] - theirs) <= 1e-12, name
    # one-vs-one leaves the class out, as it would a class without rows
    kept = p.codes != 1
    without = evaluate_multiclass(p.y[kept], p.proba[kept], p.classes, p.weight[kept])
    assert report.metrics["roc_auc_ovo_macro"] == without.metrics["roc_auc_ovo_macro"]
