"""Threshold: one slider moves the threshold for every version; confusion matrices and the
metrics-versus-threshold chart follow."""

from __future__ import annotations

import math
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from champion.dashboard import ids
from champion.dashboard.components import (
    alert,
    confusion_table,
    data_table,
    empty_figure,
    graph,
    page,
    pending_alert,
    threshold_of,
)
from champion.dashboard.context import backend
from champion.dashboard.figure_cache import with_threshold_line
from champion.dashboard.pages import threshold_points
from champion.dashboard.pages.threshold_points import matched_section
from champion.errors import ChampionError
from champion.evaluation import EvaluationReport
from champion.presentation import (
    model_colours,
    t,
    threshold_metrics_figure,
)
from champion.presentation.table_views import CRITERIA, finder_view, operating_point
from champion.workspace import DEFAULT_THRESHOLD


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
                    value=DEFAULT_THRESHOLD,
                    marks={v / 10: f"{v / 10:.1f}" for v in range(11)},
                    updatemode="mouseup",
                ),
            ],
            className="mb-3",
        ),
        dbc.Row(id=ids.CONFUSIONS, className="mb-2"),
        graph(ids.THRESHOLD_METRICS_GRAPH, height=420),
        finder_card(),
    )


def restore_slider(_path: str, stored: float | None) -> float:
    return DEFAULT_THRESHOLD if stored is None else float(stored)


def remember_threshold(value: float | None) -> float:
    return DEFAULT_THRESHOLD if value is None else round(float(value), 4)


def threshold_label(cut: float, lang: str) -> str:
    """ "Threshold: 0.50" (the slider moves in steps of 0.01; the finder sets 4 decimals)."""
    shown = f"{cut:.2f}" if abs(cut - round(cut, 2)) < 1e-9 else f"{cut:.4f}"
    return f"{t('ui.threshold', lang)}: {shown}"


def confusion_cards(reports: dict[str, EvaluationReport], cut: float, lang: str) -> list[Any]:
    """Each version's confusion counts at the threshold (a binary search per version)."""
    colours = model_colours(list(reports))
    return [
        dbc.Col(confusion_table(report.at(cut).confusion, name, cut, colours[name], lang), lg=4)
        for name, report in reports.items()
    ]


def metrics_by_threshold(
    ready: dict[str, EvaluationReport], cut: float, lang: str
) -> dict[str, Any]:
    """The metric curves (built once per selection: they do not move with the threshold)
    with the line at cut added."""
    reports = {report.name: report for report in ready.values()}
    curves = backend().figures.get(
        ("threshold-metrics", tuple(ready), lang),
        lambda: threshold_metrics_figure(reports, lang=lang, show_threshold=False),
    )
    return with_threshold_line(curves, cut, lang)


def update(
    versions: list[str] | None, threshold: float | None, lang: str, _jobs: Any
) -> tuple[Any, ...]:
    lang = lang or "en"
    cut = threshold_of(threshold)
    label = threshold_label(cut, lang)
    try:
        found = backend().reports(versions or [], lang)
    except ChampionError as err:
        return alert(err), label, [], empty_figure()
    notices = pending_alert(found.pending, lang)
    if not found.ready:
        return notices, label, [], empty_figure(t("ui.no_models", lang))
    reports = {report.name: report for report in found.ready.values()}
    figure = metrics_by_threshold(found.ready, cut, lang)
    return notices, label, confusion_cards(reports, cut, lang), figure


def finder_card() -> dbc.Card:
    """The operating-point finder: a criterion (costs, or a constraint) and its inputs."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.H5(id=ids.OP_TITLE, className="card-title"),
                dbc.RadioItems(
                    id=ids.OP_CRITERION,
                    options=[{"label": c, "value": c} for c in CRITERIA],
                    value="cost",
                    inline=True,
                    className="mb-2",
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label(id=ids.OP_COST_FP_LABEL, html_for=ids.OP_COST_FP),
                                dbc.Input(id=ids.OP_COST_FP, type="number", min=0, value=1),
                            ],
                            md=3,
                        ),
                        dbc.Col(
                            [
                                dbc.Label(id=ids.OP_COST_FN_LABEL, html_for=ids.OP_COST_FN),
                                dbc.Input(id=ids.OP_COST_FN, type="number", min=0, value=5),
                            ],
                            md=3,
                        ),
                        dbc.Col(
                            [
                                dbc.Label(id=ids.OP_CONSTRAINT_LABEL, html_for=ids.OP_CONSTRAINT),
                                dbc.Input(
                                    id=ids.OP_CONSTRAINT,
                                    type="number",
                                    min=0,
                                    max=1,
                                    step=0.01,
                                    value=0.8,
                                ),
                            ],
                            md=3,
                        ),
                    ],
                    className="mb-2",
                ),
                html.Div(id=ids.OP_TABLE),
                matched_section(),
            ]
        ),
        className="mt-3",
    )


CRITERION_KEYS = {
    "cost": "ui.crit_cost",
    "precision": "ui.crit_precision",
    "recall": "ui.crit_recall",
    "youden": "ui.crit_youden",
    "f1": "ui.crit_f1",
}


def use_button(version: str, label: str, disabled: bool) -> dbc.Button:
    """The button that moves the slider to a version's operating point."""
    return dbc.Button(
        label,
        id=ids.op_apply(version),
        size="sm",
        color="secondary",
        outline=True,
        disabled=disabled,
    )


def finder_table(
    reports: dict[str, EvaluationReport],
    criterion: str,
    costs: tuple[float | None, float | None],
    constraint: float | None,
    lang: str,
) -> dbc.Table:
    """Each version at its own operating point: threshold, objective, precision, recall,
    false positive rate, FP and FN; a button moves the slider there."""
    view = finder_view(reports, criterion, costs, constraint, lang)
    return data_table(view, ids.OP_POINTS, action=use_button)


def update_finder(
    versions: list[str] | None,
    criterion: str | None,
    cost_fp: float | None,
    cost_fn: float | None,
    constraint: float | None,
    lang: str,
    _jobs: Any,
) -> tuple[Any, ...]:
    lang = lang or "en"
    chosen = criterion or "cost"
    labels = (
        t("ui.operating_point", lang),
        [{"label": t(CRITERION_KEYS[c], lang), "value": c} for c in CRITERIA],
        t("ui.cost_fp", lang),
        t("ui.cost_fn", lang),
        t("ui.constraint", lang),
    )
    try:
        found = backend().reports(versions or [], lang)
        table = finder_table(found.ready, chosen, (cost_fp, cost_fn), constraint, lang)
    except ChampionError as err:
        return alert(err), *labels
    return table, *labels


def apply_point(
    clicks: list[int | None],
    versions: list[str] | None,
    criterion: str | None,
    cost_fp: float | None,
    cost_fn: float | None,
    constraint: float | None,
) -> float:
    """Move the slider to the clicked version's operating point."""
    trigger = dash.ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        raise dash.exceptions.PreventUpdate
    found = point_threshold(
        str(trigger.get("version")), versions, criterion, cost_fp, cost_fn, constraint
    )
    if found is None:
        raise dash.exceptions.PreventUpdate
    return found


def point_threshold(
    version: str,
    versions: list[str] | None,
    criterion: str | None,
    cost_fp: float | None,
    cost_fn: float | None,
    constraint: float | None,
) -> float | None:
    """The version's operating-point threshold to 4 decimals, recomputed on the server (the
    browser only says which button), or None when it has none or is not selected."""
    if version not in (versions or []):
        return None
    report = backend().reports([version]).ready.get(version)
    if report is None:
        return None
    point = operating_point(report, criterion or "cost", cost_fp, cost_fn, constraint)
    if point.threshold is None or math.isinf(point.threshold):
        return None
    return round(point.threshold, 4)


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app (not to Dash's global list, which only the
    first app of a process would receive)."""
    threshold_points.register(app)
    app.callback(
        Output(ids.THRESHOLD_SLIDER, "value"),
        Input(ids.URL, "pathname"),
        State(ids.THRESHOLD_STORE, "data"),
    )(restore_slider)
    app.callback(Output(ids.THRESHOLD_STORE, "data"), Input(ids.THRESHOLD_SLIDER, "value"))(
        remember_threshold
    )
    app.callback(
        Output(ids.OP_TABLE, "children"),
        Output(ids.OP_TITLE, "children"),
        Output(ids.OP_CRITERION, "options"),
        Output(ids.OP_COST_FP_LABEL, "children"),
        Output(ids.OP_COST_FN_LABEL, "children"),
        Output(ids.OP_CONSTRAINT_LABEL, "children"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.OP_CRITERION, "value"),
        Input(ids.OP_COST_FP, "value"),
        Input(ids.OP_COST_FN, "value"),
        Input(ids.OP_CONSTRAINT, "value"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
    )(update_finder)
    app.callback(
        Output(ids.THRESHOLD_SLIDER, "value", allow_duplicate=True),
        Input(ids.op_apply_all(), "n_clicks"),
        State(ids.VERSIONS_STORE, "data"),
        State(ids.OP_CRITERION, "value"),
        State(ids.OP_COST_FP, "value"),
        State(ids.OP_COST_FN, "value"),
        State(ids.OP_CONSTRAINT, "value"),
        prevent_initial_call=True,
    )(apply_point)
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
