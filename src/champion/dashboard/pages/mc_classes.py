"""Classes of a multiclass test set: the per-class table (precision, recall, F1, one-vs-rest AUC
of every selected version, each challenger's differences Holm-adjusted across the classes, the
class it loses most on), the K x K confusion matrix of a version and its difference from the
champion's, row-normalised."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

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
from champion.dashboard.pages.mc_overview import baseline_name, notices
from champion.errors import ChampionError
from champion.evaluation.multiclass import MulticlassComparison
from champion.presentation import t
from champion.presentation.figures_multiclass import (
    confusion_difference_figure,
    confusion_figure,
    per_class_figure,
)
from champion.presentation.multiclass_views import class_view, worst_class_lines
from champion.workspace import version_label


def layout(**_query: str) -> html.Div:
    return page(
        html.Div(id=ids.MC_CLASSES_ALERT),
        html.P(id=ids.MC_WORST_CLASS, className="lead"),
        download_button(ids.CSV_CLASSES, backend().config.lang),
        html.Div(id=ids.MC_CLASS_TABLE),
        graph(ids.MC_PER_CLASS_GRAPH, height=420),
        dbc.Row(
            dbc.Col(
                [
                    dbc.Label(id=ids.MC_CONFUSION_VERSION_LABEL, html_for=ids.MC_CONFUSION_VERSION),
                    dcc.Dropdown(id=ids.MC_CONFUSION_VERSION, clearable=False),
                ],
                md=4,
            ),
            className="mt-3 mb-2",
        ),
        dbc.Row(
            [
                dbc.Col(graph(ids.MC_CONFUSION_GRAPH, 520), lg=6),
                dbc.Col(graph(ids.MC_DIFFERENCE_GRAPH, 520), lg=6),
            ]
        ),
    )


def version_options(
    versions: list[str] | None, current: str | None, lang: str
) -> tuple[list[dict[str, str]], str | None, str]:
    """The selected versions that are scored; keeps the current choice, else the first
    challenger (else the baseline)."""
    label = t("mc.ui.confusion_version", lang or "en")
    try:
        ordered, _ = backend().ready_and_baseline(versions or [])
    except ChampionError:
        return [], None, label
    options = [{"label": version_label(v, lang or "en"), "value": v} for v in ordered]
    default = ordered[1] if len(ordered) > 1 else (ordered[0] if ordered else None)
    return options, current if current in ordered else default, label


def confusions(cmp: MulticlassComparison, picked: str, lang: str) -> tuple[Any, Any]:
    """The picked version's confusion matrix, and its difference from the baseline's."""
    name = backend().key(picked).label(lang)
    if name not in cmp.models:
        return empty_figure(), empty_figure()
    report = cmp.models[name].report
    if name == cmp.baseline:
        return confusion_figure(report, lang), empty_figure(t("mc.ui.pick_challenger", lang))
    base = cmp.baseline_evaluation.report
    return confusion_figure(report, lang), confusion_difference_figure(base, report, lang)


def update(
    versions: list[str] | None, picked: str | None, lang: str, _jobs: Any
) -> tuple[Any, ...]:
    lang = lang or "en"
    nothing = (empty_figure(), empty_figure(), empty_figure())
    try:
        found = mc.comparison(backend(), versions or [], lang)
    except ChampionError as err:
        return alert(err), "", None, *nothing
    if found.value is None:
        return notices(found, lang), "", None, *nothing
    cmp = found.value[0]
    table = data_table(class_view(cmp, lang), ids.MC_CLASS_ROWS)
    matrices = confusions(cmp, picked, lang) if picked else (empty_figure(), empty_figure())
    bars = per_class_figure(cmp, "f1", lang)
    return notices(found, lang), worst_lines(cmp, lang), table, bars, *matrices


def download(_clicks: int | None, versions: list[str] | None, lang: str) -> Any:
    """The per-class table as shown, as a CSV file."""
    lang = lang or "en"

    def table() -> Export | None:
        found = mc.comparison(backend(), versions or [], lang)
        if found.value is None:
            return None
        return class_view(found.value[0], lang), csv_name("classes", versions)

    return send_csv(table)


def worst_lines(cmp: MulticlassComparison, lang: str) -> list[Any]:
    """Each challenger's class that loses most (or none), one per line."""
    shown: list[Any] = []
    for text in worst_class_lines(cmp, lang, baseline_name(cmp, lang)):
        shown += [text, html.Br()]
    return shown[:-1]


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app."""
    app.callback(
        Output(ids.MC_CONFUSION_VERSION, "options"),
        Output(ids.MC_CONFUSION_VERSION, "value"),
        Output(ids.MC_CONFUSION_VERSION_LABEL, "children"),
        Input(ids.VERSIONS_STORE, "data"),
        State(ids.MC_CONFUSION_VERSION, "value"),
        Input(ids.LANG_STORE, "data"),
    )(version_options)
    app.callback(
        Output(ids.MC_CLASSES_ALERT, "children"),
        Output(ids.MC_WORST_CLASS, "children"),
        Output(ids.MC_CLASS_TABLE, "children"),
        Output(ids.MC_PER_CLASS_GRAPH, "figure"),
        Output(ids.MC_CONFUSION_GRAPH, "figure"),
        Output(ids.MC_DIFFERENCE_GRAPH, "figure"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.MC_CONFUSION_VERSION, "value"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
    )(update)
    app.callback(
        Output(ids.csv_download(ids.CSV_CLASSES), "data"),
        Input(ids.csv_button(ids.CSV_CLASSES), "n_clicks"),
        State(ids.VERSIONS_STORE, "data"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(download)
