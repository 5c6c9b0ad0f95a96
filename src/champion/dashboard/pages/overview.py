"""Overview: the metrics of every selected version with their intervals, the paired differences
against the champion, the grouped bar chart, and the verdict in words."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from champion.dashboard import ids
from champion.dashboard.components import (
    alert,
    computing_alert,
    empty_figure,
    graph,
    page,
    pending_alert,
)
from champion.dashboard.context import backend
from champion.errors import ChampionError
from champion.evaluation import Comparison
from champion.models.refs import CHAMPION_ALIAS
from champion.presentation import delta_rows, metric_label, metric_rows, metrics_bar, t
from champion.presentation.i18n import verdict_sentence
from champion.workspace import DEFAULT_THRESHOLD, version_label


def layout(**_query: str) -> html.Div:
    return page(
        html.Div(id=ids.OVERVIEW_ALERT),
        html.P(id=ids.VERDICT, className="lead"),
        html.Div(id=ids.METRICS_TABLE),
        graph(ids.METRICS_BAR, height=460),
    )


def metrics_table(cmp: Comparison, lang: str) -> dbc.Table:
    """One row per metric: each version's value [CI], then each challenger's difference."""
    challengers = [name for name in cmp.models if name != cmp.baseline]
    header = [t("ui.metric", lang)] + [
        f"{name} ({t('ui.baseline', lang)})" if name == cmp.baseline else name
        for name in cmp.models
    ]
    header += [f"Δ {name}" for name in challengers]
    deltas = delta_rows(cmp)
    body = []
    for i, row in enumerate(metric_rows(cmp)):
        cells = [html.Td(metric_label(row.metric, lang))]
        cells += [html.Td(cell.text, title=cell.note or None) for cell in row.cells]
        for name in challengers:
            d = deltas[name][i]
            colour = {"better": "text-success", "worse": "text-danger"}.get(d.verdict, "")
            cells.append(html.Td(d.text, title=d.reason, className=colour))
        body.append(html.Tr(cells))
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(body)],
        bordered=False,
        hover=True,
        size="sm",
        responsive=True,
        id="overview-table",
    )


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
        evaluated = backend().evaluate(versions or [], _threshold(threshold), lang)
    except ChampionError as err:
        return alert(err), "", None, empty_figure()
    notices = pending_alert(evaluated.pending, lang) + computing_alert(
        evaluated.computing, evaluated.baseline, lang
    )
    cmp = evaluated.comparison
    if cmp is None:
        return notices, "", None, empty_figure(t("ui.no_models", lang))
    return notices, verdicts(cmp, lang), metrics_table(cmp, lang), metrics_bar(cmp, lang=lang)


def _threshold(value: float | None) -> float:
    return DEFAULT_THRESHOLD if value is None else float(value)


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
