"""Decision of a multiclass test set: why there is no single threshold to move, top-k accuracy
for every k (argmax is k = 1) with each challenger's paired difference, and accuracy against
coverage when a version answers only above a confidence."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from champion.dashboard import ids
from champion.dashboard import multiclass as mc
from champion.dashboard.components import (
    alert,
    data_table,
    empty_figure,
    graph,
    page,
)
from champion.dashboard.context import backend
from champion.errors import ChampionError
from champion.presentation import t
from champion.presentation.figures_decision import coverage_figure, top_k_figure
from champion.presentation.multiclass_views import decision_view


def layout(**_query: str) -> html.Div:
    return page(
        html.Div(id=ids.MC_DECISION_ALERT),
        html.P(id=ids.MC_DECISION_WHY, className="lead"),
        html.Div(id=ids.MC_DECISION_TABLE),
        dbc.Row(
            [
                dbc.Col(graph(ids.MC_COVERAGE_GRAPH, 440), lg=6),
                dbc.Col(graph(ids.MC_TOP_K_GRAPH, 440), lg=6),
            ]
        ),
    )


def update(versions: list[str] | None, lang: str, _jobs: Any) -> tuple[Any, ...]:
    lang = lang or "en"
    why = t("mc.ui.decision_why", lang, k=len(backend().dataset.classes or ()))
    try:
        found = mc.decision(backend(), versions or [], lang)
    except ChampionError as err:
        return alert(err), why, None, empty_figure(), empty_figure()
    notices = mc.computing_notice(found, lang)
    if found.value is None:
        message = "" if notices else t("ui.no_models", lang)
        return notices, why, None, empty_figure(message), empty_figure()
    table, curves = found.value
    shown = data_table(decision_view(table, lang), ids.MC_DECISION_ROWS)
    return notices, why, shown, coverage_figure(curves, lang), top_k_figure(table, lang)


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app."""
    app.callback(
        Output(ids.MC_DECISION_ALERT, "children"),
        Output(ids.MC_DECISION_WHY, "children"),
        Output(ids.MC_DECISION_TABLE, "children"),
        Output(ids.MC_COVERAGE_GRAPH, "figure"),
        Output(ids.MC_TOP_K_GRAPH, "figure"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
    )(update)
