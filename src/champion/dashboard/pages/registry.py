"""Registry: every version with its aliases, creation time, run and signature, and one metric
per version on the same test set (the trend chart); below them the Promote and Roll back
controls (operators only, see ``registry_actions``) and the history of ``@champion``."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from champion.dashboard import ids
from champion.dashboard import multiclass as mc
from champion.dashboard.components import (
    alert,
    computing_alert,
    csv_name,
    data_table,
    download_button,
    empty_figure,
    evaluation_notices,
    graph,
    page,
    pending_alert,
    send_csv,
    threshold_of,
)
from champion.dashboard.context import backend
from champion.dashboard.pages import registry_actions
from champion.errors import ChampionError
from champion.evaluation import METRICS
from champion.evaluation.multiclass import MULTICLASS_METRICS
from champion.models import RegisteredModelInfo
from champion.models.refs import CHAMPION_ALIAS
from champion.presentation import metric_label, t, trend_figure
from champion.presentation.table_views import versions_view
from champion.workspace import version_label


def trend_metrics() -> tuple[list[dict[str, str]], str]:
    """The trend chart's metrics (the test set's kind decides which) and the first shown."""
    if mc.is_multiclass(backend()):
        specs, first = MULTICLASS_METRICS, "roc_auc_ovr_macro"
    else:
        specs, first = METRICS, "roc_auc"
    return [{"label": spec.label, "value": spec.name} for spec in specs], first


def layout(**_query: str) -> html.Div:
    options, first = trend_metrics()
    return page(
        html.Div(id=ids.REGISTRY_ALERT),
        download_button(ids.CSV_VERSIONS, backend().config.lang),
        html.Div(id=ids.REGISTRY_TABLE),
        dbc.Row(
            dbc.Col(
                dcc.Dropdown(
                    id=ids.TREND_METRIC,
                    options=options,
                    value=first,
                    clearable=False,
                ),
                width=4,
            ),
            className="mt-3 mb-2",
        ),
        graph(ids.TREND_GRAPH, height=400),
        registry_actions.section(),
    )


def versions_table(model: RegisteredModelInfo, lang: str, ui: str | None = None) -> dbc.Table:
    """Versions, newest first; names, descriptions and tags are shown as text, never as HTML."""
    return data_table(versions_view(model, lang, ui), ids.REGISTRY_VERSIONS)


def trend(model: Any, versions: list[str], evaluated: Any, metric: str, lang: str) -> Any:
    """The metric of every scored version (oldest first) with its interval, @champion ringed."""
    cmp = evaluated.comparison
    if cmp is None:
        return empty_figure(t("ui.no_models", lang))
    ready = [version_label(v, lang) for v in versions if v in evaluated.ready]
    points = [(label, cmp.models[label].metrics[metric]) for label in ready]
    champion = model.aliases.get(CHAMPION_ALIAS)
    highlight = version_label(champion, lang) if champion else None
    figure = trend_figure(points, metric, lang=lang, highlight=highlight)
    figure.update_layout(title=t("chart.trend", lang, metric=metric_label(metric, lang)))
    return figure


def multiclass_trend(
    model: Any, versions: list[str], metric: str, lang: str
) -> tuple[list[Any], Any]:
    """The notices and the trend figure of a multiclass test set, from the comparison of every
    scored version (each metric's estimate with its interval)."""
    found = mc.comparison(backend(), versions, lang)
    shown = pending_alert(found.pending, lang)
    shown += computing_alert(found.computing, found.baseline, lang)
    if found.value is None:
        return shown, empty_figure(t("ui.no_models", lang) if not shown else "")
    cmp = found.value[0]
    points = []
    for version in versions:
        label = version_label(version, lang)
        if label in cmp.models:
            points.append((label, cmp.models[label].estimates[metric]))
    champion = model.aliases.get(CHAMPION_ALIAS)
    highlight = version_label(champion, lang) if champion else None
    figure = trend_figure(points, metric, lang=lang, highlight=highlight)
    figure.update_layout(title=t("chart.trend", lang, metric=metric_label(metric, lang)))
    return shown, figure


def update(
    metric: str, lang: str, threshold: float | None, _jobs: Any, _refresh: Any = None
) -> tuple[Any, ...]:
    lang = lang or "en"
    try:
        model = backend().model(fresh=True)  # this page is about the registry: no stale read
        versions = [v.version for v in reversed(model.versions)]  # oldest first on the x axis
        table = versions_table(model, lang, backend().config.ui_url)
        if mc.is_multiclass(backend()):
            shown, figure = multiclass_trend(model, versions, metric, lang)
            return shown, table, figure
        evaluated = backend().evaluate(versions, threshold_of(threshold), lang)
    except ChampionError as err:
        return alert(err), None, empty_figure()
    figure = trend(model, versions, evaluated, metric, lang)
    return evaluation_notices(evaluated, lang), table, figure


def download_versions(_clicks: int | None, lang: str) -> Any:
    """The versions table as shown, as a CSV file."""
    served = backend()
    return send_csv(
        lambda: (
            versions_view(served.model(fresh=True), lang or "en", served.config.ui_url),
            csv_name("versions"),
        )
    )


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app."""
    app.callback(
        Output(ids.REGISTRY_ALERT, "children"),
        Output(ids.REGISTRY_TABLE, "children"),
        Output(ids.TREND_GRAPH, "figure"),
        Input(ids.TREND_METRIC, "value"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.THRESHOLD_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
        Input(ids.REGISTRY_REFRESH, "data"),
    )(update)
    app.callback(
        Output(ids.csv_download(ids.CSV_VERSIONS), "data"),
        Input(ids.csv_button(ids.CSV_VERSIONS), "n_clicks"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(download_versions)
    registry_actions.register(app)
