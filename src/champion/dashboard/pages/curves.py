"""Curves: ROC, precision-recall, calibration and cumulative gain of every selected version,
overlaid, with a marker at the current threshold."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from champion.dashboard import ids
from champion.dashboard.components import alert, empty_figure, graph, page, pending_alert
from champion.dashboard.context import backend
from champion.errors import ChampionError
from champion.presentation import t
from champion.workspace import DEFAULT_THRESHOLD


def layout(**_query: str) -> html.Div:
    return page(
        html.Div(id=ids.CURVES_ALERT),
        dbc.Row([dbc.Col(graph(ids.ROC_GRAPH), lg=6), dbc.Col(graph(ids.PR_GRAPH), lg=6)]),
        dbc.Row(
            [dbc.Col(graph(ids.CALIBRATION_GRAPH), lg=6), dbc.Col(graph(ids.GAIN_GRAPH), lg=6)]
        ),
    )


def update(
    versions: list[str] | None, threshold: float | None, lang: str, _jobs: Any
) -> tuple[Any, ...]:
    """The four figures of the selected versions that are scored (the rest: a notice)."""
    lang = lang or "en"
    cut = float(threshold if threshold is not None else DEFAULT_THRESHOLD)
    try:
        found = backend().reports(versions or [], lang)
        figures = [backend().curves(kind, found.ready, cut, lang) for kind in KINDS]
    except ChampionError as err:
        return alert(err), *[empty_figure()] * len(KINDS)
    if not found.ready:
        return pending_alert(found.pending, lang), *[empty_figure(t("ui.no_models", lang))] * 4
    return pending_alert(found.pending, lang), *figures


KINDS = ("roc", "pr", "calibration", "gain")  # in the order of the page's graphs


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app (not to Dash's global list, which only the
    first app of a process would receive)."""
    app.callback(
        Output(ids.CURVES_ALERT, "children"),
        Output(ids.ROC_GRAPH, "figure"),
        Output(ids.PR_GRAPH, "figure"),
        Output(ids.CALIBRATION_GRAPH, "figure"),
        Output(ids.GAIN_GRAPH, "figure"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.THRESHOLD_STORE, "data"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
    )(update)
