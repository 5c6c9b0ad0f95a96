"""Metric figures: the grouped bar chart of metrics, metrics by threshold, the confusion matrix,
a metric by registered version.

Every function returns a ``plotly.graph_objects.Figure`` with champion's template; texts come
from ``champion.presentation.i18n`` in the requested language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from champion.evaluation import Comparison, EvaluationReport, MetricEstimate
from champion.presentation.figures_curves import Reports, fmt_threshold
from champion.presentation.i18n import estimate_text, metric_label, t, verdict_word
from champion.presentation.tables import fmt_p, fmt_percent, mark
from champion.presentation.theme import (
    PALETTE,
    REFERENCE_COLOUR,
    TEXT_COLOUR,
    colours_for,
    new_figure,
    note_annotation,
    rounded,
    significant,
)

DEFAULT_BAR_METRICS: tuple[str, ...] = ("accuracy", "precision", "recall", "f1", "roc_auc")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def _error_arms(e: MetricEstimate) -> tuple[float | None, float | None]:
    """(ci_high - value, value - ci_low), None when the value or a bound is missing."""
    if e.value is None or e.ci_low is None or e.ci_high is None:
        return None, None
    return e.ci_high - e.value, e.value - e.ci_low


def _estimate_hover(e: MetricEstimate, lang: str) -> str:
    """ "0.812 [0.735, 0.887] (delong)", or "undefined: <note>"."""
    if e.value is None:
        return (
            t("note.undefined_because", lang, note=e.note) if e.note else t("note.undefined", lang)
        )
    return f"{estimate_text(e.value, e.ci_low, e.ci_high)} ({e.method})"


def _in_unit_interval(values: Sequence[float | None]) -> bool:
    return all(v is None or -1e-9 <= v <= 1.0 + 1e-9 for v in values)


def metrics_bar(
    cmp: Comparison | Mapping[str, EvaluationReport],
    metrics: Sequence[str] = DEFAULT_BAR_METRICS,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """The seed's grouped bar chart: one group per metric (x), one bar per model (y = value).

    Error bars are the confidence interval, asymmetric: array = ci_high - value, arrayminus =
    value - ci_low (none when the interval is unavailable). Hover shows value, interval and
    method, and for a challenger of a Comparison its difference from the baseline with p-value
    and verdict; a significantly better / worse bar is labelled ▲ / ▼. An undefined value draws
    no bar: a grey "x" at 0 in the model's slot carries the note in its hover, and a note under
    the plot lists it.
    """
    if isinstance(cmp, Comparison):
        reports, comparisons, baseline = cmp.models, cmp.comparisons, cmp.baseline
    else:
        reports, comparisons, baseline = cmp, {}, ""
    labels = [metric_label(m, lang) for m in metrics]
    level = fmt_percent(next(iter(reports.values())).confidence) if reports else ""
    fig = new_figure(t("chart.metrics", lang, level=level), "", t("axis.value", lang))
    palette = colours_for(list(reports), colours)
    undefined: list[str] = []
    everything: list[float | None] = []
    for name, report in reports.items():
        estimates = [report.metrics[m] for m in metrics]
        arms = [_error_arms(e) for e in estimates]
        hovers, marks = [], []
        for metric, e in zip(metrics, estimates, strict=True):
            hover = _estimate_hover(e, lang)
            sign = ""
            if name in comparisons:
                d = comparisons[name].deltas[metric]
                sign = mark(d.verdict)
                verdict = f"{sign} {verdict_word(d.verdict, lang)}".strip()
                if d.delta is not None:
                    difference = estimate_text(d.delta, d.ci_low, d.ci_high, signed=True)
                    verdict = f"{difference}, {fmt_p(d.p_value)} — {verdict}"
                hover += f"<br>{t('hover.vs_baseline', lang, baseline=baseline)}: {verdict}"
            hovers.append(hover)
            marks.append(sign)
        everything += [e.value for e in estimates] + [e.ci_high for e in estimates]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[e.value for e in estimates],
                name=name,
                offsetgroup=name,
                marker={"color": palette[name]},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [a[0] for a in arms],
                    "arrayminus": [a[1] for a in arms],
                    "color": "#333333",
                    "thickness": 1.2,
                    "width": 4,
                },
                text=marks,
                textposition="outside",
                customdata=hovers,
                hovertemplate=f"<b>{name}</b><br>%{{x}}: %{{customdata}}<extra></extra>",
            )
        )
        missing = [i for i, e in enumerate(estimates) if e.value is None]
        if missing:
            undefined += [f"{name} — {labels[i]}" for i in missing]
            fig.add_trace(
                go.Scatter(
                    x=[labels[i] for i in missing],
                    y=[0.0] * len(missing),
                    mode="markers",
                    name=f"{name} ({t('note.undefined', lang)})",
                    offsetgroup=name,
                    legendgroup=name,
                    showlegend=False,
                    marker={"symbol": "x", "size": 9, "color": REFERENCE_COLOUR},
                    customdata=[hovers[i] for i in missing],
                    hovertemplate=f"<b>{name}</b><br>%{{x}}: %{{customdata}}<extra></extra>",
                )
            )
    fig.update_layout(barmode="group", scattermode="group", bargap=0.25, bargroupgap=0.05)
    fig.update_xaxes(showgrid=False)
    if _in_unit_interval(everything):
        fig.update_yaxes(range=[0, 1.08])
    if undefined:
        note_annotation(fig, [t("note.undefined_values", lang, items="; ".join(undefined))])
    return fig


def _count_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def trend_figure(
    points: Sequence[tuple[str, MetricEstimate]],
    metric: str,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    highlight: str | None = None,
) -> go.Figure:
    """One metric per registered version, in the given order (x, categorical) with its
    confidence interval as asymmetric error bars (y).

    points: (version label, MetricEstimate) pairs, e.g. ("version 3", report.metrics["roc_auc"]).
    Markers take each version's fixed colour (theme.model_colour); highlight (e.g. the champion's
    label) gets a larger ringed marker. Undefined values are not drawn and are listed in a note.
    """
    labels = [label for label, _ in points]
    palette = colours_for(labels, colours)
    arms = [_error_arms(e) for _, e in points]
    name = metric_label(metric, lang)
    fig = new_figure(t("chart.trend", lang, metric=name), t("axis.version", lang), name)
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=[e.value for _, e in points],
            mode="lines+markers",
            name=name,
            line={"color": REFERENCE_COLOUR, "width": 1.5},
            marker={
                "color": [palette[label] for label in labels],
                "size": [15 if label == highlight else 10 for label in labels],
                "line": {
                    "color": [TEXT_COLOUR if label == highlight else "white" for label in labels],
                    "width": 2,
                },
            },
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [a[0] for a in arms],
                "arrayminus": [a[1] for a in arms],
                "color": "#555555",
                "thickness": 1.2,
                "width": 5,
            },
            customdata=[_estimate_hover(e, lang) for _, e in points],
            hovertemplate="<b>%{x}</b><br>" + name + ": %{customdata}<extra></extra>",
            connectgaps=False,
        )
    )
    fig.update_xaxes(type="category", showgrid=False)
    if _in_unit_interval([e.value for _, e in points] + [e.ci_high for _, e in points]):
        fig.update_yaxes(range=[0, 1.02])
    missing = [label for label, e in points if e.value is None]
    if missing:
        note_annotation(fig, [t("note.undefined_values", lang, items=", ".join(missing))])
    return fig


def threshold_line(threshold: float, lang: str = "en") -> tuple[dict[str, Any], dict[str, Any]]:
    """The dashed vertical line at the threshold and its label, as plotly layout dicts (a
    shape and an annotation), for figures whose x axis is the threshold."""
    shape = {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": threshold,
        "x1": threshold,
        "y0": 0,
        "y1": 1,
        "line": {"color": REFERENCE_COLOUR, "dash": "dash", "width": 1.5},
    }
    annotation = {
        "text": t("hover.at_threshold", lang, threshold=fmt_threshold(threshold)),
        "xref": "x",
        "yref": "paper",
        "x": threshold,
        "y": 1,
        "xanchor": "left",
        "yanchor": "top",
        "showarrow": False,
    }
    return shape, annotation


def threshold_metrics_figure(
    report_or_reports: EvaluationReport | Reports,
    metrics: Sequence[str] = ("precision", "recall", "f1"),
    threshold: float | None = None,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    max_points: int = 500,
    show_threshold: bool = True,
) -> go.Figure:
    """Threshold metrics (precision, recall, F1, ...) against the threshold, from the sweep.

    One report: a trace per metric, coloured by metric. Several: a colour per model and a dash
    style per metric, legend "name — metric". Each trace has <= max_points points picked evenly
    by index among the sweep's distinct thresholds (the +inf row left out), drawn as steps when
    nothing was dropped. A dashed vertical line marks the threshold (the first report's when
    None; none when show_threshold is False: see threshold_line). Labels-only models are
    named in a note. Unknown metric names raise ValueError.
    """
    reports: Reports = (
        {report_or_reports.name: report_or_reports}
        if isinstance(report_or_reports, EvaluationReport)
        else report_or_reports
    )
    fig = new_figure(t("chart.threshold_metrics", lang), t("axis.threshold", lang), "")
    palette = colours_for(list(reports), colours)
    single = len(reports) == 1
    skipped = []
    for name, report in reports.items():
        if not report.curves_available:
            skipped.append(name)
            continue
        sweep = report.sweep
        unknown = [m for m in metrics if m not in sweep.metrics]
        if unknown:
            raise ValueError(
                f"not threshold metrics: {', '.join(unknown)}; choose from "
                f"{', '.join(sweep.metrics)}."
            )
        d = sweep.thresholds.size - 1  # distinct scores after the +inf row
        index = np.unique(np.linspace(1, d, min(max_points, d)).round().astype(np.intp))
        x = significant(sweep.thresholds[index], 5)
        shape = "hv" if index.size == d else "linear"
        for k, metric in enumerate(metrics):
            label = metric_label(metric, lang)
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=rounded(sweep.metrics[metric][index]),
                    mode="lines",
                    name=label if single else f"{name} — {label}",
                    legendgroup=name,
                    line={
                        "color": PALETTE[k % len(PALETTE)] if single else palette[name],
                        "dash": "solid" if single else DASHES[k % len(DASHES)],
                        "width": 2,
                        "shape": shape,
                    },
                    hovertemplate=f"{name} — {label} %{{y:.3f}}<extra></extra>",
                )
            )
    current = threshold
    if current is None and reports:
        current = next(iter(reports.values())).threshold
    if current is not None and show_threshold:
        marker_line, marker_label = threshold_line(current, lang)
        fig.add_shape(marker_line)
        fig.add_annotation(marker_label)
    drawn = [r for r in reports.values() if r.curves_available]
    if drawn and all(r.probabilities for r in drawn):
        fig.update_xaxes(range=[-0.02, 1.02])
    fig.update_yaxes(range=[-1.02 if "mcc" in metrics else -0.02, 1.02])
    fig.update_layout(hovermode="x unified")
    if skipped:
        note_annotation(fig, [t("note.labels_only", lang, models=", ".join(skipped))])
    return fig
