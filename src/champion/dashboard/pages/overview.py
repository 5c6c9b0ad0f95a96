"""Overview: the metrics of every selected version with their intervals, the paired differences
against the champion, the grouped bar chart, and the verdict in words."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from champion.dashboard import ids
from champion.dashboard.components import (
    Export,
    alert,
    csv_name,
    data_table,
    download_button,
    empty_figure,
    evaluation_notices,
    graph,
    page,
    send_csv,
    threshold_of,
)
from champion.dashboard.context import backend
from champion.errors import ChampionError
from champion.evaluation import Comparison
from champion.models.refs import CHAMPION_ALIAS
from champion.presentation import metrics_bar, t
from champion.presentation.i18n import verdict_sentence
from champion.presentation.table_views import metrics_view
from champion.workspace import version_label


def layout(**_query: str) -> html.Div:
    return page(
        html.Div(id=ids.OVERVIEW_ALERT),
        html.P(id=ids.VERDICT, className="lead"),
        download_button(ids.CSV_OVERVIEW, backend().config.lang),
        html.Div(id=ids.METRICS_TABLE),
        graph(ids.METRICS_BAR, height=460),
    )


def metrics_table(cmp: Comparison, lang: str) -> dbc.Table:
    """One row per metric: each version's value [CI], then each challenger's difference."""
    return data_table(metrics_view(cmp, lang), ids.OVERVIEW_TABLE)


def verdicts(cmp: Comparison, lang: str) -> list[Any]:
    champion = backend().model().aliases.get(CHAMPION_ALIAS)
    base = cmp.baseline
    if champion is not None and base == version_label(champion, lang):
        base = f"champion ({base})" if lang != "ja" else f"チャンピオン ({base})"
    rows = cmp.baseline_report.n
    lines: list[Any] = []
    for name, comparison in cmp.comparisons.items():
        lines.append(verdict_sentence(comparison.deltas["roc_auc"], name, base, rows, lang))
        lines.append(html.Br())
    return lines[:-1]


def update(
    versions: list[str] | None, threshold: float | None, lang: str, _jobs: Any
) -> tuple[Any, ...]:
    lang = lang or "en"
    try:
        evaluated = backend().evaluate(versions or [], threshold_of(threshold), lang)
    except ChampionError as err:
        return alert(err), "", None, empty_figure()
    notices = evaluation_notices(evaluated, lang)
    cmp = evaluated.comparison
    if cmp is None:
        return notices, "", None, empty_figure(t("ui.no_models", lang))
    return notices, verdicts(cmp, lang), metrics_table(cmp, lang), metrics_bar(cmp, lang=lang)


def download(
    _clicks: int | None, versions: list[str] | None, threshold: float | None, lang: str
) -> Any:
    """The metrics table (every metric, the differences) as shown, as a CSV file."""
    lang = lang or "en"

    def table() -> Export | None:
        cmp = backend().evaluate(versions or [], threshold_of(threshold), lang).comparison
        return None if cmp is None else (metrics_view(cmp, lang), csv_name("overview", versions))

    return send_csv(table)


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app (not to Dash's global list, which only the
    first app of a process would receive)."""
    app.callback(
        Output(ids.OVERVIEW_ALERT, "children"),
        Output(ids.VERDICT, "children"),
        Output(ids.METRICS_TABLE, "children"),
        Output(ids.METRICS_BAR, "figure"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.THRESHOLD_STORE, "data"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
    )(update)
    app.callback(
        Output(ids.csv_download(ids.CSV_OVERVIEW), "data"),
        Input(ids.csv_button(ids.CSV_OVERVIEW), "n_clicks"),
        State(ids.VERSIONS_STORE, "data"),
        State(ids.THRESHOLD_STORE, "data"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(download)
