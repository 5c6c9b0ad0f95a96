"""champion.presentation figures: structure, fixed colours, error bars, languages, JSON size."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

import champion
from champion.evaluation import Comparison, EvaluationReport, MetricEstimate
from champion.presentation import (
    PALETTE,
    TEMPLATE,
    calibration_figure,
    gain_figure,
    metrics_bar,
    model_colour,
    model_colours,
    pr_figure,
    roc_figure,
    threshold_metrics_figure,
    trend_figure,
)
from champion.presentation.theme import version_number

V1, V2, V3 = "models:/titanic/1", "models:/titanic/2", "models:/titanic/3"


def _scores(y: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Probabilities that separate the classes more as strength grows."""
    return 1.0 / (1.0 + np.exp(-(strength * (2.0 * y - 1.0) + rng.normal(0.0, 1.0, y.size))))


@pytest.fixture(scope="module")
def cmp() -> Comparison:
    """Two scored versions and a labels-only third, 300 rows."""
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 300)
    s1, s2 = _scores(y, 0.6, rng), _scores(y, 1.2, rng)
    labels = (s2 >= 0.5).astype(float)
    return champion.compare(
        y, {V1: s1, V2: s2, V3: labels}, labels_only=[V3], n_boot=200, random_state=0
    )


def _curves(fig: go.Figure) -> dict[str, Any]:
    """Model curve traces (lines grouped under a model name) by model."""
    return {tr.legendgroup: tr for tr in fig.data if tr.mode == "lines" and tr.legendgroup}


def _markers(fig: go.Figure) -> dict[str, Any]:
    """Threshold markers (one point, hidden from the legend) by model."""
    return {
        tr.legendgroup: tr for tr in fig.data if tr.mode == "markers" and tr.showlegend is False
    }


def _same_points(x: np.ndarray, y: np.ndarray, trace: Any, tol: float = 5.1e-5) -> bool:
    """The trace's points are the points (x, y) up to rounding: each near one of the other's."""
    tx, ty = np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)
    gap = np.maximum(np.abs(x[:, None] - tx[None, :]), np.abs(y[:, None] - ty[None, :]))
    return bool(gap.min(axis=1).max() <= tol and gap.min(axis=0).max() <= tol)


def _text(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), ensure_ascii=False, default=str)


def test_roc_figure_structure(cmp: Comparison) -> None:
    fig = roc_figure(cmp.models, threshold=0.3)
    chance = fig.data[0]
    assert list(chance.x) == [0, 1]
    assert list(chance.y) == [0, 1]
    assert chance.line.dash == "dash"
    curves = _curves(fig)
    assert set(curves) == {V1, V2}  # the labels-only model has no curve
    assert len(fig.data) == 1 + 2 * 2 + 1  # diagonal, curve + marker per scored model, V3 entry
    for name in (V1, V2):
        report = cmp.models[name]
        auc = report.metrics["roc_auc"]
        assert auc.value is not None
        assert auc.ci_low is not None
        assert auc.ci_high is not None
        expected = f"{name} — AUC {auc.value:.3f} [{auc.ci_low:.3f}, {auc.ci_high:.3f}]"
        assert curves[name].name == expected
        view = report.roc.downsample(1000)
        assert curves[name].x[0] == 0.0
        assert curves[name].x[-1] == 1.0
        assert len(curves[name].x) <= view.x.size
        assert _same_points(view.x, view.y, curves[name])
        point = report.at(0.3)
        c = point.confusion
        marker = _markers(fig)[name]
        assert marker.x[0] == pytest.approx(c.fp / (c.fp + c.tn), abs=1e-4)
        assert marker.y[0] == pytest.approx(point.metrics["recall"], abs=1e-4)
        assert marker.marker.color == curves[name].line.color
        assert "0.3" in marker.hovertemplate
    labels_only = [tr for tr in fig.data if tr.legendgroup == V3]
    assert len(labels_only) == 1
    assert labels_only[0].mode == "markers"
    assert "curves unavailable" in labels_only[0].name


def test_curves_use_each_reports_threshold_by_default(cmp: Comparison) -> None:
    marker = _markers(roc_figure(cmp.models))[V1]
    c = cmp.models[V1].confusion  # at the report's threshold, 0.5
    assert marker.x[0] == pytest.approx(c.fp / (c.fp + c.tn), abs=1e-4)


def test_colours_are_fixed_per_version_whatever_the_selection(cmp: Comparison) -> None:
    both = _curves(roc_figure({V1: cmp.models[V1], V2: cmp.models[V2]}))
    alone = _curves(roc_figure({V2: cmp.models[V2]}))
    assert both[V1].line.color == PALETTE[0]
    assert both[V2].line.color == alone[V2].line.color == PALETTE[1]
    bars = {tr.name: tr.marker.color for tr in metrics_bar(cmp).data if tr.type == "bar"}
    assert bars[V2] == PALETTE[1]
    assert bars[V3] == PALETTE[2]
    custom = _curves(roc_figure(cmp.models, colours={V1: "#123456"}))
    assert custom[V1].line.color == "#123456"
    assert custom[V2].line.color == PALETTE[1]


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("models:/titanic/3", 3),
        ("version 2", 2),
        ("champion (version 1)", 1),
        ("titanic v4", 4),
        ("titanic/5", 5),
        ("バージョン 6", 6),
        ("initial", None),
        ("models:/titanic@champion", None),
        ("model_2", None),
    ],
)
def test_version_number(name: str, version: int | None) -> None:
    assert version_number(name) == version


def test_model_colours() -> None:
    assert model_colours(["version 1", "version 2", "version 9"]) == {
        "version 1": PALETTE[0],
        "version 2": PALETTE[1],
        "version 9": PALETTE[0],
    }
    # a name's colour depends on that name alone, and is the same in every process (SHA-256)
    assert model_colours(["initial", "new"])["new"] == model_colours(["new"])["new"]
    assert model_colour("initial") in PALETTE
    # the seed's two models get different colours, and hashed names avoid the faint yellow
    assert model_colours(["initial", "new"]) == {"initial": "#E69F00", "new": "#0072B2"}
    assert "#F0E442" not in {model_colour(f"model {c}") for c in "abcdefghijklmnopqrstuvwxyz"}


def test_a_hashed_colour_gives_way_to_a_version_of_the_same_figure() -> None:
    alias, version = "models:/titanic-survival@champion", "models:/titanic-survival/2"
    assert model_colour(alias) == model_colour(version) == PALETTE[1]  # alone, they collide
    shown = model_colours([alias, version])
    assert shown[version] == PALETTE[1]  # a version keeps its colour
    assert shown[alias] == PALETTE[0]  # the first colour nobody has
    many = model_colours([f"model {c}" for c in "abcdefg"])
    assert len(set(many.values())) == 7  # up to the palette's size, no two alike


def test_metrics_bar_error_bars_are_the_intervals(cmp: Comparison) -> None:
    metrics = ("accuracy", "precision", "f1", "roc_auc")
    fig = metrics_bar(cmp, metrics=metrics)
    assert fig.layout.barmode == "group"
    bars = {tr.name: tr for tr in fig.data if tr.type == "bar"}
    assert list(bars) == [V1, V2, V3]
    assert list(bars[V1].x) == ["Accuracy", "Precision", "F1", "ROC AUC"]
    for name, bar in bars.items():
        assert bar.error_y.symmetric is False
        for i, metric in enumerate(metrics):
            e = cmp.models[name].metrics[metric]
            if e.value is None:
                assert bar.y[i] is None
                assert bar.error_y.array[i] is None
                continue
            assert e.ci_low is not None
            assert e.ci_high is not None
            assert bar.y[i] == e.value
            assert bar.error_y.array[i] == pytest.approx(e.ci_high - e.value)
            assert bar.error_y.arrayminus[i] == pytest.approx(e.value - e.ci_low)
    # V3 (labels only) has no ROC AUC: no bar, a marker whose hover gives the note
    undefined = [tr for tr in fig.data if tr.type == "scatter"]
    assert len(undefined) == 1
    assert list(undefined[0].x) == ["ROC AUC"]
    assert "labels only" in undefined[0].customdata[0]
    assert "ROC AUC" in fig.layout.annotations[0].text
    # challengers' hover carries the paired difference; significant ones are marked
    delta = cmp.comparisons[V2].deltas["roc_auc"]
    assert f"{delta.delta:+.3f}" in bars[V2].customdata[3]
    assert bars[V2].text[3] == {"better": "▲", "worse": "▼"}.get(delta.verdict, "")


def test_metrics_bar_accepts_reports_and_japanese(cmp: Comparison) -> None:
    fig = metrics_bar(cmp.models, lang="ja")
    assert list(fig.data[0].x) == ["正解率", "適合率", "再現率", "F1スコア", "ROC AUC"]
    assert fig.layout.title.text.startswith("評価指標")


def test_pr_figure(cmp: Comparison) -> None:
    fig = pr_figure(cmp.models, threshold=0.4)
    base = cmp.models[V1]
    prevalence = fig.data[0]
    assert list(prevalence.y) == pytest.approx([base.positives / base.n] * 2)
    assert prevalence.line.dash == "dash"
    curves = _curves(fig)
    assert set(curves) == {V1, V2}
    ap = cmp.models[V2].metrics["average_precision"]
    assert curves[V2].name.startswith(f"{V2} — AP {ap.value:.3f} [")
    point = cmp.models[V2].at(0.4)
    marker = _markers(fig)[V2]
    assert (marker.x[0], marker.y[0]) == pytest.approx(
        (point.metrics["recall"], point.metrics["precision"]), abs=1e-4
    )


def test_calibration_figure(cmp: Comparison) -> None:
    fig = calibration_figure(cmp.models)
    assert list(fig.data[0].x) == [0, 1]
    models = {tr.legendgroup: tr for tr in fig.data[1:]}
    assert set(models) == {V1, V2}
    calib = cmp.models[V1].calibration
    assert calib is not None
    low, high = calib.ece_ci_low, calib.ece_ci_high
    assert models[V1].name == f"{V1} — ECE {calib.ece_debiased:.3f} [{low:.3f}, {high:.3f}]"
    filled = calib.count > 0
    assert list(models[V1].y) == pytest.approx(calib.fraction_positive[filled], abs=1e-4)
    assert [row[0] for row in models[V1].customdata] == pytest.approx(calib.count[filled])
    assert len(set(models[V1].marker.size)) > 1  # sized by count
    # each bin's Wilson interval as error bars around its fraction of positives
    bars = models[V1].error_y
    fraction = calib.fraction_positive[filled]
    assert list(bars.array) == pytest.approx(calib.ci_high[filled] - fraction, abs=2e-4)
    assert list(bars.arrayminus) == pytest.approx(fraction - calib.ci_low[filled], abs=2e-4)
    assert "95%" in models[V1].hovertemplate
    assert V3 in fig.layout.annotations[0].text


def test_calibration_leaves_out_scores_that_are_not_probabilities() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    margins = {"svm": rng.normal(0, 2, 200) + y, "version 1": rng.random(200)}
    reports = champion.compare(y, margins, n_boot=0).models
    fig = calibration_figure(reports, lang="ja")
    assert [tr.legendgroup for tr in fig.data[1:]] == ["version 1"]
    assert "確率ではありません" in fig.layout.annotations[0].text
    assert "svm" in (fig.layout.annotations[0].text)


def test_gain(cmp: Comparison) -> None:
    gain = gain_figure(cmp.models, threshold=0.5)
    curves = _curves(gain)
    assert set(curves) == {V1, V2}
    assert curves[V1].x[-1] == 1.0
    assert curves[V1].y[-1] == 1.0
    c = cmp.models[V1].confusion
    assert _markers(gain)[V1].x[0] == pytest.approx((c.tp + c.fp) / cmp.models[V1].n, abs=1e-4)


def test_threshold_metrics_figure(cmp: Comparison) -> None:
    report = cmp.models[V1]
    fig = threshold_metrics_figure(report, threshold=0.42)
    assert [tr.name for tr in fig.data] == ["Precision", "Recall", "F1"]
    assert fig.layout.shapes[0].x0 == 0.42
    assert fig.layout.shapes[0].type == "line"
    sweep = report.sweep
    for tr, metric in zip(fig.data, ("precision", "recall", "f1"), strict=True):
        assert len(tr.x) == sweep.thresholds.size - 1  # every threshold but +inf
        assert all(x is not None and math.isfinite(x) for x in tr.x)
        expected = np.nan_to_num(sweep.metrics[metric][1:], nan=-1.0)
        got = np.array([-1.0 if v is None else v for v in tr.y])
        assert np.allclose(got, expected, atol=1e-4)
    several = threshold_metrics_figure(cmp.models, metrics=("recall",), lang="ja")
    assert [tr.name for tr in several.data] == [f"{V1} — 再現率", f"{V2} — 再現率"]
    assert V3 in several.layout.annotations[-1].text
    with pytest.raises(ValueError, match="roc_auc"):
        threshold_metrics_figure(report, metrics=("roc_auc",))


def test_threshold_metrics_downsamples_by_index() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 20_000)
    report = champion.evaluate(y, _scores(y, 1.0, rng), n_boot=0)
    fig = threshold_metrics_figure(report, max_points=800)
    assert all(len(tr.x) <= 800 for tr in fig.data)
    assert fig.data[0].x[0] == pytest.approx(report.sweep.thresholds[1], rel=1e-4)
    assert fig.data[0].x[-1] == pytest.approx(report.sweep.thresholds[-1], rel=1e-4)


def test_trend_figure() -> None:
    points = [
        ("version 1", MetricEstimate("roc_auc", 0.80, 0.74, 0.86, "delong")),
        ("version 2", MetricEstimate("roc_auc", 0.83, 0.78, 0.88, "delong")),
        ("version 3", MetricEstimate("roc_auc", None, None, None, "delong", "undefined: x")),
    ]
    fig = trend_figure(points, "roc_auc", lang="ja", highlight="version 2")
    tr = fig.data[0]
    assert list(tr.x) == ["version 1", "version 2", "version 3"]
    assert list(tr.y) == [0.80, 0.83, None]
    assert list(tr.error_y.array)[:2] == pytest.approx([0.06, 0.05])
    assert list(tr.error_y.arrayminus)[:2] == pytest.approx([0.06, 0.05])
    assert list(tr.marker.color) == [PALETTE[0], PALETTE[1], PALETTE[2]]
    assert list(tr.marker.size) == [10, 15, 10]
    assert fig.layout.xaxis.type == "category"
    assert fig.layout.title.text == "登録バージョンごとのROC AUC"
    assert "version 3" in fig.layout.annotations[0].text


def test_japanese_labels(cmp: Comparison) -> None:
    roc = roc_figure(cmp.models, lang="ja")
    assert roc.layout.title.text == "ROC曲線"
    assert roc.layout.xaxis.title.text == "偽陽性率"
    assert roc.layout.yaxis.title.text == "真陽性率"
    assert "曲線なし" in _text(roc)
    cal = calibration_figure(cmp.models, lang="ja")
    assert cal.layout.xaxis.title.text == "予測確率の平均"
    assert cal.layout.yaxis.title.text == "実際の陽性率"
    assert threshold_metrics_figure(cmp.models, lang="ja").layout.xaxis.title.text == "しきい値"
    assert "Precision" not in _text(pr_figure(cmp.models, lang="ja"))


def test_every_figure_uses_the_template_and_is_valid_json(cmp: Comparison) -> None:
    figures = [
        metrics_bar(cmp),
        roc_figure(cmp.models),
        pr_figure(cmp.models),
        calibration_figure(cmp.models),
        gain_figure(cmp.models),
        threshold_metrics_figure(cmp.models),
        trend_figure([("version 1", cmp.models[V1].metrics["f1"])], "f1"),
    ]
    for fig in figures:
        assert isinstance(fig, go.Figure)
        assert fig.layout.template.layout.font.family == TEMPLATE.layout.font.family
        assert fig.layout.plot_bgcolor is None  # from the template, not repeated
        text = fig.to_json()
        json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
        assert "hovertext" not in text  # hover comes from templates, not per-point strings


def _three_models(n: int, decimals: int | None) -> Mapping[str, EvaluationReport]:
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, n)
    reports = {}
    for version, strength in ((1, 0.5), (2, 1.0), (3, 1.5)):
        s = _scores(y, strength, rng)
        if decimals is not None:
            s = np.round(s, decimals)
        name = f"models:/big/{version}"
        reports[name] = champion.evaluate(y, s, n_boot=0, name=name)
    return reports


@pytest.mark.parametrize(
    "decimals",
    [None, 3],
    ids=["continuous scores", "scores rounded to 3 decimals (~1000 distinct per model)"],
)
def test_curve_figures_stay_light_at_a_million_rows(decimals: int | None) -> None:
    reports = _three_models(1_000_000, decimals)
    for make in (roc_figure, pr_figure, gain_figure):
        fig = make(reports)
        size = len(fig.to_json())
        assert size <= 60_000, (make.__name__, size)
        assert len(_curves(fig)) == 3
    # the light curve still follows the full one
    report = reports["models:/big/2"]
    curve = _curves(roc_figure(reports))["models:/big/2"]
    view = report.roc.downsample(1000)
    assert _same_points(view.x, view.y, curve)
    assert len(calibration_figure(reports).to_json()) <= 20_000
