"""Bar charts of multiclass models: every metric with its confidence interval, and one
per-class metric, each challenger's paired difference in the hover.

Every function takes a MulticlassComparison, a language ("en" / "ja") and optional
{model: colour}, and returns a ``plotly.graph_objects.Figure`` with champion's template, laid
out as the binary ``figures_metrics.metrics_bar``. Pure plotly, no Dash.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from champion.evaluation.compare import adjusted_verdict
from champion.evaluation.multiclass import (
    MULTICLASS_METRIC_NAMES,
    ClassDeltas,
    MulticlassComparison,
)
from champion.presentation.figures_metrics import _error_arms, _estimate_hover, _in_unit_interval
from champion.presentation.i18n import estimate_text, metric_label, t, verdict_word
from champion.presentation.tables import fmt_number, fmt_p, fmt_percent, mark
from champion.presentation.theme import colours_for, new_figure, note_annotation

TICK_ANGLE = 35  # degrees below level of the metrics bar chart's labels
PER_CLASS_METRICS = ("precision", "recall", "f1", "roc_auc", "average_precision")


def _challenger_hover(
    cmp: MulticlassComparison,
    name: str,
    metric: str,
    adjusted: Mapping[str, Mapping[str, float | None]] | None,
    lang: str,
) -> tuple[str, str]:
    """(hover line, mark) of a challenger's paired difference on one metric; with several
    challengers (adjusted: cmp.holm_adjusted()) the verdict and mark are judged on the p-value
    adjusted by Holm across them, as the multiclass tables do."""
    d = cmp.comparisons[name].deltas[metric]
    verdict, extra = d.verdict, ""
    if adjusted is not None:
        p_holm = adjusted[metric][name]
        verdict = adjusted_verdict(d.verdict, p_holm, 1.0 - cmp.baseline_evaluation.confidence)
        extra = f" ({t('mc.hover.p_holm_challengers', lang, p=fmt_p(p_holm))})"
    sign = mark(verdict)
    text = f"{sign} {verdict_word(verdict, lang)}".strip()
    if d.delta is not None:
        difference = estimate_text(d.delta, d.ci_low, d.ci_high, signed=True)
        text = f"{difference}, {fmt_p(d.p_value)}{extra} — {text}"
    return f"<br>{t('hover.vs_baseline', lang, baseline=cmp.baseline)}: {text}", sign


def multiclass_metrics_bar(
    cmp: MulticlassComparison,
    lang: str = "en",
    *,
    metrics: Sequence[str] = MULTICLASS_METRIC_NAMES,
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """The grouped bar chart of the multiclass metrics (MULTICLASS_METRICS order): one group per
    metric (x, its label), one bar per model (y = value), as figures_metrics.metrics_bar.

    Error bars are the confidence interval (array = ci_high - value, arrayminus = value -
    ci_low). Hover: value, interval and method; for a challenger its paired difference from the
    baseline with p-value and verdict (Holm-adjusted across the challengers when there are
    several), a significantly better / worse bar labelled ▲ / ▼. A metric undefined for every
    model (the probability metrics when all predict labels only) is left off the axis; an
    undefined value draws no bar; both are listed in a note under the plot.
    """
    models = cmp.models
    shown = [m for m in metrics if any(e.estimates[m].value is not None for e in models.values())]
    labels = [metric_label(m, lang) for m in shown]
    level = fmt_percent(cmp.baseline_evaluation.confidence)
    fig = new_figure(t("chart.metrics", lang, level=level), "", t("axis.value", lang))
    palette = colours_for(list(models), colours)
    dropped = [metric_label(m, lang) for m in metrics if m not in shown]
    undefined = [", ".join(dropped)] if dropped else []
    everything: list[float | None] = []
    adjusted = cmp.holm_adjusted() if len(cmp.comparisons) > 1 else None
    for name, evaluation in models.items():
        estimates = [evaluation.estimates[m] for m in shown]
        arms = [_error_arms(e) for e in estimates]
        hovers, marks = [], []
        for metric, e in zip(shown, estimates, strict=True):
            hover, sign = _estimate_hover(e, lang), ""
            if name in cmp.comparisons:
                line, sign = _challenger_hover(cmp, name, metric, adjusted, lang)
                hover += line
            hovers.append(hover)
            marks.append(sign)
        missing = [labels[i] for i, e in enumerate(estimates) if e.value is None]
        undefined += [f"{name}: {', '.join(missing)}"] if missing else []
        everything += [v for e in estimates for v in (e.value, e.ci_low, e.ci_high)]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[e.value for e in estimates],
                name=name,
                offsetgroup=name,
                marker={"color": palette[name]},
                error_y=_error_bars([a[0] for a in arms], [a[1] for a in arms]),
                text=marks,
                textposition="outside",
                customdata=hovers,
                hovertemplate=f"<b>{name}</b><br>%{{x}}: %{{customdata}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    # 18 long labels cannot stand level: a fixed angle lets the note go under them
    fig.update_xaxes(showgrid=False, tickangle=-TICK_ANGLE)
    if _in_unit_interval(everything):
        fig.update_yaxes(range=[0, 1.08])
    if undefined:
        text = t("note.undefined_values", lang, items="; ".join(undefined))
        _note_under_ticks(fig, textwrap.wrap(text, 110), _tick_room(labels))
    return fig


def _tick_room(labels: Sequence[str]) -> int:
    """Pixels the labels take under the axis at TICK_ANGLE: about 7 px a character at the
    template's 13 px, 13 px a wide (Japanese) one."""
    width = max((sum(13 if ord(c) > 0x2E7F else 7 for c in label) for label in labels), default=0)
    return round(width * math.sin(math.radians(TICK_ANGLE))) + 16


def _note_under_ticks(fig: go.Figure, lines: Sequence[str], room: int) -> None:
    """theme.note_annotation's grey note, placed room pixels under the plot (below rotated tick
    labels, whatever the figure's height), the bottom margin grown to hold it."""
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=0.0,
        y=0.0,
        yshift=-room,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        align="left",
        font={"size": 11, "color": "#555555"},
    )
    fig.update_layout(margin={"b": room + 24 + 16 * len(lines)})


def _error_bars(high: list[float | None], low: list[float | None]) -> dict[str, object]:
    """Asymmetric error bars from the arms above (high) and below (low) each value."""
    return {
        "type": "data",
        "symmetric": False,
        "array": high,
        "arrayminus": low,
        "color": "#333333",
        "thickness": 1.2,
        "width": 4,
    }


def per_class_figure(
    cmp: MulticlassComparison,
    metric: str,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """One per-class metric (from each report's per_class) of every model: bars grouped by class
    (x, classes order), one bar per model (y).

    metric: "f1" or "roc_auc" (one-vs-rest), which carry each challenger's paired difference
    per class in the hover, its verdict and ▲ / ▼ mark judged after Holm's adjustment across
    the classes; "precision", "recall", "average_precision" are drawn without differences.
    An undefined value (a class never predicted, absent, labels only) draws no bar and is
    listed in a note under the plot. ValueError for another metric.
    """
    if metric not in PER_CLASS_METRICS:
        raise ValueError(f"metric must be one of {', '.join(PER_CLASS_METRICS)}, not {metric!r}.")
    baseline = cmp.baseline_evaluation
    labels = [str(c) for c in baseline.report.classes]
    title = metric_label(metric, lang)
    fig = new_figure(t("mc.chart.per_class", lang, metric=title), t("mc.axis.class", lang), title)
    palette = colours_for(list(cmp.models), colours)
    alpha = 1.0 - baseline.confidence
    undefined: list[str] = []
    for name, evaluation in cmp.models.items():
        blocks = evaluation.report.per_class
        values: list[float | None] = [getattr(c, metric) for c in blocks]
        hovers, marks = [], []
        for i, value in enumerate(values):
            hover = fmt_number(value, 3)
            sign = ""
            comparison = cmp.comparisons.get(name)
            if comparison is not None and metric in comparison.per_class:
                line, sign = _class_delta_hover(comparison.per_class[metric], i, alpha, lang)
                hover += f"<br>{t('hover.vs_baseline', lang, baseline=cmp.baseline)}: {line}"
            hovers.append(hover)
            marks.append(sign)
        missing = [labels[i] for i, v in enumerate(values) if v is None]
        undefined += [f"{name}: {', '.join(missing)}"] if missing else []
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=name,
                offsetgroup=name,
                marker={"color": palette[name]},
                text=marks,
                textposition="outside",
                customdata=hovers,
                hovertemplate=f"<b>{name}</b><br>%{{x}}: %{{customdata}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    fig.update_xaxes(type="category", showgrid=False)
    fig.update_yaxes(range=[0, 1.08])
    if undefined:
        text = t("note.undefined_values", lang, items="; ".join(undefined))
        note_annotation(fig, textwrap.wrap(text, 110))
    return fig


def _class_delta_hover(block: ClassDeltas, i: int, alpha: float, lang: str) -> tuple[str, str]:
    """(text, mark) of class i's paired difference in a per-class block, judged on its p-value
    adjusted by Holm across the classes."""
    d, p_holm = block.deltas[i], block.p_holm[i]
    verdict = adjusted_verdict(d.verdict, p_holm, alpha)
    sign = mark(verdict)
    text = f"{sign} {verdict_word(verdict, lang)}".strip()
    if d.delta is None:
        return text, sign
    difference = estimate_text(d.delta, d.ci_low, d.ci_high, signed=True)
    holm = t("mc.hover.p_holm_classes", lang, p=fmt_p(p_holm))
    return f"{difference}, {fmt_p(d.p_value)} ({holm}) — {text}", sign
