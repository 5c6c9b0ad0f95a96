"""Curves: ROC, precision-recall, calibration and cumulative gain of every selected version,
overlaid, with a marker at the current threshold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from champion.dashboard import ids
from champion.dashboard.components import alert, empty_figure, graph, page, pending_alert
from champion.dashboard.context import backend
from champion.dashboard.figure_cache import merge_models
from champion.errors import ChampionError
from champion.evaluation import EvaluationReport
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
    figures = backend().figures
    calibration = figures.get(
        ("calibration", tuple(found.ready), lang), lambda: calibration_figure(reports, lang=lang)
    )
    return (
        pending_alert(found.pending, lang),
        *(curve_figure(kind, found.ready, float(cut), lang) for kind in ("roc", "pr")),
        calibration,
        curve_figure("gain", found.ready, float(cut), lang),
    )


CURVES = {"roc": roc_figure, "pr": pr_figure, "gain": gain_figure}


def curve_figure(
    kind: str, ready: dict[str, EvaluationReport], cut: float, lang: str
) -> dict[str, Any]:
    """The ROC, PR or gain figure of the ready versions: each version's curve is built once
    (per threshold and language) and the figure assembled from them, so adding a version to a
    selection builds only that version's curve."""
    figures = backend().figures
    build = CURVES[kind]

    def single(report: EvaluationReport) -> Callable[[], Any]:
        return lambda: build({report.name: report}, threshold=cut, lang=lang)

    singles = [
        figures.get((kind, version, cut, lang), single(report)) for version, report in ready.items()
    ]
    if sum(1 for f in singles if f.get("layout", {}).get("annotations")) > 1:
        reports = {report.name: report for report in ready.values()}
        whole: dict[str, Any] = figures.get(  # notes of several versions: written together
            (kind, tuple(ready), cut, lang), lambda: build(reports, threshold=cut, lang=lang)
        )
        return whole
    return merge_models(singles)


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
