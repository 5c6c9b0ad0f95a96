"""Threshold: one slider moves the threshold for every version; confusion matrices and the
metrics-versus-threshold chart follow."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from champion.dashboard import ids
from champion.dashboard.components import (
    GRAPH_CONFIG,
    alert,
    empty_figure,
    graph,
    page,
    pending_alert,
)
from champion.dashboard.context import backend
from champion.errors import ChampionError
from champion.presentation import confusion_figure, model_colours, t, threshold_metrics_figure


def layout(**_query: str) -> html.Div:
    return page(
        html.Div(id=ids.THRESHOLD_ALERT),
        html.Div(
            [
                html.Span(id=ids.THRESHOLD_VALUE, className="fw-bold"),
                dcc.Slider(
                    id=ids.THRESHOLD_SLIDER,
                    min=0.0,
                    max=1.0,
                    step=0.01,
                    value=0.5,
                    marks={v / 10: f"{v / 10:.1f}" for v in range(11)},
                    updatemode="mouseup",
                ),
            ],
            className="mb-3",
        ),
        dbc.Row(id=ids.CONFUSIONS, className="mb-2"),
        graph(ids.THRESHOLD_METRICS_GRAPH, height=420),
    )


def restore_slider(_path: str, stored: float | None) -> float:
    return 0.5 if stored is None else float(stored)


def remember_threshold(value: float | None) -> float:
    return 0.5 if value is None else round(float(value), 4)


def update(
    versions: list[str] | None, threshold: float | None, lang: str, _jobs: Any
) -> tuple[Any, ...]:
    lang = lang or "en"
    cut = threshold if threshold is not None else 0.5
    label = f"{t('ui.threshold', lang)}: {cut:.2f}"
    try:
        found = backend().reports(versions or [])
    except ChampionError as err:
        return alert(err), label, [], empty_figure()
    if not found.ready:
        return pending_alert(found.pending, lang), label, [], empty_figure(t("ui.no_models", lang))
    reports = {report.name: report for report in found.ready.values()}
    colours = model_colours(list(reports))
    cards = [
        dbc.Col(
            dcc.Graph(
                figure=confusion_figure(
                    report.at(cut).confusion,
                    lang=lang,
                    model=name,
                    threshold=cut,
                    colour=colours[name],
                ),
                config=GRAPH_CONFIG,
                style={"height": "300px"},
                className="confusion",
            ),
            lg=4,
        )
        for name, report in reports.items()
    ]
    figure = threshold_metrics_figure(reports, threshold=cut, lang=lang)
    return pending_alert(found.pending, lang), label, cards, figure


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app (not to Dash's global list, which only the
    first app of a process would receive)."""
    app.callback(
        Output(ids.THRESHOLD_SLIDER, "value"),
        Input(ids.URL, "pathname"),
        State(ids.THRESHOLD_STORE, "data"),
    )(restore_slider)
    app.callback(Output(ids.THRESHOLD_STORE, "data"), Input(ids.THRESHOLD_SLIDER, "value"))(
        remember_threshold
    )
    app.callback(
        Output(ids.THRESHOLD_ALERT, "children"),
        Output(ids.THRESHOLD_VALUE, "children"),
        Output(ids.CONFUSIONS, "children"),
        Output(ids.THRESHOLD_METRICS_GRAPH, "figure"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.THRESHOLD_STORE, "data"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
    )(update)
