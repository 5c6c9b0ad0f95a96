"""The resampling engine and paired comparisons."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from champion import compare, evaluate
from champion.errors import DataError
from champion.evaluation import METRIC_NAMES
from champion.evaluation import bootstrap as boot
from champion.evaluation.counts import count_by_threshold

from .problems import make_problem


def sklearn_metric(name: str, y: np.ndarray, s: np.ndarray, w: np.ndarray, t: float) -> float:
    pred = s >= t
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "specificity":
            tn, fp, _fn, _tp = skm.confusion_matrix(y, pred, sample_weight=w).ravel()
            return tn / (tn + fp)
        functions = {
            "accuracy": lambda: skm.accuracy_score(y, pred, sample_weight=w),
            "precision": lambda: skm.precision_score(y, pred, sample_weight=w),
            "recall": lambda: skm.recall_score(y, pred, sample_weight=w),
            "f1": lambda: skm.f1_score(y, pred, sample_weight=w),
            "balanced_accuracy": lambda: skm.balanced_accuracy_score(y, pred, sample_weight=w),
            "mcc": lambda: skm.matthews_corrcoef(y, pred, sample_weight=w),
            "roc_auc": lambda: skm.roc_auc_score(y, s, sample_weight=w),
            "average_precision": lambda: skm.average_precision_score(y, s, sample_weight=w),
            "log_loss": lambda: skm.log_loss(y, s, sample_weight=w, labels=[False, True]),
            "brier": lambda: skm.brier_score_loss(y, s, sample_weight=w),
        }
        return float(functions[name]())


@pytest.mark.parametrize("ties", ["none", "rounded", "few"])
@pytest.mark.parametrize("weighted", [False, True])
def test_each_resample_equals_sklearn_on_the_resampled_rows(ties: str, weighted: bool) -> None:
    p = make_problem(250, seed=7, pos_rate=0.35, ties=ties, weighted=weighted)
    counts = count_by_threshold(p.y, p.score, p.weight)
    model = boot.prepare(counts, p.y, p.score, 0.5, probabilities=True)
    chunk = next(boot.resample_chunks(p.y.size, 6, random_state=1, weight=p.weight))
    values = boot.resampled_metrics(model, p.y.astype(float), chunk)
    for row in range(chunk.shape[0]):
        for name in METRIC_NAMES:
            expected = sklearn_metric(name, p.y, p.score, chunk[row], 0.5)
            assert values[name][row] == pytest.approx(expected, abs=1e-12), name


def test_resamples_do_not_depend_on_chunk_size(monkeypatch: pytest.MonkeyPatch) -> None:
    p = make_problem(300, seed=2, pos_rate=0.4, ties="rounded", weighted=False)
    whole = evaluate(p.y, p.score, n_boot=200, random_state=5)
    monkeypatch.setattr(boot, "_BLOCK_CELLS", 300 * 7)  # 7 resamples per chunk
    chunked = evaluate(p.y, p.score, n_boot=200, random_state=5)
    assert whole.to_dict() == chunked.to_dict()


def test_same_seed_same_numbers_and_seed_matters() -> None:
    p = make_problem(200, seed=4, pos_rate=0.4, ties="none", weighted=False)
    first = evaluate(p.y, p.score, n_boot=300, random_state=1).metrics["f1"]
    again = evaluate(p.y, p.score, n_boot=300, random_state=1).metrics["f1"]
    other = evaluate(p.y, p.score, n_boot=300, random_state=2).metrics["f1"]
    assert first == again
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)


def test_a_model_alone_and_inside_a_comparison_gets_the_same_intervals() -> None:
    p = make_problem(400, seed=9, pos_rate=0.3, ties="none", weighted=False)
    other = np.clip(p.score + np.random.default_rng(0).normal(0, 0.1, p.y.size), 0, 1)
    alone = evaluate(p.y, p.score, n_boot=300, random_state=3, name="initial")
    paired = compare(p.y, {"initial": p.score, "new": other}, n_boot=300, random_state=3)
    assert paired.models["initial"].metrics == alone.metrics


def test_identical_models_differ_by_exactly_nothing() -> None:
    p = make_problem(300, seed=1, pos_rate=0.4, ties="rounded", weighted=False)
    result = compare(p.y, {"a": p.score, "b": p.score.copy()}, n_boot=200)
    for name, delta in result.comparisons["b"].deltas.items():
        assert delta.delta == 0.0, name
        assert (delta.ci_low, delta.ci_high) == (0.0, 0.0), name
        assert delta.p_value == 1.0, name
        assert delta.verdict == "no significant difference"


def test_a_clearly_better_model_is_called_better() -> None:
    rng = np.random.default_rng(8)
    y = rng.random(2000) < 0.5
    weak = 1 / (1 + np.exp(-(0.3 * y + rng.normal(0, 1, 2000))))
    strong = 1 / (1 + np.exp(-(2.5 * y - 1.25 + rng.normal(0, 1, 2000))))
    result = compare(y, {"weak": weak, "strong": strong}, baseline="weak", n_boot=300)
    deltas = result.comparisons["strong"].deltas
    for name in ("roc_auc", "accuracy", "average_precision", "log_loss", "brier"):
        assert deltas[name].verdict == "better", (name, deltas[name])
    assert deltas["log_loss"].delta < 0  # lower is better
    reverse = compare(y, {"strong": strong, "weak": weak}, n_boot=0)
    assert reverse.comparisons["weak"].deltas["roc_auc"].verdict == "worse"


def test_to_dict_has_the_contract_keys_and_is_json() -> None:
    p = make_problem(143, seed=0, pos_rate=0.38, ties="none", weighted=False)
    other = np.clip(p.score + np.random.default_rng(1).normal(0, 0.1, 143), 0, 1)
    data = compare(p.y, {"initial": p.score, "new": other}, baseline="initial").to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert {
        "n",
        "positives",
        "threshold",
        "confidence",
        "models",
        "baseline",
        "comparisons",
    } <= set(data)
    assert (data["n"], data["positives"], data["baseline"]) == (143, int(p.y.sum()), "initial")
    for model in ("initial", "new"):
        metrics = data["models"][model]["metrics"]
        assert set(metrics) == set(METRIC_NAMES)
        for entry in metrics.values():
            assert set(entry) >= {"value", "ci_low", "ci_high", "method", "note"}
        assert set(data["models"][model]["confusion"]) == {"tn", "fp", "fn", "tp"}
    assert data["models"]["initial"]["metrics"]["roc_auc"]["method"] == "delong"
    deltas = data["comparisons"]["new"]
    assert set(METRIC_NAMES) <= set(deltas)
    for name in METRIC_NAMES:
        assert set(deltas[name]) >= {"delta", "ci_low", "ci_high", "p_value", "method"}
    assert deltas["roc_auc"]["method"] == "delong"
    assert deltas["accuracy"]["method"] == "mcnemar"
    assert "agreement" in deltas
    single = evaluate(p.y, p.score, n_boot=0).to_dict(curves=True)
    json.dumps(single, allow_nan=False)
    assert set(single["models"]["model"]["curves"]) == {"roc", "pr", "gain", "calibration"}


def test_weighted_comparison_uses_the_bootstrap_everywhere() -> None:
    p = make_problem(300, seed=3, pos_rate=0.4, ties="none", weighted=True)
    other = np.clip(p.score + 0.05, 0, 1)
    result = compare(p.y, {"a": p.score, "b": other}, sample_weight=p.weight, n_boot=100)
    assert {d.method for d in result.comparisons["b"].deltas.values()} == {"bootstrap"}
    assert {m.method for m in result.models["a"].metrics.values()} == {"bootstrap"}


def test_compare_refuses_unknown_baseline_and_mismatched_models() -> None:
    y = [0, 1, 0, 1]
    with pytest.raises(DataError, match="baseline 'x' is not among the models: a, b"):
        compare(y, {"a": [0.1, 0.9, 0.2, 0.8], "b": [0.2, 0.7, 0.3, 0.6]}, baseline="x")
    with pytest.raises(DataError, match="scores of 'b' has 3 rows but y_true has 4"):
        compare(y, {"a": [0.1, 0.9, 0.2, 0.8], "b": [0.2, 0.7, 0.3]})
    with pytest.raises(DataError, match="at least one model"):
        compare(y, {})


def test_comparing_margins_with_probabilities_leaves_probability_deltas_undefined() -> None:
    p = make_problem(200, seed=6, pos_rate=0.4, ties="none", weighted=False)
    margins = np.log(p.score / (1 - p.score))
    result = compare(p.y, {"proba": p.score, "margin": margins}, n_boot=100)
    deltas = result.comparisons["margin"].deltas
    for name in ("log_loss", "brier"):
        assert deltas[name].delta is None
        assert deltas[name].verdict == "undefined"
    # the ranking is the same, so the AUC difference is exactly zero
    assert deltas["roc_auc"].delta == 0.0


def test_an_infinite_test_statistic_is_null_in_json() -> None:
    result = compare([1, 1, 0, 0], {"a": [0.5] * 4, "b": [0.9, 0.8, 0.1, 0.2]}, n_boot=0)
    assert result.comparisons["b"].delong.z == float("inf")
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["comparisons"]["b"]["delong"]["z"] is None


def test_labels_only_model_gets_label_metrics_and_a_note() -> None:
    p = make_problem(300, seed=12, pos_rate=0.4, ties="none", weighted=False)
    labels = (p.score >= 0.5).astype(float)
    result = compare(p.y, {"scores": p.score, "labels": labels}, labels_only=["labels"], n_boot=100)
    report = result.models["labels"]
    assert report.labels_only
    assert not report.curves_available
    assert report.calibration is None
    assert report.metrics["accuracy"].value == result.models["scores"].metrics["accuracy"].value
    for name in ("roc_auc", "average_precision", "log_loss", "brier"):
        assert report.metrics[name].value is None
        assert "labels only" in (report.metrics[name].note or "")
        assert result.comparisons["labels"].deltas[name].verdict == "undefined"
    assert result.comparisons["labels"].deltas["accuracy"].delta == 0.0
    with pytest.raises(DataError, match="labels-only, but its values are not all 0 or 1"):
        evaluate(p.y, p.score, labels_only=True)
    with pytest.raises(DataError, match="labels_only names unknown models: x"):
        compare(p.y, {"a": p.score}, labels_only=["x"])
