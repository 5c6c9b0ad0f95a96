"""One-vs-rest curve figures of multiclass models: one class's ROC or PR curves, their macro
average, and a grid of every class.

Curve data is what :func:`champion.evaluation.multiclass.curves.class_curves` returns for each
model (``{model: {class label as text: {"roc": {"x", "y", ...}, "pr": {...}}}}``, JSON-ready, so
it may come back from a logged run). A model with no curve data (labels only) gets a legend
entry saying so. Pure plotly, no Dash; texts from ``t`` in the requested language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from champion.evaluation.curves import downsample
from champion.evaluation.multiclass import MulticlassComparison
from champion.presentation.i18n import t
from champion.presentation.theme import (
    REFERENCE_COLOUR,
    TEMPLATE,
    colours_for,
    legend_inside,
    new_figure,
    rounded,
    unit_axes,
    without_repeats,
)

FloatArray = npt.NDArray[np.float64]
ClassCurves = Mapping[str, Mapping[str, Any]]
"""One model's curve data: {class label as text: {"roc": {"x", "y", ...}, "pr": {...}}}."""
Curves = Mapping[str, ClassCurves]
"""{model name: its ClassCurves}; an empty ClassCurves for a labels-only model."""

KINDS = ("roc", "pr")
# the common x grid of a macro average: 1e-3 of the axis, below a pixel of a usual figure
MACRO_GRID: FloatArray = np.linspace(0.0, 1.0, 1001)
_AXES = {"roc": ("axis.fpr", "axis.tpr"), "pr": ("axis.recall", "axis.precision")}
_SCORE = {"roc": "AUC", "pr": "AP"}


def _thinned(xy: tuple[FloatArray, FloatArray], max_points: int) -> tuple[FloatArray, FloatArray]:
    """A curve (x (m,) monotone, y (m,)) in at most max_points points, ends kept."""
    x, y = xy
    if x.size <= max_points:
        return xy
    view = downsample(x, y, np.zeros_like(x), max_points)
    return view.x, view.y


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be 'roc' or 'pr', not {kind!r}.")


def _titles(kind: str, lang: str) -> tuple[str, str]:
    return t(_AXES[kind][0], lang), t(_AXES[kind][1], lang)


def _points(curve: Mapping[str, Any]) -> tuple[FloatArray, FloatArray]:
    """A curve's x (m,) and y (m,) as float arrays (None, from JSON, becomes NaN)."""
    return np.asarray(curve["x"], dtype=np.float64), np.asarray(curve["y"], dtype=np.float64)


def class_labels(curves: Curves) -> list[str]:
    """Every class with a curve in any model, in the order the models list them."""
    found: dict[str, None] = {}
    for by_class in curves.values():
        found.update(dict.fromkeys(by_class))
    return list(found)


def roc_on_grid(fpr: FloatArray, tpr: FloatArray, grid: FloatArray) -> FloatArray:
    """A ROC curve's TPR (g,) at each FPR of grid (g,): linear between the curve's points (m,),
    and where the curve rises vertically (several points at one FPR), the top of the rise, as
    the curve is right-continuous (a lower threshold adds true positives first)."""
    distinct, first = np.unique(fpr, return_index=True)  # fpr never decreases along the curve
    last = np.append(first[1:] - 1, fpr.size - 1)
    low, high = tpr[first], tpr[last]
    at = np.clip(np.searchsorted(distinct, grid, side="right") - 1, 0, distinct.size - 1)
    after = np.minimum(at + 1, distinct.size - 1)
    span = distinct[after] - distinct[at]
    share = np.divide(grid - distinct[at], span, out=np.zeros_like(grid), where=span > 0)
    return np.asarray(high[at] + share * (low[after] - high[at]), dtype=np.float64)


def pr_on_grid(recall: FloatArray, precision: FloatArray, grid: FloatArray) -> FloatArray:
    """A PR curve's precision (g,) at each recall of grid (g,), as a step function: at recall r,
    the precision of the highest threshold whose recall is still >= r. Average precision is
    the area under this step function (sum of (R_k - R_k+1) P_k), so a straight line between
    PR points would overstate it. recall (m,) runs from 1 down to 0 (scikit-learn's order)."""
    ascending, values = recall[::-1], precision[::-1]
    at = np.minimum(np.searchsorted(ascending, grid, side="left"), ascending.size - 1)
    return np.asarray(values[at], dtype=np.float64)


def macro_curve(kind: str, by_class: ClassCurves) -> tuple[FloatArray, FloatArray]:
    """The macro average of one model's one-vs-rest curves: x (g+1,) and y (g+1,).

    ROC: the mean TPR of the classes on MACRO_GRID of FPR (scikit-learn's multiclass ROC
    example), from (0, mean starting TPR), so its area is close to the macro one-vs-rest AUC.
    PR: the mean step-function precision (pr_on_grid) on MACRO_GRID of recall, from (0, 1):
    draw it with line shape "vh" so each grid value holds over the interval ending at it.
    """
    _check_kind(kind)
    grid = MACRO_GRID
    curves = [_points(c[kind]) for c in by_class.values()]
    if kind == "roc":
        mean = np.mean([roc_on_grid(x, y, grid) for x, y in curves], axis=0)
        start = float(np.mean([y[0] for _, y in curves]))
    else:
        mean = np.mean([pr_on_grid(x, y, grid) for x, y in curves], axis=0)
        start = float(np.mean([y[-1] for _, y in curves]))  # the (0, 1) end of each
    return np.append(0.0, grid), np.append(start, mean)


def _flat_dropped(x: list[float | None], y: list[float | None]) -> tuple[list[Any], list[Any]]:
    """x, y without the points inside a run of equal y (they draw nothing more, as straight
    lines or steps): a macro PR curve is mostly flat runs."""
    keep = [i for i in range(len(y)) if i in (0, len(y) - 1) or not (y[i - 1] == y[i] == y[i + 1])]
    return [x[i] for i in keep], [y[i] for i in keep]


def prevalence(by_class: ClassCurves, label: str) -> float | None:
    """The share of a class's rows (by weight) from its PR curve: the precision at the lowest
    threshold, where every row is predicted positive (recall 1); None if the curve lacks it."""
    x, y = _points(by_class[label]["pr"])
    if x.size == 0 or x[0] != 1.0 or not math.isfinite(y[0]):
        return None
    return float(y[0])


def _prevalences(curves: Curves, chosen: str | None) -> list[float]:
    """The distinct chance levels of a PR figure: the chosen class's prevalence, or for the macro
    average the mean prevalence of each model's classes (one per distinct test set)."""
    found = set()
    for by_class in curves.values():
        labels = list(by_class) if chosen is None else [chosen] if chosen in by_class else []
        values = [prevalence(by_class, label) for label in labels]
        if values and all(v is not None for v in values):
            found.add(round(float(np.mean([v for v in values if v is not None])), 4))
    return sorted(found)


def _reference(x: Sequence[float], y: Sequence[float], name: str, **extra: Any) -> go.Scatter:
    """A grey dashed reference line (chance, prevalence) without hover."""
    return go.Scatter(
        x=list(x),
        y=list(y),
        mode="lines",
        name=name,
        line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 1.5},
        hoverinfo="skip",
        **extra,
    )


def _line(
    xy: tuple[FloatArray, FloatArray],
    name: str,
    label: str,
    colour: str,
    hover: tuple[str, str, str],
    shape: str = "linear",
    **extra: Any,
) -> go.Scatter:
    """One model's curve through x (m,), y (m,), rounded (repeats and flat runs dropped);
    hover: the heading after the name, and the two axis titles; shape: plotly's line shape."""
    x, y = _flat_dropped(*without_repeats(rounded(xy[0]), rounded(xy[1])))
    return go.Scatter(
        x=x,
        y=y,
        mode="lines",
        name=label,
        legendgroup=name,
        line={"color": colour, "width": 2, "shape": shape},
        hovertemplate=(
            f"<b>{name}</b>{hover[0]}<br>{hover[1]} %{{x:.3f}}<br>{hover[2]} %{{y:.3f}}"
            "<extra></extra>"
        ),
        **extra,
    )


def _legend_entry(name: str, text: str, colour: str, **extra: Any) -> go.Scatter:
    """A legend line for a model without a curve to draw (an empty trace, nothing plotted)."""
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        name=text,
        legendgroup=name,
        marker={"color": colour, "size": 10, "symbol": "x"},
        hoverinfo="skip",
        **extra,
    )


def _scored(name: str, kind: str, aucs: Mapping[str, float | None] | None) -> str:
    """ "name — AUC 0.912" (AP for PR) when the score is given, else the name."""
    value = None if aucs is None else aucs.get(name)
    return name if value is None else f"{name} — {_SCORE[kind]} {value:.3f}"


def class_curve_figure(
    kind: str,
    curves: Curves,
    chosen: str | None,
    lang: str = "en",
    aucs: Mapping[str, float | None] | None = None,
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """One class's one-vs-rest ROC ("roc") or PR ("pr") curve of every model overlaid, or with
    chosen None the macro average of each model's classes (see macro_curve), titled so.

    curves: {model: class_curves output}; chosen: a class label as text (the keys of
    class_curves). aucs: {model: AUC or AP} shown in the legend, "name — AUC 0.912"; pass the
    class's, or the macro average's (class_curve_scores gives both). Traces: the chance line
    (ROC diagonal; PR: the class's prevalence, read off its PR curve, or the mean prevalence of
    the classes for the macro average), then a curve per model in its colour. A model without
    curve data is named "name — curves unavailable (labels only)"; one without the chosen class
    (absent from its test set) "name — no curve for this class".
    """
    _check_kind(kind)
    titles = _titles(kind, lang)
    if chosen is None:
        title = t(f"mc.chart.{kind}_macro", lang, k=len(class_labels(curves)))
        heading = f" — {t('mc.hover.macro', lang)}"
    else:
        title, heading = t(f"mc.chart.{kind}_class", lang, label=chosen), f" — {chosen}"
    fig = new_figure(title, *titles)
    if kind == "roc":
        fig.add_trace(_reference([0, 1], [0, 1], t("legend.chance", lang)))
    for p in _prevalences(curves, chosen) if kind == "pr" else []:
        key = "mc.legend.prevalence" if chosen is not None else "mc.legend.mean_prevalence"
        fig.add_trace(_reference([0, 1], [p, p], t(key, lang, value=f"{p:.3f}")))
    palette = colours_for(list(curves), colours)
    for name, by_class in curves.items():
        if not by_class:
            fig.add_trace(
                _legend_entry(name, t("legend.labels_only", lang, model=name), palette[name])
            )
        elif chosen is None:
            xy = macro_curve(kind, by_class)
            shape = "vh" if kind == "pr" else "linear"
            label = _scored(name, kind, aucs)
            fig.add_trace(_line(xy, name, label, palette[name], (heading, *titles), shape=shape))
        elif chosen not in by_class:
            text = t("mc.legend.no_class_curve", lang, model=name)
            fig.add_trace(_legend_entry(name, text, palette[name]))
        else:
            xy = _points(by_class[chosen][kind])
            label = _scored(name, kind, aucs)
            fig.add_trace(_line(xy, name, label, palette[name], (heading, *titles)))
    unit_axes(fig)
    legend_inside(fig, "bottom left" if kind == "pr" else "bottom right")
    return fig


def grid_columns(k: int) -> int:
    """Columns of a grid of k subplots: 3 up to 9 classes (3 rows at most), then 4."""
    return max(1, min(k, 3 if k <= 9 else 4))


def class_grid_figure(
    kind: str,
    curves: Curves,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    max_points: int = 300,
) -> go.Figure:
    """Small multiples: a subplot per class (titled with its label, wrapped at grid_columns),
    each with every model's one-vs-rest curve of that class and the chance line (ROC diagonal;
    PR: the class's prevalence). One shared legend lists each model once (clicking it hides
    the model in every subplot); labels-only models are listed as having no curves. The
    figure's height grows with its rows (260 px each). Each curve keeps at most max_points
    points (the engine's downsample: a subplot is a few hundred pixels wide), so ten classes
    of three models stay near 100 KB of JSON.
    """
    _check_kind(kind)
    labels = class_labels(curves)
    columns = grid_columns(len(labels))
    rows = max(1, math.ceil(len(labels) / columns))
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=labels or None,
        horizontal_spacing=0.06,
        vertical_spacing=min(0.12, 0.36 / rows),
    )
    titles = _titles(kind, lang)
    palette = colours_for(list(curves), colours)
    listed: set[str] = set()
    for i, label in enumerate(labels):
        cell = {"row": i // columns + 1, "col": i % columns + 1}
        _add_chance(fig, kind, curves, label, lang, listed, cell)
        for name, by_class in curves.items():
            if label not in by_class:
                continue
            xy = _thinned(_points(by_class[label][kind]), max_points)
            hover = (f" — {label}", *titles)
            trace = _line(xy, name, name, palette[name], hover, showlegend=name not in listed)
            fig.add_trace(trace, **cell)
            listed.add(name)
    for name, by_class in curves.items():
        if not by_class:
            text = t("legend.labels_only", lang, model=name)
            fig.add_trace(_legend_entry(name, text, palette[name]), row=1, col=1)
    fig.update_layout(
        template=TEMPLATE, title={"text": t(f"mc.chart.{kind}_grid", lang)}, height=140 + 260 * rows
    )
    fig.update_annotations(font={"size": 13})  # the subplot titles
    fig.update_xaxes(range=[-0.02, 1.02], dtick=0.5)
    fig.update_yaxes(range=[-0.02, 1.02], dtick=0.5)
    for i in range(len(labels)):
        last_in_column = i + columns >= len(labels)
        cell = {"row": i // columns + 1, "col": i % columns + 1}
        if last_in_column:
            fig.update_xaxes(title={"text": titles[0]}, **cell)
        if i % columns == 0:
            fig.update_yaxes(title={"text": titles[1]}, **cell)
    return fig


def _add_chance(
    fig: go.Figure,
    kind: str,
    curves: Curves,
    label: str,
    lang: str,
    listed: set[str],
    cell: Mapping[str, int],
) -> None:
    """The chance line of one subplot; listed in the legend once (group "chance")."""
    if kind == "roc":
        lines = [([0.0, 1.0], [0.0, 1.0])]
        name = t("legend.chance", lang)
    else:
        lines = [([0.0, 1.0], [p, p]) for p in _prevalences(curves, label)]
        name = t("mc.legend.prevalence_each", lang)
    for x, y in lines:
        show = "chance" not in listed
        fig.add_trace(_reference(x, y, name, legendgroup="chance", showlegend=show), **cell)
        listed.add("chance")


def class_curve_scores(
    cmp: MulticlassComparison, kind: str, chosen: str | None
) -> dict[str, float | None]:
    """{model: the number class_curve_figure's legend shows}: the chosen class's one-vs-rest
    ROC AUC ("roc") or average precision ("pr"); with chosen None the macro one-vs-rest ROC AUC,
    or the mean of the classes' average precisions (scikit-learn's macro average precision,
    over the classes where it is defined). None where undefined (labels only)."""
    _check_kind(kind)
    attribute = "roc_auc" if kind == "roc" else "average_precision"
    found: dict[str, float | None] = {}
    for name, evaluation in cmp.models.items():
        report = evaluation.report
        values = [getattr(c, attribute) for c in report.per_class]
        if chosen is not None:
            found[name] = next(
                (
                    v
                    for c, v in zip(report.per_class, values, strict=True)
                    if str(c.label) == chosen
                ),
                None,
            )
        elif kind == "roc":
            found[name] = report.metrics["roc_auc_ovr_macro"]
        else:
            defined = [v for v in values if v is not None]
            found[name] = float(np.mean(defined)) if defined else None
    return found
