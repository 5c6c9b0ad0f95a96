"""A multiclass model that predicts labels only (one-hot rows): the metrics of its predicted
class as scikit-learn on the argmax, with intervals and paired tests; its ranking and
probability metrics None with a note, their paired differences "undefined" with the reason."""

from __future__ import annotations

import json
import warnings
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from champion.data import EvalDataset
from champion.errors import DataError
from champion.evaluation.multiclass import (
    compare_multiclass,
    evaluate_multiclass,
    evaluate_multiclass_intervals,
)
from champion.evaluation.multiclass.metrics import LABEL_METRICS
from champion.evaluation.multiclass.report import (
    MULTICLASS_LABELS_ONLY_NOTE,
    MULTICLASS_METRIC_NAMES,
    SCORE_METRICS,
)
from champion.workspace.keys import Statistics
from champion.workspace.multiclass import compare_scored
from champion.workspace.scores import ScoredModel

from .multiclass_problems import make_multiclass
from .test_multiclass_intervals import two_models


def one_hot(proba: np.ndarray) -> np.ndarray:
    """The predicted class of each row as a one-hot row."""
    rows: np.ndarray = np.eye(proba.shape[1])[proba.argmax(axis=1)]
    return rows


def sklearn_label_metrics(
    y: np.ndarray, pred: np.ndarray, labels: np.ndarray, w: np.ndarray | None
) -> dict[str, float]:
    values: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values["accuracy"] = skm.accuracy_score(y, pred, sample_weight=w)
        values["balanced_accuracy"] = skm.balanced_accuracy_score(y, pred, sample_weight=w)
        for average in ("macro", "weighted"):
            prf = skm.precision_recall_fscore_support(
                y, pred, labels=labels, average=average, sample_weight=w
            )
            for name, value in zip(("precision", "recall", "f1"), prf[:3], strict=True):
                values[f"{name}_{average}"] = value
        values["f1_micro"] = skm.f1_score(y, pred, labels=labels, average="micro", sample_weight=w)
        values["mcc"] = skm.matthews_corrcoef(y, pred, sample_weight=w)
        values["cohen_kappa"] = skm.cohen_kappa_score(y, pred, labels=labels, sample_weight=w)
    return {name: float(value) for name, value in values.items()}


def test_the_metric_groups_split_every_metric() -> None:
    assert set(LABEL_METRICS) | set(SCORE_METRICS) == set(MULTICLASS_METRIC_NAMES)
    assert not set(LABEL_METRICS) & set(SCORE_METRICS)
    assert set(SCORE_METRICS) == {
        "top_2_accuracy",
        "roc_auc_ovr_macro",
        "roc_auc_ovr_weighted",
        "roc_auc_ovo_macro",
        "log_loss",
        "brier",
        "ece",
    }


@pytest.mark.parametrize(
    ("ci", "weighted", "shuffled"),
    [("analytic", False, False), ("bootstrap", False, True), ("bootstrap", True, False)],
)
def test_label_metrics_equal_sklearn_on_the_argmax(ci: str, weighted: bool, shuffled: bool) -> None:
    p = make_multiclass(900, 4, seed=5, weighted=weighted, labels="str", shuffled=shuffled)
    rows = one_hot(p.proba)
    pred = p.classes[rows.argmax(axis=1)]
    result = evaluate_multiclass_intervals(
        p.y, rows, p.classes, p.weight, name="m", labels_only=["m"], ci=ci, n_boot=200
    )
    report = result.report
    assert report.labels_only
    expected = sklearn_label_metrics(p.y, pred, np.sort(p.classes), p.weight)
    for name in LABEL_METRICS:
        assert report.metrics[name] == pytest.approx(expected[name], abs=1e-12), name
        estimate = result.estimates[name]
        assert estimate.ci_low is not None, name
        assert estimate.ci_high is not None, name
        assert estimate.value is not None, name
        assert estimate.ci_low <= estimate.value <= estimate.ci_high, name
    # per class: precision, recall and F1 of the predicted class, as scikit-learn
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prf = skm.precision_recall_fscore_support(
            p.y, pred, labels=p.classes, average=None, sample_weight=p.weight
        )
    for c, block in enumerate(report.per_class):
        assert block.precision == pytest.approx(prf[0][c], abs=1e-12)
        assert block.recall == pytest.approx(prf[1][c], abs=1e-12)
        assert block.f1 == pytest.approx(prf[2][c], abs=1e-12)


@pytest.mark.parametrize("ci", ["analytic", "bootstrap"])
def test_ranking_and_probability_metrics_are_none_with_the_note(ci: str) -> None:
    p = make_multiclass(600, 5, seed=9)
    result = evaluate_multiclass_intervals(
        p.y, one_hot(p.proba), p.classes, name="m", labels_only="m", ci=ci, n_boot=100
    )
    report = result.report
    for name in SCORE_METRICS:
        assert report.metrics[name] is None, name
        assert report.metric_notes[name] == MULTICLASS_LABELS_ONLY_NOTE
        assert "labels only" in report.metric_notes[name]
        estimate = result.estimates[name]
        assert estimate.value is None
        assert estimate.ci_low is None
        assert estimate.ci_high is None
        assert estimate.note == MULTICLASS_LABELS_ONLY_NOTE
    for block in report.per_class:
        assert block.roc_auc is None
        assert block.average_precision is None
        assert block.notes["roc_auc"] == MULTICLASS_LABELS_ONLY_NOTE
        assert block.notes["average_precision"] == MULTICLASS_LABELS_ONLY_NOTE
    assert np.isnan(report.pairwise_auc).all()
    assert report.calibration is None
    assert any("labels only" in note for note in report.notes)
    entry = json.loads(json.dumps(result.to_dict(), allow_nan=False))["models"]["m"]
    assert entry["calibration"] is None
    assert entry["metrics"]["log_loss"] == {
        "value": None,
        "note": MULTICLASS_LABELS_ONLY_NOTE,
        "ci_low": None,
        "ci_high": None,
        "method": result.estimates["log_loss"].method,
    }
    assert all(v is None for row in entry["pairwise_roc_auc"] for v in row)


def test_label_metrics_and_intervals_are_those_of_the_same_rows_without_the_flag() -> None:
    p = make_multiclass(700, 4, seed=2)
    rows = one_hot(p.proba)
    flagged = evaluate_multiclass_intervals(
        p.y, rows, p.classes, labels_only=["model"], ci="analytic"
    )
    plain = evaluate_multiclass_intervals(p.y, rows, p.classes, ci="analytic")
    for name in LABEL_METRICS:
        assert flagged.estimates[name] == plain.estimates[name]
    assert not plain.report.labels_only
    assert plain.report.metrics["log_loss"] is not None
    assert evaluate_multiclass(p.y, rows, p.classes, labels_only=True).metrics == {
        name: flagged.report.metrics[name] for name in MULTICLASS_METRIC_NAMES
    }


@pytest.mark.parametrize("ci", ["analytic", "bootstrap"])
@pytest.mark.parametrize("labels_model", ["base", "chal"])
def test_a_labels_only_model_against_a_probabilistic_one(ci: str, labels_model: str) -> None:
    y, base, challenger = two_models(800, 4, 11)
    probas = {"base": base, "chal": challenger}
    probas[labels_model] = one_hot(probas[labels_model])
    result = compare_multiclass(
        y, probas, np.arange(4), labels_only=[labels_model], ci=ci, n_boot=300
    )
    other = "chal" if labels_model == "base" else "base"
    assert result.models[labels_model].report.labels_only
    assert not result.models[other].report.labels_only
    assert result.models[other].report.metrics["log_loss"] is not None
    comparison = result.comparisons["chal"]
    for name in LABEL_METRICS:
        delta = comparison.deltas[name]
        assert delta.delta is not None, name
        assert delta.p_value is not None, name
        assert delta.ci_low is not None, name
        assert delta.ci_high is not None, name
        assert delta.verdict != "undefined", name
    for name in SCORE_METRICS:
        delta = comparison.deltas[name]
        assert delta.delta is None, name
        assert delta.p_value is None, name
        assert delta.verdict == "undefined", name
        assert f"{labels_model} predicts labels only" in delta.reason, name
    # accuracy: McNemar's test on the rows each model alone gets right, as statsmodels
    right_a = probas["base"].argmax(axis=1) == y
    right_b = probas["chal"].argmax(axis=1) == y
    table = [
        [np.sum(right_a & right_b), np.sum(right_a & ~right_b)],
        [np.sum(~right_a & right_b), np.sum(~right_a & ~right_b)],
    ]
    exact = table[0][1] + table[1][0] < 25
    accuracy = comparison.deltas["accuracy"]
    assert accuracy.method == "mcnemar"
    assert accuracy.p_value == pytest.approx(
        sm_mcnemar(table, exact=exact, correction=True).pvalue, rel=1e-12
    )
    f1 = comparison.per_class["f1"]
    assert all(d.delta is not None and d.p_value is not None for d in f1.deltas)
    auc = comparison.per_class["roc_auc"]
    assert all(d.verdict == "undefined" and "labels only" in d.reason for d in auc.deltas)
    assert auc.worst is None
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    entry = document["comparisons"]["chal"]
    assert entry["log_loss"]["verdict"] == "undefined"
    assert entry["log_loss"]["p_holm"] is None
    assert entry["accuracy"]["p_holm"] is not None
    assert document["models"][labels_model]["calibration"] is None
    assert document["models"][other]["calibration"] is not None


def test_two_labels_only_models_are_both_named() -> None:
    y, base, challenger = two_models(300, 3, 4)
    result = compare_multiclass(
        y,
        {"a": one_hot(base), "b": one_hot(challenger)},
        np.arange(3),
        labels_only=("a", "b"),
        n_boot=100,
    )
    reason = result.comparisons["b"].deltas["roc_auc_ovr_macro"].reason
    assert "a and b predict labels only" in reason
    assert result.comparisons["b"].deltas["accuracy"].delta is not None


def test_labels_only_naming_no_model_is_refused() -> None:
    y, base, challenger = two_models(200, 3, 1)
    with pytest.raises(DataError, match="labels_only names unknown models: c"):
        compare_multiclass(y, {"a": base, "b": challenger}, np.arange(3), labels_only=["c"])
    with pytest.raises(DataError, match="unknown models: other"):
        evaluate_multiclass_intervals(y, base, np.arange(3), labels_only=["other"])


def _scored(values: np.ndarray, kind: str, classes: tuple[Any, ...] | None) -> ScoredModel:
    return ScoredModel(
        key=cast(Any, None),
        resolved=cast(Any, None),
        values=values,
        kind=kind,
        note="labels only" if kind == "label" else None,
        checksum="",
        from_cache=False,
        digest="",
        classes=classes,
    )


def test_the_workspace_compares_a_labels_only_version() -> None:
    y, base, challenger = two_models(400, 3, 8)
    names = np.array(["x", "y", "z"])
    labels = names[y]
    dataset = EvalDataset(
        frame=pd.DataFrame(index=range(y.size)),
        labels=labels,
        target="t",
        pos_label=None,
        y=np.zeros(y.size, dtype=bool),
        fingerprint="0" * 64,
        source="memory",
        classes=("x", "y", "z"),
    )
    scored = {
        "v1": _scored(base, "probability", ("x", "y", "z")),
        # a labels-only version whose classes come in another order
        "v2": _scored(one_hot(challenger)[:, [2, 0, 1]], "label", ("z", "x", "y")),
    }
    result, notes = compare_scored(scored, "v1", dataset, Statistics(n_boot=100))
    report = result.models["v2"].report
    assert report.labels_only
    assert report.metrics["log_loss"] is None
    expected = skm.accuracy_score(labels, names[challenger.argmax(axis=1)])
    assert report.metrics["accuracy"] == pytest.approx(expected, abs=1e-12)
    assert result.comparisons["v2"].deltas["roc_auc_ovr_macro"].verdict == "undefined"
    assert "v2: labels only" in notes
    with pytest.raises(DataError, match="has no class probabilities"):
        compare_scored(
            {"v1": scored["v1"], "v3": _scored(challenger[:, 0], "label", None)},
            "v1",
            dataset,
            Statistics(n_boot=100),
        )
