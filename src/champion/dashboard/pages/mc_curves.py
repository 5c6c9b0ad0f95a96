"""Curves of a multiclass test set: one-vs-rest ROC and precision-recall curves of every selected
version for the class picked (or their macro average), or every class at once as small
multiples."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from champion.dashboard import ids
from champion.dashboard import multiclass as mc
from champion.dashboard.components import alert, empty_figure, graph, page
from champion.dashboard.context import backend
from champion.errors import ChampionError
from champion.presentation import t
from champion.presentation.figures_multiclass_curves import (
    class_curve_figure,
    class_curve_scores,
    class_grid_figure,
)

MACRO = "__macro__"  # the picker's value for the macro average (no class is named that)
GRID = "grid"  # the view toggle's value for every class at once


def layout(**_query: str) -> html.Div:
    classes = [str(c) for c in backend().dataset.classes or ()]
    return page(
        dbc.Row(
            [
                dbc.Col(
                    [
                        dbc.Label(id=ids.MC_CLASS_PICKER_LABEL, html_for=ids.MC_CLASS_PICKER),
                        dcc.Dropdown(
                            id=ids.MC_CLASS_PICKER,
                            options=[{"label": "macro", "value": MACRO}, *classes],
                            value=MACRO,
                            clearable=False,
                        ),
                    ],
                    md=4,
                ),
                dbc.Col(
                    dbc.RadioItems(
                        id=ids.MC_CURVE_VIEW,
                        options=[{"label": "one", "value": "one"}, {"label": GRID, "value": GRID}],
                        value="one",
                        inline=True,
                    ),
                    md=6,
                    className="align-self-end",
                ),
            ],
            className="mb-3",
        ),
        html.Div(id=ids.MC_CURVES_ALERT),
        dbc.Row(
            [
                dbc.Col(graph(ids.MC_ROC_GRAPH, 520), lg=6),
                dbc.Col(graph(ids.MC_PR_GRAPH, 520), lg=6),
            ]
        ),
    )


def picker_texts(lang: str) -> tuple[Any, ...]:
    """The class picker's label and its first option, the view toggle's options, in lang."""
    classes = [str(c) for c in backend().dataset.classes or ()]
    options = [{"label": t("mc.ui.macro_average", lang), "value": MACRO}, *classes]
    views = [
        {"label": t("mc.ui.view_one", lang), "value": "one"},
        {"label": t("mc.ui.view_grid", lang), "value": GRID},
    ]
    return t("mc.ui.class_picker", lang), options, views


def figures(versions: list[str], chosen: str, view: str, lang: str) -> tuple[Any, ...]:
    """The notices and the ROC and PR figures of the scored versions."""
    found = mc.curves(backend(), versions, lang)
    curves = found.value
    if not curves:
        message = "" if found.pending or found.computing else t("ui.no_models", lang)
        return mc.computing_notice(found, lang), empty_figure(message), empty_figure(message)
    if view == GRID:
        drawn = [class_grid_figure(kind, curves, lang) for kind in ("roc", "pr")]
        return mc.computing_notice(found, lang), *drawn
    picked = None if chosen == MACRO else chosen
    compared = mc.comparison(backend(), versions, lang).value
    drawn = []
    for kind in ("roc", "pr"):
        scores = None if compared is None else class_curve_scores(compared[0], kind, picked)
        drawn.append(class_curve_figure(kind, curves, picked, lang, scores))
    return mc.computing_notice(found, lang), *drawn


def update(
    versions: list[str] | None, chosen: str | None, view: str | None, lang: str, _jobs: Any
) -> tuple[Any, ...]:
    lang = lang or "en"
    texts = picker_texts(lang)
    try:
        shown = figures(versions or [], chosen or MACRO, view or "one", lang)
    except ChampionError as err:
        return alert(err), empty_figure(), empty_figure(), *texts
    return *shown, *texts


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app."""
    app.callback(
        Output(ids.MC_CURVES_ALERT, "children"),
        Output(ids.MC_ROC_GRAPH, "figure"),
        Output(ids.MC_PR_GRAPH, "figure"),
        Output(ids.MC_CLASS_PICKER_LABEL, "children"),
        Output(ids.MC_CLASS_PICKER, "options"),
        Output(ids.MC_CURVE_VIEW, "options"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.MC_CLASS_PICKER, "value"),
        Input(ids.MC_CURVE_VIEW, "value"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
    )(update)
