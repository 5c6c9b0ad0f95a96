"""The slices figure: one metric per slice of a column, a bar per model, the worst slice of
each challenger marked."""

from __future__ import annotations

import math
from collections.abc import Mapping

import plotly.graph_objects as go

from champion.evaluation.slices import SliceTable
from champion.presentation.i18n import metric_label, t
from champion.presentation.theme import TEXT_COLOUR, colours_for, new_figure, rounded


def slice_label(label: str, n: int) -> str:
    """The x-axis category of a slice: its label and its rows, "female (n=85)"."""
    return f"{label} (n={n})"


def slices_figure(
    table: SliceTable,
    column: str,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """Grouped bars: x = the slices of column (with their row counts), y = table.metric, one
    bar per model in its fixed colour with its interval as an error bar. Each challenger's
    worst slice (significantly worse, after Holm across slices) gets a ▼ above its bar with
    the difference; undefined values are not drawn."""
    name = metric_label(table.metric, lang)
    fig = new_figure(t("chart.slices", lang, metric=name, column=column), column, name)
    models = list(table.rows[0].values) if table.rows else []
    palette = colours_for(models, colours)
    x = [slice_label(row.label, row.n) for row in table.rows]
    for model in models:
        values = [row.values[model] for row in table.rows]
        worst = table.worst.get(model)
        text = [
            f"▼ {row.deltas[model]:+.3f}"
            if worst is not None and worst.label == row.label and row.deltas.get(model) is not None
            else ""
            for row in table.rows
        ]
        fig.add_trace(
            go.Bar(
                x=x,
                y=rounded([math.nan if v is None else v for v in values]),
                error_y=_error_bars(table, model),
                name=model,
                marker={"color": palette[model]},
                text=text,
                textposition="outside",
                textfont={"color": TEXT_COLOUR},
                hovertemplate=f"<b>{model}</b><br>%{{x}}<br>{name} %{{y:.3f}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category", showgrid=False)
    return fig


def _error_bars(table: SliceTable, model: str) -> dict[str, object]:
    """Each slice's interval of the model's value, as asymmetric plotly error bars (none where
    the value or its interval is undefined)."""
    up, down = [], []
    for row in table.rows:
        value = row.values[model]
        low, high = row.intervals.get(model, (None, None))
        if value is None or low is None or high is None:
            up.append(math.nan)
            down.append(math.nan)
        else:
            up.append(max(high - value, 0.0))
            down.append(max(value - low, 0.0))
    return {
        "type": "data",
        "symmetric": False,
        "array": rounded(up),
        "arrayminus": rounded(down),
        "thickness": 1,
        "width": 3,
    }
