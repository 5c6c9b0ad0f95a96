"""Overview of a multiclass test set: every multiclass metric of every selected version with its
interval, each challenger's paired differences against the champion, the grouped bar chart, and
the verdict in words (the default gate's metric, and the class a challenger loses most on)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, html

from champion.dashboard import ids
from champion.dashboard import multiclass as mc
from champion.dashboard.components import (
    Export,
    alert,
    computing_alert,
    csv_name,
    data_table,
    download_button,
    empty_figure,
    graph,
    page,
    pending_alert,
    send_csv,
)
from champion.dashboard.context import backend
from champion.errors import ChampionError
from champion.evaluation.multiclass import MulticlassComparison
from champion.models.refs import CHAMPION_ALIAS
from champion.presentation import t
from champion.presentation.figures_multiclass import multiclass_metrics_bar
from champion.presentation.i18n import verdict_sentence
from champion.presentation.multiclass_views import multiclass_metrics_view, worst_class_lines
from champion.workspace import version_label

VERDICT_METRIC = "roc_auc_ovr_macro"  # the default gate's metric (MULTICLASS_DEFAULT_RULES)


def layout(**_query: str) -> html.Div:
    return page(
        html.Div(id=ids.MC_OVERVIEW_ALERT),
        html.P(id=ids.MC_VERDICT, className="lead"),
        download_button(ids.CSV_MC_OVERVIEW, backend().config.lang),
        html.Div(id=ids.MC_METRICS_TABLE),
        graph(ids.MC_METRICS_BAR, height=520),
    )


def baseline_name(cmp: MulticlassComparison, lang: str) -> str:
    """The baseline as sentences name it: "champion (version 1)" when it holds @champion."""
    champion = backend().model().aliases.get(CHAMPION_ALIAS)
    if champion is None or cmp.baseline != version_label(champion, lang):
        return cmp.baseline
    return f"champion ({cmp.baseline})" if lang != "ja" else f"チャンピオン ({cmp.baseline})"


def verdicts(cmp: MulticlassComparison, lang: str) -> list[Any]:
    """Per challenger: the default gate metric's verdict, then its worst class (or none)."""
    rows = cmp.baseline_evaluation.report.n
    base = baseline_name(cmp, lang)
    lines: list[Any] = []
    worst = worst_class_lines(cmp, lang, base)
    for (name, comparison), loses in zip(cmp.comparisons.items(), worst, strict=True):
        delta = comparison.deltas[VERDICT_METRIC]
        lines += [verdict_sentence(delta, name, base, rows, lang), html.Br(), loses]
        lines.append(html.Br())
    return lines[:-1]


def notices(found: Any, lang: str) -> list[Any]:
    """Versions still scored, a comparison computing, and what lining up the classes changed."""
    shown = pending_alert(found.pending, lang) + computing_alert(
        found.computing, found.baseline, lang
    )
    if found.value is not None:
        shown += [alert(note, "warning") for note in found.value[1]]
    return shown


def update(versions: list[str] | None, lang: str, _jobs: Any) -> tuple[Any, ...]:
    lang = lang or "en"
    try:
        found = mc.comparison(backend(), versions or [], lang)
    except ChampionError as err:
        return alert(err), "", None, empty_figure()
    if found.value is None:
        message = "" if found.pending or found.computing else t("ui.no_models", lang)
        return notices(found, lang), "", None, empty_figure(message)
    cmp = found.value[0]
    table = data_table(multiclass_metrics_view(cmp, lang), ids.MC_METRICS_ROWS)
    return notices(found, lang), verdicts(cmp, lang), table, multiclass_metrics_bar(cmp, lang)


def download(_clicks: int | None, versions: list[str] | None, lang: str) -> Any:
    """The metrics table (every multiclass metric, the differences) as shown, as a CSV file."""
    lang = lang or "en"

    def table() -> Export | None:
        found = mc.comparison(backend(), versions or [], lang)
        if found.value is None:
            return None
        return multiclass_metrics_view(found.value[0], lang), csv_name("overview", versions)

    return send_csv(table)


def register(app: dash.Dash) -> None:
    """Attach this module's callbacks to app."""
    app.callback(
        Output(ids.MC_OVERVIEW_ALERT, "children"),
        Output(ids.MC_VERDICT, "children"),
        Output(ids.MC_METRICS_TABLE, "children"),
        Output(ids.MC_METRICS_BAR, "figure"),
        Input(ids.VERSIONS_STORE, "data"),
        Input(ids.LANG_STORE, "data"),
        Input(ids.JOBS_STATUS, "children"),
    )(update)
    app.callback(
        Output(ids.csv_download(ids.CSV_MC_OVERVIEW), "data"),
        Input(ids.csv_button(ids.CSV_MC_OVERVIEW), "n_clicks"),
        State(ids.VERSIONS_STORE, "data"),
        State(ids.LANG_STORE, "data"),
        prevent_initial_call=True,
    )(download)
