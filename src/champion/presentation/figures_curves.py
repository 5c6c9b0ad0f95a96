"""Curve figures: ROC, precision-recall, calibration, cumulative gain, lift, metrics by threshold.

Every function takes evaluation results (``{name: EvaluationReport}``), a language and optional
``{name: colour}``, and returns a ``plotly.graph_objects.Figure`` with champion's template.
Curves come from ``.downsample(max_points)``, rounded to 4 decimals (1e-4 of the axis) with
repeated points dropped, so a figure stays light whatever the size of the test set: a ROC or PR
figure of three models stays under 60 KB of JSON with max_points=1000. Hover texts are
per-trace templates, never per-point strings; the threshold of each operating point is on its
marker (and every threshold in threshold_metrics_figure).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from champion.evaluation import Calibration, Confusion, EvaluationReport, MetricEstimate
from champion.presentation.i18n import estimate_text, t
from champion.presentation.theme import (
    REFERENCE_COLOUR,
    colours_for,
    legend_inside,
    new_figure,
    note_annotation,
    rounded,
    significant,
    unit_axes,
    without_repeats,
)

Reports = Mapping[str, EvaluationReport]


def fmt_threshold(threshold: float) -> str:
    return f"{threshold:.4g}"


def _reference(x: Sequence[float], y: Sequence[float], name: str, dash: str = "dash") -> go.Scatter:
    """A grey reference line (chance, prevalence, ideal model) without hover."""
    return go.Scatter(
        x=list(x),
        y=list(y),
        mode="lines",
        name=name,
        line={"color": REFERENCE_COLOUR, "dash": dash, "width": 1.5},
        hoverinfo="skip",
    )


def _curve(
    xy: tuple[list[float | None], list[float | None]],
    name: str,
    label: str,
    colour: str,
    titles: tuple[str, str],
) -> go.Scatter:
    """One model's curve through the points x, y (m,): rounded lists, repeats dropped."""
    x, y = without_repeats(*xy)
    return go.Scatter(
        x=x,
        y=y,
        mode="lines",
        name=label,
        legendgroup=name,
        line={"color": colour, "width": 2},
        hovertemplate=(
            f"<b>{name}</b><br>{titles[0]} %{{x:.3f}}<br>{titles[1]} %{{y:.3f}}<extra></extra>"
        ),
    )


def _single(value: float | None) -> list[float | None]:
    """One coordinate of a marker, rounded like the curves."""
    return [None if value is None else round(value, 4)]


def _marker(
    name: str,
    xy: tuple[float | None, float | None],
    threshold: float,
    colour: str,
    titles: tuple[str, str],
    lang: str,
) -> go.Scatter:
    """The model's operating point at the current threshold: one marker, grouped with its curve."""
    at = t("hover.at_threshold", lang, threshold=fmt_threshold(threshold))
    return go.Scatter(
        x=_single(xy[0]),
        y=_single(xy[1]),
        mode="markers",
        name=f"{name} ({at})",
        legendgroup=name,
        showlegend=False,
        marker={"color": colour, "size": 11, "line": {"color": "white", "width": 1.5}},
        hovertemplate=(
            f"<b>{name}</b> — {at}<br>{titles[0]} %{{x:.3f}}<br>{titles[1]} %{{y:.3f}}"
            "<extra></extra>"
        ),
    )


def _labels_only_entry(
    name: str, xy: tuple[float | None, float | None], colour: str, lang: str
) -> go.Scatter:
    """A labels-only model: no curve, only its single operating point, named as having no curve."""
    return go.Scatter(
        x=_single(xy[0]),
        y=_single(xy[1]),
        mode="markers",
        name=t("legend.labels_only", lang, model=name),
        legendgroup=name,
        marker={"color": colour, "size": 11, "symbol": "x"},
        hovertemplate=f"<b>{name}</b><br>%{{x:.3f}}, %{{y:.3f}}<extra></extra>",
    )


def _with_estimate(name: str, short: str, estimate: MetricEstimate) -> str:
    """ "name — AUC 0.812 [0.735, 0.887]"."""
    return f"{name} — {short} {estimate_text(estimate.value, estimate.ci_low, estimate.ci_high)}"


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _fpr(c: Confusion) -> float | None:
    return _ratio(c.fp, c.fp + c.tn)


def _share_targeted(c: Confusion) -> float | None:
    return _ratio(c.tp + c.fp, c.tp + c.fp + c.tn + c.fn)


def _prevalences(reports: Reports) -> list[float]:
    """The distinct prevalences (positives / rows, by weight) of the reports' test sets."""
    values = {round(r.counts.positives / r.counts.total, 12) for r in reports.values()}
    return sorted(values)


_AXES = {
    "roc": ("axis.fpr", "axis.tpr"),
    "pr": ("axis.recall", "axis.precision"),
    "gain": ("axis.share_targeted", "axis.share_captured"),
}


def _operating_point(
    report: EvaluationReport, kind: str, threshold: float | None
) -> tuple[float, tuple[float | None, float | None]]:
    """The threshold used and the (x, y) of the model's operating point on a curve of kind."""
    point = report.at(report.threshold if threshold is None else threshold)
    c, recall = point.confusion, point.metrics["recall"]
    xy = {
        "roc": (_fpr(c), recall),
        "pr": (recall, point.metrics["precision"]),
        "gain": (_share_targeted(c), recall),
    }[kind]
    return point.threshold, xy


def threshold_markers(
    kind: str,
    reports: Reports,
    threshold: float,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
) -> list[dict[str, object]]:
    """The markers at the threshold of a ROC / PR / gain figure drawn with markers=False, as
    plotly JSON traces (one per model with a curve and a defined point), to add to it."""
    titles = (t(_AXES[kind][0], lang), t(_AXES[kind][1], lang))
    palette = colours_for(list(reports), colours)
    traces: list[dict[str, object]] = []
    for name, report in reports.items():
        cut, xy = _operating_point(report, kind, threshold)
        if report.curves_available and xy[0] is not None and xy[1] is not None:
            marker = _marker(name, xy, cut, palette[name], titles, lang)
            traces.append(marker.to_plotly_json())
    return traces


def _curve_figure(
    reports: Reports,
    kind: str,
    threshold: float | None,
    lang: str,
    colours: Mapping[str, str] | None,
    max_points: int,
    markers: bool = True,
) -> go.Figure:
    """ROC ("roc"), PR ("pr") or gain ("gain") curves of every model, with threshold markers
    unless markers is False (see threshold_markers)."""
    titles = (t(_AXES[kind][0], lang), t(_AXES[kind][1], lang))
    fig = new_figure(t(f"chart.{kind}", lang), *titles)
    palette = colours_for(list(reports), colours)
    if kind == "roc":
        fig.add_trace(_reference([0, 1], [0, 1], t("legend.chance", lang)))
    elif kind == "pr":
        for p in _prevalences(reports):
            fig.add_trace(
                _reference([0, 1], [p, p], t("legend.prevalence", lang, value=f"{p:.3f}"))
            )
    else:
        fig.add_trace(_reference([0, 1], [0, 1], t("legend.random", lang)))
        for p in _prevalences(reports):
            fig.add_trace(_reference([0, p, 1], [0, 1, 1], t("legend.ideal", lang), dash="dot"))
    for name, report in reports.items():
        colour = palette[name]
        cut, xy = _operating_point(report, kind, threshold)
        if not report.curves_available:
            fig.add_trace(_labels_only_entry(name, xy, colour, lang))
            continue
        if kind == "roc":
            view = report.roc.downsample(max_points)
            label = _with_estimate(name, "AUC", report.metrics["roc_auc"])
        elif kind == "pr":
            view = report.pr.downsample(max_points)
            label = _with_estimate(name, "AP", report.metrics["average_precision"])
        else:
            view, label = report.gain.downsample(max_points), name
        fig.add_trace(_curve((rounded(view.x), rounded(view.y)), name, label, colour, titles))
        if markers and xy[0] is not None and xy[1] is not None:
            fig.add_trace(_marker(name, xy, cut, colour, titles, lang))
    unit_axes(fig)
    legend_inside(fig, "bottom left" if kind == "pr" else "bottom right")
    return fig


def roc_figure(
    reports: Reports,
    threshold: float | None = None,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    max_points: int = 1000,
    markers: bool = True,
) -> go.Figure:
    """ROC curves of every model overlaid (false positive rate x, true positive rate y).

    Traces: the dashed chance diagonal, then per model its curve (<= max_points points, legend
    "name — AUC 0.812 [0.735, 0.887]") and a marker at the threshold (each report's own when
    None; its hover names the threshold): fpr = fp / (fp + tn), tpr = recall. A
    labels-only model has no curve: one "x" marker at its operating point, named "name — curves
    unavailable (labels only)".
    """
    return _curve_figure(reports, "roc", threshold, lang, colours, max_points, markers)


def pr_figure(
    reports: Reports,
    threshold: float | None = None,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    max_points: int = 1000,
    markers: bool = True,
) -> go.Figure:
    """Precision-recall curves of every model overlaid (recall x, precision y).

    Traces: a dashed horizontal line at the prevalence (the precision of random guessing; one per
    distinct test set), then per model its curve (legend "name — AP 0.712 [0.650, 0.770]") and
    a marker at (recall, precision) at the threshold. Labels-only models as in roc_figure.
    """
    return _curve_figure(reports, "pr", threshold, lang, colours, max_points, markers)


def gain_figure(
    reports: Reports,
    threshold: float | None = None,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    max_points: int = 1000,
    markers: bool = True,
) -> go.Figure:
    """Cumulative gain: share of rows targeted from the highest score down (x) against the share
    of all positives captured (y).

    Traces: the random-targeting diagonal, the ideal model (dotted, through (prevalence, 1)),
    then per model its curve and a marker at the threshold (share predicted positive, recall).
    """
    return _curve_figure(reports, "gain", threshold, lang, colours, max_points, markers)


def _bin_intervals(fraction: Any, low: Any, high: Any) -> dict[str, Any]:
    """Plotly error bars from each bin's Wilson interval (asymmetric: low <= fraction <= high)."""
    return {
        "type": "data",
        "symmetric": False,
        "array": rounded(np.maximum(high - fraction, 0.0)),
        "arrayminus": rounded(np.maximum(fraction - low, 0.0)),
        "thickness": 1,
        "width": 3,
    }


def _ece_label(calib: Calibration) -> str:
    """The legend's ECE: debiased with its interval, "ECE 0.031 [0.012, 0.050]", or the plug-in
    "ECE 0.034" when there is no interval (weighted rows)."""
    if math.isnan(calib.ece_ci_high):
        return f"ECE {calib.ece:.3f}"
    return f"ECE {calib.ece_debiased:.3f} [{calib.ece_ci_low:.3f}, {calib.ece_ci_high:.3f}]"


def calibration_figure(
    reports: Reports,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    n_bins: int = 10,
    strategy: str = "uniform",
) -> go.Figure:
    """Reliability diagram: per bin of predicted probability, the mean predicted probability (x)
    against the fraction of positive rows (y).

    Traces: the dashed diagonal (perfect calibration), then per model its non-empty bins as
    lines + markers, marker area growing with the bin's row count (hover shows the count),
    legend "name — ECE 0.031 [0.012, 0.050]": the debiased ECE and its interval at the reports'
    confidence (the plug-in "ECE 0.034" alone for weighted rows, which have no interval). Models
    whose scores are not probabilities (or labels only) are left out and named in a note under
    the plot.
    """
    fig = new_figure(
        t("chart.calibration", lang),
        t("axis.mean_predicted", lang),
        t("axis.fraction_positive", lang),
    )
    fig.add_trace(_reference([0, 1], [0, 1], t("legend.perfect_calibration", lang)))
    palette = colours_for(list(reports), colours)
    default = (n_bins, strategy) == (10, "uniform")
    bins = {
        name: (r.calibration if default else r.calibration_bins(n_bins, strategy))
        for name, r in reports.items()
        if r.probabilities
    }
    largest = max((float(np.max(c.count)) for c in bins.values() if c is not None), default=1.0)
    x_title, y_title = t("axis.mean_predicted", lang), t("axis.fraction_positive", lang)
    for name, calib in bins.items():
        if calib is None:
            continue
        filled = (calib.count > 0) & np.isfinite(calib.mean_predicted)
        count = calib.count[filled]
        sizes = 6.0 + 16.0 * np.sqrt(count / max(largest, 1e-300))
        fraction = calib.fraction_positive[filled]
        low, high = calib.ci_low[filled], calib.ci_high[filled]
        intervals = bool(np.all(np.isfinite(low)))  # none for weighted rows
        level = f"{calib.confidence * 100:g}%"
        fig.add_trace(
            go.Scatter(
                x=rounded(calib.mean_predicted[filled]),
                y=rounded(fraction),
                customdata=[
                    list(row)
                    for row in zip(significant(count, 6), rounded(low), rounded(high), strict=True)
                ],
                mode="lines+markers",
                name=f"{name} — {_ece_label(calib)}",
                legendgroup=name,
                line={"color": palette[name], "width": 1.5},
                marker={"color": palette[name], "size": rounded(sizes, 1), "opacity": 0.85},
                error_y=_bin_intervals(fraction, low, high) if intervals else None,
                hovertemplate=(
                    f"<b>{name}</b><br>{x_title} %{{x:.3f}}<br>{y_title} %{{y:.3f}}"
                    + (
                        f" [{level} %{{customdata[1]:.3f}}, %{{customdata[2]:.3f}}]"
                        if intervals
                        else ""
                    )
                    + f"<br>{t('axis.count', lang)} %{{customdata[0]:,.0f}}<extra></extra>"
                ),
            )
        )
    notes = []
    labels_only = [name for name, r in reports.items() if r.labels_only]
    if labels_only:
        notes.append(t("note.labels_only", lang, models=", ".join(labels_only)))
    missing = [n for n, r in reports.items() if not r.probabilities and not r.labels_only]
    if missing:
        notes.append(t("note.no_probabilities", lang, models=", ".join(missing)))
    unit_axes(fig)
    legend_inside(fig, "top left")
    note_annotation(fig, notes)
    return fig
