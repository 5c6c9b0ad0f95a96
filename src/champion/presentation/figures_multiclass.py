"""Figures of multiclass models. The confusion matrix of a model and its change between two
models are here; the one-vs-rest curves (``figures_multiclass_curves``) and the bar charts
(``figures_multiclass_bars``) are re-exported, so a page imports every multiclass figure from
this module.

Every function takes multiclass results (a MulticlassReport, a MulticlassComparison or curve
data), a language ("en" / "ja") and returns a ``plotly.graph_objects.Figure`` with champion's
template. Pure plotly, no Dash.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go

from champion.evaluation.multiclass import ConfusionMatrix, MulticlassReport
from champion.presentation.figures_multiclass_bars import (
    PER_CLASS_METRICS,
    multiclass_metrics_bar,
    per_class_figure,
)
from champion.presentation.figures_multiclass_curves import (
    class_curve_figure,
    class_curve_scores,
    class_grid_figure,
    macro_curve,
)
from champion.presentation.i18n import t
from champion.presentation.theme import TEXT_COLOUR, new_figure, note_annotation, rounded

__all__ = [
    "PER_CLASS_METRICS",
    "class_curve_figure",
    "class_curve_scores",
    "class_grid_figure",
    "confusion_difference_figure",
    "confusion_figure",
    "macro_curve",
    "multiclass_metrics_bar",
    "per_class_figure",
    "row_percentages",
]

FloatArray = npt.NDArray[np.float64]
# white to the palette's blue: a share of 0% is the page itself, 100% the strongest
_SHARES = [[0.0, "#FFFFFF"], [1.0, "#0072B2"]]
# ColorBrewer's PuOr (colour-blind safe): a fall is orange, a rise purple, neither read as good
# or bad, since a rise is good on the diagonal and bad off it
_CHANGES = "PuOr"


def row_percentages(cm: ConfusionMatrix) -> FloatArray:
    """Each cell as a percentage of its actual class's weight, (K, K): every row sums to 100,
    except the row of a class without rows (weight 0), which is NaN."""
    support = cm.support[:, None]
    shares = np.full(cm.matrix.shape, np.nan)
    np.divide(cm.matrix * 100.0, support, out=shares, where=support > 0)
    return shares


def count_text(value: float, weighted: bool) -> str:
    """A cell's count: "1,234" for rows; weighted, 3 significant digits ("12.3", "0.457") up to
    1,000, then whole ("12,346"): weights are rarely exact past that."""
    if not weighted or value == 0 or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _labels(classes: Sequence[object]) -> list[str]:
    return [str(c) for c in classes]


def _matrix_axes(fig: go.Figure, labels: list[str]) -> None:
    """Category axes for a K x K matrix, the first class at the top left, no grid."""
    fig.update_xaxes(type="category", showgrid=False, categoryorder="array", categoryarray=labels)
    fig.update_yaxes(
        type="category",
        showgrid=False,
        categoryorder="array",
        categoryarray=labels,
        autorange="reversed",
    )


def confusion_figure(report: MulticlassReport, lang: str = "en") -> go.Figure:
    """The K x K confusion matrix of one model as a heatmap of row percentages.

    Rows are the actual classes (first at the top), columns the predicted ones; z (K, K) is
    row_percentages (each actual class's row sums to 100; a class without rows is blank), in
    2 decimals. Each cell reads "count<br>pct%" (count_text: rows, or weighted counts rounded to
    3 significant digits); hover repeats both.
    """
    cm = report.confusion
    labels = _labels(cm.classes)
    shares = row_percentages(cm)
    counts = [[count_text(v, cm.weighted) for v in row] for row in cm.matrix.tolist()]
    cells = [
        [f"{c}<br>{s:.1f}%" if math.isfinite(s) else "" for c, s in zip(crow, srow, strict=True)]
        for crow, srow in zip(counts, shares.tolist(), strict=True)
    ]
    count_word = t("mc.hover.weighted_count" if cm.weighted else "axis.count", lang)
    fig = new_figure(
        t("mc.chart.confusion", lang, model=report.name),
        t("axis.predicted", lang),
        t("axis.actual", lang),
    )
    fig.add_trace(
        go.Heatmap(
            z=[rounded(row, 2) for row in shares],
            x=labels,
            y=labels,
            text=cells,
            texttemplate="%{text}",
            customdata=counts,
            colorscale=_SHARES,
            zmin=0.0,
            zmax=100.0,
            xgap=1,
            ygap=1,
            hoverongaps=False,
            colorbar={"title": {"text": t("mc.axis.row_share", lang)}, "ticksuffix": "%"},
            hovertemplate=(
                f"{t('axis.actual', lang)} %{{y}}<br>{t('axis.predicted', lang)} %{{x}}<br>"
                f"{count_word} %{{customdata}}<br>{t('mc.hover.row_share', lang)} %{{z:.1f}}%"
                "<extra></extra>"
            ),
        )
    )
    _matrix_axes(fig, labels)
    return fig


def _pp_text(value: float, unit: str) -> str:
    """ "+3.2 pp", "-0.5 pp", "0.0 pp" (a change that rounds to zero has no sign); "" for NaN."""
    if not math.isfinite(value):
        return ""
    shown = round(value, 1)
    return f"{0.0:.1f} {unit}" if shown == 0 else f"{shown:+.1f} {unit}"


def _diagonal_outlines(k: int) -> list[dict[str, object]]:
    """A thin dark frame around each diagonal cell of a K x K heatmap that fills its axes (first
    class at the top), in axis-domain units so any class label works."""
    return [
        {
            "type": "rect",
            "xref": "x domain",
            "yref": "y domain",
            "x0": i / k,
            "x1": (i + 1) / k,
            "y0": 1 - (i + 1) / k,
            "y1": 1 - i / k,
            "line": {"color": TEXT_COLOUR, "width": 1.5},
        }
        for i in range(k)
    ]


def confusion_difference_figure(
    baseline: MulticlassReport, challenger: MulticlassReport, lang: str = "en"
) -> go.Figure:
    """How the challenger's confusion matrix differs from the baseline's, cell by cell, in
    percentage points of each actual class: z (K, K) = challenger's row_percentages - the
    baseline's (NaN, blank, for a class without rows), rounded to 2 decimals.

    A diverging colour scale centred at 0 over a symmetric range (at least ±1 pp); cells read
    "+3.2 pp". The diagonal (correct predictions) is outlined: there a rise is better, off it (an
    error) a rise is worse; each cell's hover says which, with both models' percentages.
    Raises ValueError unless both reports have the same classes in the same order.
    """
    if tuple(baseline.confusion.classes) != tuple(challenger.confusion.classes):
        raise ValueError(
            "cannot subtract confusion matrices of different classes: "
            f"{baseline.name} has {list(baseline.confusion.classes)}, {challenger.name} has "
            f"{list(challenger.confusion.classes)}; evaluate both on the same classes in the "
            "same order."
        )
    labels = _labels(baseline.confusion.classes)
    before = row_percentages(baseline.confusion)
    after = row_percentages(challenger.confusion)
    change = after - before
    unit = t("mc.hover.pp", lang)
    texts = [[_pp_text(v, unit) for v in row] for row in change.tolist()]
    readings = (t("mc.hover.diagonal", lang), t("mc.hover.off_diagonal", lang))
    k = len(labels)
    details = [
        [
            [f"{before[i, j]:.1f}%", f"{after[i, j]:.1f}%", readings[0 if i == j else 1]]
            for j in range(k)
        ]
        for i in range(k)
    ]
    largest = float(np.nanmax(np.abs(change))) if np.isfinite(change).any() else 0.0
    limit = max(1.0, math.ceil(largest))
    fig = new_figure(
        t(
            "mc.chart.confusion_difference",
            lang,
            challenger=challenger.name,
            baseline=baseline.name,
        ),
        t("axis.predicted", lang),
        t("axis.actual", lang),
    )
    fig.add_trace(
        go.Heatmap(
            z=[rounded(row, 2) for row in change],
            x=labels,
            y=labels,
            text=texts,
            texttemplate="%{text}",
            customdata=details,
            colorscale=_CHANGES,
            zmid=0.0,
            zmin=-limit,
            zmax=limit,
            xgap=1,
            ygap=1,
            hoverongaps=False,
            colorbar={"title": {"text": t("mc.axis.difference_pp", lang)}},
            hovertemplate=(
                f"{t('axis.actual', lang)} %{{y}}<br>{t('axis.predicted', lang)} %{{x}}<br>"
                f"{baseline.name} %{{customdata[0]}} → {challenger.name} %{{customdata[1]}}"
                "<br><b>%{text}</b><br>%{customdata[2]}<extra></extra>"
            ),
        )
    )
    _matrix_axes(fig, labels)
    for outline in _diagonal_outlines(k):
        fig.add_shape(outline)
    note_annotation(fig, [t("mc.legend.diagonal", lang)])
    return fig
