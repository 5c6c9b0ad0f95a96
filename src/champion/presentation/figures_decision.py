"""The multiclass decision figures: accuracy against coverage when a model abstains below a
confidence (selective prediction), and top-k accuracy against k."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from champion.evaluation.multiclass import CoverageCurve, DecisionTable
from champion.presentation.i18n import t
from champion.presentation.theme import legend_inside, model_colours, new_figure, rounded

MAX_POINTS = 400  # points drawn per curve: the curve has one per distinct top probability


def coverage_figure(curves: Mapping[str, CoverageCurve], lang: str = "en") -> go.Figure:
    """Each model's accuracy (y) on the rows it keeps when it answers only at or above a top
    probability, against the share of rows kept (x); hover gives the confidence. curves: model
    name -> CoverageCurve (arrays (m,)); at most MAX_POINTS evenly spaced points each."""
    fig = new_figure(
        t("mc.chart.coverage", lang), t("mc.axis.coverage", lang), t("mc.axis.accuracy_kept", lang)
    )
    colours = model_colours(list(curves))
    for name, curve in curves.items():
        step = max(1, curve.coverage.size // MAX_POINTS)
        keep = slice(None, None, step)
        fig.add_trace(
            go.Scatter(
                x=rounded(curve.coverage[keep]),
                y=rounded(curve.accuracy[keep]),
                customdata=rounded(curve.threshold[keep]),
                mode="lines",
                name=name,
                line={"color": colours[name], "width": 2.5},
                hovertemplate=(
                    f"{name}<br>{t('mc.hover.confidence', lang)} ≥ %{{customdata}}<br>"
                    f"{t('mc.axis.coverage', lang)} %{{x:.1%}}<br>"
                    f"{t('mc.axis.accuracy_kept', lang)} %{{y:.3f}}<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(range=[0, 1.02], tickformat=".0%")
    legend_inside(fig, "bottom left")
    return fig


def top_k_figure(table: DecisionTable, lang: str = "en") -> go.Figure:
    """Each model's top-k accuracy (y) for k = 1 .. K - 1 (x) with its interval."""
    fig = new_figure(t("mc.chart.top_k", lang), "k", t("mc.axis.top_k_accuracy", lang))
    names = list(table.rows[0].values) if table.rows else []
    colours = model_colours(names)
    ks = [row.k for row in table.rows]
    for name in names:
        values = [row.values[name] for row in table.rows]
        high = [
            (row.intervals[name][1] or v) - v for row, v in zip(table.rows, values, strict=True)
        ]
        low = [v - (row.intervals[name][0] or v) for row, v in zip(table.rows, values, strict=True)]
        fig.add_trace(
            go.Scatter(
                x=ks,
                y=rounded(values),
                error_y={"type": "data", "array": rounded(high), "arrayminus": rounded(low)},
                mode="lines+markers",
                name=name,
                line={"color": colours[name]},
            )
        )
    fig.update_xaxes(tickmode="array", tickvals=ks)
    legend_inside(fig, "bottom right")
    return fig
