"""champion.presentation.figures_multiclass: confusion heatmaps, one-vs-rest curves and their
macro average, the class grid, the metrics and per-class bar charts, in both languages; values
checked against numpy and scikit-learn on a small real comparison."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import label_binarize

from champion.evaluation.multiclass import (
    MULTICLASS_METRIC_NAMES,
    MulticlassComparison,
    compare_multiclass,
    evaluate_multiclass,
)
from champion.evaluation.multiclass.curves import class_curves
from champion.presentation.figures_multiclass import (
    class_curve_figure,
    class_curve_scores,
    class_grid_figure,
    confusion_difference_figure,
    confusion_figure,
    multiclass_metrics_bar,
    per_class_figure,
)
from champion.presentation.figures_multiclass_curves import grid_columns
from champion.presentation.i18n import metric_label
from champion.presentation.theme import TEMPLATE, model_colour

V1, V2, V3 = "models:/toy/1", "models:/toy/2", "models:/toy/3"
CLASSES = np.array(["ant", "bee", "cat", "dog"])


@dataclass(frozen=True)
class Toy:
    """Two fitted models' probabilities (n, 4) on 500 held-out rows, a labels-only third."""

    y: np.ndarray
    probas: dict[str, np.ndarray]
    cmp: MulticlassComparison
    curves: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def toy() -> Toy:
    x, codes = make_classification(
        n_samples=1000,
        n_features=8,
        n_informative=4,
        n_classes=4,
        n_clusters_per_class=1,
        class_sep=0.8,
        random_state=3,
    )
    y = CLASSES[codes]
    first = GaussianNB().fit(x[:500], y[:500])
    second = LogisticRegression(max_iter=500).fit(x[:500], y[:500])
    assert list(first.classes_) == list(second.classes_) == list(CLASSES)
    p1, p2 = first.predict_proba(x[500:]), second.predict_proba(x[500:])
    one_hot = np.eye(4)[np.argmax(p2, axis=1)]
    probas = {V1: p1, V2: p2, V3: one_hot}
    cmp = compare_multiclass(y[500:], probas, CLASSES, labels_only=[V3], n_boot=200, random_state=0)
    curves = {V1: class_curves(y[500:], p1, CLASSES), V2: class_curves(y[500:], p2, CLASSES)}
    return Toy(y[500:], probas, cmp, {**curves, V3: {}})


def _row_percentages(y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """The confusion matrix (actual rows, predicted columns) in % of each row, from scratch."""
    predicted = CLASSES[np.argmax(proba, axis=1)]
    counts = np.array([[np.sum((y == a) & (predicted == b)) for b in CLASSES] for a in CLASSES])
    return 100.0 * counts / counts.sum(axis=1, keepdims=True)


def _z(fig: go.Figure) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in fig.data[0].z])


def _model_traces(fig: go.Figure) -> dict[str, Any]:
    """Curve traces by model (lines in a model's legend group)."""
    return {tr.legendgroup: tr for tr in fig.data if tr.mode == "lines" and tr.legendgroup}


def _text(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), ensure_ascii=False, default=str)


def test_confusion_heatmap_is_the_row_normalised_matrix(toy: Toy) -> None:
    report = toy.cmp.models[V1].report
    fig = confusion_figure(report)
    expected = _row_percentages(toy.y, toy.probas[V1])
    np.testing.assert_allclose(_z(fig), expected, atol=0.005)
    np.testing.assert_allclose(_z(fig).sum(axis=1), 100.0, atol=0.02)
    heat = fig.data[0]
    assert list(heat.x) == list(heat.y) == list(CLASSES)
    assert (heat.zmin, heat.zmax) == (0.0, 100.0)
    count = int(report.confusion.matrix[1, 3])
    assert heat.text[1][3] == f"{count}<br>{expected[1, 3]:.1f}%"
    assert fig.layout.xaxis.title.text == "Predicted"
    assert fig.layout.yaxis.title.text == "Actual"
    assert fig.layout.yaxis.autorange == "reversed"  # the first class at the top
    assert V1 in fig.layout.title.text


def test_confusion_heatmap_blanks_a_class_without_rows_and_rounds_weights() -> None:
    rng = np.random.default_rng(5)
    y = rng.choice(["a", "b"], 60)  # "c" never occurs
    proba = rng.dirichlet([1.0, 1.0, 1.0], 60)
    weight = rng.uniform(0.1, 3.0, 60)
    report = evaluate_multiclass(y, proba, ["a", "b", "c"], weight, name="weighted")
    heat = confusion_figure(report).data[0]
    assert list(heat.z[2]) == [None, None, None]
    assert list(heat.text[2]) == ["", "", ""]
    value = report.confusion.matrix[0, 0]
    assert heat.text[0][0].startswith(f"{value:.3g}<br>")
    assert heat.hovertemplate.startswith("Actual")
    assert "Weighted rows" in heat.hovertemplate


def test_confusion_difference_is_the_challengers_change(toy: Toy) -> None:
    base, chal = toy.cmp.models[V1].report, toy.cmp.models[V2].report
    fig = confusion_difference_figure(base, chal)
    change = _row_percentages(toy.y, toy.probas[V2]) - _row_percentages(toy.y, toy.probas[V1])
    np.testing.assert_allclose(_z(fig), change, atol=0.01)
    np.testing.assert_allclose(_z(fig).sum(axis=1), 0.0, atol=0.03)  # each row still sums to 100
    heat = fig.data[0]
    assert heat.zmid == 0.0
    assert heat.zmin == -heat.zmax
    assert heat.zmax >= np.abs(change).max()
    i, j = np.unravel_index(np.argmax(np.abs(change)), change.shape)
    assert heat.text[i][j] == f"{change[i, j]:+.1f} pp"
    assert heat.customdata[0][0][2] == "Correct predictions: a rise is better"
    assert heat.customdata[0][1][2] == "Errors: a rise is worse"
    assert len(fig.layout.shapes) == len(CLASSES)  # the diagonal outlined
    assert V1 in fig.layout.title.text
    assert V2 in fig.layout.title.text


def test_confusion_difference_refuses_other_class_orders(toy: Toy) -> None:
    order = [1, 0, 2, 3]
    shuffled = evaluate_multiclass(toy.y, toy.probas[V2][:, order], CLASSES[order], name="v")
    with pytest.raises(ValueError, match="same classes in the same order"):
        confusion_difference_figure(toy.cmp.models[V1].report, shuffled)


def test_macro_roc_area_is_the_macro_one_vs_rest_auc(toy: Toy) -> None:
    scores = class_curve_scores(toy.cmp, "roc", None)
    fig = class_curve_figure("roc", toy.curves, None, aucs=scores)
    assert "macro average" in fig.layout.title.text
    assert list(fig.data[0].x) == [0, 1]  # the chance diagonal
    traces = _model_traces(fig)
    assert set(traces) == {V1, V2}
    for name in (V1, V2):
        x, y = np.asarray(traces[name].x), np.asarray(traces[name].y)
        assert (x[0], y[0], x[-1], y[-1]) == (0.0, 0.0, 1.0, 1.0)
        expected = roc_auc_score(toy.y, toy.probas[name], multi_class="ovr", average="macro")
        assert np.trapezoid(y, x) == pytest.approx(expected, abs=0.003)
        assert traces[name].name == f"{name} — AUC {scores[name]:.3f}"
        assert scores[name] == pytest.approx(expected, abs=1e-12)
        assert traces[name].line.color == model_colour(name)
    assert "models:/toy/3 — curves unavailable (labels only)" in _text(fig)


def test_macro_pr_is_the_mean_step_precision(toy: Toy) -> None:
    scores = class_curve_scores(toy.cmp, "pr", None)
    fig = class_curve_figure("pr", toy.curves, None, aucs=scores)
    assert fig.data[0].y[0] == pytest.approx(0.25, abs=1e-3)  # mean class prevalence: 1 / K
    truth = label_binarize(toy.y, classes=CLASSES)
    for name, trace in _model_traces(fig).items():
        assert trace.line.shape == "vh"
        x, y = np.asarray(trace.x), np.asarray(trace.y)
        expected = average_precision_score(truth, toy.probas[name], average="macro")
        assert np.sum(np.diff(x) * y[1:]) == pytest.approx(expected, abs=0.003)  # step area
        assert scores[name] == pytest.approx(expected, abs=1e-9)


def test_one_class_curves_with_chance_line_and_scores(toy: Toy) -> None:
    scores = class_curve_scores(toy.cmp, "roc", "cat")
    fig = class_curve_figure("roc", toy.curves, "cat", aucs=scores)
    assert fig.layout.title.text == "ROC curve — class cat vs the rest"
    traces = _model_traces(fig)
    fpr, tpr, _ = roc_curve(toy.y == "cat", toy.probas[V2][:, 2], drop_intermediate=False)
    area = roc_auc_score(toy.y == "cat", toy.probas[V2][:, 2])
    assert np.trapezoid(traces[V2].y, traces[V2].x) == pytest.approx(area, abs=1e-3)
    assert np.interp(0.1, traces[V2].x, traces[V2].y) == pytest.approx(
        np.interp(0.1, fpr, tpr), abs=1e-3
    )
    assert traces[V2].name == f"{V2} — AUC {area:.3f}"
    pr = class_curve_figure("pr", toy.curves, "cat", lang="en")
    share = float(np.mean(toy.y == "cat"))
    assert list(pr.data[0].y) == pytest.approx([share, share], abs=1e-4)
    assert pr.data[0].name == f"Class prevalence {share:.3f}"
    assert set(_model_traces(pr)) == {V1, V2}
    # a class absent from a model's curve data (absent from its test set): named, not drawn
    gone = {V1: {k: v for k, v in toy.curves[V1].items() if k != "cat"}}
    missing = class_curve_figure("roc", gone, "cat")
    assert "models:/toy/1 — no curve for this class" in _text(missing)


def test_grid_has_a_subplot_per_class_and_each_model_once_in_the_legend(toy: Toy) -> None:
    fig = class_grid_figure("roc", toy.curves)
    assert set(_model_traces(fig)) == {V1, V2, "chance"}
    curves = [tr for tr in fig.data if tr.legendgroup in (V1, V2)]
    assert len(curves) == 2 * len(CLASSES)
    assert len({tr.xaxis for tr in curves}) == len(CLASSES)
    assert [a.text for a in fig.layout.annotations] == list(CLASSES)  # subplot titles
    listed = [tr.name for tr in fig.data if tr.showlegend is not False]
    assert sorted(listed) == sorted(
        ["Chance", V1, V2, "models:/toy/3 — curves unavailable (labels only)"]
    )
    pr = class_grid_figure("pr", toy.curves, "ja")
    assert pr.layout.title.text == "クラスごとの適合率-再現率曲線（一対他）"
    prevalences = [tr.y[0] for tr in pr.data if tr.legendgroup == "chance"]
    expected = [float(np.mean(toy.y == c)) for c in CLASSES]
    assert prevalences == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("k", "columns"), [(1, 1), (3, 3), (4, 3), (9, 3), (10, 4), (20, 4)])
def test_grid_columns(k: int, columns: int) -> None:
    assert grid_columns(k) == columns


def test_metrics_bar_error_bars_and_labels_only_note(toy: Toy) -> None:
    fig = multiclass_metrics_bar(toy.cmp)
    bars = {tr.name: tr for tr in fig.data}
    assert list(bars) == [V1, V2, V3]
    assert list(bars[V1].x) == [metric_label(m) for m in MULTICLASS_METRIC_NAMES]
    for name, bar in bars.items():
        for i, metric in enumerate(MULTICLASS_METRIC_NAMES):
            e = toy.cmp.models[name].estimates[metric]
            assert bar.y[i] == e.value
            if e.value is not None and e.ci_low is not None and e.ci_high is not None:
                assert bar.error_y.array[i] == pytest.approx(e.ci_high - e.value)
                assert bar.error_y.arrayminus[i] == pytest.approx(e.value - e.ci_low)
    assert bars[V3].y[MULTICLASS_METRIC_NAMES.index("roc_auc_ovr_macro")] is None
    note = fig.layout.annotations[0].text
    assert "models:/toy/3: Top-2 accuracy" in note
    # a challenger's hover carries its difference, judged after Holm across the challengers
    delta = toy.cmp.comparisons[V2].deltas["accuracy"]
    assert delta.delta is not None
    assert f"{delta.delta:+.3f}" in bars[V2].customdata[0]
    assert "Holm across the challengers" in bars[V2].customdata[0]
    assert bars[V1].customdata[0].count("<br>") == 0  # the baseline has no difference


def test_per_class_figure(toy: Toy) -> None:
    fig = per_class_figure(toy.cmp, "f1")
    assert fig.layout.title.text == "F1 by class"
    bars = {tr.name: tr for tr in fig.data}
    for name, bar in bars.items():
        assert list(bar.x) == list(CLASSES)
        assert list(bar.y) == [c.f1 for c in toy.cmp.models[name].report.per_class]
    assert "Holm across the classes" in bars[V2].customdata[0]
    auc = per_class_figure(toy.cmp, "roc_auc", lang="ja")
    assert auc.layout.title.text == "クラスごとのROC AUC"
    assert all(v is None for v in auc.data[2].y)  # labels only
    assert "models:/toy/3: ant, bee, cat, dog" in auc.layout.annotations[0].text
    with pytest.raises(ValueError, match="metric must be one of"):
        per_class_figure(toy.cmp, "accuracy")


def test_every_figure_renders_in_both_languages(toy: Toy) -> None:
    base, chal = toy.cmp.models[V1].report, toy.cmp.models[V2].report

    def figures(lang: str) -> list[go.Figure]:
        return [
            confusion_figure(base, lang),
            confusion_difference_figure(base, chal, lang),
            class_curve_figure("roc", toy.curves, "bee", lang),
            class_curve_figure("pr", toy.curves, None, lang),
            class_grid_figure("roc", toy.curves, lang),
            multiclass_metrics_bar(toy.cmp, lang),
            per_class_figure(toy.cmp, "f1", lang),
        ]

    english, japanese = figures("en"), figures("ja")
    for en, ja in zip(english, japanese, strict=True):
        assert en.layout.title.text != ja.layout.title.text
        for fig in (en, ja):
            assert fig.layout.template.layout.font.family == TEMPLATE.layout.font.family
            text = fig.to_json()
            json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
            assert "hovertext" not in text
    assert japanese[0].layout.xaxis.title.text == "予測"
    assert japanese[1].data[0].text[0][0].endswith(" pt")
    assert "曲線なし（ラベルのみ）" in _text(japanese[3])
    assert "マクロ平均" in japanese[3].layout.title.text


def test_curve_figures_refuse_an_unknown_kind(toy: Toy) -> None:
    with pytest.raises(ValueError, match="'roc' or 'pr'"):
        class_curve_figure("gain", toy.curves, None)


def test_grid_thins_each_curve(toy: Toy) -> None:
    fig = class_grid_figure("roc", toy.curves, max_points=60)
    curves = [tr for tr in fig.data if tr.legendgroup in (V1, V2)]
    assert all(len(tr.x) <= 60 for tr in curves)
    assert all((tr.x[0], tr.y[0], tr.x[-1], tr.y[-1]) == (0, 0, 1, 1) for tr in curves)
