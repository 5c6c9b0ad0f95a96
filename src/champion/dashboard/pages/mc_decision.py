"""Decision of a multiclass test set: why there is no single threshold to move, top-k accuracy
for every k (argmax is k = 1) with each challenger's paired difference, and accuracy against
coverage when a version answers only above a confidence."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from champion.dashboard import ids
from champion.dashboard import multiclass as mc
from champion.dashboard.components import (
    Export,
    alert,
    csv_name,
    data_table,
    download_button,
    empty_figure,
    graph,
    page,
    send_csv,
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
        download_button(ids.CSV_DECISION, backend().config.lang),
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


def download(_clicks: int | None, versions: list[str] | None, lang: str) -> Any:
    """The top-k accuracy table as shown, as a CSV file."""
    lang = lang or "en"

    def table() -> Export | None:
        found = mc.decision(backend(), versions or [], lang)
        if found.value is None:
            return None
        return decision_view(found.value[0], lang), csv_name("decision", versions)

    return send_csv(table)


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
    app.callback(
        Output(ids.csv_download(ids.CSV_DECISION), "data"),
        Input(ids.csv_button(ids.CSV_DECISION), "n_clicks"),
        State(ids.VERSIONS_STORE, "data"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(download)
