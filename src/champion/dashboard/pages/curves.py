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
from champion.presentation import calibration_figure, gain_figure, pr_figure, roc_figure, t


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
    lang = lang or "en"
    cut = threshold if threshold is not None else 0.5
    try:
        found = backend().reports(versions or [])
    except ChampionError as err:
        blank = empty_figure()
        return alert(err), blank, blank, blank, blank
    if not found.ready:
        blank = empty_figure(t("ui.no_models", lang))
        return pending_alert(found.pending, lang), blank, blank, blank, blank
    reports = {report.name: report for report in found.ready.values()}
    key = ("curves", tuple(found.ready), float(cut), lang)
    figures = backend().figures.get(
        key,
        lambda: (
            roc_figure(reports, threshold=cut, lang=lang),
            pr_figure(reports, threshold=cut, lang=lang),
            calibration_figure(reports, lang=lang),
            gain_figure(reports, threshold=cut, lang=lang),
        ),
    )
    return (pending_alert(found.pending, lang), *figures)


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
